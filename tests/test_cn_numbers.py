"""Numbers typed into Chinese Excel reports parse to value, qualifier and percent, and back again."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govdash.core.text.fmt import QUALIFIER_FORMS
from govdash.core.text.numbers import (
    QUALIFIERS,
    TYPED_FORMS,
    NumberError,
    Parsed,
    format_number,
    parse_number,
)

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789,.%+-~"}


def full_width(text: str) -> str:
    """What a Chinese IME in full-width mode types: １２３，４５６．７％."""
    return "".join(FULL_WIDTH.get(c, c) for c in text)


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "percent"),
    [
        # plain numbers, and cells that are already numbers
        ("1400", 1400, "exact", False),
        ("3.5", 3.5, "exact", False),
        (" 42 ", 42, "exact", False),
        ("\u300042\u3000", 42, "exact", False),
        ("１２３", 123, "exact", False),
        (1400, 1400, "exact", False),
        (3.5, 3.5, "exact", False),
        (Decimal("2.25"), 2.25, "exact", False),
        ("-5", -5, "exact", False),
        ("－5", -5, "exact", False),
        ("−5", -5, "exact", False),
        # thousands separators
        ("1,400", 1400, "exact", False),
        ("1，400", 1400, "exact", False),
        ("12,345,678.5", 12345678.5, "exact", False),
        # units, without float noise
        ("3.2万", 32000, "exact", False),
        ("３．２万", 32000, "exact", False),
        ("1.5亿", 150000000, "exact", False),
        ("3千", 3000, "exact", False),
        ("5百", 500, "exact", False),
        ("1.2万亿", 1_200_000_000_000, "exact", False),
        ("0.07万", 700, "exact", False),
        ("3.5亿元", 350000000, "exact", False),
        ("约 3 万", 30000, "about", False),
        # qualifiers and units of measure
        ("40余名", 40, "more_than", False),
        ("530余支", 530, "more_than", False),
        ("2800余名", 2800, "more_than", False),
        ("2142人次", 2142, "exact", False),
        ("52所", 52, "exact", False),
        ("40多个", 40, "more_than", False),
        ("3万多", 30000, "more_than", False),
        ("40多万", 400000, "more_than", False),
        ("530+", 530, "more_than", False),
        ("近3万", 30000, "nearly", False),
        ("近3万名", 30000, "nearly", False),
        ("将近3万", 30000, "nearly", False),
        ("接近500", 500, "nearly", False),
        ("≈30000", 30000, "nearly", False),
        ("约60", 60, "about", False),
        ("大约60", 60, "about", False),
        ("约为60", 60, "about", False),
        ("60左右", 60, "about", False),
        ("60人左右", 60, "about", False),
        ("约60左右", 60, "about", False),
        ("~60", 60, "about", False),
        ("～60", 60, "about", False),
        ("100以上", 100, "at_least", False),
        ("100名以上", 100, "at_least", False),
        ("超过100", 100, "at_least", False),
        ("逾100", 100, "at_least", False),
        ("≥5", 5, "at_least", False),
        # percentages keep the number as written
        ("40%", 40, "exact", True),
        ("40％", 40, "exact", True),
        ("12.5%", 12.5, "exact", True),
        ("近40%", 40, "nearly", True),
        ("40%以上", 40, "at_least", True),
        ("40以上%", 40, "at_least", True),
        ("40余%", 40, "more_than", True),
        ("约40%左右", 40, "about", True),
    ],
)
def test_typed_numbers(text, value, qualifier, percent):
    assert parse_number(text) == Parsed(float(value), qualifier, percent)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "\u3000",
        "—",
        "——",
        "–",
        "-",
        "--",
        "－",
        "/",
        "／",
        "无",
        "暂无",
        "N/A",
        "n/a",
        "Ｎ/Ａ",
        "NA",
        "null",
        "#N/A",
        float("nan"),
        Decimal("NaN"),
    ],
)
def test_missing_is_never_zero(text):
    parsed = parse_number(text)
    assert parsed == Parsed(None, "exact", False)
    assert parsed.value is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "40余余",
        "40余多",
        "3万万",
        "12a",
        "五十",
        "1,40",
        "1,4000",
        "1400,000",
        "12,34,567",
        "1 400",
        "近约30",
        "近40余",
        "40余以上",
        "3万%",
        "40%名",
        "40%余",
        "40以上以上",
        "%",
        "万",
        "余",
        ".5",
        "3.",
        "1e5",
        "9" * 400,
        True,
        float("inf"),
        10**400,
        [40],
    ],
)
def test_unreadable_numbers_are_errors(text):
    with pytest.raises(NumberError) as caught:
        parse_number(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.problem.code == "number"
    assert "3.2万" in error.problem.zh and "3.2万" in error.problem.en  # the accepted forms
    assert error.problem.zh in str(error) and error.problem.en in str(error)


def test_error_names_what_was_typed_in_both_languages():
    with pytest.raises(NumberError) as caught:
        parse_number(" 五十 ")
    problem = caught.value.problem
    assert "“五十”" in problem.zh and "无法识别" in problem.zh
    assert "'五十'" in problem.en and "cannot read" in problem.en


def test_error_explains_thousands_commas():
    with pytest.raises(NumberError) as caught:
        parse_number("1,40")
    assert "每三位" in caught.value.problem.zh
    assert "three digits" in caught.value.problem.en


@pytest.mark.parametrize(
    ("value", "qualifier", "percent", "text"),
    [
        (2142, "exact", False, "2142"),
        (2142.0, "exact", False, "2142"),
        (30000, "exact", False, "3万"),
        (32000, "exact", False, "3.2万"),
        (35500, "exact", False, "3.55万"),
        (12345, "exact", False, "12345"),
        (150000000, "exact", False, "1.5亿"),
        (123450000, "exact", False, "12345万"),
        (10**12, "exact", False, "10000亿"),
        (-30000, "exact", False, "-3万"),
        (0, "exact", False, "0"),
        (3.5, "exact", False, "3.5"),
        (0.3, "exact", False, "0.3"),
        (32000.5, "exact", False, "32000.5"),
        (0.00001, "exact", False, "0.00001"),
        (530, "more_than", False, "530余"),
        (30000, "nearly", False, "近3万"),
        (60, "about", False, "约60"),
        (100, "at_least", False, "100以上"),
        (40, "exact", True, "40%"),
        (12.5, "exact", True, "12.5%"),
        (30000, "exact", True, "30000%"),
        (40, "more_than", True, "40余%"),
        (40, "nearly", True, "近40%"),
        (40, "about", True, "约40%"),
        (40, "at_least", True, "40%以上"),
        (None, "exact", False, "—"),
        (float("nan"), "about", False, "—"),
    ],
)
def test_format_number(value, qualifier, percent, text):
    assert format_number(value, qualifier, percent=percent) == text


def test_format_number_rejects_what_it_cannot_write():
    with pytest.raises(ValueError, match="qualifier"):
        format_number(5, "roughly")
    with pytest.raises(ValueError):
        format_number(float("inf"))


def test_typed_forms_are_the_chinese_display_forms():
    assert QUALIFIER_FORMS["zh"] is TYPED_FORMS, "one table, not two kept equal"
    assert set(TYPED_FORMS) == set(QUALIFIERS)


qualifiers = st.sampled_from(QUALIFIERS)
integers = st.integers(min_value=0, max_value=10**12).map(float)
decimals = st.decimals(min_value=0, max_value=10**9, places=2).map(float)


@given(value=integers, qualifier=qualifiers, percent=st.booleans())
def test_integers_round_trip_exactly(value, qualifier, percent):
    text = format_number(value, qualifier, percent=percent)
    assert parse_number(text) == Parsed(value, qualifier, percent)
    assert parse_number(full_width(text)) == Parsed(value, qualifier, percent)


@given(value=decimals, qualifier=qualifiers, percent=st.booleans())
def test_decimals_round_trip(value, qualifier, percent):
    text = format_number(value, qualifier, percent=percent)
    parsed = parse_number(text)
    assert math.isclose(parsed.value, value, rel_tol=1e-9)
    assert (parsed.qualifier, parsed.percent) == (qualifier, percent)
    assert parse_number(full_width(text)) == parsed


@given(value=st.integers(min_value=-(10**15), max_value=10**15))
def test_negative_and_large_integers_round_trip(value):
    assert parse_number(format_number(float(value))).value == value


@given(n=st.integers(min_value=0, max_value=10**15))
def test_thousands_separated_text_parses(n):
    text = f"{n:,}"
    assert parse_number(text) == Parsed(float(n))
    assert parse_number(text.replace(",", "，")) == Parsed(float(n))
    assert parse_number(full_width(text)) == Parsed(float(n))


@given(n=st.integers(min_value=0, max_value=10**15), places=st.integers(0, 2))
def test_full_width_digits_parse_identically(n, places):
    text = str(n) if places == 0 else f"{n / 10**places:.{places}f}"
    assert parse_number(full_width(text)) == parse_number(text)
    assert parse_number(full_width(text) + "万") == parse_number(text + "万")


@given(text=st.text(max_size=12))
def test_any_text_parses_or_raises_number_error(text):
    try:
        parsed = parse_number(text)
    except NumberError as error:
        assert error.problem.code == "number"
    else:
        assert parsed.qualifier in QUALIFIERS
        assert parsed.value is None or math.isfinite(parsed.value)


@pytest.mark.parametrize(
    ("delta", "unit", "kind", "text", "flat"),
    [
        (0, "名", "stock", "0", True),
        (0.04, "%", "ratio", "0.0个百分点", True),
        (-0.03, "%", "ratio", "0.0个百分点", True),  # never a red "-0.0"
        (0.02, "名/名", "ratio", "0.0", True),
        (8612, "名", "stock", "+8,612", False),
        (129_700, "名", "stock", "+12.97万", False),
        (-32, "场", "flow", "-32", False),
        (-0.5, "%", "ratio", "-0.5个百分点", False),
    ],
)
def test_a_change_that_rounds_to_nothing_has_no_sign(delta, unit, kind, text, flat):
    from govdash.core.text.fmt import is_flat, signed_delta

    shown = signed_delta(delta, unit, kind, "zh", pp="个百分点")
    assert shown == text and is_flat(shown) is flat


def test_a_zero_change_card_is_grey_without_an_arrow(snapshot, monkeypatch):
    """The KPI card of a metric that did not change is neutral, not a green "↑ +0"; cards that
    changed keep their colour and arrow. (In the test city 专业社工 did not change in June 2023, a
    month before the pilot, so the card compares it with May.)"""
    from streamlit.proto.Metric_pb2 import Metric
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file("../dashboard.py", default_timeout=180)
    at.query_params["start"] = at.query_params["end"] = "2023-06"
    at.run()
    shown = [m.proto for m in at.metric if m.proto.delta]
    flat = [p for p in shown if not p.delta.startswith(("+", "-"))]
    assert flat, "the test city has a card without change; without one this proves nothing"
    for p in flat:
        assert (p.color, p.direction) == (Metric.MetricColor.GRAY, Metric.MetricDirection.NONE)
    for p in shown:
        if p not in flat:
            assert p.color != Metric.MetricColor.GRAY, p.label


def _flat_ratio_card() -> None:
    """An AppTest script: the card of a percentage that moved by 0.03 points (shown "0.0")."""
    import datetime as dt
    import types

    from govdash.app import chrome
    from govdash.core.data.catalog import load_catalog
    from govdash.core.measures.figures import Kpi
    from govdash.core.question.scope import Window

    metric = next(m for m in load_catalog().metrics.values() if m.unit["zh"] == "%")
    window = Window.of(dt.date(2025, 6, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 18))
    kpi = Kpi(metric, 21.73, 21.70, 20.0, window, None)
    chrome.kpi_card(types.SimpleNamespace(lang="zh"), kpi, flow=True)


def test_a_percentage_that_moved_by_hundredths_is_neutral_too():
    """Streamlit itself greys only a literal "0"; "0.0个百分点" would be a green up arrow."""
    from streamlit.proto.Metric_pb2 import Metric
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_flat_ratio_card, default_timeout=60)
    at.run()
    assert not at.exception
    card = at.metric[0].proto
    assert card.delta == "0.0个百分点"
    assert (card.color, card.direction) == (Metric.MetricColor.GRAY, Metric.MetricDirection.NONE)
