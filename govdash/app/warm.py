"""Warm the default views: every page for the city and for each district, run once ahead of visitors.

At a meeting, the first people to open the link would otherwise each pay for a cold page (the
queries, the pandas work behind the figures). The answers behind a page are shared by all workers
through the results store (govdash.core.engine.results), so running each default view once, in a
process of its own, makes them warm for every worker and every visitor. `python -m govdash serve`
starts this in the background (at a lower priority) once its workers answer; `python -m govdash
warm` runs it by hand, for example after an import.

The views are the pages themselves, run by Streamlit's own script runner (AppTest): what is warmed
is exactly what a visitor's run asks for, with no second list of questions to keep in step.
Only the store is filled: nothing here holds figures of its own.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from govdash.app.state import LAZY_SECTIONS
from govdash.core.data.paths import checkout_root
from govdash.core.data.snapshot import latest_good
from govdash.core.text.progress import Progress

# The pages a meeting opens (import computes nothing worth sharing); their files under pages/.
PAGES = ("overview", "districts", "community", "activities", "outcomes", "present", "data")


@dataclass
class Warmed:
    views: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)  # "page?query: what went wrong"


def default_views(
    district_codes: list[str], pages: tuple[str, ...] = PAGES
) -> list[tuple[str, dict[str, str]]]:
    """(page, URL parameters): each page for the city, then for every district."""
    unknown = [page for page in pages if page not in PAGES]
    if unknown:
        raise ValueError(f"no such page to warm: {', '.join(unknown)} (pages: {', '.join(PAGES)})")
    scopes: list[dict[str, str]] = [{}, *({"district": code} for code in district_codes)]
    return [(page, scope) for scope in scopes for page in pages]


def _districts(data_dir: Path) -> list[str]:
    """The district codes of the newest good snapshot, through the same query the pages use."""
    from govdash.core.engine.query import connect, run_query

    snapshot, _ = latest_good(data_dir)
    divisions = run_query(connect(Path(data_dir)), "divisions", snapshot)
    return sorted(divisions.loc[divisions["level"] == "district", "code"])


def warm(
    data_dir: Path,
    progress: Progress | None = None,
    pages: tuple[str, ...] = PAGES,
    districts: list[str] | None = None,
    timeout: float = 300,
) -> Warmed:
    """Run the default views of the newest good snapshot once (`pages`, for the city and for
    `districts`, by default all of them). A view that fails is noted and skipped: warming is an
    optimisation and never stops serving. An unknown page or district code is a ValueError,
    before anything runs."""
    from streamlit.testing.v1 import AppTest

    # AppTest's runs warn of a missing ScriptRunContext outside a server: noise here. (A filter,
    # not a level: Streamlit resets its loggers' levels when its configuration loads.)
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "ScriptRunContext" not in record.getMessage()
    )
    root = checkout_root()
    if root is None:
        raise RuntimeError("warm runs the pages of a source checkout (dashboard.py)")
    known = _districts(data_dir)
    unknown = [code for code in districts or () if code not in known]
    if unknown:
        raise ValueError(f"no such district in the newest snapshot: {', '.join(unknown)}")
    views = default_views(known if districts is None else list(districts), pages)
    done = Warmed()
    started = time.perf_counter()
    for index, (page, query) in enumerate(views):
        shown = f"{page}?{'&'.join(f'{k}={v}' for k, v in query.items())}".rstrip("?")
        if progress:
            progress(index / len(views), shown)
        at = AppTest.from_file(str(root / "dashboard.py"), default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        for key in LAZY_SECTIONS:  # what a visitor can open is warm too
            at.session_state[key] = True
        try:
            at.run()
            if page != "overview":
                at.switch_page(f"pages/{page}.py").run()
        except Exception as exc:  # noqa: BLE001 - a view that cannot run is reported, not fatal
            done.failed.append(f"{shown}: {type(exc).__name__}")
            continue
        if at.exception:
            done.failed.append(f"{shown}: {at.exception[0].value.splitlines()[0][:120]}")
        else:
            done.views += 1
    done.seconds = time.perf_counter() - started
    if progress:
        progress(1.0, "")
    return done
