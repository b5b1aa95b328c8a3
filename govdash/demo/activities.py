"""The demo's activity records, generated one month at a time so memory does not grow with size.

Each month has its own seeded random stream, so a month can be generated twice and come out the
same. The builder uses that: a first pass keeps only the rows a reported fact will calibrate (the
"held" rows, a small share at any scale) and drops the rest; after calibration a second pass
generates each month again, swaps the calibrated held rows in, sorts and hands the month on as
record batches. Peak memory is one month of integer-coded columns, whatever the row count.

Columns are integer codes (community, team, category, target group, team type) until a slice is
written, when they are decoded to strings with Arrow's take.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from govdash.core.data.contract import TABLES
from govdash.core.data.vocab import codes

ROWS_PER_BATCH = 128 * 1024
# Share of a count fact's wider pool (its scope and period, any category) held back as rows to copy
# from when a fact needs more rows than chance gave it: all of it in a small build, a sample above.
POOL_ROWS = 200_000
# The activity's own figures: the same numpy type from generation to the written batch.
MEASURES = {
    "volunteers": "int32",
    "social_workers": "int32",
    "service_hours": "float64",
    "served_person_times": "int32",
    "is_request": "bool",
    "response_hours": "float64",
}
NEW_EMPLOYMENT_CATEGORIES = ("station", "employment", "governance", "emergency")
NEW_EMPLOYMENT_CATEGORY_P = (0.4, 0.2, 0.3, 0.1)


@dataclass(frozen=True)
class Hold:
    """Rows one reported fact calibrates: a set of communities, a date window and optional filters,
    kept with probability `share` (1.0 for the fact's own rows, less for a copy pool)."""

    communities: np.ndarray  # bool per community
    start: np.datetime64
    end: np.datetime64
    categories: tuple[int, ...] = ()
    target_groups: tuple[int, ...] = ()
    team_types: tuple[int, ...] = ()
    share: float = 1.0


class MonthlyActivities:
    """Generates the activities of any one month, reproducibly, as integer-coded numpy columns."""

    def __init__(
        self,
        *,
        gen: dict,
        seed: int,
        rows: int,
        communities: pd.DataFrame,
        comm_district: np.ndarray,
        comm_pilot: np.ndarray,
        teams: pd.DataFrame,
        months: list[dt.date],
        as_of: dt.date,
        pilot_start: dt.date,
        reporting: dict | None = None,
        own_starts: np.ndarray | None = None,
        effect: dict | None = None,
        texture: np.ndarray | None = None,
    ):
        self.gen, self.seed = gen, seed
        # Each pilot community's own start (NaT for the others) and the planted effect.
        self.own_start = (
            own_starts
            if own_starts is not None
            else np.where(comm_pilot, np.datetime64(pilot_start), np.datetime64("NaT"))
        )
        self.effect = {"co_delivery_points": 0.0, "response_gain": 0.0, "activity_growth": 0.0,
                       **(effect or {})}  # fmt: skip
        self.comm_codes = communities["code"].to_numpy().astype(str)
        self.comm_district, self.comm_pilot = comm_district, comm_pilot
        self.months = months
        self.month_starts = np.array(months, dtype="datetime64[D]")
        self.pilot_start = np.datetime64(pilot_start)
        n_c, n_m = len(self.comm_codes), len(months)
        # Vocabularies: position = code.
        self.categories = list(gen["category_weights"]) + [
            c for c in NEW_EMPLOYMENT_CATEGORIES if c not in gen["category_weights"]
        ]
        self.target_groups = list(codes("target_groups"))
        self.team_types = list(dict.fromkeys(teams["team_type"]))
        self.default_target = np.array(
            [
                self.target_groups.index(gen["target_by_category"].get(c, "general"))
                for c in self.categories
            ]
        )
        self.team_ids = teams["team_id"].to_numpy().astype(str)
        self.team_type_of = np.array([self.team_types.index(t) for t in teams["team_type"]])
        self.new_employment = (
            self.team_types.index("new_employment") if "new_employment" in self.team_types else -1
        )
        # Sort ranks, so months are ordered like the strings without comparing strings.
        self.comm_rank = np.argsort(np.argsort(self.comm_codes, kind="stable"), kind="stable")
        self.team_rank = np.argsort(np.argsort(self.team_ids, kind="stable"), kind="stable")
        # Teams that exist in each community and month; activity counts expected per cell.
        team_comm = teams["comm_idx"].to_numpy()
        founded = pd.to_datetime(teams["founded"]).to_numpy(dtype="datetime64[D]")
        start_idx = np.searchsorted(self.month_starts, founded, side="left")
        grid = np.zeros((n_c, n_m + 1))
        np.add.at(grid, (team_comm, np.minimum(start_idx, n_m)), 1.0)
        self.exist = np.cumsum(grid, axis=1)[:, :n_m].astype("int64")
        self.offsets = np.searchsorted(team_comm, np.arange(n_c), side="left")
        piloting = self.month_starts[None, :] >= self.own_start[:, None]  # NaT: never
        pilot_factor = np.where(piloting, 1 + self.effect["activity_growth"], 1.0)
        season = 1 + 0.15 * np.sin(2 * np.pi * (np.arange(n_m) - 2) / 12)
        self.days = reported_days(months, as_of, comm_district, reporting)
        expected = (self.exist + 1) * pilot_factor * season[None, :] * (self.days / 30.0)
        if texture is not None:
            expected = expected * texture
        self.expected = expected * (rows / expected.sum())
        self.category_p = {d: self._category_weights(d) for d in pd.unique(comm_district)}

    def _category_weights(self, district: str) -> np.ndarray:
        weights = self.gen["category_weights"]
        w = np.array([weights.get(c, 0.0) for c in self.categories], dtype="float64")
        for focus in self.gen.get("district_focus", {}).get(district, []):
            w[self.categories.index(focus)] *= 1.8
        return w / w.sum()

    # ------------------------------------------------------------------ one month
    def month(self, m: int) -> dict[str, np.ndarray]:
        """Every activity of month m, in generation order (the same on every call)."""
        g = self.gen
        rng = np.random.default_rng([self.seed, 7, m])
        counts = rng.poisson(self.expected[:, m])
        c = np.repeat(np.arange(len(counts)), counts)
        n = len(c)
        day = np.floor(rng.random(n) * self.days[c, m]).astype("int64")
        date = self.month_starts[m] + day.astype("timedelta64[D]")
        k = self.exist[c, m]
        has_team = k > 0
        pick = self.offsets[c] + np.floor(rng.random(n) * np.maximum(k, 1)).astype("int64")
        team = np.where(has_team, pick, -1)
        team_type = np.where(has_team, self.team_type_of[np.maximum(team, 0)], -1)
        is_ne = team_type == self.new_employment
        category = self._draw_categories(rng, c, is_ne)
        groups = len(self.target_groups)
        target = np.where(
            rng.random(n) < 0.75, self.default_target[category], rng.integers(0, groups, n)
        )
        since = date >= self.pilot_start
        piloting = date >= self.own_start[c]  # this community's own pilot has begun
        p_sw = np.where(since, g.get("co_delivery_since", 0.2), g.get("co_delivery_before", 0.1))
        p_sw = np.clip(p_sw + piloting * self.effect["co_delivery_points"] / 100.0, 0.0, 1.0)
        social_workers = (rng.random(n) < p_sw) * (1 + rng.poisson(0.4, n))
        volunteers = 1 + rng.poisson(np.where(is_ne, 2.0, 5.0), n)
        duration = rng.choice(np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0]), n)
        served = 1 + rng.poisson(rng.gamma(2.0, 6.0, n))
        is_request = rng.random(n) < g["request_share"]
        gain = np.where(since, 1 + g.get("city_response_gain", 0.0), 1.0)
        gain = gain * np.where(piloting, 1 + self.effect["response_gain"], 1.0)
        response = np.round(rng.lognormal(math.log(g["median_response_hours"]), 0.6, n) / gain, 2)
        return {
            "date": date,
            "community": c,
            "team": team,
            "team_type": team_type,
            "category": category,
            "target_group": target,
            "volunteers": volunteers.astype("int32"),
            "social_workers": social_workers.astype("int32"),
            "service_hours": duration * (volunteers + social_workers),
            "served_person_times": served.astype("int32"),
            "is_request": is_request,
            "response_hours": np.where(is_request, response, np.nan),
            # Drawn last, so the held sample never shifts the values above.
            "draw": rng.random(n),
        }

    def _draw_categories(
        self, rng: np.random.Generator, comm: np.ndarray, is_ne: np.ndarray
    ) -> np.ndarray:
        out = np.empty(len(comm), dtype="int64")
        district = self.comm_district[comm]
        for d, p in self.category_p.items():
            rows = np.flatnonzero(district == d)
            out[rows] = rng.choice(len(p), size=len(rows), p=p)
        rows = np.flatnonzero(is_ne)
        ne = np.array([self.categories.index(c) for c in NEW_EMPLOYMENT_CATEGORIES])
        out[rows] = ne[rng.choice(len(ne), size=len(rows), p=NEW_EMPLOYMENT_CATEGORY_P)]
        return out

    def held(self, rows: dict[str, np.ndarray], holds: list[Hold]) -> np.ndarray:
        """Which rows of a month any fact calibrates (or may copy from)."""
        mask = np.zeros(len(rows["date"]), dtype=bool)
        for h in holds:
            hit = h.communities[rows["community"]] & (rows["date"] >= h.start)
            hit &= rows["date"] <= h.end
            for col, allowed in (
                ("category", h.categories),
                ("target_group", h.target_groups),
                ("team_type", h.team_types),
            ):
                if allowed:
                    hit &= np.isin(rows[col], allowed)
            if h.share < 1.0:
                hit &= rows["draw"] < h.share
            mask |= hit
        return mask

    # ------------------------------------------------------------------ codes <-> frames
    def frame(self, rows: dict[str, np.ndarray], mask: np.ndarray) -> pd.DataFrame:
        """Selected rows with readable values, as the calibrators expect them."""
        team = rows["team"][mask]
        team_type = rows["team_type"][mask]
        return pd.DataFrame(
            {
                "date": rows["date"][mask],
                "community_code": self.comm_codes[rows["community"][mask]],
                "team_id": np.where(team >= 0, self.team_ids[np.maximum(team, 0)], None),
                "team_type": np.where(
                    team_type >= 0, np.array(self.team_types)[np.maximum(team_type, 0)], ""
                ),
                "category": np.array(self.categories)[rows["category"][mask]],
                "target_group": np.array(self.target_groups)[rows["target_group"][mask]],
                **{col: rows[col][mask] for col in MEASURES},
            }
        )

    def encode(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """The calibrated rows back as integer codes, to merge with a regenerated month."""
        comm_index = {code: i for i, code in enumerate(self.comm_codes)}
        team_index = {t: i for i, t in enumerate(self.team_ids)}
        cat_index = {c: i for i, c in enumerate(self.categories)}
        group_index = {c: i for i, c in enumerate(self.target_groups)}
        type_index = {c: i for i, c in enumerate(self.team_types)}
        return {
            "date": frame["date"].to_numpy(dtype="datetime64[D]"),
            "community": frame["community_code"].map(comm_index).to_numpy(dtype="int64"),
            "team": frame["team_id"].map(team_index).fillna(-1).to_numpy(dtype="int64"),
            "team_type": frame["team_type"].map(type_index).fillna(-1).to_numpy(dtype="int64"),
            "category": frame["category"].map(cat_index).to_numpy(dtype="int64"),
            "target_group": frame["target_group"].map(group_index).to_numpy(dtype="int64"),
            **{col: frame[col].to_numpy(dtype=dtype) for col, dtype in MEASURES.items()},
        }

    def batches(
        self,
        rows: dict[str, np.ndarray],
        batch_rows: int = ROWS_PER_BATCH,
    ) -> Iterator[pa.RecordBatch]:
        """A month's rows sorted like the contract (date, community, team; no team first), with
        activity ids of the day (see day_ids), as record batches in the contract's schema."""
        order = np.lexsort(
            (
                np.where(rows["team"] >= 0, self.team_rank[np.maximum(rows["team"], 0)], -1),
                self.comm_rank[rows["community"]],
                rows["date"],
            )
        )
        schema = TABLES["activities"].schema
        ids = day_ids(rows["date"][order])
        comm = pa.array(self.comm_codes)
        teams = pa.array(self.team_ids)
        cats = pa.array(self.categories)
        groups = pa.array(self.target_groups)
        for lo in range(0, len(order), batch_rows):
            idx = order[lo : lo + batch_rows]
            team = rows["team"][idx]
            columns = {
                "activity_id": pa.array(ids[lo : lo + batch_rows]),
                "date": pa.array(rows["date"][idx], type=pa.date32()),
                "community_code": comm.take(pa.array(rows["community"][idx])),
                "team_id": teams.take(pa.array(np.maximum(team, 0), mask=team < 0)),
                "category": cats.take(pa.array(rows["category"][idx])),
                "target_group": groups.take(pa.array(rows["target_group"][idx])),
            }
            for col in MEASURES:
                values = rows[col][idx]
                missing = np.isnan(values) if col == "response_hours" else None
                columns[col] = pa.array(values, mask=missing)
            yield pa.RecordBatch.from_arrays(
                [columns[f.name].cast(f.type) for f in schema], schema=schema
            )


ID_DAY_DIGITS = 5  # an activity id is YYYYMMDD and its number that day: 2025060300042


def day_ids(dates: np.ndarray) -> np.ndarray:
    """Activity ids as a district's register issues them (the day, then a running number), for
    one month's rows sorted by date: never the 1, 2, 3 … of a sheet's row numbers."""
    days = dates.astype("datetime64[D]")
    n = len(days)
    if not n:
        return np.empty(0, dtype="int64")
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    seq = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    ymd = pd.DatetimeIndex(days).strftime("%Y%m%d").astype("int64").to_numpy()
    return ymd * 10**ID_DAY_DIGITS + seq


def reported_days(
    months: list[dt.date], as_of: dt.date, comm_district: np.ndarray, reporting: dict | None
) -> np.ndarray:
    """Days of each month whose activities have reached the snapshot, per community and month.

    Past months are complete. In the as-of month, districts that send activity records weekly
    have sent them up to the last full week (to the Sunday before the as-of date); the others
    send a month's records after it ends, so none of theirs are in yet. Without a reporting
    description every district is up to date to the as-of day."""
    full = np.array([(pd.Timestamp(m) + pd.offsets.MonthEnd(0)).day for m in months])
    days = np.tile(full, (len(comm_district), 1))
    if reporting is None:
        days[:, -1] = as_of.day
    else:
        weekly = np.isin(comm_district, list(reporting.get("weekly_activities", [])))
        days[:, -1] = np.where(weekly, max(0, as_of.day - as_of.isoweekday()), 0)
    return days


def merge(
    regenerated: dict[str, np.ndarray], keep: np.ndarray, calibrated: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """A month's rows: the regenerated rows outside every hold, plus its calibrated held rows."""
    return {col: np.concatenate([regenerated[col][keep], calibrated[col]]) for col in calibrated}


def split_by_month(
    encoded: dict[str, np.ndarray], month_starts: np.ndarray
) -> list[dict[str, np.ndarray]]:
    month = np.searchsorted(month_starts, encoded["date"], side="right") - 1
    return [
        {col: values[month == m] for col, values in encoded.items()}
        for m in range(len(month_starts))
    ]
