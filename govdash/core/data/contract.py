"""Data contract v1: the tables of a snapshot, their columns and the rules every write and read enforces.

The prose version is docs/data-contract.md; a test keeps the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from govdash.core.text.numbers import QUALIFIERS  # noqa: F401 - part of the contract's vocabulary

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = frozenset({1})

LEVELS = ("city", "district", "street", "community")
# GB/T 2260 style: the district code is 6 digits, a street appends 3, a community 3 more.
CODE_LENGTH = {"city": 6, "district": 6, "street": 9, "community": 12}

STOCK_COLUMNS = (
    "social_workers",
    "community_workers",
    "registered_volunteers",
    "volunteer_backbones",
    "volunteer_teams",
    "new_employment_teams",
    "mobile_grid_workers",
)

# Tables a snapshot may leave out. value_qualifiers holds the 余/近/约 typed beside imported
# counts ("40余"): the count is stored as 40 in its own table and the qualifier here, by row key.
OPTIONAL_TABLES = frozenset({"value_qualifiers"})


def row_key(values: list) -> str:
    """A row's unique key as text ("2025-07-01|420106012001"), to point at it from another table."""
    return "|".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its schema, the sort order on disk and its required columns."""

    name: str
    schema: pa.Schema
    sort_by: tuple[str, ...]
    required: tuple[str, ...]
    unique: tuple[str, ...] = ()


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, typ) for name, typ in fields])


S, I32, I64, F64, D, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.date32(), pa.bool_()

# The largest whole number an integer column stores. int64 stops at 2**53: numbers pass through a
# float on the way in, and above 2**53 a float no longer holds every integer exactly.
INTEGER_LIMITS = {I32: 2**31 - 1, I64: 2**53}


def integer_limit(typ: pa.DataType) -> int | None:
    """The magnitude an integer column can hold, or None for other types."""
    return INTEGER_LIMITS.get(typ)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "divisions",
            _schema(
                ("code", S),
                ("level", S),
                ("name_zh", S),
                ("name_en", S),
                ("parent_code", S),
                ("population", I64),
                ("is_pilot", B),
                ("pilot_start", D),
            ),
            sort_by=("code",),
            required=("code", "level", "name_zh", "name_en", "is_pilot"),
            unique=("code",),
        ),
        TableSpec(
            "headcounts",
            _schema(("month", D), ("community_code", S), *[(c, I32) for c in STOCK_COLUMNS]),
            sort_by=("month", "community_code"),
            required=("month", "community_code"),
            unique=("month", "community_code"),
        ),
        TableSpec(
            "teams",
            _schema(
                ("team_id", S),
                ("name_zh", S),
                ("name_en", S),
                ("community_code", S),
                ("team_type", S),
                ("founded", D),
            ),
            sort_by=("team_id",),
            required=("team_id", "name_zh", "community_code", "team_type", "founded"),
            unique=("team_id",),
        ),
        TableSpec(
            "activities",
            _schema(
                ("activity_id", I64),
                ("date", D),
                ("community_code", S),
                ("team_id", S),
                ("category", S),
                ("target_group", S),
                ("volunteers", I32),
                ("social_workers", I32),
                ("service_hours", F64),
                ("served_person_times", I32),
                ("is_request", B),
                ("response_hours", F64),
            ),
            sort_by=("date", "community_code", "activity_id"),
            required=(
                "activity_id",
                "date",
                "community_code",
                "category",
                "target_group",
                "volunteers",
                "social_workers",
                "service_hours",
                "served_person_times",
                "is_request",
            ),
            unique=("activity_id",),
        ),
        TableSpec(
            "resources",
            _schema(
                ("resource_id", S),
                ("kind", S),
                ("name_zh", S),
                ("name_en", S),
                ("division_code", S),
                ("level", S),
                ("opened", D),
                ("amount_yuan", F64),
            ),
            sort_by=("resource_id",),
            required=("resource_id", "kind", "name_zh", "division_code", "level", "opened"),
            unique=("resource_id",),
        ),
        TableSpec(
            "programmes",
            _schema(
                ("programme_id", S),
                ("name_zh", S),
                ("name_en", S),
                ("owner_code", S),
                ("kind", S),
                ("focus_groups", S),
                ("launch_date", D),
                ("description_zh", S),
                ("description_en", S),
            ),
            sort_by=("programme_id",),
            required=("programme_id", "name_zh", "owner_code", "kind", "launch_date"),
            unique=("programme_id",),
        ),
        TableSpec(
            "outcomes",
            _schema(
                ("month", D),
                ("division_code", S),
                ("programme_id", S),
                ("metric", S),
                ("value", F64),
            ),
            sort_by=("metric", "month", "division_code"),
            required=("month", "division_code", "metric", "value"),
            unique=("month", "division_code", "programme_id", "metric"),
        ),
        TableSpec(
            "value_qualifiers",
            _schema(("table", S), ("row_key", S), ("column", S), ("qualifier", S)),
            sort_by=("table", "row_key", "column"),
            required=("table", "row_key", "column", "qualifier"),
            unique=("table", "row_key", "column"),
        ),
        TableSpec(
            "reported_facts",
            _schema(
                ("fact_id", S),
                ("scope_code", S),
                ("scope_name", S),
                ("metric", S),
                ("filters", S),
                ("value", F64),
                ("qualifier", S),
                ("unit", S),
                ("as_of", D),
                ("period_start", D),
                ("tolerance", F64),
                ("source_sentence", S),
                ("source_document", S),
                ("source_ref", S),
                ("note", S),
            ),
            sort_by=("fact_id",),
            required=(
                "fact_id",
                "scope_code",
                "metric",
                "value",
                "qualifier",
                "unit",
                "as_of",
                "source_sentence",
                "source_document",
            ),
            unique=("fact_id",),
        ),
    )
}

# Rollups: tables derived from the ones above when a snapshot is written (govdash.core.engine.rollups),
# never imported. Each holds sums of the activities at the grains the pages ask at (district,
# street, community; per month and pilot phase), as detail rows split by category, target group
# and team type and as summary rows that add those up. Listed in the manifest under "rollups" with
# checksums and verified like the source tables; a snapshot written before rollups existed has
# none and is answered from the raw tables.
_GRAIN_KEYS = (
    ("detail", B),
    ("grain", S),
    ("division_code", S),
    ("month", D),
    ("category", S),
    ("target_group", S),
    ("team_type", S),
    ("since_pilot", B),
)
_GRAIN_KEY_NAMES = tuple(name for name, _ in _GRAIN_KEYS)
# The flow sums of the activity rollup, one per measure a page adds up over activities.
ACTIVITY_SUMS = (
    "activities",
    "served_person_times",
    "service_hours",
    "volunteer_person_times",
    "social_worker_person_times",
    "co_delivered_activities",
    "request_activities",
    "response_hours_total",
)
ROLLUPS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "activity_rollup",
            _schema(
                *_GRAIN_KEYS,
                ("in_baseline", B),
                *[
                    (c, F64 if c.endswith("hours") or c.endswith("total") else I64)
                    for c in ACTIVITY_SUMS
                ],
            ),  # fmt: skip
            sort_by=(*_GRAIN_KEY_NAMES, "in_baseline"),
            required=("detail", "grain", "division_code", "month", *ACTIVITY_SUMS),
            unique=(*_GRAIN_KEY_NAMES, "in_baseline"),
        ),
        TableSpec(
            "response_rollup",
            _schema(*_GRAIN_KEYS, ("bin_start", F64), ("requests", I64)),
            sort_by=(*_GRAIN_KEY_NAMES, "bin_start"),
            required=("detail", "grain", "division_code", "month", "bin_start", "requests"),
            unique=(*_GRAIN_KEY_NAMES, "bin_start"),
        ),
        TableSpec(
            "team_rollup",
            _schema(
                ("detail", B),
                ("community_code", S),
                ("team_id", S),
                ("month", D),
                ("category", S),
                ("target_group", S),
                ("activities", I64),
                ("served_person_times", I64),
                ("service_hours", F64),
            ),
            sort_by=("detail", "community_code", "team_id", "month", "category", "target_group"),
            required=(
                "detail",
                "community_code",
                "team_id",
                "month",
                "activities",
                "served_person_times",
                "service_hours",
            ),
            unique=("detail", "community_code", "team_id", "month", "category", "target_group"),
        ),
    )
}
# Every table a snapshot folder can hold, sources and rollups.
ALL_TABLES: dict[str, TableSpec] = {**TABLES, **ROLLUPS}

NON_NEGATIVE = {
    "headcounts": STOCK_COLUMNS,
    "activities": (
        "volunteers",
        "social_workers",
        "service_hours",
        "served_person_times",
        "response_hours",
    ),
    "divisions": ("population",),
    "outcomes": ("value",),
    "resources": ("amount_yuan",),
}

VOCABULARY_COLUMNS = {
    ("divisions", "level"): "levels",
    ("activities", "category"): "categories",
    ("activities", "target_group"): "target_groups",
    ("teams", "team_type"): "team_types",
    ("resources", "kind"): "resource_kinds",
    ("resources", "level"): "levels",
    ("programmes", "kind"): "programme_kinds",
}

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
