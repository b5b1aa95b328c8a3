"""No small count of vulnerable people leaves the app: every page at community level, every figure
and KPI card, and every download (chart CSVs, the raw tables on 数据说明) is walked.

The demo community 420103001001 served 1 to 4 children in difficulty in every month, so anything
that forgets the rule shows a number below 5 there.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from govdash.core.data.catalog import load_catalog
from govdash.core.rules.privacy import min_cell, shareable, shareable_table

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data"]
COMMUNITY = {"district": "420103", "street": "420103001", "community": "420103001001"}
CATALOG = load_catalog()
SENSITIVE = {m.id for m in CATALOG.metrics.values() if m.sensitive}
LABELS = {CATALOG[m].name(lang) for m in SENSITIVE for lang in ("zh", "en")}


def small(value: object) -> bool:
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return False
    return 0 < number < min_cell()


def machine_name(header: str) -> str:
    """The machine name a readable header carries: "区划代码 (division_code)" -> division_code."""
    found = re.search(r"\(([a-z0-9_]+)\)$", header)
    return found.group(1) if found else header


def sensitive_cells(table: list[list[str]]) -> list[str]:
    """Small values in the columns (or long-format rows) of sensitive metrics."""
    header_at = next((i for i, row in enumerate(table) if len(row) > 1), None)
    if header_at is None:
        return []
    raw, rows = table[header_at], table[header_at + 1 :]
    header = [machine_name(h) for h in raw]
    found = []
    for j, name in enumerate(header):
        if name in SENSITIVE or name in LABELS or any(label in raw[j] for label in LABELS):
            found += [f"{name}={row[j]}" for row in rows if j < len(row) and small(row[j])]
    if "metric" in header and "value" in header:
        m, v = header.index("metric"), header.index("value")
        found += [
            f"{row[m]}={row[v]}"
            for row in rows
            if len(row) > max(m, v) and (row[m] in SENSITIVE or row[m] in LABELS) and small(row[v])
        ]
    return found


def read_download(name: str, content: bytes) -> list[list[list[str]]]:
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return [[["" if c is None else str(c) for c in row] for row in sheet.values]
                for sheet in book.worksheets]  # fmt: skip
    return [list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))]


@pytest.mark.parametrize("page", PAGES)
def test_no_small_sensitive_count_leaves_any_page(snapshot, monkeypatch, downloads, page):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    for key, value in {**COMMUNITY, "start": "2024-03", "end": "2025-06"}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception and not at.error
    for card in at.metric:
        if card.label in LABELS:
            assert not small(card.value.rstrip("位名人")), (card.label, card.value)
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec["layout"].get("title", {}).get("text", "")
        if any(label in title for label in LABELS):
            for trace in spec["data"]:
                values = trace.get("x") if trace.get("orientation") == "h" else trace.get("y")
                if isinstance(values, list):
                    assert not any(small(v) for v in values if v is not None), title
    assert downloads, "the page offers downloads"
    for name, content in downloads:
        for table in read_download(name, content):
            assert sensitive_cells(table) == [], name


def test_the_rule_blanks_only_small_sensitive_counts_and_keeps_the_data():
    wide = pd.DataFrame({"children_in_difficulty_served": [0, 3, 5, 9], "activities": [1, 2, 3, 4]})
    out = shareable(wide)
    assert out["children_in_difficulty_served"].isna().tolist() == [False, True, False, False]
    assert out["activities"].tolist() == [1, 2, 3, 4] and out.attrs["suppressed"]
    assert not wide.isna().any().any(), "the cached original keeps the true values"
    long = pd.DataFrame({"metric": ["migrant_children_served", "activities"], "value": [2.0, 2.0]})
    assert shareable(long)["value"].isna().tolist() == [True, False]
    table = pd.DataFrame(
        {"metric": ["children_in_difficulty_served", "flexible_employment"], "value": [3.0, 3.0]}
    )
    assert shareable_table("outcomes", table)["value"].isna().tolist() == [True, False]
    facts = pd.DataFrame({"metric": ["children_in_difficulty_served"], "value": [3.0]})
    assert shareable_table("reported_facts", facts)["value"].tolist() == [3.0], "published"
