"""docs/data-contract.md must stay in step with govdash/contract.py and the catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

from govdash.core.data.catalog import KINDS
from govdash.core.data.contract import ALL_TABLES, NON_NEGATIVE, SCHEMA_VERSION, VOCABULARY_COLUMNS
from govdash.core.question.scope import FILTER_KEYS
from govdash.core.text.numbers import QUALIFIERS

ROOT = Path(__file__).resolve().parent.parent
DOC = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"

TYPE_NAMES = {
    pa.string(): "string",
    pa.int32(): "int32",
    pa.int64(): "int64",
    pa.float64(): "float64",
    pa.date32(): "date32",
    pa.bool_(): "bool",
}


@pytest.fixture(scope="module")
def doc() -> str:
    assert DOC.exists(), f"{DOC} is missing"
    return DOC.read_text(encoding="utf-8")


def table_section(doc: str, table: str) -> str:
    """The text under the heading "### `table`" up to the next heading of level 2 or 3."""
    match = re.search(rf"^### `{re.escape(table)}`\s*$(.*?)(?=^##)", doc, re.M | re.S)
    assert match, f"no section '### `{table}`' in {DOC.name}"
    return match.group(1)


def column_rows(section: str) -> list[list[str]]:
    """Cells of the Markdown table rows that document a column (first cell in backticks)."""
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            rows.append(cells)
    return rows


def test_every_table_and_column_is_documented(doc: str) -> None:
    missing = [f"`{name}`" for name in ALL_TABLES if f"`{name}`" not in doc]
    missing += [
        f"{name}.`{field.name}`"
        for name, spec in ALL_TABLES.items()
        for field in spec.schema
        if f"`{field.name}`" not in doc
    ]
    assert not missing, f"not in {DOC.name}: {missing}"


@pytest.mark.parametrize("table", list(ALL_TABLES))
def test_column_table_matches_contract(doc: str, table: str) -> None:
    """Each table's section lists exactly its columns, in order, with type, nullability, >= 0."""
    spec = ALL_TABLES[table]
    rows = column_rows(table_section(doc, table))
    assert [r[0] for r in rows] == [f"`{f.name}`" for f in spec.schema]
    for field, (_, typ, required, *_rest) in zip(spec.schema, rows, strict=True):
        assert typ == TYPE_NAMES[field.type], f"{table}.{field.name}: type {typ!r}"
        want = "required" if field.name in spec.required else "nullable"
        if field.name in NON_NEGATIVE.get(table, ()):
            want += ", ≥ 0"
        assert required == want, f"{table}.{field.name}: {required!r}, expected {want!r}"


@pytest.mark.parametrize("table", list(ALL_TABLES))
def test_sort_order_and_unique_key_are_documented(doc: str, table: str) -> None:
    section = table_section(doc, table)
    prose = " ".join(line for line in section.splitlines() if not line.startswith("|"))
    for col in ALL_TABLES[table].sort_by + ALL_TABLES[table].unique:
        assert f"`{col}`" in prose, f"{table}: sort order / unique key column {col} not stated"
    assert "Sort order" in prose and "Unique key" in prose


def test_qualifiers_kinds_and_keys_are_documented(doc: str) -> None:
    assert set(KINDS) == {"stock", "flow", "ratio"}
    words = [*QUALIFIERS, *KINDS, *FILTER_KEYS, *set(VOCABULARY_COLUMNS.values())]
    missing = [w for w in words if f"`{w}`" not in doc]
    assert not missing, f"not in {DOC.name}: {missing}"


def test_schema_version_is_stated(doc: str) -> None:
    assert f"**schema version {SCHEMA_VERSION}**" in doc


README = DOC.parent.parent / "README.md"
CI_SCRIPT = DOC.parent.parent / ".ci" / "run"


def quick_start_commands() -> list[str]:
    """The fenced bash commands of README's quick start, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_the_quick_start_is_two_commands_in_a_project_environment():
    run, test = quick_start_commands()
    assert run.endswith("-m govdash serve") and test.endswith("-m pytest")
    for command in (run, test):
        assert "\n" not in command, "one command each"
        # PEP 668: nothing is installed into the system interpreter, only into .venv.
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
        assert "python3 -m pip" not in command and "sudo" not in command


def test_ci_runs_the_readme_test_command_verbatim_in_a_fresh_environment():
    _, test = quick_start_commands()
    lines = [line.strip() for line in CI_SCRIPT.read_text(encoding="utf-8").splitlines()]
    assert test in lines, f".ci/run must run {test!r} as written in README.md"
    assert lines.index("rm -rf .venv .venv-lowest") < lines.index(test), "a fresh venv every run"


PATH_MENTION = re.compile(r"`((?:govdash|queries|data|docs|bench|tests|pages)/[\w./-]+?)`")


@pytest.mark.parametrize(
    "name", ["README.md", "docs/architecture.md", "docs/data-contract.md", "docs/scaling.md"]
)
def test_every_path_the_docs_name_exists(name: str) -> None:
    """Docs that point at moved files send a newcomer nowhere; every `path/in/backticks` exists."""
    text = (ROOT / name).read_text(encoding="utf-8")
    mentioned = {m for m in PATH_MENTION.findall(text) if "<" not in m and "*" not in m}
    mentioned -= {"data/snapshots", "data/snapshots/"}  # user data, created on first run
    assert mentioned, f"{name} names no paths; the pattern is wrong"
    missing = sorted(m for m in mentioned if not (ROOT / m.rstrip("/")).exists())
    assert missing == [], f"{name} names paths that do not exist: {missing}"
