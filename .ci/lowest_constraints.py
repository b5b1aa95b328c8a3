"""Print pip constraints that pin every declared dependency to its lower bound.

.ci/run installs the project with these into a second, fresh virtual environment and runs the
suite again, so every lower bound in pyproject.toml is one the code is shown to run on.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))["project"]
for requirement in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
    match = re.match(
        r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(?:>=|==)\s*([0-9][^,;\s]*)", requirement
    )
    if not match:
        sys.exit(f"{requirement!r} has no lower bound (>= or ==)")
    print(f"{match.group(1)}=={match.group(2)}")
