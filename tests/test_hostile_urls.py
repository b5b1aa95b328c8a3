"""Hostile links: every hostile value through the view parser for every URL parameter, and a sample
through real Streamlit on every page. Nothing raises, nothing shows a traceback, nothing outside
the data folder is opened, and the visitor is told which parameters were ignored.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hostile import FORBIDDEN_PATHS, HOSTILE, MONTHS
from streamlit.testing.v1 import AppTest

from govdash.core.question.view import KEYS, Options, View, parse

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
PAGES = [
    "pages/overview.py",
    "pages/districts.py",
    "pages/community.py",
    "pages/activities.py",
    "pages/outcomes.py",
    "pages/data.py",
    "pages/import.py",
]
RUNS_PER_PAGE = 3
TRACEBACK_MARKS = ("Traceback", 'File "', "site-packages", "Error:", "Exception", "line ")


def assert_allowed(view: View, options: Options) -> None:
    """Whatever a link said, the view holds only values the snapshot allows."""
    assert view.snapshot in options.snapshots
    assert view.start in options.months and view.end in options.months and view.start <= view.end
    districts = options.children(None, "district")
    assert set(view.districts) <= set(districts)
    if view.street is not None:
        assert len(view.districts) == 1
        assert view.street in options.children(view.districts[0], "street")
    if view.community is not None:
        assert view.community in options.children(view.street, "community")
    assert set(view.categories) <= set(options.categories)
    assert set(view.target_groups) <= set(options.target_groups)
    assert set(view.team_types) <= set(options.team_types)
    assert view.metric in options.metrics


def test_the_suite_is_big_enough():
    assert len(HOSTILE) >= 250
    assert len(KEYS) * len(HOSTILE) >= 2500


@pytest.mark.parametrize("param", KEYS)
def test_every_hostile_value_is_refused_or_normalised_by_the_parser(options, param):
    refused = 0
    for value in HOSTILE:
        for params in ({param: value}, {param: ["420103", value]}, {param: [value, value]}):
            view, bad = parse(params, options)
            assert_allowed(view, options)
            refused += param in bad
    assert refused >= len(HOSTILE), f"{param}: most hostile values must be reported as ignored"


def test_year_zero_and_year_ten_thousand_are_not_months(options):
    for value in MONTHS:
        view, bad = parse({"start": value, "end": value}, options)
        assert_allowed(view, options)
        if value.strip() not in {m.strftime("%Y-%m") for m in options.months}:
            assert bad == ["start", "end"], value


@pytest.fixture(scope="session")
def opened_files():
    """Every file Python opens while `recording` is on (an audit hook stays for the process)."""
    state = {"on": False, "paths": []}

    def hook(event, args):
        if state["on"] and event == "open" and isinstance(args[0], (str, bytes)):
            path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
            state["paths"].append(path)

    sys.addaudithook(hook)
    return state


def _hostile_query(page_index: int, run: int) -> dict[str, str]:
    """Every parameter gets its own hostile value; runs and pages walk through the whole list."""
    offset = (page_index * RUNS_PER_PAGE + run) * (len(KEYS) + 1)
    params = [*KEYS, "lang"]
    return {p: HOSTILE[(offset + i) % len(HOSTILE)] for i, p in enumerate(params)}


@pytest.mark.parametrize("run", range(RUNS_PER_PAGE))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_on_every_page_show_a_notice_never_a_traceback(
    snapshot, monkeypatch, opened_files, page, run
):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.delenv("GOVDASH_BOUNDARIES", raising=False)
    query = _hostile_query(PAGES.index(page), run)
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    opened_files["paths"].clear()
    opened_files["on"] = True
    try:
        at.run()  # the link's first page view reads the URL and says what it ignored
        told = any("链接中的部分参数无效" in i.value for i in at.info)
        at.switch_page(page).run()
    finally:
        opened_files["on"] = False
    assert told, "the visitor is told which parameters were ignored"
    assert not at.exception, [e.value for e in at.exception]
    shown = [
        el.value
        for kind in ("title", "markdown", "caption", "error", "warning", "info", "subheader")
        for el in getattr(at, kind)
    ]
    leaked = [s for s in shown if any(mark in str(s) for mark in TRACEBACK_MARKS)]
    assert not leaked, leaked[:3]
    assert not at.error, [e.value for e in at.error]
    for path in opened_files["paths"]:
        assert not any(path.startswith(f) for f in FORBIDDEN_PATHS), path
        assert Path(path).resolve().is_relative_to(Path("/")) and "\x00" not in path
    outside = [
        p
        for p in opened_files["paths"]
        if not _is_expected_location(Path(p).resolve(), snapshot.path.parent)
    ]
    assert not outside, outside[:5]


def _is_expected_location(path: Path, data: Path) -> bool:
    """The data folder, the checkout (package data, static files), Python's own files and the
    system's shared data (fonts, time zones, certificates); never a path a link named."""
    allowed = [
        data.resolve(),
        ROOT.resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path("/usr/share"),
        Path("/usr/lib"),
        Path("/etc/ssl"),
        Path("/etc/mime.types"),
        Path.home() / ".streamlit",  # Streamlit's own secrets and config
        Path("/proc/self"),
        Path("/dev/null"),
    ]
    return any(path.is_relative_to(a) for a in allowed)


@pytest.mark.parametrize(
    "url", ["pages/activities.py?start=0000-01", "pages/overview.py?end=0000-12"]
)
def test_the_links_that_used_to_show_a_traceback(snapshot, monkeypatch, url):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    page, query = url.split("?")
    key, value = query.split("=")
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.query_params[key] = value
    at.run()
    assert any("链接中的部分参数无效" in i.value for i in at.info)
    at.switch_page(page).run()
    assert not at.exception and not at.error
    assert at.session_state["_period"][0] >= dt.date(2000, 1, 1)


@pytest.mark.page_error_expected
def test_an_unexpected_error_shows_an_error_id_and_logs_the_traceback(
    snapshot, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/govdash/secret.py")

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setattr("govdash.app.panels.shared.kpi_panel", broken)
    at = AppTest.from_file(DASHBOARD, default_timeout=180).run()
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "错误编号" in message and "/srv/govdash" not in message and "boom" not in message
    (record,) = [r for r in caplog.records if r.name == "govdash.errors"]
    error_id = record.getMessage().split()[-1]
    assert error_id in message and "boom in /srv/govdash/secret.py" in record.exc_text
    at.query_params["lang"] = "English"
    at.session_state["lang"] = "en"
    at.run()
    assert any("error id" in e.value for e in at.error), "the message follows the language"


def test_error_details_never_reach_the_browser():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
