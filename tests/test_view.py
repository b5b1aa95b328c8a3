"""The shared view: URL parameters parse, validate and round-trip; hostile values fall back."""

from __future__ import annotations

import datetime as dt

import pytest

from govdash.core.question.view import View, breadcrumb, default_view, parse, to_params


def test_defaults_are_since_the_pilot_began_and_the_whole_city(options, snapshot):
    view, bad = parse({}, options)
    assert bad == []
    assert view.start == options.pilot_month == dt.date(2024, 3, 1)
    assert view.end == snapshot.as_of.replace(day=1)
    assert view.scope_codes == () and view.metric == "volunteers_per_10k"
    assert to_params(view, options) == {}


def test_a_full_link_round_trips(options):
    params = {
        "start": "2024-04",
        "end": "2025-06",
        "district": "420106",
        "street": "420106012",
        "community": "420106012001",
        "category": "elderly_care,child_care",
        "group": "children",
        "team": "new_employment",
        "metric": "activities",
    }
    view, bad = parse(params, options)
    assert bad == []
    assert view.scope_codes == ("420106012001",)
    assert view.start == dt.date(2024, 4, 1) and view.end == dt.date(2025, 6, 1)
    # codes come back in vocabulary order, whatever order the link had
    assert view.categories == ("elderly_care", "child_care")
    assert to_params(view, options) == params
    assert parse(to_params(view, options), options) == (view, [])


@pytest.mark.parametrize(
    "key, value",
    [
        ("district", "420106' OR 1=1 --"),
        ("district", "999999"),
        ("district", ",".join(["420106"] * 60)),
        ("street", "420103001"),  # a street of another district
        ("community", "420106012001"),  # a community without its street
        ("start", "2099-01"),
        ("end", "July"),
        ("category", "elderly_care;drop table activities"),
        ("group", "<script>"),
        ("team", "robots"),
        ("metric", "population); select 1; --"),
        ("snapshot", "../../etc"),
    ],
)
def test_hostile_or_stale_values_fall_back_and_are_reported(options, key, value):
    params = {"district": "420106"} if key == "street" else {}
    view, bad = parse({**params, key: value}, options)
    assert bad == [key]
    base = default_view(options)
    if key == "street":
        assert view.street is None and view.districts == ("420106",)
    else:
        assert view == base


def test_start_after_end_is_clamped(options):
    view, bad = parse({"start": "2025-06", "end": "2025-01"}, options)
    assert view.start == view.end == dt.date(2025, 1, 1)
    assert bad == ["start"]


def test_drill_down_and_back_up(options):
    view = View(metric="activities")
    district = view.drill("420106", options)
    assert district.districts == ("420106",) and district.street is None
    community = district.drill("420106012001", options)
    assert (community.street, community.community) == ("420106012", "420106012001")
    assert [level for level, _ in breadcrumb(community, "420100")] == [
        "city",
        "district",
        "street",
        "community",
    ]
    assert community.up_to("street").scope_codes == ("420106012",)
    assert community.up_to("district").scope_codes == ("420106",)
    assert community.up_to("city").scope_codes == ()
    # the city code is six digits like a district's: levels come from the table, not lengths
    assert district.drill("420100", options).scope_codes == ()


def test_without_a_pilot_month_the_default_is_the_year_to_date(options):
    from dataclasses import replace

    view = default_view(replace(options, pilot_month=None))
    assert view.start == view.end.replace(month=1)
