"""数据说明 Data: the snapshot in use, the metric dictionary with its definitions (口径) in both
languages, and downloads of the underlying tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.core import fmt, privacy
from govdash.core.catalog import load_catalog
from govdash.core.contract import SCHEMA_VERSION, TABLES
from govdash.core.exports import csv_bytes, xlsx_bytes
from govdash.core.i18n import date_label, t
from govdash.core.scope import Selection
from govdash.core.vocab import label
from govdash.importing.spec import load_spec

XLSX_LIMIT = 100_000  # rows; bigger tables download as CSV only (Excel files that size are slow)


def snapshot_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    snap = ctx.snapshot
    st.subheader(t("data.snapshot", lang), anchor=False)
    facts = {
        t("data.as_of", lang): date_label(snap.as_of, lang),
        t("data.provenance", lang): label("provenances", snap.provenance, lang),
        t("data.is_demo", lang): t("yes" if snap.is_demo else "no", lang),
        t("data.created", lang): created_label(snap.manifest.get("created_at"), lang),
    }
    if ctx.details:  # for analysts: the id a figure is traced by, and where the files are
        facts[t("data.id", lang)] = snap.id
        facts[t("data.schema", lang)] = str(snap.manifest.get("schema_version", SCHEMA_VERSION))
        facts[t("data.folder", lang)] = str(snap.path)
    if snap.manifest.get("note") and not snap.is_demo:  # the demo's note is machine-made English
        facts[t("data.note", lang)] = snap.manifest["note"]
    st.dataframe(
        pd.DataFrame(
            {t("col.item", lang): list(facts), t("col.value", lang): list(facts.values())}
        ),
        hide_index=True,
        width="stretch",
    )


def created_label(stamp: object, lang: str) -> str:
    """A manifest's ISO timestamp as people write it: 2025年7月18日 22:52 (UTC)."""
    try:
        when = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return "—"
    return f"{date_label(when.date(), lang)} {when:%H:%M} (UTC)"


def _table(snapshot, name: str, lang: str | None = None) -> pd.DataFrame:
    """A snapshot table as it may be downloaded: small sensitive counts blanked (core.privacy)
    and, given a language, headers in it with the machine name beside them ("区划代码 (code)",
    the import template's words, so a downloaded table reads like the template)."""
    frame = privacy.shareable_table(name, pq.read_table(snapshot.table_path(name)).to_pandas())
    sheet = load_spec().get(name) if lang else None
    if sheet is not None:
        words = {c.name: (c.zh if lang == "zh" else c.en) for c in sheet.columns}
        frame.columns = [f"{words[c]} ({c})" if c in words else c for c in frame.columns]
    return frame


def describe(name: str, lang: str, lines: list[str] | tuple[str, ...]) -> list[str]:
    """The header block of a table download: what the table is, then the snapshot lines."""
    sheet = load_spec().get(name)
    what = f"{t(f'table.{name}', lang)}：{sheet.about(lang)}" if sheet and lang == "zh" else (
        f"{t(f'table.{name}', lang)}: {sheet.about(lang)}" if sheet else t(f"table.{name}", lang)
    )  # fmt: skip
    return [what, *lines]


def _xlsx(snapshot, name: str, about: list[str] | tuple[str, ...] = (), lang: str = "zh") -> bytes:
    return xlsx_bytes(
        {t(f"table.{name}", lang): _table(snapshot, name, lang)},
        about=describe(name, lang, about),
        about_title=t("export.about_sheet", lang),
    )


def _csv(
    snapshot, name: str, preamble: list[str] | tuple[str, ...] = (), lang: str = "zh"
) -> bytes:
    return csv_bytes(_table(snapshot, name, lang), describe(name, lang, preamble))


def tables_panel(ctx: context.Context) -> None:
    """Row counts and lazily built downloads (a file is only made when its button is clicked)."""
    lang = ctx.lang
    snap = ctx.snapshot
    st.subheader(t("data.tables", lang), anchor=False)
    st.caption(t("data.tables_note", lang, limit=fmt.number(XLSX_LIMIT, lang, compact=False)))
    for name in TABLES:
        if not snap.has_table(name):
            continue
        rows = snap.row_counts.get(name, 0)
        a, b, c = st.columns([3, 1, 1])
        machine = f" · `{name}`" if ctx.details else ""  # the file's own name, for analysts
        a.markdown(
            f"**{t(f'table.{name}', lang)}**{machine} · "
            + t("data.rows", lang, n=fmt.number(rows, lang, compact=False))
        )
        b.download_button(
            "CSV",
            data=lambda n=name: _csv(snap, n, chrome.download_preamble(ctx), lang),
            file_name=f"{t(f'table.{name}', lang)}_{snap.as_of.isoformat()}.csv",
            mime="text/csv",
            key=f"dl-csv-{name}",
            width="stretch",
        )
        if rows <= XLSX_LIMIT:
            c.download_button(
                "XLSX",
                data=lambda n=name: _xlsx(snap, n, chrome.download_preamble(ctx), lang),
                file_name=f"{t(f'table.{name}', lang)}_{snap.as_of.isoformat()}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"dl-xlsx-{name}",
                width="stretch",
            )


def dictionary_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("data.dictionary", lang), anchor=False)
    catalog = load_catalog()
    rows = []
    for m in catalog.visible():
        rows.append(
            {
                t("col.metric_id", lang): m.id,
                t("col.metric", lang): m.name(lang),
                t("col.unit", lang): m.unit_label(lang),
                t("col.kind", lang): t(f"kind.{m.kind}", lang),
                t("col.source", lang): t(f"table.{m.source}", lang) if m.source else "—",
                t("col.definition_zh", lang): m.definition["zh"],
                t("col.definition_en", lang): m.definition["en"],
            }
        )
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch", height=520)
    st.caption(t("data.kinds_note", lang))
    st.download_button(
        t("download.csv", lang),
        data=csv_bytes(table, [t("export.what", lang, what=t("data.dictionary", lang))]),
        file_name=f"{t('data.dictionary', lang)}.csv",
        mime="text/csv",
        key="dl-dictionary",
    )


def completeness_panel(ctx: context.Context) -> None:
    """Which districts' communities reported each month: a missing report is never a zero."""
    from govdash.core.divisions import city_code
    from govdash.core.i18n import month_label
    from govdash.viz.charts import share_heatmap_figure

    lang = ctx.lang
    st.subheader(t("completeness.heading", lang), anchor=False)
    months = ctx.options.months
    start = months[max(0, len(months) - 12)]
    frame = fetch.completeness(ctx, start, months[-1])
    frame["share"] = 100 * frame["reported"] / frame["communities"]
    pivot = frame.pivot(index="district_code", columns="month", values="share")
    title = chrome.chart_title(
        ctx,
        t("completeness.what", lang),
        t("unit.share", lang),
        t("period.range", lang, start=month_label(start, lang), end=month_label(months[-1], lang)),
        scope=ctx.name(city_code(ctx.divisions)),
    )
    fig = share_heatmap_figure(
        pivot,
        title,
        [month_label(m, lang) for m in pivot.columns],
        [ctx.name(c) for c in pivot.index],
    )
    chrome.chart(ctx, fig, frame, key="completeness", queries=["completeness"])
    latest = frame[frame["month"] == months[-1]]
    missing = int(latest["missing"].sum())
    if missing:
        st.warning(
            t("completeness.missing", lang, n=missing, month=month_label(months[-1], lang)),
            icon=":material/warning:",
        )
        whole = Selection.of((), ctx.divisions)  # this page shows the whole city
        codes = fetch.missing_reports(ctx, whole, months[-1])
        rows = [
            {t("col.community", lang): ctx.name(c), t("col.where", lang): ctx.name(c[:6])}
            for c in codes
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=240)
    else:
        st.caption(t("completeness.all", lang, month=month_label(months[-1], lang)))


def snapshots_panel(ctx: context.Context) -> None:
    """Every good snapshot, a re-check of checksums, and what changed between two of them."""
    from govdash.core.snapshot import scan_snapshots, verify_snapshot

    lang = ctx.lang
    st.subheader(t("snapshots.heading", lang), anchor=False)
    good, problems = scan_snapshots(Path(ctx.root))
    rows = [
        {
            t("data.id", lang): s.id,
            t("data.as_of", lang): date_label(s.as_of, lang),
            t("data.provenance", lang): label("provenances", s.provenance, lang),
            t("data.created", lang): s.manifest.get("created_at", ""),
        }
        for s in good
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for p in problems:
        st.warning(chrome.md(p.text(lang)))
    if st.button(t("snapshots.verify", lang), key="verify-all"):
        with st.spinner(t("spinner.loading", lang)):
            for s in good:
                verify_snapshot(s.path, force=True)
        st.success(t("snapshots.verified", lang, n=len(good)))
    if len(good) < 2:
        st.caption(t("snapshots.one", lang))
        return
    ids = [s.id for s in good]
    left, right = st.columns(2)
    a = left.selectbox(
        t("snapshots.a", lang), ids, index=1, key="diff-a", placeholder=t("filter.choose", lang)
    )
    b = right.selectbox(
        t("snapshots.b", lang), ids, index=0, key="diff-b", placeholder=t("filter.choose", lang)
    )
    if a == b:
        return
    with st.spinner(t("spinner.loading", lang)):
        tables, metrics = fetch.diff(ctx, a, b)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("col.table", lang): t(f"table.{d.table}", lang),
                    t("snapshots.rows_a", lang): d.rows_a,
                    t("snapshots.rows_b", lang): d.rows_b,
                    t("snapshots.added", lang): d.added,
                    t("snapshots.removed", lang): d.removed,
                    t("snapshots.changed", lang): d.changed,
                }
                for d in tables
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if metrics.empty:
        st.caption(t("snapshots.no_metric_change", lang))
        return
    catalog = load_catalog()
    names = dict(zip(ctx.divisions["code"], ctx.divisions[f"name_{lang}"], strict=True))
    shown = pd.DataFrame(
        {
            t("col.where", lang): metrics["division_code"].map(names),
            t("col.metric", lang): [catalog[m].name(lang) for m in metrics["metric"]],
            "A": metrics["a"],
            "B": metrics["b"],
            t("snapshots.delta", lang): metrics["delta"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", height=320)
