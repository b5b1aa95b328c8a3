"""Generate the demo tables and calibrate them so every reported fact holds within its qualifier.

The shape (places, rates, weights) comes from the demo config; the calibration targets come from the
reported-facts file. Each fact's metric has a calibrator that adjusts only the rows in the fact's
scope, period and filters, so the rest of the city keeps its random texture.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.contract import STOCK_COLUMNS, TABLES
from govdash.core.data.streams import TableStream
from govdash.core.measures.facts import fact_period, load_facts_csv, significant_step
from govdash.core.question.scope import Filters
from govdash.core.text.progress import Progress
from govdash.demo.activities import POOL_ROWS, Hold, MonthlyActivities, merge, split_by_month
from govdash.demo.config import months as config_months
from govdash.demo.places import build_divisions, largest_remainder
from govdash.demo.texture import NO_EFFECT, Texture

# Activity columns behind the flow metrics of the "activities" source.
FLOW_COLUMNS = {
    "served_person_times": "served_person_times",
    "service_hours": "service_hours",
    "volunteer_person_times": "volunteers",
    "social_worker_person_times": "social_workers",
}


def demo_target(
    value: float, qualifier: str, tolerance: float | None, rng: np.random.Generator
) -> float:
    """A value strictly inside what the qualifier allows, so the demo reads naturally (534 for 530余)."""
    step = significant_step(value)
    if qualifier == "exact":
        return value
    if qualifier in ("more_than", "at_least"):
        return value + max(1, math.floor(step * rng.uniform(0.2, 0.6))) if step > 1 else value
    tol = (
        0.05
        if tolerance is None or (isinstance(tolerance, float) and math.isnan(tolerance))
        else tolerance
    )
    if qualifier == "nearly":
        return math.floor(value * (1 - tol * rng.uniform(0.1, 0.5)))
    if qualifier == "about":
        return round(value * (1 + tol * rng.uniform(-0.5, 0.5)))
    raise ValueError(qualifier)


class DemoBuilder:
    """Holds the generated frames while calibrators adjust them; one instance per build."""

    def __init__(
        self, config: dict, *, activity_rows: int, seed: int, progress: Progress | None = None
    ):
        self.config = config
        self.gen = config["generator"]
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.activity_rows = activity_rows
        self.progress = progress or (lambda fraction, label: None)
        self.catalog: Catalog = load_catalog()
        self.facts_table = load_facts_csv()
        self.facts = self.facts_table.to_pandas()
        self.facts["filters"] = self.facts["filters"].fillna("")
        self.facts["target"] = [
            demo_target(f.value, f.qualifier, f.tolerance, self.rng)
            for f in self.facts.itertuples()
        ]
        self.city = config["city"]
        self.as_of: dt.date = self.city["as_of"]
        self.pilot_start: dt.date = self.city["pilot_start"]
        self.months = config_months(config)
        self.month_starts = np.array(self.months, dtype="datetime64[D]")
        self.month_ends = np.array(
            [pd.Timestamp(m) + pd.offsets.MonthEnd(0) for m in self.months], dtype="datetime64[D]"
        )

    # ------------------------------------------------------------------ helpers
    def facts_for(self, metric: str) -> pd.DataFrame:
        return self.facts[self.facts["metric"] == metric]

    def in_scope(self, codes_: pd.Series | np.ndarray, scope: str) -> np.ndarray:
        prefix = "" if scope == self.city["code"] else scope
        return pd.Series(codes_).str.startswith(prefix).to_numpy().copy()

    def district_of(self, community_codes: pd.Series) -> pd.Series:
        return community_codes.str.slice(0, 6)

    # ------------------------------------------------------------------ divisions
    def build_divisions(self) -> None:
        pilot_targets = {
            f.scope_code: int(f.target)
            for f in self.facts_for("pilot_communities").itertuples()
            if len(f.scope_code) == 6
        }
        self.divisions = build_divisions(self.config, self.rng, pilot_targets)
        comm = self.divisions[self.divisions["level"] == "community"].reset_index(drop=True)
        self.comm = comm
        self.comm_pop = comm["population"].to_numpy(dtype="float64")
        self.comm_pilot = comm["is_pilot"].to_numpy()
        self.comm_district = self.district_of(comm["code"]).to_numpy()
        starts = pd.to_datetime(comm["pilot_start"]).to_numpy(dtype="datetime64[D]")
        self.comm_start = np.where(self.comm_pilot, starts, np.datetime64("NaT"))
        # Each pilot community's first piloting month (len(months) for the others).
        own = np.searchsorted(self.month_starts, self.comm_start, side="left")
        self.comm_start_month = np.where(self.comm_pilot, own, len(self.months))
        self.effect = {**NO_EFFECT, **self.config.get("pilot_effect", {})}
        self.texture = Texture.draw(self.config, self.comm_district, self.comm_pilot,
                                    len(self.months), np.random.default_rng([self.seed, 13]))  # fmt: skip

    # ------------------------------------------------------------------ teams
    def _allocate(
        self, metric: str, values: np.ndarray, weights: np.ndarray, fixed: np.ndarray | None = None
    ) -> np.ndarray:
        """Overwrite per-community values inside each fact's scope so they sum to the fact's target."""
        values = values.copy()
        for f in self.facts_for(metric).itertuples():
            if f.filters:
                continue
            mask = self.in_scope(self.comm["code"], f.scope_code)
            taken = int(fixed[mask].sum()) if fixed is not None else 0
            values[mask] = largest_remainder(weights[mask], int(f.target) - taken)
        return values

    def build_teams(self) -> None:
        g, rng, n = self.gen, self.rng, len(self.comm)
        weight = np.sqrt(self.comm_pop / self.comm_pop.mean())
        # New-employment-group teams: a handful per district, or exactly what a fact says.
        ne = np.zeros(n, dtype="int64")
        for d in pd.unique(self.comm_district):
            idx = np.flatnonzero(self.comm_district == d)
            k = rng.poisson(g["new_employment_teams_per_district"])
            ne[idx] = np.bincount(
                rng.choice(len(idx), size=k, p=weight[idx] / weight[idx].sum()), minlength=len(idx)
            )
        ne = self._allocate("new_employment_teams", ne, weight)
        other = rng.poisson(g["teams_per_community"] * weight)
        other = self._allocate("volunteer_teams", other, weight, fixed=ne)
        types = [t for t in g["team_type_weights"]]
        p = np.array([g["team_type_weights"][t] for t in types], dtype="float64")
        rows = []
        window_start = pd.Timestamp(self.months[0])
        span_days = (pd.Timestamp(self.as_of) - window_start).days
        pilot_days = (pd.Timestamp(self.as_of) - pd.Timestamp(self.pilot_start)).days - 60
        for i in range(n):
            code, name_zh, name_en = (
                self.comm.at[i, "code"],
                self.comm.at[i, "name_zh"],
                self.comm.at[i, "name_en"],
            )
            kinds = ["new_employment"] * int(ne[i]) + list(
                rng.choice(types, size=int(other[i]), p=p / p.sum())
            )
            seen: dict[str, int] = {}
            for k, kind in enumerate(kinds):
                seen[kind] = seen.get(kind, 0) + 1
                if kind == "new_employment":
                    founded = pd.Timestamp(self.pilot_start) + pd.Timedelta(
                        days=int(rng.integers(0, pilot_days))
                    )
                elif rng.random() < 0.45:
                    founded = window_start - pd.Timedelta(days=int(rng.integers(30, 1500)))
                else:
                    founded = window_start + pd.Timedelta(days=int(rng.integers(0, span_days)))
                rows.append(
                    (
                        f"T{code}-{k + 1:02d}",
                        name_zh,
                        name_en,
                        code,
                        kind,
                        founded.date(),
                        seen[kind],
                        i,
                    )
                )
        teams = pd.DataFrame(
            rows,
            columns=[
                "team_id",
                "comm_name_zh",
                "comm_name_en",
                "community_code",
                "team_type",
                "founded",
                "ordinal",
                "comm_idx",
            ],
        )
        labels_zh = {c: v["zh"] for c, v in _vocab("team_types").items()}
        labels_en = {c: v["en"] for c, v in _vocab("team_types").items()}
        teams["name_zh"] = (
            teams["comm_name_zh"] + teams["team_type"].map(labels_zh) + teams["ordinal"].astype(str)
        )
        teams["name_en"] = (
            teams["comm_name_en"]
            + " "
            + teams["team_type"].map(labels_en)
            + " "
            + teams["ordinal"].astype(str)
        )
        # Mobile grid workers belong to new-employment teams.
        members = np.where(
            teams["team_type"] == "new_employment",
            rng.poisson(g["grid_workers_per_new_employment_team"], len(teams)) + 3,
            0,
        )
        for f in self.facts_for("mobile_grid_workers").itertuples():
            mask = (
                self.in_scope(teams["community_code"], f.scope_code)
                & (teams["team_type"] == "new_employment").to_numpy()
            )
            k = int(mask.sum())
            if k == 0 or k > f.target:
                raise ValueError(
                    f"fact {f.fact_id}: cannot place {f.target} grid workers in {k} teams"
                )
            members[mask] = 1 + rng.multinomial(int(f.target) - k, np.full(k, 1 / k))
        teams["members"] = members
        self.teams = teams.sort_values(
            ["comm_idx", "founded", "team_id"], kind="stable"
        ).reset_index(drop=True)

    # ------------------------------------------------------------------ headcounts
    def _month_index(self, dates: pd.Series, bounds_: np.ndarray) -> np.ndarray:
        return np.searchsorted(bounds_, dates.to_numpy(dtype="datetime64[D]"), side="left")

    def _cumulative(
        self, comm_idx: np.ndarray, month_idx: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        grid = np.zeros((len(self.comm), len(self.months) + 1))
        np.add.at(grid, (comm_idx, np.minimum(month_idx, len(self.months))), weights)
        return np.cumsum(grid, axis=1)[:, : len(self.months)]

    def _history(
        self, finals: np.ndarray, start_share: float | np.ndarray, jitter: float
    ) -> np.ndarray:
        """Growth (or, with a share above 1, decline) to exactly the final value in the last
        month; `start_share` is the first month's level as a share of the last, one for all
        communities or one each."""
        m = len(self.months)
        t = np.linspace(0, 1, m)
        share = np.broadcast_to(np.asarray(start_share, dtype="float64"), finals.shape)
        shape = share[:, None] + (1 - share[:, None]) * t[None, :] ** 1.3
        noise = 1 + jitter * self.rng.standard_normal((len(finals), m))
        noise[:, -1] = 1
        return np.rint(np.maximum(finals[:, None] * shape * noise, 0)).astype("int64")

    def build_headcounts(self) -> None:
        g, rng = self.gen, self.rng
        teams = self.teams
        month_idx = self._month_index(pd.to_datetime(teams["founded"]), self.month_ends)
        cidx = teams["comm_idx"].to_numpy()
        is_ne = (teams["team_type"] == "new_employment").to_numpy()
        stock = {
            "volunteer_teams": self._cumulative(cidx, month_idx, np.ones(len(teams))),
            "new_employment_teams": self._cumulative(cidx, month_idx, is_ne.astype(float)),
            "mobile_grid_workers": self._cumulative(
                cidx, month_idx, teams["members"].to_numpy(float)
            ),
        }
        growth = self.texture.start_share
        vol = self.comm_pop * g["volunteers_per_resident"] * rng.lognormal(0, 0.25, len(self.comm))
        vol = self._allocate("registered_volunteers", np.rint(vol).astype("int64"), vol)
        stock["registered_volunteers"] = self._history(vol.astype(float), growth, 0.01)
        bb = vol * g["backbones_per_volunteer"] * rng.lognormal(0, 0.2, len(self.comm))
        bb = self._allocate("volunteer_backbones", np.rint(bb).astype("int64"), bb + 1e-9)
        stock["volunteer_backbones"] = self._history(bb.astype(float), growth - 0.05, 0.015)
        # Pilot communities employ more social workers from their own start on (the planted
        # effect); before it they have their neighbours' numbers.
        extra = 1 + self.effect["social_worker_growth"]
        sw_w = g["social_workers_per_community"] * 2 * np.where(self.comm_pilot, extra, 1.0)
        sw = rng.poisson(sw_w)
        sw = self._allocate("social_workers", sw, sw_w * rng.uniform(0.5, 1.5, len(self.comm)))
        sw_history = self._history(sw.astype(float), 0.6, 0.0)
        before = np.arange(len(self.months))[None, :] < self.comm_start_month[:, None]
        sw_history = np.where(before & self.comm_pilot[:, None],
                              np.rint(sw_history / extra), sw_history).astype("int64")  # fmt: skip
        stock["social_workers"] = np.maximum.accumulate(sw_history, axis=1)
        cw_w = np.full(len(self.comm), float(g["community_workers_per_community"]))
        cw = rng.poisson(cw_w)
        cw = self._allocate("community_workers", cw, cw_w * rng.uniform(0.7, 1.3, len(self.comm)))
        stock["community_workers"] = self._history(cw.astype(float), 0.92, 0.01)
        n_c, n_m = len(self.comm), len(self.months)
        frame = pd.DataFrame(
            {
                "month": np.tile(np.array(self.months, dtype="datetime64[D]"), n_c),
                "community_code": np.repeat(self.comm["code"].to_numpy(), n_m),
            }
        )
        sent = self._sent_reports(stock)
        for col in STOCK_COLUMNS:
            frame[col] = stock[col].reshape(-1).astype("int32")
        self.headcounts = frame[sent.reshape(-1)].reset_index(drop=True)

    def _sent_reports(self, stock: dict[str, np.ndarray]) -> np.ndarray:
        """Which community-months sent their headcount report (communities by months), from the
        config's [reporting]: scattered missing reports, a district's bad spell, and late reports
        for the as-of month. A late community's figures stand at last month's, which this sets to
        the final (calibrated) values, so every reported fact still holds on what the queries read
        (a stock is each community's latest report in the window). Its own random stream, so the
        gaps do not shift any other figure of the demo."""
        n_c, n_m = len(self.comm), len(self.months)
        sent = np.ones((n_c, n_m), dtype=bool)
        rep = self.config.get("reporting")
        if not rep or n_m < 2:
            return sent
        rng = np.random.default_rng([self.seed, 11])
        sent[:, :-1] &= rng.random((n_c, n_m - 1)) >= rep.get("missing_share", 0.0)
        for spell in rep.get("spells", []):
            if spell["start"] not in self.months:
                continue
            first = self.months.index(spell["start"])
            cols = slice(first, min(first + spell["months"], n_m - 1))
            rows = np.flatnonzero(self.comm_district == spell["district"])
            shape = (len(rows), cols.stop - cols.start)
            sent[rows, cols] &= rng.random(shape) >= spell["share"]
        late_share = pd.Series(self.comm_district).map(rep.get("late", {}))
        late_share = late_share.fillna(rep.get("late_share", 0.0)).to_numpy(dtype="float64")
        late = (rng.random(n_c) < late_share) & ~self.comm_pilot
        sent[late, -1] = False
        sent[late, -2] = True
        for values in stock.values():
            values[late, -2] = values[late, -1]
        # Communities that went silent for a while; those silent at the end last reported (their
        # final figures) in the earliest month a stock still looks back to.
        silent = self.texture.silent
        sent &= ~silent
        quiet_end = silent[:, -1]
        if n_m >= 3 and quiet_end.any():
            for values in stock.values():
                values[quiet_end, -3] = values[quiet_end, -1]
            sent[quiet_end, -3] = True
        sent[self.comm_pilot, :] = True
        return sent

    # ------------------------------------------------------------------ activities
    def build_activities(self) -> None:
        """First pass over the months: keep only the rows some fact calibrates (self.activities)."""
        self.generator = MonthlyActivities(
            gen=self.gen,
            seed=self.seed,
            rows=self.activity_rows,
            communities=self.comm,
            comm_district=self.comm_district,
            comm_pilot=self.comm_pilot,
            teams=self.teams,
            months=self.months,
            as_of=self.as_of,
            pilot_start=self.pilot_start,
            reporting=self.config.get("reporting"),
            own_starts=self.comm_start,
            effect=self.effect,
            texture=self.texture.activity,
        )
        self.holds = self._holds()
        frames = []
        for m in range(len(self.months)):
            rows = self.generator.month(m)
            frames.append(self.generator.frame(rows, self.generator.held(rows, self.holds)))
        self.activities = pd.concat(frames, ignore_index=True)

    def _holds(self) -> list[Hold]:
        """The rows each activity fact calibrates, and for count facts a pool to copy rows from."""
        g = self.generator
        holds = []
        pool_share = min(1.0, POOL_ROWS / max(1, self.activity_rows))
        months = self.catalog.settings.baseline_months
        for f in self.facts.itertuples():
            if f.metric not in ("activities", "response_efficiency_gain", *FLOW_COLUMNS):
                continue
            start, end = fact_period(pd.Series(f._asdict()), self.divisions)
            if f.metric == "response_efficiency_gain":
                start = (pd.Timestamp(start) - pd.DateOffset(months=months)).date()
            filters = Filters.parse(f.filters or "")
            place = self.in_scope(self.comm["code"], f.scope_code)
            window = dict(communities=place, start=np.datetime64(start), end=np.datetime64(end))
            holds.append(
                Hold(
                    **window,
                    categories=_positions(g.categories, filters.categories),
                    target_groups=_positions(g.target_groups, filters.target_groups),
                    team_types=_positions(g.team_types, filters.team_types),
                )
            )
            if f.metric == "activities":
                holds.append(Hold(**window, share=pool_share))
        return holds

    def activity_batches(self) -> Iterator[pa.RecordBatch]:
        """Second pass: each month generated again, its held rows swapped for their calibrated
        versions, sorted and numbered. Reports progress from 0 to 1 over the months."""
        g = self.generator
        held = split_by_month(g.encode(self.activities), g.month_starts)
        for m in range(len(self.months)):
            self.progress(m / len(self.months), f"activities {self.months[m]:%Y-%m}")
            rows = g.month(m)
            merged = merge(rows, ~g.held(rows, self.holds), held[m])
            held[m] = None
            yield from g.batches(merged)
        self.progress(1.0, "activities")

    # ------------------------------------------------------------------ activity calibration
    def fact_mask(self, fact: tuple) -> np.ndarray:
        a = self.activities
        start, end = fact_period(pd.Series(fact._asdict()), self.divisions)
        filters = Filters.parse(fact.filters or "")
        mask = self.in_scope(a["community_code"], fact.scope_code)
        dates = a["date"].to_numpy(dtype="datetime64[D]")
        mask &= (dates >= np.datetime64(start)) & (dates <= np.datetime64(end))
        if filters.categories:
            mask &= a["category"].isin(filters.categories).to_numpy()
        if filters.target_groups:
            mask &= a["target_group"].isin(filters.target_groups).to_numpy()
        if filters.team_types:
            mask &= a["team_type"].isin(filters.team_types).to_numpy()
        return mask

    def calibrate_counts(self) -> np.ndarray:
        """Facts on activity counts: drop surplus rows or add rows copied from the same scope and period."""
        protected = np.zeros(len(self.activities), dtype=bool)
        for f in self.facts_for("activities").itertuples():
            mask = self.fact_mask(f)
            have, want = int(mask.sum()), int(f.target)
            filters = Filters.parse(f.filters or "")
            if have > want:
                drop = self.rng.choice(np.flatnonzero(mask), size=have - want, replace=False)
                keep = np.ones(len(mask), dtype=bool)
                keep[drop] = False
                self.activities = self.activities[keep].reset_index(drop=True)
                protected = protected[keep]
            elif have < want:
                base = f._replace(filters="")
                pool = np.flatnonzero(self.fact_mask(base))
                if filters.team_types:
                    pool = pool[
                        self.activities["team_type"].to_numpy()[pool] == filters.team_types[0]
                    ]
                if len(pool) == 0:
                    raise ValueError(f"fact {f.fact_id}: no activities in scope to copy from")
                new = self.activities.iloc[self.rng.choice(pool, size=want - have)].copy()
                if filters.categories:
                    new["category"] = filters.categories[0]
                    new["target_group"] = self.gen["target_by_category"].get(
                        filters.categories[0], "general"
                    )
                if filters.target_groups:
                    new["target_group"] = filters.target_groups[0]
                self.activities = pd.concat([self.activities, new], ignore_index=True)
                protected = np.concatenate([protected, np.zeros(len(new), dtype=bool)])
            protected |= self.fact_mask(f)
        return protected

    def calibrate_sums(self, protected: np.ndarray) -> None:
        """Facts on summed activity columns: thin unprotected rows, then split the total exactly."""
        for metric, column in FLOW_COLUMNS.items():
            for f in self.facts_for(metric).itertuples():
                mask = self.fact_mask(f)
                target = int(f.target)
                rows = np.flatnonzero(mask)
                typical = max(1.0, float(self.activities[column].median()))
                want_rows = max(1, min(len(rows), int(round(target / typical))))
                droppable = rows[~protected[rows]]
                surplus = len(rows) - want_rows
                if surplus > 0 and len(droppable):
                    drop = self.rng.choice(
                        droppable, size=min(surplus, len(droppable)), replace=False
                    )
                    keep = np.ones(len(mask), dtype=bool)
                    keep[drop] = False
                    self.activities = self.activities[keep].reset_index(drop=True)
                    protected = protected[keep]
                    mask = self.fact_mask(f)
                    rows = np.flatnonzero(mask)
                if len(rows) > target:
                    raise ValueError(
                        f"fact {f.fact_id}: {len(rows)} protected rows exceed total {target}"
                    )
                weights = self.activities[column].to_numpy(dtype="float64")[rows]
                values = 1 + self.rng.multinomial(target - len(rows), weights / weights.sum())
                self.activities.loc[rows, column] = values.astype(self.activities[column].dtype)

    def calibrate_response_gain(self) -> None:
        """Rescale post-pilot response times so baseline mean / post mean = 1 + gain."""
        months = self.catalog.settings.baseline_months
        for f in self.facts_for("response_efficiency_gain").itertuples():
            start, end = fact_period(pd.Series(f._asdict()), self.divisions)
            pilot = np.datetime64(start)
            base_start = np.datetime64((pd.Timestamp(start) - pd.DateOffset(months=months)).date())
            last_whole = np.datetime64(pd.Timestamp(end).replace(day=1).date()) - 1
            for lo, hi in ((base_start, pilot - 1), (pilot, min(np.datetime64(end), last_whole))):
                self._fill_window(f.scope_code, lo, hi, minimum=10)
            a = self.activities
            dates = a["date"].to_numpy(dtype="datetime64[D]")
            place = self.in_scope(a["community_code"], f.scope_code)
            windows = [
                place & (dates >= base_start) & (dates < pilot),
                place & (dates >= pilot) & (dates <= np.datetime64(end)),
            ]
            for window in windows:
                self._ensure_requests(window, minimum=10)
            baseline, post = (w & a["is_request"].to_numpy() for w in windows)
            if not baseline.any() or not post.any():
                raise ValueError(
                    f"fact {f.fact_id}: no activities before or after the pilot in "
                    f"{f.scope_code}; build with more activity rows"
                )
            ratio = 1 + f.target / 100.0
            hours = a["response_hours"].to_numpy().copy()
            factor = hours[baseline].mean() / (ratio * hours[post].mean())
            hours[post] = np.round(hours[post] * factor, 2)
            # Absorb the rounding residue in one row so the ratio is exact to the cent.
            want_post_sum = hours[baseline].mean() / ratio * post.sum()
            last = np.flatnonzero(post)[-1]
            hours[last] = round(hours[last] + want_post_sum - hours[post].sum(), 2)
            a["response_hours"] = hours

    def _fill_window(self, scope: str, lo: np.datetime64, hi: np.datetime64, minimum: int) -> None:
        """A small build (or a district whose activity grew late) may leave a fact's window
        with almost no activities of its community: copies of the community's other activities,
        dated inside the window, make up `minimum`."""
        a = self.activities
        place = self.in_scope(a["community_code"], scope)
        dates = a["date"].to_numpy(dtype="datetime64[D]")
        short = minimum - int((place & (dates >= lo) & (dates <= hi)).sum())
        donors = np.flatnonzero(place)
        if short <= 0 or len(donors) == 0 or hi < lo:
            return
        new = a.iloc[self.rng.choice(donors, size=short)].copy()
        span = int((hi - lo).astype(int)) + 1
        new["date"] = lo + self.rng.integers(0, span, short).astype("timedelta64[D]")
        self.activities = pd.concat([a, new], ignore_index=True)

    def _ensure_requests(self, window: np.ndarray, minimum: int) -> None:
        """Small builds may leave a window with too few request activities to compare means."""
        a = self.activities
        is_request = a["is_request"].to_numpy()
        short = minimum - int((window & is_request).sum())
        candidates = np.flatnonzero(window & ~is_request)
        if short <= 0 or len(candidates) == 0:
            return
        flip = self.rng.choice(candidates, size=min(short, len(candidates)), replace=False)
        a.loc[flip, "is_request"] = True
        a.loc[flip, "response_hours"] = np.round(
            self.rng.lognormal(math.log(self.gen["median_response_hours"]), 0.6, len(flip)), 2
        )

    # ------------------------------------------------------------------ resources, programmes, outcomes
    def build_resources(self) -> None:
        rng = self.rng
        rows = [
            dict(
                kind=r["kind"],
                division_code=r["division_code"],
                level=r["level"],
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                opened=r["opened"],
                amount_yuan=r.get("amount_yuan"),
            )
            for r in self.config.get("resources", [])
        ]
        kind_of = {m.id: m.column for m in self.catalog.by_source("resources")}
        fact_districts = set()
        names = dict(zip(self.divisions["code"], self.divisions["name_zh"], strict=True))
        names_en = dict(zip(self.divisions["code"], self.divisions["name_en"], strict=True))
        days = (pd.Timestamp(self.as_of) - pd.Timestamp(self.pilot_start)).days

        def opened() -> dt.date:
            return (
                pd.Timestamp(self.pilot_start) + pd.Timedelta(days=int(rng.integers(0, days)))
            ).date()

        def generic(kind: str, scope: str, level: str, k: int) -> list[dict]:
            out = []
            if level == "community":
                comms = self.comm["code"][self.in_scope(self.comm["code"], scope)].to_numpy()
                for code in rng.choice(comms, size=min(k, len(comms)), replace=False):
                    out.append(
                        dict(
                            kind=kind,
                            division_code=str(code),
                            level="community",
                            name_zh=f"{names[code]}学校",
                            name_en=f"{names_en[code]} School",
                            opened=opened(),
                            amount_yuan=None,
                        )
                    )
            else:
                label_zh = _vocab("resource_kinds")[kind]["zh"]
                label_en = _vocab("resource_kinds")[kind]["en"]
                for i in range(k):
                    out.append(
                        dict(
                            kind=kind,
                            division_code=scope,
                            level=level,
                            name_zh=f"示例{label_zh}{i + 1:02d}（{names[scope]}）",
                            name_en=f"Demo {label_en} {i + 1:02d} ({names_en[scope]})",
                            opened=opened(),
                            amount_yuan=None,
                        )
                    )
            return out

        for metric, kind in kind_of.items():
            for f in self.facts_for(metric).itertuples():
                fact_districts.add(f.scope_code[:6])
                levels = Filters.parse(f.filters or "").resource_levels
                have = [
                    r
                    for r in rows
                    if r["kind"] == kind
                    and r["division_code"].startswith(f.scope_code)
                    and (not levels or r["level"] in levels)
                    and r["opened"] <= self.as_of
                ]
                missing = int(f.target) - len(have)
                if missing < 0:
                    raise ValueError(
                        f"fact {f.fact_id}: the config lists more {kind} than the fact allows"
                    )
                level = (
                    levels[0]
                    if levels
                    else ("community" if kind == "community_school" else "district")
                )
                rows += generic(kind, f.scope_code, level, missing)
        for d in self.config["districts"]:
            if d["code"] in fact_districts:
                continue
            rows += generic(
                "community_school",
                d["code"],
                "community",
                int(rng.poisson(self.gen["schools_per_district"])),
            )
            rows += generic(
                "university",
                d["code"],
                "district",
                int(rng.poisson(self.gen["universities_per_district"])),
            )
        frame = pd.DataFrame(rows)
        frame.insert(0, "resource_id", [f"R{i + 1:05d}" for i in range(len(frame))])
        self.resources = frame

    def build_programmes(self) -> None:
        cols = [
            "programme_id",
            "name_zh",
            "name_en",
            "owner_code",
            "kind",
            "focus_groups",
            "launch_date",
            "description_zh",
            "description_en",
        ]
        self.programmes = pd.DataFrame(
            [{c: p.get(c) for c in cols} for p in self.config.get("programmes", [])], columns=cols
        )

    def _series(self, launch: dt.date, total: int, kind: str) -> tuple[list[dt.date], np.ndarray]:
        """Monthly values from launch to the as-of month: cumulative (stock) or per month (flow)."""
        months = [m for m in self.months if m >= launch.replace(day=1)]
        weights = self.rng.uniform(0.5, 1.5, len(months))
        increments = self.rng.multinomial(total, weights / weights.sum())
        return months, (np.cumsum(increments) if kind == "stock" else increments)

    def build_outcomes(self) -> None:
        rows = []
        owned = set()
        for p in self.config.get("programmes", []):
            for metric in p.get("outcomes", []):
                m = self.catalog.require(metric)
                facts = self.facts_for(metric)
                fact = facts[facts["scope_code"] == p["owner_code"]]
                total = (
                    int(fact["target"].iloc[0]) if len(fact) else int(self.rng.integers(10, 200))
                )
                months, values = self._series(p["launch_date"], total, m.kind)
                rows += [
                    (mo, p["owner_code"], p["programme_id"], metric, float(v))
                    for mo, v in zip(months, values, strict=True)
                ]
                owned.add(p["owner_code"])
        # Other pilot communities report the same outcomes without a named programme. A stock
        # grows from its launch, so a community's first months hold counts of 1 to 4 (what the
        # privacy rule hides) and its later months, from 6 children up, do not.
        generic = {
            "children_in_difficulty_served": (6, 16),
            "migrant_children_served": (10, 120),
            "flexible_employment": (5, 60),
        }
        own_start = dict(zip(self.comm["code"], self.comm["pilot_start"], strict=True))
        for code in self.comm.loc[self.comm_pilot, "code"]:
            if code in owned:
                continue
            launch = (
                pd.Timestamp(own_start[code]) + pd.DateOffset(months=int(self.rng.integers(0, 6)))
            ).date()
            for metric, (lo, hi) in generic.items():
                months, values = self._series(launch, int(self.rng.integers(lo, hi)), "stock")
                rows += [
                    (mo, code, None, metric, float(v)) for mo, v in zip(months, values, strict=True)
                ]
        self.outcomes = pd.DataFrame(
            rows, columns=["month", "division_code", "programme_id", "metric", "value"]
        )

    # ------------------------------------------------------------------ assembly
    def build(self) -> dict[str, pa.Table]:
        steps = [
            ("divisions", self.build_divisions),
            ("teams", self.build_teams),
            ("headcounts", self.build_headcounts),
            ("activities", self.build_activities),
            ("calibration", self._calibrate_activities),
            ("resources", self.build_resources),
            ("programmes", self.build_programmes),
            ("outcomes", self.build_outcomes),
        ]
        for i, (label, step) in enumerate(steps):
            self.progress(i / len(steps), label)
            step()
        self.progress(1.0, "tables")
        return self.tables()

    def _calibrate_activities(self) -> None:
        protected = self.calibrate_counts()
        self.calibrate_sums(protected)
        self.calibrate_response_gain()

    def tables(self) -> dict[str, pa.Table | TableStream]:
        frames = {
            "divisions": self.divisions,
            "headcounts": self.headcounts,
            "teams": self.teams,
            "resources": self.resources,
            "programmes": self.programmes,
            "outcomes": self.outcomes,
        }
        out: dict[str, pa.Table | TableStream] = {
            name: _to_arrow(name, frame) for name, frame in frames.items()
        }
        out["activities"] = TableStream(self.activity_batches())
        out["reported_facts"] = self.facts_table
        return out


def _positions(vocabulary: list[str], chosen: tuple[str, ...] | None) -> tuple[int, ...]:
    return tuple(vocabulary.index(c) for c in chosen or () if c in vocabulary)


def _vocab(name: str) -> dict[str, dict[str, str]]:
    from govdash.core.data.vocab import load_vocabulary

    return load_vocabulary()[name]


def _to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    schema = TABLES[name].schema
    arrays = []
    for field in schema:
        values = frame[field.name]
        if pa.types.is_date32(field.type):
            values = pd.to_datetime(values).dt.date.where(values.notna(), None)
        arrays.append(
            pa.array(
                values.tolist() if values.dtype == object else values,
                type=field.type,
                from_pandas=True,
            )
        )
    return pa.Table.from_arrays(arrays, schema=schema)
