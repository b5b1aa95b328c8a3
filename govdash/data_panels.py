"""数据说明 Data: the snapshot in use, the metric dictionary with its definitions (口径) in both
languages, and downloads of the underlying tables."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from govdash import fmt, ui
from govdash.catalog import load_catalog
from govdash.contract import SCHEMA_VERSION, TABLES
from govdash.i18n import date_label, t
from govdash.vocab import label

XLSX_LIMIT = 100_000  # rows; bigger tables download as CSV only (Excel files that size are slow)


def snapshot_panel(ctx: ui.Context) -> None:
    lang = ctx.lang
    snap = ctx.snapshot
    st.subheader(t("data.snapshot", lang))
    facts = {
        t("data.id", lang): snap.id,
        t("data.as_of", lang): date_label(snap.as_of, lang),
        t("data.provenance", lang): label("provenances", snap.provenance, lang),
        t("data.is_demo", lang): t("yes" if snap.is_demo else "no", lang),
        t("data.created", lang): snap.manifest.get("created_at", "—"),
        t("data.schema", lang): str(snap.manifest.get("schema_version", SCHEMA_VERSION)),
        t("data.folder", lang): str(snap.path),
    }
    if snap.manifest.get("note") and not snap.is_demo:  # the demo's note is machine-made English
        facts[t("data.note", lang)] = snap.manifest["note"]
    st.dataframe(
        pd.DataFrame(
            {t("col.item", lang): list(facts), t("col.value", lang): list(facts.values())}
        ),
        hide_index=True,
        width="stretch",
    )


def _table(snapshot, name: str) -> pd.DataFrame:
    return pq.read_table(snapshot.table_path(name)).to_pandas()


def _xlsx(snapshot, name: str) -> bytes:
    buffer = io.BytesIO()
    _table(snapshot, name).to_excel(buffer, index=False, sheet_name=name[:31])
    return buffer.getvalue()


def _csv(snapshot, name: str) -> bytes:
    return _table(snapshot, name).to_csv(index=False).encode("utf-8-sig")


def tables_panel(ctx: ui.Context) -> None:
    """Row counts and lazily built downloads (a file is only made when its button is clicked)."""
    lang = ctx.lang
    snap = ctx.snapshot
    st.subheader(t("data.tables", lang))
    st.caption(t("data.tables_note", lang, limit=fmt.number(XLSX_LIMIT, lang, compact=False)))
    for name in TABLES:
        rows = snap.row_counts.get(name, 0)
        a, b, c = st.columns([3, 1, 1])
        a.markdown(
            f"**{t(f'table.{name}', lang)}** · `{name}` · "
            + t("data.rows", lang, n=fmt.number(rows, lang, compact=False))
        )
        b.download_button(
            "CSV",
            data=lambda n=name: _csv(snap, n),
            file_name=f"{name}-{snap.id}.csv",
            mime="text/csv",
            key=f"dl-csv-{name}",
            width="stretch",
        )
        if rows <= XLSX_LIMIT:
            c.download_button(
                "XLSX",
                data=lambda n=name: _xlsx(snap, n),
                file_name=f"{name}-{snap.id}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"dl-xlsx-{name}",
                width="stretch",
            )


def dictionary_panel(ctx: ui.Context) -> None:
    lang = ctx.lang
    st.subheader(t("data.dictionary", lang))
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
        data=table.to_csv(index=False).encode("utf-8-sig"),
        file_name="metric-dictionary.csv",
        mime="text/csv",
        key="dl-dictionary",
    )
