"""数据说明 Data: the snapshot in use, the metric dictionary with its definitions (口径) in both
languages, and downloads of the underlying tables."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from govdash.app import chrome, context, fetch, signin
from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import SCHEMA_VERSION, TABLES
from govdash.core.data.vocab import label
from govdash.core.engine.build_engine import ENGINE_NAMES
from govdash.core.outputs.exports import csv_bytes, xlsx_bytes, zip_bytes
from govdash.core.question.scope import Selection
from govdash.core.rules import privacy
from govdash.core.rules.roles import RIGHTS, keep_visible
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, stamp_label, t
from govdash.importing.spec import load_spec

# Streamlit builds a whole download before the browser gets a byte, so a table is offered only
# in the formats it can be built and sent in about 2 s (bench/download_bench.py, in Chromium:
# 1M activity rows as zipped CSV 1.7 s from click to download, 53,000 monthly reports as XLSX
# 0.9 s). Bigger tables go through the CLI.
XLSX_LIMIT = 100_000  # rows
CSV_LIMIT = 1_200_000  # rows
EXPORT_COMMAND = "python -m govdash export"
# Above this many rows the CSV comes zipped (deflate level 1, ~0.6 s for 1M rows): Streamlit's
# server gzips a text download at level 5 before the browser gets a byte (~2 s for 93 MB), but
# leaves a zip alone, and the file crosses a city network five times smaller.
ZIP_ROWS = 200_000
EXPORT_COMMAND = "python -m govdash export"


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
        if signin.session_is_admin():  # a server path is for the people who run the server
            facts[t("data.folder", lang)] = str(snap.path)
        engine = (snap.manifest.get("rollup_settings") or {}).get("engine")
        if engine:  # which engine built the rollups the figures are read from (GOVDASH_ENGINE)
            facts[t("data.rollup_engine", lang)] = ENGINE_NAMES.get(engine, engine)
    if snap.manifest.get("note") and not snap.is_demo:  # the demo's note is machine-made English
        facts[t("data.note", lang)] = snap.manifest["note"]
    st.dataframe(
        pd.DataFrame(
            {t("col.item", lang): list(facts), t("col.value", lang): list(facts.values())}
        ),
        hide_index=True,
        width="stretch",
    )


def access_panel(ctx: context.Context) -> None:
    """How this site lets people in (docs/access.md): open or signed-in, and, for the session,
    who it is, what it may do and which divisions it sees below the open levels."""
    lang = ctx.lang
    st.subheader(t("data.access", lang), anchor=False)
    if ctx.access is None:
        st.caption(t("data.access.none", lang))
        return
    person = ctx.person
    rights = sorted(person.rights, key=RIGHTS.index) if person is not None else []
    facts = {
        t("data.access.mode", lang): t(
            f"data.access.mode.{ctx.access.mode_for(signin.oidc_configured())}", lang
        ),
        t("data.access.who", lang): t("data.access.visitor", lang)
        if person is None or person.id == signin.VISITOR_ID
        else (person.name or person.id),
        t("data.access.scope", lang): context.scope_name(ctx),
        t("data.access.rights", lang): join((t(f"signin.right.{r}", lang) for r in rights), lang),
        t("data.access.open_levels", lang): join(
            (label("levels", lv, lang) for lv in ctx.access.open_levels), lang
        ),
    }
    if ctx.may("admin"):
        facts[t("data.access.people", lang)] = str(len(ctx.access.people))
    st.dataframe(
        pd.DataFrame(
            {t("col.item", lang): list(facts), t("col.value", lang): list(facts.values())}
        ),
        hide_index=True,
        width="stretch",
    )


def created_label(stamp: object, lang: str) -> str:
    """A manifest's ISO timestamp as people write it: 2025年7月18日 22:52 (UTC)."""
    return stamp_label(stamp, lang)


def _table(
    snapshot, name: str, lang: str | None = None, visible: frozenset[str] | None = None
) -> pd.DataFrame:
    """A snapshot table as it may be downloaded: the rows of the reader's divisions (`visible`,
    None for all), small sensitive counts blanked (core.rules.privacy) and, given a language,
    headers in it with the machine name beside them ("区划代码 (code)", the import template's
    words, so a downloaded table reads like the template)."""
    frame = pq.read_table(snapshot.table_path(name)).to_pandas()
    if visible is not None:
        frame = keep_visible(frame, visible).reset_index(drop=True)
    frame = privacy.shareable_table(name, frame)
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


def _xlsx(
    snapshot,
    name: str,
    about: list[str] | tuple[str, ...] = (),
    lang: str = "zh",
    visible: frozenset[str] | None = None,
) -> bytes:
    return xlsx_bytes(
        {t(f"table.{name}", lang): _table(snapshot, name, lang, visible)},
        about=describe(name, lang, about),
        about_title=t("export.about_sheet", lang),
    )


def _csv(
    snapshot,
    name: str,
    preamble: list[str] | tuple[str, ...] = (),
    lang: str = "zh",
    visible: frozenset[str] | None = None,
) -> bytes:
    return csv_bytes(_table(snapshot, name, lang, visible), describe(name, lang, preamble))


def _zipped_csv(
    snapshot,
    name: str,
    inner: str,
    preamble: list[str] | tuple[str, ...] = (),
    lang: str = "zh",
    visible: frozenset[str] | None = None,
) -> bytes:
    """The table's CSV inside a zip (Windows and macOS open it with a double click)."""
    return zip_bytes(inner, _csv(snapshot, name, preamble, lang, visible))


def tables_panel(ctx: context.Context) -> None:
    """Row counts and lazily built downloads (a file is only made when its button is clicked)."""
    lang = ctx.lang
    snap = ctx.snapshot
    st.subheader(t("data.tables", lang), anchor=False)
    st.caption(t("data.tables_note", lang, limit=fmt.number(XLSX_LIMIT, lang, compact=False)))
    visible = None if ctx.scope.whole_city else ctx.visible  # a district office: its own rows
    chrome.rows_note(ctx, narrowed=visible is not None)
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
        if rows > CSV_LIMIT:
            limit = fmt.number(CSV_LIMIT, lang, compact=False)
            b.caption(t("data.too_big", lang, limit=limit, command=EXPORT_COMMAND))
            continue
        stem = f"{t(f'table.{name}', lang)}_{snap.as_of.isoformat()}"
        if rows > ZIP_ROWS:
            data = partial(
                _zipped_csv, snap, name, f"{stem}.csv", chrome.download_preamble(ctx), lang,
                visible,
            )  # fmt: skip
            label, file_name, mime = "CSV (ZIP)", f"{stem}.zip", "application/zip"
        else:
            data = partial(_csv, snap, name, chrome.download_preamble(ctx), lang, visible)
            label, file_name, mime = "CSV", f"{stem}.csv", "text/csv"
        b.download_button(
            label,
            on_click="ignore",  # a download needs no rerun, which would slow it
            data=data,
            file_name=file_name,
            mime=mime,
            key=f"dl-csv-{name}",
            width="stretch",
        )
        if rows <= XLSX_LIMIT:
            c.download_button(
                "XLSX",
                on_click="ignore",  # a download needs no rerun, which would slow it
                data=partial(_xlsx, snap, name, chrome.download_preamble(ctx), lang, visible),
                file_name=f"{stem}.xlsx",
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
        on_click="ignore",  # a download needs no rerun, which would slow it
        data=csv_bytes(table, [t("export.what", lang, what=t("data.dictionary", lang))]),
        file_name=f"{t('data.dictionary', lang)}.csv",
        mime="text/csv",
        key="dl-dictionary",
    )


def completeness_panel(ctx: context.Context) -> None:
    """Which districts' communities reported each month: a missing report is never a zero."""
    from govdash.core.data.divisions import city_code
    from govdash.core.text.i18n import month_label
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
            t(
                "completeness.missing",
                lang,
                n=missing,
                month=month_label(months[-1], lang),
                months=load_catalog().settings.stock_lookback_months,
            ),  # fmt: skip
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
    freshness_table(ctx)


def freshness_table(ctx: context.Context) -> None:
    """How current each district's activity records are: weekly senders stand days behind the
    as-of date, monthly senders up to a month, so a partial month's flows are not compared."""
    from govdash.core.text.i18n import date_label

    lang = ctx.lang
    as_of = ctx.snapshot.as_of
    since = (pd.Timestamp(as_of).to_period("M") - 2).to_timestamp().date()
    frame = fetch.activity_freshness(ctx, since).set_index("district_code")
    st.markdown(f"**{t('freshness.heading', lang)}**")
    rows = []
    districts = ctx.divisions.loc[ctx.divisions["level"] == "district", "code"]
    for code in districts:
        known = code in frame.index
        rows.append(
            {
                t("col.district", lang): ctx.name(code),
                t("freshness.last", lang): (
                    date_label(frame.at[code, "last_activity"], lang)
                    if known
                    else t("freshness.none", lang, since=date_label(since, lang))
                ),
                t("freshness.behind", lang): (
                    t("freshness.days", lang, n=int(frame.at[code, "days_behind"])) if known else ""
                ),
            }
        )
    st.table(pd.DataFrame(rows).set_index(t("col.district", lang)))
    st.caption(t("freshness.note", lang, as_of=date_label(as_of, lang)))


def snapshots_panel(ctx: context.Context) -> None:
    """Every good snapshot, a re-check of checksums, and what changed between two of them."""
    from govdash.core.data.snapshot import scan, verify_snapshot

    lang = ctx.lang
    st.subheader(t("snapshots.heading", lang), anchor=False)
    good, skipped = scan(Path(ctx.root))
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
    admin = signin.session_is_admin()
    for folder in skipped:  # paths on the server only for an admin; the log has them too
        for p in folder.problems if admin else ():
            st.warning(chrome.md(p.text(lang)))
        if not admin:
            st.warning(t("warning.skipped_short", lang, snapshot=chrome.md(folder.id),
                         reason=t(f"snapshot.reason.{folder.reason}", lang)))  # fmt: skip
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


AUDIT_SHOWN = 500  # the newest entries on the page; `python -m govdash audit` lists them all


def audit_panel(ctx: context.Context) -> None:
    """The audit trail, newest first, for admins only: who imported, replaced, pruned, signed in
    or was refused, and when (a visitor sees nothing of it, not even that it exists)."""
    if not signin.session_is_admin():
        return
    from govdash.core.data import audit_table
    from govdash.core.data.audit import read_trail

    lang = ctx.lang
    st.subheader(t("data.audit.heading", lang), anchor=False)
    trail = read_trail(Path(ctx.root))
    newest = list(reversed(trail.entries))[:AUDIT_SHOWN]
    if not newest:
        st.caption(t("audit.none", lang))
        return
    head = audit_table.header(lang)
    frame = pd.DataFrame(audit_table.rows(newest, lang), columns=head)
    # The columns size to their values, except the snapshot id and the details, which the
    # automatic widths cut; a longer detail scrolls within the table.
    wide = {
        audit_table.COLUMNS.index("snapshot"): "medium",
        audit_table.COLUMNS.index("detail"): "large",
    }
    config = {head[i]: st.column_config.TextColumn(head[i], width=w) for i, w in wide.items()}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    st.caption(t("data.audit.caption", lang, shown=len(newest), n=len(trail.entries),
                 command="`python -m govdash audit`"))  # fmt: skip
    if trail.damaged:
        st.warning(t("audit.damaged", lang, n=trail.damaged))
