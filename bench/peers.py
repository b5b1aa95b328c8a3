"""The same questions answered three ways: govdash (DuckDB over rollups), pandas and polars.

    python bench/peers.py ENGINE SNAPSHOT_FOLDER SCENARIOS_JSON REPEAT

Run by bench/scale_bench.py, one process per engine, so each engine's memory is its own peak RSS.
The peers do what the usual Streamlit app does: read the Parquet tables into memory once (with the
team type and each community's pilot start joined in, as such an app caches them), then filter and
group per interaction. govdash asks its core functions, exactly as the pages do.

An interaction is the set of questions a view asks (its scope, months and filters):
  kpi       the flow sums over the window and over the window before it
  rank      the flow sums per division one level down
  trend     activities and served person-times per month over 36 months
  breakdown activities per month, category and target group over those months
  top       the ten most active teams in the window
  hist      response times in bins, before and since the pilot, up to the window's end
Each engine prints one JSON object: per interaction the wall and CPU milliseconds of every repeat,
its peak RSS, and its answers in one canonical form, which the caller asserts equal across engines.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from govdash.core.data.contract import ACTIVITY_SUMS

MEASURES = list(ACTIVITY_SUMS)  # the activity rollup's sums: what every engine adds up
CODE_LEN = {"city": 0, "district": 6, "street": 9, "community": 12}
CHILD = {"city": "district", "district": "street", "street": "community", "community": "community"}


def month_end(month: dt.date) -> dt.date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def add_months(month: dt.date, n: int) -> dt.date:
    return (pd.Timestamp(month) + pd.DateOffset(months=n)).date()


class Question:
    """One interaction's view, with the dates every engine uses."""

    def __init__(self, spec: dict, first_month: dt.date, bin_hours: int, max_hours: int):
        self.name = spec["name"]
        self.scope = spec["scope"]  # a division code, or "" for the city
        self.level = spec["level"]
        self.start = dt.date.fromisoformat(spec["start"])
        self.end = month_end(dt.date.fromisoformat(spec["end"]))
        n = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        self.prev_start, self.prev_end = add_months(self.start, -n), self.start - dt.timedelta(1)
        self.trend_start = max(first_month, add_months(self.start, -35))
        self.first_month = first_month
        self.filters = {k: spec.get(k) for k in ("categories", "target_groups", "team_types")}
        self.bin_hours, self.max_hours = bin_hours, max_hours


# ------------------------------------------------------------------ canonical answers
def _key(value: object) -> object:
    """Dates as ISO text whatever type an engine hands them back in."""
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return value.isoformat() if hasattr(value, "isoformat") else value


def _frame(rows: pd.DataFrame, keys: list[str], values: list[str]) -> list[list]:
    """Rows with any non-zero value, sorted by the keys, as plain lists (JSON-able)."""
    rows = rows[keys + values].copy()
    rows = rows[(rows[values].fillna(0) != 0).any(axis=1)]
    for k in keys:
        rows[k] = rows[k].map(_key)
    rows = rows.sort_values(keys)
    return [[*r[: len(keys)], *(float(x) for x in r[len(keys) :])] for r in rows.itertuples(False)]


def same(a: dict, b: dict, rtol: float = 1e-9) -> list[str]:
    """Where two engines' answers differ (empty when they agree)."""
    out = []
    for interaction in a:
        for question in a[interaction]:
            x, y = a[interaction][question], b[interaction][question]
            if len(x) != len(y):
                out.append(f"{interaction}/{question}: {len(x)} rows against {len(y)}")
                continue
            for rx, ry in zip(x, y, strict=True):
                keys = [v for v in rx if not isinstance(v, float)]
                if keys != [v for v in ry if not isinstance(v, float)] or not np.allclose(
                    [v for v in rx if isinstance(v, float)],
                    [v for v in ry if isinstance(v, float)],
                    rtol=rtol,
                    atol=1e-6,
                ):
                    out.append(f"{interaction}/{question}: {rx} against {ry}")
                    break
    return out


# ------------------------------------------------------------------ govdash
class Govdash:
    """The core functions the pages call, on the snapshot's rollups."""

    def __init__(self, folder: Path):
        from govdash.core.data.catalog import load_catalog
        from govdash.core.data.snapshot import open_snapshot
        from govdash.core.engine.query import connect, run_query

        self.snapshot = open_snapshot(folder.name, folder.parent)
        self.con = connect(folder.parent)
        self.divisions = run_query(self.con, "divisions", self.snapshot)
        self.catalog = load_catalog()

    def answer(self, q: Question) -> dict:
        from govdash.core.measures import events, metrics
        from govdash.core.question.scope import ActivityScope, Filters, Selection

        filters = Filters(**{k: tuple(v) if v else None for k, v in q.filters.items()})
        scope_code = q.scope or self.divisions.loc[self.divisions.level == "city", "code"].iloc[0]
        ask = {"divisions": self.divisions, "filters": filters, "catalog": self.catalog}
        out = {}
        for key, (a, b) in {"now": (q.start, q.end), "before": (q.prev_start, q.prev_end)}.items():
            frame = metrics.compute(self.con, self.snapshot, MEASURES, group_level=q.level,
                                    scope_code=scope_code, start=a, end=b, **ask)  # fmt: skip
            out[f"kpi_{key}"] = _frame(frame.reset_index().assign(k="all").groupby("k")[MEASURES]
                                       .sum().reset_index(), ["k"], MEASURES)  # fmt: skip
        rank = metrics.compute(self.con, self.snapshot, MEASURES, group_level=CHILD[q.level],
                               scope_code=scope_code, start=q.start, end=q.end, **ask)  # fmt: skip
        out["rank"] = _frame(rank.reset_index(), ["division_code"], MEASURES)
        trend = metrics.monthly(self.con, self.snapshot, ["activities", "served_person_times"],
                                group_level=q.level, scope_code=scope_code, start=q.trend_start,
                                end=q.end, **ask)  # fmt: skip
        trend = trend.pivot_table(index="month", columns="metric", values="value").reset_index()
        out["trend"] = _frame(trend, ["month"], ["activities", "served_person_times"])
        selection = Selection.of([q.scope] if q.scope else [], self.divisions)
        window = ActivityScope(selection, q.start, q.end, filters)
        trend_scope = ActivityScope(selection, q.trend_start, q.end, filters)
        breakdown = events.breakdown(self.con, self.snapshot, trend_scope)
        out["breakdown"] = _frame(breakdown, ["month", "category", "target_group"],
                                  ["activities", "served_person_times", "service_hours"])  # fmt: skip
        top = events.top_teams(self.con, self.snapshot, window, limit=10)
        out["top"] = _frame(top, ["team_id"],
                            ["activities", "served_person_times", "service_hours"])  # fmt: skip
        hist = events.response_histogram(
            self.con, self.snapshot, ActivityScope(selection, q.first_month, q.end, filters),
            bin_hours=q.bin_hours, max_hours=q.max_hours,
        )  # fmt: skip
        out["hist"] = _frame(hist, ["phase", "bin_start"], ["requests"])
        return out


# ------------------------------------------------------------------ pandas
class Pandas:
    """The usual Streamlit app: the tables in memory once, filter and group per interaction."""

    def __init__(self, folder: Path):
        from govdash.core.data.divisions import effective_pilot_starts

        a = pd.read_parquet(folder / "activities.parquet")
        teams = pd.read_parquet(folder / "teams.parquet", columns=["team_id", "team_type"])
        pilots = effective_pilot_starts(pd.read_parquet(folder / "divisions.parquet"))
        a = a.merge(teams, on="team_id", how="left")
        a["date"] = pd.to_datetime(a["date"])
        a["pilot_start"] = pd.to_datetime(a["community_code"].map(pilots))
        a["month"] = a["date"].dt.to_period("M").dt.to_timestamp()
        self.a = a

    def _rows(self, q: Question, start: dt.date, end: dt.date) -> pd.DataFrame:
        a = self.a
        mask = (a["date"] >= pd.Timestamp(start)) & (a["date"] <= pd.Timestamp(end))
        if q.scope:
            mask &= a["community_code"].str.startswith(q.scope)
        for column, key in (("category", "categories"), ("target_group", "target_groups"),
                            ("team_type", "team_types")):  # fmt: skip
            if q.filters[key]:
                mask &= a[column].isin(q.filters[key])
        return a[mask]

    @staticmethod
    def _sums(rows: pd.DataFrame, by) -> pd.DataFrame:
        request = rows["is_request"]
        frame = pd.DataFrame(
            {
                "activities": 1,
                "served_person_times": rows["served_person_times"],
                "service_hours": rows["service_hours"],
                "volunteer_person_times": rows["volunteers"],
                "social_worker_person_times": rows["social_workers"],
                "co_delivered_activities": (rows["volunteers"] > 0) & (rows["social_workers"] > 0),
                "request_activities": request,
                "response_hours_total": rows["response_hours"].where(request, 0).fillna(0),
            },
            index=rows.index,
        )
        return frame.groupby(by).sum().reset_index()

    def answer(self, q: Question) -> dict:
        out = {}
        for key, (a, b) in {"now": (q.start, q.end), "before": (q.prev_start, q.prev_end)}.items():
            rows = self._rows(q, a, b)
            out[f"kpi_{key}"] = _frame(self._sums(rows, np.zeros(len(rows))).assign(k="all"),
                                       ["k"], MEASURES)  # fmt: skip
        rows = self._rows(q, q.start, q.end)
        child = rows["community_code"].str.slice(0, CODE_LEN[CHILD[q.level]])
        out["rank"] = _frame(self._sums(rows, child.rename("division_code")), ["division_code"],
                             MEASURES)  # fmt: skip
        rows = self._rows(q, q.trend_start, q.end)
        trend = self._sums(rows, rows["month"].dt.date.rename("month"))
        out["trend"] = _frame(trend, ["month"], ["activities", "served_person_times"])
        breakdown = self._sums(
            rows, [rows["month"].dt.date.rename("month"), rows["category"], rows["target_group"]]
        )
        out["breakdown"] = _frame(breakdown, ["month", "category", "target_group"],
                                  ["activities", "served_person_times", "service_hours"])  # fmt: skip
        rows = self._rows(q, q.start, q.end)
        with_team = rows[rows["team_id"].notna()]
        top = self._sums(with_team, with_team["team_id"])
        top = top.sort_values(["activities", "team_id"], ascending=[False, True]).head(10)
        out["top"] = _frame(top, ["team_id"],
                            ["activities", "served_person_times", "service_hours"])  # fmt: skip
        rows = self._rows(q, q.first_month, q.end)
        rows = rows[rows["is_request"] & rows["response_hours"].notna()]
        phase = np.where(rows["date"] >= rows["pilot_start"], "pilot", "baseline")
        bins = np.minimum(np.floor(rows["response_hours"] / q.bin_hours),
                          np.floor(q.max_hours / q.bin_hours)) * q.bin_hours  # fmt: skip
        hist = pd.DataFrame({"phase": phase, "bin_start": bins, "requests": 1})
        hist = hist.groupby(["phase", "bin_start"]).sum().reset_index()
        out["hist"] = _frame(hist, ["phase", "bin_start"], ["requests"])
        return out


# ------------------------------------------------------------------ polars
class Polars:
    """The same in polars: the tables in memory once, expressions per interaction."""

    def __init__(self, folder: Path):
        import polars as pl

        from govdash.core.data.divisions import effective_pilot_starts

        self.pl = pl
        starts = effective_pilot_starts(pd.read_parquet(folder / "divisions.parquet"))
        pilots = pl.DataFrame(
            {"community_code": list(starts), "pilot_start": list(starts.values())},
            schema={"community_code": pl.String, "pilot_start": pl.Date},
        )
        teams = pl.read_parquet(folder / "teams.parquet", columns=["team_id", "team_type"])
        self.a = (
            pl.read_parquet(folder / "activities.parquet")
            .join(teams, on="team_id", how="left")
            .join(pilots, on="community_code", how="left")
            .with_columns(pl.col("date").dt.truncate("1mo").alias("month"))
        )

    def _rows(self, q: Question, start: dt.date, end: dt.date):
        pl = self.pl
        cond = pl.col("date").is_between(start, end)
        if q.scope:
            cond &= pl.col("community_code").str.starts_with(q.scope)
        for column, key in (("category", "categories"), ("target_group", "target_groups"),
                            ("team_type", "team_types")):  # fmt: skip
            if q.filters[key]:
                cond &= pl.col(column).is_in(q.filters[key])
        return self.a.filter(cond)

    def _sums(self, rows, by) -> pd.DataFrame:
        pl = self.pl
        request = pl.col("is_request")
        exprs = [
            pl.len().alias("activities"),
            pl.col("served_person_times").sum(),
            pl.col("service_hours").sum(),
            pl.col("volunteers").sum().alias("volunteer_person_times"),
            pl.col("social_workers").sum().alias("social_worker_person_times"),
            ((pl.col("volunteers") > 0) & (pl.col("social_workers") > 0)).sum()
            .alias("co_delivered_activities"),
            request.sum().alias("request_activities"),
            pl.when(request).then(pl.col("response_hours")).otherwise(0).fill_null(0).sum()
            .alias("response_hours_total"),
        ]  # fmt: skip
        if not by:
            return rows.select(exprs).with_columns(pl.lit("all").alias("k")).to_pandas()
        return rows.group_by(by).agg(exprs).to_pandas()

    def answer(self, q: Question) -> dict:
        pl = self.pl
        out = {}
        for key, (a, b) in {"now": (q.start, q.end), "before": (q.prev_start, q.prev_end)}.items():
            out[f"kpi_{key}"] = _frame(self._sums(self._rows(q, a, b), None), ["k"], MEASURES)
        rows = self._rows(q, q.start, q.end).with_columns(
            pl.col("community_code").str.slice(0, CODE_LEN[CHILD[q.level]]).alias("division_code")
        )
        out["rank"] = _frame(self._sums(rows, ["division_code"]), ["division_code"], MEASURES)
        rows = self._rows(q, q.trend_start, q.end)
        out["trend"] = _frame(self._sums(rows, ["month"]), ["month"],
                              ["activities", "served_person_times"])  # fmt: skip
        breakdown = self._sums(rows, ["month", "category", "target_group"])
        out["breakdown"] = _frame(breakdown, ["month", "category", "target_group"],
                                  ["activities", "served_person_times", "service_hours"])  # fmt: skip
        rows = self._rows(q, q.start, q.end).filter(pl.col("team_id").is_not_null())
        top = self._sums(rows, ["team_id"])
        top = top.sort_values(["activities", "team_id"], ascending=[False, True]).head(10)
        out["top"] = _frame(top, ["team_id"],
                            ["activities", "served_person_times", "service_hours"])  # fmt: skip
        rows = self._rows(q, q.first_month, q.end).filter(
            pl.col("is_request") & pl.col("response_hours").is_not_null()
        )
        capped = pl.min_horizontal((pl.col("response_hours") / q.bin_hours).floor(),
                                   pl.lit(float(np.floor(q.max_hours / q.bin_hours))))  # fmt: skip
        hist = rows.select(
            pl.when(pl.col("date") >= pl.col("pilot_start")).then(pl.lit("pilot"))
            .otherwise(pl.lit("baseline")).alias("phase"),
            (capped * q.bin_hours).alias("bin_start"),
        ).group_by(["phase", "bin_start"]).agg(pl.len().alias("requests")).to_pandas()  # fmt: skip
        out["hist"] = _frame(hist, ["phase", "bin_start"], ["requests"])
        return out


ENGINES = {"govdash": Govdash, "pandas": Pandas, "polars": Polars}


def main() -> None:
    engine, folder, scenarios, repeat = (
        sys.argv[1],
        Path(sys.argv[2]),
        sys.argv[3],
        int(sys.argv[4]),
    )
    spec = json.loads(Path(scenarios).read_text(encoding="utf-8"))
    first = dt.date.fromisoformat(spec["first_month"])
    questions = [
        Question(s, first, spec["bin_hours"], spec["max_hours"]) for s in spec["interactions"]
    ]
    started, cpu = time.perf_counter(), time.process_time()
    answerer = ENGINES[engine](folder)
    load = {"wall_ms": (time.perf_counter() - started) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000}  # fmt: skip
    timings: dict[str, list[list[float]]] = {}
    answers = {}
    for _ in range(repeat):
        for q in questions:
            started, cpu = time.perf_counter(), time.process_time()
            answers[q.name] = answerer.answer(q)
            timings.setdefault(q.name, []).append(
                [(time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000]
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"engine": engine, "load": load, "timings": timings, "peak_rss_mb": peak,
               "answers": answers}, sys.stdout)  # fmt: skip


if __name__ == "__main__":
    main()
