"""The pilot evaluation's estimate (issue 27): planted in synthetic cities, an effect is recovered
with an honest interval, no effect is not invented, a difference that was already there before
the pilot is flagged, and groups too small to trust are said to be.

The full check is `bench/evaluation_coverage.py` (100 cities with the effect, 100 without); here
the first 30 of each, the same fixed seeds every run."""

from __future__ import annotations

import pytest

from govdash.core.evaluation.estimate import MIN_GROUP, did, synthetic_panel

SEEDS = range(30)
EFFECT = 1.5  # about the size of a unit's noise: a real pilot effect is no bigger


@pytest.mark.parametrize("effect", [EFFECT, 0.0])
def test_the_interval_covers_the_planted_effect_in_at_least_nine_cities_of_ten(effect):
    covered = sum(did(synthetic_panel(seed, effect), leads=0).covers(effect) for seed in SEEDS)
    assert covered >= 0.9 * len(SEEDS), covered


def test_an_estimate_says_its_groups_and_passes_the_pre_trend_check_when_trends_were_parallel():
    found = did(synthetic_panel(3, EFFECT))
    assert (found.pilots, found.comparisons) == (40, 160)
    assert found.low < found.effect < found.high and found.covers(EFFECT)
    assert not found.covers(0.0), "an effect of one noise unit on 40 communities is seen"
    assert found.pre_trend_p is not None and found.pre_trend_p > 0.05
    assert found.warnings == ()


def test_pilots_that_were_rising_faster_before_are_flagged():
    found = did(synthetic_panel(3, EFFECT, trend_gap=3.0))
    assert found.pre_trend_p is not None and found.pre_trend_p < 0.05
    assert "pre_trends" in found.warnings


def test_groups_too_small_to_trust_are_said_to_be():
    found = did(synthetic_panel(3, EFFECT, pilots=MIN_GROUP - 1))
    assert "few_pilots" in found.warnings and found.pre_trend_p is None
    few = did(synthetic_panel(3, EFFECT, comparisons=MIN_GROUP - 1))
    assert "few_comparisons" in few.warnings


def test_a_panel_without_its_columns_or_groups_is_refused():
    panel = synthetic_panel(1, EFFECT)
    with pytest.raises(ValueError, match="start"):
        did(panel.drop(columns=["start"]))
    with pytest.raises(ValueError, match="pilot and comparison"):
        did(panel[panel["start"].isna()])
