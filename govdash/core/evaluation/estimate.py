"""Did the pilot work? Pilot communities against a comparison group, before and since each one's
own pilot start: a difference-in-differences estimate with a 95% interval, and a check of the
months before.

The estimate is the field's standard two-way fixed-effects regression, fitted by linearmodels'
PanelOLS (chosen over statsmodels' OLS because it absorbs the community and month effects
instead of building a dummy column per community: 1,500 communities over 36 months would be a
54,000 × 1,500 design matrix, 650 MB, for one measure):

    value[c, m] = community[c] + month[m] + effect · piloting[c, m] + error

`piloting` is 1 for a pilot community from its own start month on, else 0; comparison
communities never pilot. Standard errors are clustered by community (a community's months are
not independent draws). With a never-piloting comparison group and an effect that does not grow
with time since the start, the estimate is unbiased under parallel trends; it is not a
randomised trial, and the months before are checked: an event study with one indicator per
month before the start (the last one the reference) is fitted, and its leads are tested jointly
(Wald). A p-value below ALPHA, or a group smaller than MIN_GROUP communities, is a warning
(MIN_GROUP: clustered standard errors with fewer clusters than that are not to be trusted).
Nothing here is hand-written statistics: the fit, the interval and the test are PanelOLS's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ALPHA = 0.05  # the pre-trend test's level; the interval is 1 - ALPHA
MIN_GROUP = 10  # communities in each group, below which the estimate is marked unreliable
LEADS = 6  # months before the start whose differences are tested (the last is the reference)
COLUMNS = ("community", "month", "value", "start")


@dataclass(frozen=True)
class Estimate:
    """A difference-in-differences estimate: the effect in the measure's unit, its interval,
    the groups' sizes, the pre-trend test, and what to warn of."""

    effect: float
    low: float
    high: float
    pilots: int
    comparisons: int
    pre_trend_p: float | None  # None when no pilot community has months before its start
    warnings: tuple[str, ...] = ()  # "few_pilots", "few_comparisons", "pre_trends"

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high


def _months(frame: pd.DataFrame) -> pd.DataFrame:
    """A panel in the form the fits take: months as timestamps, the rows that have a value, and
    each pilot community's months since its start (NaN for the comparison group)."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"an evaluation panel needs the columns {COLUMNS}, missing {missing}")
    out = frame.loc[frame["value"].notna(), list(COLUMNS)].copy()
    # Nanoseconds: linearmodels reads a panel whose time index has another unit (pandas gives
    # seconds for dates) as one period, and every regressor is then "absorbed".
    out["month"] = pd.to_datetime(out["month"]).astype("datetime64[ns]")
    out["start"] = pd.to_datetime(out["start"]).astype("datetime64[ns]")
    months = out["month"].dt.year * 12 + out["month"].dt.month
    starts = out["start"].dt.year * 12 + out["start"].dt.month
    out["since"] = (months - starts).astype("float64")  # NaN where there is no start
    out["value"] = out["value"].astype("float64")
    return out


def _fit(frame: pd.DataFrame, regressors: list[str]):
    from linearmodels.panel import PanelOLS

    data = frame.set_index(["community", "month"])
    model = PanelOLS(
        data["value"], data[regressors], entity_effects=True, time_effects=True,
        drop_absorbed=True,
    )  # fmt: skip
    return model.fit(cov_type="clustered", cluster_entity=True)


def pre_trend_p(frame: pd.DataFrame, leads: int = LEADS) -> float | None:
    """The p-value of the joint test that pilot and comparison communities moved alike in the
    months before each pilot start (leads -leads … -2 of an event study, -1 the reference);
    None when no pilot community has such months."""
    names = []
    for k in range(leads, 1, -1):
        name = f"lead_{k}"
        frame[name] = (frame["since"] == -k).astype("float64")
        if frame[name].any():
            names.append(name)
    if not names:
        return None
    frame["piloting"] = (frame["since"] >= 0).astype("float64")
    result = _fit(frame, [*names, "piloting"])
    kept = [n for n in names if n in result.params.index]
    if not kept:
        return None
    return float(result.wald_test(formula=", ".join(f"{n} = 0" for n in kept)).pval)


def did(panel: pd.DataFrame, *, alpha: float = ALPHA, leads: int = LEADS) -> Estimate:
    """The difference-in-differences estimate of `panel` (columns community, month, value and
    start: the community's own pilot start month, empty for the comparison group). With fewer
    than MIN_GROUP pilot communities the pre-trend test is not run (its clustered Wald statistic
    rejects almost anything with so few clusters): the small group is the warning; `leads=0`
    skips it as well."""
    frame = _months(panel)
    piloted = frame.groupby("community")["start"].first().notna()
    pilots, comparisons = int(piloted.sum()), int((~piloted).sum())
    if pilots == 0 or comparisons == 0:
        raise ValueError("an evaluation needs pilot and comparison communities")
    frame["piloting"] = (frame["since"] >= 0).astype("float64")
    result = _fit(frame, ["piloting"])
    low, high = result.conf_int(level=1 - alpha).loc["piloting"]
    p = pre_trend_p(frame, leads) if leads > 1 and pilots >= MIN_GROUP else None
    warnings = []
    if pilots < MIN_GROUP:
        warnings.append("few_pilots")
    if comparisons < MIN_GROUP:
        warnings.append("few_comparisons")
    if p is not None and p < alpha:
        warnings.append("pre_trends")
    return Estimate(float(result.params["piloting"]), float(low), float(high), pilots,
                    comparisons, p, tuple(warnings))  # fmt: skip


def synthetic_panel(
    seed: int,
    effect: float,
    *,
    pilots: int = 40,
    comparisons: int = 160,
    months: int = 36,
    first_start: int = 14,
    last_start: int = 22,
    noise: float = 1.0,
    trend_gap: float = 0.0,
) -> pd.DataFrame:
    """A city of communities with their own levels, shared monthly shocks, staggered pilot
    starts and a planted effect (and, with `trend_gap`, pilot communities that were already
    rising faster before): what the estimate must recover, for tests and the bench."""
    rng = np.random.default_rng(seed)
    n = pilots + comparisons
    level = rng.normal(10.0, 2.0, n)
    shock = rng.normal(0.0, 0.5, months).cumsum()
    starts = np.full(n, -1)
    starts[:pilots] = rng.integers(first_start, last_start + 1, pilots)
    month = np.tile(np.arange(months), n)
    community = np.repeat(np.arange(n), months)
    since = np.where(starts[community] >= 0, month - starts[community], -(10**6))
    value = (
        level[community]
        + shock[month]
        + effect * (since >= 0)
        + trend_gap * (starts[community] >= 0) * month / months
        + rng.normal(0.0, noise, n * months)
    )
    first = pd.Timestamp("2022-01-01")
    dates = pd.date_range(first, periods=months, freq="MS")
    return pd.DataFrame({
        "community": [f"c{c:04d}" for c in community],
        "month": dates[month],
        "value": value,
        "start": [dates[starts[c]] if starts[c] >= 0 else pd.NaT for c in community],
    })  # fmt: skip
