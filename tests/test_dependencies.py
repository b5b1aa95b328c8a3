"""Every third-party module the project imports is declared in pyproject.toml, in the right group.

A fresh machine has only what pyproject.toml declares. A module that happens to be installed here
(this machine's system Python ships hypothesis and orjson, for instance) must not hide a missing
declaration, so this reads the import statements themselves and maps each top-level module to the
distributions that provide it, from the installed packages' metadata.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# Which requirement groups each part of the project may rely on.
GROUPS = {
    "govdash": ("runtime",),
    "pages": ("runtime",),
    "dashboard.py": ("runtime",),
    "tests": ("runtime", "test"),
    "bench": ("runtime", "bench", "test"),
}
# Modules that may also rely on an optional group, because only they import it and only when
# asked to (GOVDASH_ENGINE=clickhouse imports chdb or clickhouse-connect, never the dashboard).
OPTIONAL = {"govdash/core/engine/clickhouse_engine.py": ("clickhouse",)}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return normalise(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])


def declared(group: str) -> set[str]:
    if group == "runtime":
        return {requirement_name(r) for r in PYPROJECT.get("dependencies", [])}
    return {requirement_name(r) for r in PYPROJECT.get("optional-dependencies", {}).get(group, [])}


def local_modules() -> set[str]:
    """Names that resolve inside the checkout: the package, and modules beside tests and benches."""
    names = {"govdash", "__future__"}
    for folder in ("tests", "bench"):
        names |= {p.stem for p in (ROOT / folder).glob("*.py")}
    return names


def top_level_imports(path: Path) -> dict[str, int]:
    """Top-level module names of the absolute imports in a file, with the first line each is on."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


def files_of(part: str) -> list[Path]:
    target = ROOT / part
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


def undeclared_imports(part: str, provides: dict[str, list[str]]) -> list[str]:
    allowed = set().union(*(declared(g) for g in GROUPS[part]))
    local = local_modules()
    problems = []
    for path in files_of(part):
        where = path.relative_to(ROOT)
        extra = set().union(*(declared(g) for g in OPTIONAL.get(where.as_posix(), ())))
        for module, line in top_level_imports(path).items():
            if module in sys.stdlib_module_names or module in local:
                continue
            distributions = {normalise(d) for d in provides.get(module, [module])}
            if not distributions & (allowed | extra):
                problems.append(
                    f"{where}:{line} imports {module} (from {sorted(distributions)}), "
                    f"which is not declared in {' or '.join(GROUPS[part])} dependencies"
                )
    return problems


@pytest.mark.parametrize("part", list(GROUPS))
def test_every_third_party_import_is_declared(part):
    assert undeclared_imports(part, packages_distributions()) == []


def test_the_check_finds_an_undeclared_import(tmp_path, monkeypatch):
    """The check itself can fail: a file importing a module nobody declared is reported."""
    module = tmp_path / "govdash"
    module.mkdir()
    (module / "extra.py").write_text("import orjson\nfrom yaml import safe_load\nimport json\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    problems = undeclared_imports("govdash", {"orjson": ["orjson"], "yaml": ["PyYAML"]})
    assert [p.split(" imports ")[1].split(" ")[0] for p in problems] == ["orjson", "yaml"]
    assert problems[0].startswith("govdash/extra.py:1 ")


def test_every_dependency_has_a_tested_lower_bound():
    """Lower bounds are what .ci/run installs for its lowest-versions run, so each must exist."""
    requirements = [*PYPROJECT["dependencies"], *PYPROJECT["optional-dependencies"]["test"]]
    for requirement in requirements:
        assert re.search(r"(>=|==)\s*[0-9]", requirement), f"{requirement} has no lower bound"
