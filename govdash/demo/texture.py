"""How the demo city's districts and communities differ, drawn from the config's [variation].

A real city's districts do not grow in step: some lead, some lag, a few decline; a community now
and then stops reporting for months, or its activity fades. Without that texture "who leads"
has no answer and a lagging community has nothing to be found by. Everything here is drawn from
its own random stream, so the texture does not shift any other figure of the demo, and every
pilot community keeps reporting in full (it is watched closely), so the calibrated facts hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The planted pilot effect when the config has no [pilot_effect]: none.
NO_EFFECT = {
    "co_delivery_points": 0.0,
    "response_gain": 0.0,
    "social_worker_growth": 0.0,
    "activity_growth": 0.0,
}


@dataclass(frozen=True)
class Texture:
    """Per community: the first month's headcount level as a share of the last (start_share),
    a multiplier on the expected activities of each month (activity), and the months it sent
    nothing (silent)."""

    start_share: np.ndarray  # (communities,)
    activity: np.ndarray  # (communities, months)
    silent: np.ndarray  # (communities, months) bool

    @classmethod
    def draw(
        cls,
        config: dict,
        districts: np.ndarray,
        pilots: np.ndarray,
        months: int,
        rng: np.random.Generator,
    ) -> Texture:
        spec = config.get("variation", {})
        n = len(districts)
        codes = list(dict.fromkeys(districts))
        share = _per_district(codes, spec.get("start_share", {}),
                              spec.get("district_start_share"), 0.55, rng)  # fmt: skip
        start_share = np.array([share[d] for d in districts], dtype="float64")
        start_share += rng.normal(0.0, spec.get("community_start_share_sd", 0.0), n)
        start_share = np.clip(start_share, 0.2, 1.5)

        trend = _per_district(codes, spec.get("activity_trend", {}),
                              spec.get("district_activity_trend"), 0.0, rng)  # fmt: skip
        years = (np.arange(months) - (months - 1)) / 12.0  # 0 in the last month
        yearly = np.array([trend[d] for d in districts], dtype="float64")
        activity = (1.0 + yearly[:, None]) ** years[None, :]

        others = np.flatnonzero(~pilots)
        fading = _pick(others, spec.get("fading_share", 0.0), rng)
        k = min(int(spec.get("fading_months", 0)), months - 1)
        if k and len(fading):
            drop = (1.0 - spec.get("fading_drop", 0.0)) ** np.arange(1, k + 1)
            activity[fading, months - k :] *= drop[None, :]

        silent = np.zeros((n, months), dtype=bool)
        low, high = spec.get("silent_months", [3, 3])
        for c in _pick(others, spec.get("silent_share", 0.0), rng):
            length = int(rng.integers(low, high + 1))
            if months - length - 2 < 1:
                continue
            first = int(rng.integers(1, months - length - 1))
            silent[c, first : first + length] = True
        at_end = _pick(np.setdiff1d(others, fading), spec.get("silent_at_end_share", 0.0), rng)
        if months >= 3:
            silent[at_end, -2:] = True
        activity = np.where(silent, 0.0, activity)
        return cls(start_share, activity, silent)


def _per_district(
    codes: list[str], named: dict, drawn: list[float] | None, default: float, rng
) -> dict[str, float]:
    """A value per district: the config's own for a named district, else drawn uniformly from
    the `drawn` range, else the default."""
    out = {}
    for code in codes:
        value = rng.uniform(*drawn) if drawn else default
        out[code] = float(named.get(code, value))
    return out


def _pick(candidates: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    k = int(round(len(candidates) * share))
    if k <= 0:
        return np.empty(0, dtype="int64")
    return np.sort(rng.choice(candidates, size=k, replace=False))
