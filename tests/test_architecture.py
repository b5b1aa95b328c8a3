"""The layers hold: core knows no screen, viz no app, and nothing below the app imports it.

An import-linter contract in test form: every import statement of every module (top level or
inside a function) is read, so a late `import streamlit` inside a core function fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "govdash"

# layer -> modules it must never import (prefix match on the dotted name)
FORBIDDEN = {
    "govdash.core": ("streamlit", "plotly", "govdash.viz", "govdash.app", "govdash.cli",
                     "govdash.importing", "govdash.demo"),
    "govdash.importing": ("streamlit", "plotly", "govdash.viz", "govdash.app", "govdash.cli"),
    # The generator writes tables; it needs no query stack to do so.
    "govdash.demo": ("streamlit", "plotly", "govdash.viz", "govdash.app", "govdash.cli",
                     "govdash.importing", "govdash.core.engine.query", "govdash.core.measures.metrics",
                     "govdash.core.measures.figures", "govdash.core.measures.reconcile"),
    "govdash.viz": ("streamlit", "govdash.app", "govdash.cli", "govdash.importing",
                    "govdash.demo"),
    # The supervisor runs workers as processes: it never imports what they run.
    "govdash.serving": ("streamlit", "plotly", "govdash.viz", "govdash.app", "govdash.cli",
                        "govdash.importing", "govdash.demo"),
}  # fmt: skip


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int]]:
    """Absolute dotted names imported anywhere in the file, with their line numbers."""
    found = []
    package = module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
            found.append((base, node.lineno))
    return found


def violations(layer: str) -> list[str]:
    folder = PACKAGE / layer.split(".", 1)[1]
    bad = []
    for path in sorted(folder.rglob("*.py")):
        for name, line in imports(path):
            for forbidden in FORBIDDEN[layer]:
                if name == forbidden or name.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return sorted(set(bad))


@pytest.mark.parametrize("layer", list(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    assert violations(layer) == []


def test_the_contract_can_fail(tmp_path, monkeypatch):
    core = tmp_path / "govdash" / "core"
    core.mkdir(parents=True)
    (core / "bad.py").write_text("def f():\n    import streamlit as st\n    from ..app import x\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path / "govdash")
    assert violations("govdash.core") == [
        "govdash/core/bad.py:2 imports streamlit",
        "govdash/core/bad.py:3 imports govdash.app",
        "govdash/core/bad.py:3 imports govdash.app.x",
    ]


# The core's rooms, lowest first: a room may import itself and the rooms before it, never one
# after it (govdash/core/__init__.py says what each holds).
CORE_ROOMS = ("text", "data", "engine", "question", "measures", "rules", "evaluation", "outputs")
MAX_ROOM_LINES = 2_200  # "about 2,000": a room that grows past it is two rooms


def room_violations() -> list[str]:
    """Imports from a core room to a later one, and core modules that live in no room."""
    order = {room: i for i, room in enumerate(CORE_ROOMS)}
    core = PACKAGE / "core"
    bad = []
    for path in sorted(core.rglob("*.py")):
        parts = path.relative_to(core).parts
        if len(parts) == 1:
            if parts[0] != "__init__.py":
                bad.append(f"{path.relative_to(ROOT)} lives in no room")
            continue
        mine = parts[0]
        if mine not in order:
            bad.append(f"{path.relative_to(ROOT)} is in {mine}/, which is not a room")
            continue
        for name, line in imports(path):
            target = name.split(".")[2] if name.startswith("govdash.core.") else None
            if target in order and order[target] > order[mine]:
                bad.append(
                    f"{path.relative_to(ROOT)}:{line} imports {name} ({mine} is below {target})"
                )
    return sorted(set(bad))


def test_the_core_rooms_import_only_the_rooms_below_them():
    assert room_violations() == []


def test_the_room_contract_can_fail(tmp_path, monkeypatch):
    core = tmp_path / "govdash" / "core"
    (core / "data").mkdir(parents=True)
    (core / "data" / "bad.py").write_text(
        "from govdash.core.outputs.xlsx import escape\n"
        "def f():\n    from govdash.core.text.i18n import t\n    import govdash.core.measures.story\n"
    )
    (core / "loose.py").write_text("x = 1\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    monkeypatch.setitem(globals(), "PACKAGE", tmp_path / "govdash")
    assert room_violations() == [
        "govdash/core/data/bad.py:1 imports govdash.core.outputs.xlsx (data is below outputs)",
        "govdash/core/data/bad.py:1 imports govdash.core.outputs.xlsx.escape (data is below outputs)",
        "govdash/core/data/bad.py:4 imports govdash.core.measures.story (data is below measures)",
        "govdash/core/loose.py lives in no room",
    ]


def test_no_room_outgrows_about_two_thousand_lines():
    sizes = {
        room: sum(len(p.read_text(encoding="utf-8").splitlines())
                  for p in (PACKAGE / "core" / room).glob("*.py"))
        for room in CORE_ROOMS
    }  # fmt: skip
    assert {r: n for r, n in sizes.items() if n > MAX_ROOM_LINES} == {}, sizes
    assert {
        p.name for p in (PACKAGE / "core").iterdir() if p.is_dir() and p.name != "__pycache__"
    } == set(CORE_ROOMS)


def test_pages_stay_thin():
    """A page sets up, reads the shared state, calls its panels module and renders: no SQL, no
    pandas, no Plotly, and short."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        names = {name for name, _ in imports(page)}
        assert not any(n.split(".")[0] in ("pandas", "plotly", "duckdb") for n in names), page
        assert len(page.read_text(encoding="utf-8").splitlines()) <= 40, page


def test_public_functions_are_typed():
    """Every public function and method of the package annotates its parameters and its result."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("_"):
                continue
            args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            untyped = [a.arg for a in args if a.annotation is None and a.arg not in ("self", "cls")]
            for star in (node.args.vararg, node.args.kwarg):
                if star is not None and star.annotation is None:
                    untyped.append(star.arg)
            if untyped or node.returns is None:
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                missing.append(
                    f"{where} {untyped}{' (no return type)' if not node.returns else ''}"
                )
    assert missing == []
