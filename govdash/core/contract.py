"""Data contract v1: the tables of a snapshot, their columns and the rules every write and read enforces.

The prose version is docs/data-contract.md; a test keeps the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from govdash.core.problems import ContractError, Problem
from govdash.core.vocab import codes

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

QUALIFIERS = ("exact", "more_than", "nearly", "about", "at_least")
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

# Rollups: tables derived from the ones above when a snapshot is written (govdash.core.rollups),
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


def _problem(table: str, column: str, en: str, zh: str, row: int | None = None) -> Problem:
    where = f"{table}.{column}" + (f" row {row + 1}" if row is not None else "")
    return Problem("contract", en, zh, where)


def check_schema(name: str, schema: pa.Schema, where: str = "") -> list[Problem]:
    """Column names and types must match the contract exactly (order included)."""
    spec = ALL_TABLES.get(name)
    if spec is None:
        return [Problem("contract", f"unknown table {name!r}", f"未知的数据表 {name!r}", where)]
    problems = []
    expected = {f.name: f.type for f in spec.schema}
    actual = {f.name: f.type for f in schema}
    for col, typ in expected.items():
        if col not in actual:
            problems.append(
                Problem("contract", f"missing column {col!r}", f"缺少列 {col!r}", where)
            )
        elif actual[col] != typ:
            problems.append(
                Problem(
                    "contract",
                    f"column {col!r} has type {actual[col]}, expected {typ}",
                    f"列 {col!r} 的类型为 {actual[col]}，应为 {typ}",
                    where,
                )
            )
    for col in actual:
        if col not in expected:
            problems.append(
                Problem("contract", f"unexpected column {col!r}", f"多余的列 {col!r}", where)
            )
    return problems


def _first_row(mask: pa.Array) -> int | None:
    idx = pc.index(mask, True).as_py()
    return None if idx is None or idx < 0 else idx


def _first_row_at(offset: int, mask: pa.Array) -> int | None:
    row = _first_row(mask)
    return None if row is None else row + offset


def check_table(name: str, table: pa.Table, *, row_offset: int = 0) -> list[Problem]:
    """Everything that can be checked on one table alone: schema, nulls, negatives, vocabularies, keys.
    row_offset locates problems in a batch of a streamed table by its place in the whole table."""
    problems = check_schema(name, table.schema, where=f"{name}.parquet")
    if problems:
        return problems
    spec = TABLES[name]
    for col in spec.required:
        nulls = table[col].null_count
        if nulls:
            row = _first_row_at(row_offset, pc.is_null(table[col]).combine_chunks())
            problems.append(
                _problem(
                    name,
                    col,
                    f"{nulls} empty value(s) in a required column",
                    f"必填列有 {nulls} 个空值",
                    row,
                )
            )
    for col in NON_NEGATIVE.get(name, ()):
        negative = pc.fill_null(pc.less(table[col], 0), False).combine_chunks()
        if pc.any(negative).as_py():
            problems.append(
                _problem(
                    name, col, "negative value", "出现负数", _first_row_at(row_offset, negative)
                )
            )
    for (tbl, col), vocab in VOCABULARY_COLUMNS.items():
        if tbl != name:
            continue
        allowed = pa.array(codes(vocab))
        bad = pc.invert(pc.is_in(table[col], value_set=allowed)).combine_chunks()
        bad = pc.and_(bad, pc.is_valid(table[col]).combine_chunks())
        if pc.any(bad).as_py():
            row = _first_row_at(row_offset, bad)
            value = table[col][row - row_offset].as_py()
            problems.append(
                _problem(
                    name,
                    col,
                    f"unknown code {value!r} (see data/vocabulary.toml)",
                    f"未知代码 {value!r}（见 data/vocabulary.toml）",
                    row,
                )
            )
    if spec.unique and table.num_rows:
        keys = table.group_by(list(spec.unique), use_threads=False).aggregate([([], "count_all")])
        dup = pc.greater(keys["count_all"], 1)
        if pc.any(dup).as_py():
            n = pc.sum(dup).as_py()
            problems.append(
                _problem(name, "+".join(spec.unique), f"{n} duplicate key(s)", f"有 {n} 个重复键")
            )
    if name == "reported_facts":
        bad = pc.invert(
            pc.is_in(table["qualifier"], value_set=pa.array(QUALIFIERS))
        ).combine_chunks()
        if pc.any(bad).as_py():
            row = _first_row_at(row_offset, bad)
            problems.append(
                _problem(
                    name,
                    "qualifier",
                    f"unknown qualifier {table['qualifier'][row - row_offset]}",
                    f"未知限定词 {table['qualifier'][row - row_offset]}",
                    row,
                )
            )
    return problems


def check_divisions(divisions: pa.Table) -> list[Problem]:
    """The hierarchy: one city, each code of its level's length, nested under its parent's code."""
    problems: list[Problem] = []
    rows = divisions.to_pylist()
    by_code = {r["code"]: r for r in rows}
    cities = [r for r in rows if r["level"] == "city"]
    if len(cities) != 1:
        problems.append(
            _problem(
                "divisions",
                "level",
                f"expected exactly one city, found {len(cities)}",
                f"应有且仅有一个市级区划，实有 {len(cities)} 个",
            )
        )
    parent_level = {"district": "city", "street": "district", "community": "street"}
    for i, r in enumerate(rows):
        code, level = r["code"], r["level"]
        if not code.isdigit() or len(code) != CODE_LENGTH.get(level, -1):
            problems.append(
                _problem(
                    "divisions",
                    "code",
                    f"code {code!r} is not a {level} code ({CODE_LENGTH.get(level)} digits)",
                    f"代码 {code!r} 不是{CODE_LENGTH.get(level)}位的{level}代码",
                    i,
                )
            )
            continue
        if level == "city":
            continue
        parent = by_code.get(r["parent_code"] or "")
        if parent is None or parent["level"] != parent_level[level]:
            problems.append(
                _problem(
                    "divisions",
                    "parent_code",
                    f"{code} ({r['name_en']}) has no {parent_level[level]} parent "
                    f"{r['parent_code']!r}",
                    f"{code}（{r['name_zh']}）的上级 {r['parent_code']!r} 不是有效的"
                    f"{parent_level[level]}",
                    i,
                )
            )
        elif level != "district" and not code.startswith(parent["code"]):
            problems.append(
                _problem(
                    "divisions",
                    "code",
                    f"{code} does not start with its parent's code {parent['code']}",
                    f"{code} 未以上级代码 {parent['code']} 开头",
                    i,
                )
            )
    return problems


def _references(tables: dict[str, pa.Table], outcome_metrics: set[str]) -> list[tuple]:
    """(table, column, allowed keys, what in English, what in Chinese) for every cross-table key."""
    div = tables["divisions"]
    all_codes = div["code"]
    communities = pc.filter(div["code"], pc.equal(div["level"], "community"))
    return [
        ("headcounts", "community_code", communities, "community", "社区"),
        ("teams", "community_code", communities, "community", "社区"),
        ("activities", "community_code", communities, "community", "社区"),
        ("activities", "team_id", tables["teams"]["team_id"], "team", "队伍"),
        ("resources", "division_code", all_codes, "division", "区划"),
        ("programmes", "owner_code", all_codes, "division", "区划"),
        ("outcomes", "division_code", all_codes, "division", "区划"),
        ("outcomes", "programme_id", tables["programmes"]["programme_id"], "programme", "项目"),
        ("outcomes", "metric", pa.array(sorted(outcome_metrics)), "outcome metric", "成效指标"),
        ("reported_facts", "scope_code", all_codes, "division", "区划"),
    ]


def check_references(
    tables: dict[str, pa.Table],
    outcome_metrics: set[str],
    *,
    only: frozenset[str] | None = None,
    skip: frozenset[str] = frozenset(),
    row_offset: int = 0,
) -> list[Problem]:
    """Cross-table keys: every community, team, programme and metric referenced must exist.
    `only`/`skip` choose the referring tables (a streamed table is checked batch by batch)."""
    problems: list[Problem] = []
    for table, col, allowed, what_en, what_zh in _references(tables, outcome_metrics):
        if table in skip or (only is not None and table not in only):
            continue
        values = tables[table][col]
        bad = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=allowed)))
        bad = bad.combine_chunks()
        if pc.any(bad).as_py():
            row = _first_row(bad)
            value = values[row].as_py()
            problems.append(
                _problem(
                    table,
                    col,
                    f"unknown {what_en} {value!r}",
                    f"未知{what_zh} {value!r}",
                    row + row_offset,
                )
            )
    return problems


def validate_tables(
    tables: dict[str, pa.Table],
    outcome_metrics: set[str],
    *,
    streamed: frozenset[str] = frozenset(),
) -> None:
    """Raise ContractError listing every problem at once; called before any snapshot is written.
    Tables in `streamed` arrive later as batches and are checked then (govdash.core.streams)."""
    problems: list[Problem] = []
    missing = [
        name
        for name in TABLES
        if name not in tables and name not in OPTIONAL_TABLES and name not in streamed
    ]
    for name in missing:
        problems.append(Problem("contract", f"table {name!r} is missing", f"缺少数据表 {name!r}"))
    for name, table in tables.items():
        problems.extend(check_table(name, table))
    if not problems:
        problems.extend(check_divisions(tables["divisions"]))
        problems.extend(check_references(tables, outcome_metrics, skip=streamed))
    if problems:
        raise ContractError(problems)


def conform(name: str, table: pa.Table) -> pa.Table:
    """Cast to the contract's schema and sort for row-group pruning."""
    spec = TABLES[name]
    table = table.select([f.name for f in spec.schema]).cast(spec.schema)
    return table.sort_by([(col, "ascending") for col in spec.sort_by])
