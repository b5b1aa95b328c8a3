"""What a shared view may show: small counts of vulnerable people are never shown.

A count of 1 to 4 children in difficulty in one community could identify them, so sensitive
metrics (catalog `sensitive = true`) below `settings.min_cell` are blanked. This is the one place
the rule lives, and every path that leaves the process goes through it: figures for charts and
tables, KPI cards, the raw-table downloads and exports. The published reported facts are exempt:
they are public already, and reconciliation must check the true figure (F17: 9 children).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from govdash.core.data.catalog import Catalog, Metric, load_catalog
from govdash.core.measures.figures import Kpi

EXEMPT_TABLES = frozenset({"reported_facts"})


def min_cell(catalog: Catalog | None = None) -> int:
    """Sensitive values below this are hidden (the catalog's settings.min_cell, 5 by default)."""
    return (catalog or load_catalog()).settings.min_cell


def is_hidden(metric: Metric, value: float | None, catalog: Catalog | None = None) -> bool:
    """Whether one value of a metric may not be shown."""
    return bool(metric.sensitive) and value is not None and 0 < value < min_cell(catalog)


def shareable_kpi(kpi: Kpi, catalog: Catalog | None = None) -> Kpi:
    """A KPI card's figures as they may be shown: a small value is hidden, and so are the
    comparisons whenever any of the three figures is small (9 now and +6 would reveal a 3)."""
    figures = (kpi.value, kpi.previous, kpi.at_pilot_start)
    if not any(is_hidden(kpi.metric, v, catalog) for v in figures):
        return kpi
    value = None if is_hidden(kpi.metric, kpi.value, catalog) else kpi.value
    return replace(kpi, value=value, previous=None, at_pilot_start=None, hidden=value is None)


def _small(values: pd.Series, floor: int) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").between(0, floor, inclusive="neither")


def shareable(frame: pd.DataFrame, catalog: Catalog | None = None) -> pd.DataFrame:
    """A copy of a metric frame with small sensitive counts blanked; the cached original keeps the
    true values. Wide frames (a column per metric) and long ones (metric, value) are both handled.
    frame.attrs["suppressed"] says whether anything was hidden, so a chart can say so."""
    catalog = catalog or load_catalog()
    floor = min_cell(catalog)
    out = frame.copy()
    hidden = False
    if "metric" in out.columns and "value" in out.columns:
        sensitive = out["metric"].map(lambda m: m in catalog and catalog[m].sensitive)
        mask = sensitive.astype(bool) & _small(out["value"], floor)
        out.loc[mask, "value"] = np.nan
        hidden = bool(mask.any())
    else:
        for column in out.columns:
            if column in catalog and catalog[column].sensitive:
                mask = _small(out[column], floor)
                out.loc[mask, column] = np.nan
                hidden = hidden or bool(mask.any())
    out.attrs["suppressed"] = hidden
    return out


def shareable_table(
    table: str, frame: pd.DataFrame, catalog: Catalog | None = None
) -> pd.DataFrame:
    """A snapshot table as it may leave the app (downloads, exports): outcome rows of sensitive
    metrics and sensitive stock columns with small values are blanked."""
    if table in EXEMPT_TABLES:
        return frame
    catalog = catalog or load_catalog()
    floor = min_cell(catalog)
    sensitive = {m.column for m in catalog.metrics.values() if m.sensitive and m.source == table}
    out = frame.copy()
    hidden = False
    if table == "outcomes":
        mask = out["metric"].isin(sensitive) & _small(out["value"], floor)
        out.loc[mask, "value"] = np.nan
        hidden = bool(mask.any())
    for column in sensitive & set(out.columns):
        mask = _small(out[column], floor)
        out.loc[mask, column] = np.nan
        hidden = hidden or bool(mask.any())
    out.attrs["suppressed"] = hidden
    return out
