"""`fmt.grouped` writes numbers as babel's format_decimal does, character for character, in both
languages: the charts format one label per point with it, and babel cost a quarter of a page's
figure building (issue 25). Checked on every float hypothesis finds and on the values where a
float's binary form and its shortest repr round apart."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from govdash.core.text.fmt import LOCALES, grouped, number, tick_labels

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18)


def babel(value: float, places: int, drop_zeros: bool, lang: str) -> str:
    if drop_zeros:
        pattern = "#,##0." + "#" * places
    else:
        pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


@settings(max_examples=3000, deadline=None)
@given(
    value=finite, places=st.integers(0, 3), drop=st.booleans(), lang=st.sampled_from(["zh", "en"])
)
def test_grouped_writes_what_babel_writes(value, places, drop, lang):
    rounded = round(value, places)
    assert grouped(rounded, places, drop_zeros=drop) == babel(rounded, places, drop, lang)


EDGES = [0.0, -0.0, 0.5, 2.5, -2.5, 1e-9, 999999.995, 75802266829525.6, -79642429327240.9, 1e16,
         123456789.125]  # fmt: skip


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize("places", [0, 1, 2])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_grouped_on_the_edges(value, places, lang):
    rounded = round(value, places)
    assert grouped(rounded, places) == babel(rounded, places, False, lang)
    if places:
        assert grouped(rounded, places, drop_zeros=True) == babel(rounded, places, True, lang)


def test_numbers_read_as_before():
    assert number(525200, "zh") == "52.52万" and number(30000, "zh") == "3万"
    assert number(8612, "en") == "8,612"
    assert number(12345.678, "zh", digits=1, compact=False) == "12,345.7"
    assert number(75802266829525.6, "en", digits=2, compact=False) == "75,802,266,829,525.60"
    assert tick_labels([0, 20000, 40000], "zh") == ["0", "2万", "4万"]
    assert tick_labels([0, 2.5, 5], "en", "%") == ["0%", "2.5%", "5.0%"]
