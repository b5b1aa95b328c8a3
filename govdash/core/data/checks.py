"""The rules of data contract v1 as checks: every table written or read is held against them.

The tables themselves (names, columns, keys, sort orders) are in contract.py; this module says
what a table must satisfy beyond its schema: types, keys, references between tables, division
codes and their hierarchy, and the ranges of counts. Every problem is located (table, column,
row) and bilingual.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from govdash.core.data.contract import (
    ALL_TABLES,
    CODE_LENGTH,
    NON_NEGATIVE,
    OPTIONAL_TABLES,
    TABLES,
    VOCABULARY_COLUMNS,
)
from govdash.core.data.vocab import codes
from govdash.core.text.numbers import QUALIFIERS
from govdash.core.text.problems import ContractError, Problem


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
    Tables in `streamed` arrive later as batches and are checked then (govdash.core.data.streams)."""
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
