"""The shared view: every filter a page reads, parsed from and written back to URL parameters.

A copied link must reproduce the exact view, so the URL holds codes and ids (never display names,
which change with the language) and everything is validated against what the snapshot allows.
Values that do not validate fall back to defaults and are reported, so the page can say so; they
never reach SQL as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from govdash.core.data.contract import CODE_LENGTH
from govdash.core.data.divisions import level_of

# URL parameter names (the language is bound separately by its widget).
KEYS = (
    "snapshot",
    "start",
    "end",
    "district",
    "street",
    "community",
    "category",
    "group",
    "team",
    "metric",
)
MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)  # ASCII: "２０２５" is not a link's month
MAX_LIST = 50  # more codes than any city has districts: a longer list is not a real link


@dataclass(frozen=True)
class Options:
    """What the snapshot allows: the checks every URL value must pass."""

    snapshots: tuple[str, ...]
    months: tuple[dt.date, ...]
    divisions: pd.DataFrame = field(repr=False, compare=False)
    metrics: tuple[str, ...]
    categories: tuple[str, ...]
    target_groups: tuple[str, ...]
    team_types: tuple[str, ...]
    default_metric: str
    pilot_month: dt.date | None = None  # the month the pilot began, when the snapshot covers it

    def children(self, parent: str | None, level: str) -> list[str]:
        """Codes of the divisions of level under parent (all of them when parent is None)."""
        rows = self.divisions[self.divisions["level"] == level]
        if parent:
            rows = rows[rows["parent_code"] == parent]
        return rows["code"].tolist()

    def level(self, code: str) -> str | None:
        return level_of(self.divisions, code)


@dataclass(frozen=True)
class View:
    """One dashboard view. Empty tuples mean "all"; None means "not chosen"."""

    snapshot: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    districts: tuple[str, ...] = ()
    street: str | None = None
    community: str | None = None
    categories: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    team_types: tuple[str, ...] = ()
    metric: str | None = None

    @property
    def scope_codes(self) -> tuple[str, ...]:
        """The divisions the figures cover: the deepest choice, or the chosen districts."""
        if self.community:
            return (self.community,)
        if self.street:
            return (self.street,)
        return self.districts

    @property
    def single_district(self) -> str | None:
        return self.districts[0] if len(self.districts) == 1 else None

    def drill(self, code: str, options: Options) -> View:
        """The view one level down at code (a district, street or community)."""
        level = options.level(code)
        if level == "district":
            return replace(self, districts=(code,), street=None, community=None)
        if level == "street":
            return replace(
                self, districts=(code[: CODE_LENGTH["district"]],), street=code, community=None
            )
        if level == "community":
            return replace(
                self,
                districts=(code[: CODE_LENGTH["district"]],),
                street=code[: CODE_LENGTH["street"]],
                community=code,
            )
        return replace(self, districts=(), street=None, community=None)

    def up_to(self, level: str) -> View:
        """The view at a higher level of the breadcrumb (city, district or street)."""
        if level == "city":
            return replace(self, districts=(), street=None, community=None)
        if level == "district":
            return replace(self, districts=self.districts[:1], street=None, community=None)
        if level == "street":
            return replace(self, community=None)
        return self


def default_start(options: Options) -> dt.date | None:
    """Where the default period begins: the month the pilot began, so that an official opening the
    dashboard sees what the pilot achieved (stocks now against the month before it began, flows
    added up since), which is the question exchange meetings ask. Without a pilot month in the
    data it is the year to date, the period Chinese statistical reports use (本年累计)."""
    if not options.months:
        return None
    last = options.months[-1]
    pilot = options.pilot_month
    if pilot is not None and pilot in options.months and pilot < last:
        return pilot
    january = last.replace(month=1)
    return january if january in options.months else options.months[0]


def default_view(options: Options) -> View:
    """Since the pilot began (default_start) to the latest month, the whole city, every category,
    the catalog's default metric."""
    last = options.months[-1] if options.months else None
    return View(
        snapshot=options.snapshots[0] if options.snapshots else None,
        start=default_start(options),
        end=last,
        metric=options.default_metric,
    )


def parse_month(text: str) -> dt.date | None:
    """YYYY-MM as a date, or None for anything else (year 0 included: dt.date has no year 0)."""
    match = MONTH.fullmatch(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (dt.MINYEAR <= year <= dt.MAXYEAR and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def _codes(text: str, allowed: list[str] | tuple[str, ...]) -> tuple[str, ...] | None:
    """A comma-separated list of allowed codes (deduplicated, allowed order), or None if any is bad."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > MAX_LIST or any(p not in allowed for p in parts):
        return None
    return tuple(c for c in allowed if c in set(parts))


def parse(params: Mapping[str, str], options: Options) -> tuple[View, list[str]]:
    """The view a URL describes, and the names of parameters that were invalid and ignored."""
    view = default_view(options)
    bad: list[str] = []

    def get(key: str) -> str | None:
        value = params.get(key)
        if isinstance(value, list):  # st.query_params.to_dict() keeps the last; be safe anyway
            value = value[-1] if value else None
        return value if isinstance(value, str) and value.strip() else None

    if (raw := get("snapshot")) is not None:
        if raw in options.snapshots:
            view = replace(view, snapshot=raw)
        else:
            bad.append("snapshot")
    for key in ("start", "end"):
        if (raw := get(key)) is not None:
            month = parse_month(raw)
            if month in options.months:
                view = replace(view, **{key: month})
            else:
                bad.append(key)
    if view.start and view.end and view.start > view.end:
        view = replace(view, start=view.end)
        bad.append("start")
    if (raw := get("district")) is not None:
        codes = _codes(raw, options.children(None, "district"))
        if codes is None:
            bad.append("district")
        else:
            view = replace(view, districts=codes)
    if (raw := get("street")) is not None:
        district = view.single_district
        if district and raw in options.children(district, "street"):
            view = replace(view, street=raw)
        else:
            bad.append("street")
    if (raw := get("community")) is not None:
        if view.street and raw in options.children(view.street, "community"):
            view = replace(view, community=raw)
        else:
            bad.append("community")
    for key, attr, allowed in (
        ("category", "categories", options.categories),
        ("group", "target_groups", options.target_groups),
        ("team", "team_types", options.team_types),
    ):
        if (raw := get(key)) is not None:
            codes = _codes(raw, allowed)
            if codes is None:
                bad.append(key)
            else:
                view = replace(view, **{attr: codes})
    if (raw := get("metric")) is not None:
        if raw in options.metrics:
            view = replace(view, metric=raw)
        else:
            bad.append("metric")
    return view, bad


def to_params(view: View, options: Options) -> dict[str, str]:
    """The URL parameters of a view; values equal to the default are left out to keep links short."""
    base = default_view(options)
    out: dict[str, str] = {}
    if view.snapshot and view.snapshot != base.snapshot:
        out["snapshot"] = view.snapshot
    for key in ("start", "end"):
        value = getattr(view, key)
        if value and value != getattr(base, key):
            out[key] = value.strftime("%Y-%m")
    if view.districts:
        out["district"] = ",".join(view.districts)
    if view.street:
        out["street"] = view.street
    if view.community:
        out["community"] = view.community
    for key, attr in (
        ("category", "categories"),
        ("group", "target_groups"),
        ("team", "team_types"),
    ):
        if getattr(view, attr):
            out[key] = ",".join(getattr(view, attr))
    if view.metric and view.metric != base.metric:
        out["metric"] = view.metric
    return out


def breadcrumb(view: View, city: str) -> list[tuple[str, str]]:
    """(level, code) from the city down to the deepest chosen division."""
    crumbs = [("city", city)]
    if view.single_district:
        crumbs.append(("district", view.single_district))
        if view.street:
            crumbs.append(("street", view.street))
            if view.community:
                crumbs.append(("community", view.community))
    return crumbs
