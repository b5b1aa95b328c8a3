"""Typed, cached calls into the core: one function per question a panel asks.

Each public function takes the page's context and plain values, reads through a cache keyed on
the snapshot id, its folder and the arguments (bounded by max_entries and a ttl), and returns what
may be shown: metric figures pass through govdash.core.rules.privacy here, and every answer
through the person's scope (govdash.core.rules.roles: rows of divisions they may not see are
dropped), so no panel can forget either.
The heavy questions (metric values, monthly series, KPI cards, activity questions) also read
through the results store every worker shares (govdash.core.engine.results): what one worker
computed, the others read from a file instead of computing it again. Privacy is applied after
both caches, so neither holds anything a rule would hide differently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from govdash.app.context import Context, cached_divisions, connection
from govdash.app.context import cached_months as context_months
from govdash.core.data.snapshot import Snapshot, open_snapshot, scan
from govdash.core.engine.query import run_query
from govdash.core.engine.results import ResultStore, store_for
from govdash.core.evaluation import movers as movers_
from govdash.core.evaluation import review as pilot_review
from govdash.core.evaluation import watch as watch_
from govdash.core.measures import admin, events, figures, reconcile
from govdash.core.measures.figures import Kpi
from govdash.core.question.scope import ActivityScope, Filters, Selection, Window
from govdash.core.rules import privacy
from govdash.core.rules.roles import keep_visible

TTL = 6 * 3600  # seconds; snapshots are immutable, so this only bounds memory over time


def seen(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of an answer this session may see: those of the divisions of its scope (every
    row, without an access file or for the whole city). Applied after the caches, which hold
    whole answers shared by every session."""
    if ctx.scope.whole_city:
        return frame
    return keep_visible(frame, ctx.visible)


def _open(snapshot_id: str, root: str) -> tuple[Snapshot, pd.DataFrame]:
    return open_snapshot(snapshot_id, Path(root)), cached_divisions(snapshot_id, root)


@st.cache_resource(max_entries=4, show_spinner=False)
def _store(root: str) -> ResultStore:
    """The results store of a data folder, one per process; its sweep drops the answers of
    snapshots that are gone."""
    return store_for(Path(root), known=lambda: {s.id for s in scan(Path(root))[0]})


# --------------------------------------------------------------------------- metric figures
@st.cache_data(max_entries=256, ttl=TTL, show_spinner=False)
def _values(sid, root, selection, window, metric_ids, filters, by) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    return _store(root).frame(
        sid, "values", (selection, window, metric_ids, filters, by),
        lambda: figures.values(connection(), snap, divisions, selection, window,
                               list(metric_ids), filters=filters, by=by),
    )  # fmt: skip


def values(
    ctx: Context,
    selection: Selection,
    window: Window,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Metric values over a window for the selection or per division `by` (privacy applied)."""
    frame = _values(ctx.snapshot.id, ctx.root, selection, window, tuple(metric_ids), filters, by)
    return seen(ctx, privacy.shareable(frame))


@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def _series(sid, root, selection, start, end, metric_ids, filters, by) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    return _store(root).frame(
        sid, "series", (selection, start, end, metric_ids, filters, by),
        lambda: figures.series(connection(), snap, divisions, selection, start, end,
                               list(metric_ids), filters=filters, by=by),
    )  # fmt: skip


def series(
    ctx: Context,
    selection: Selection,
    start: dt.date,
    end: dt.date,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Monthly values (month, division_code, metric, value), privacy applied."""
    frame = _series(
        ctx.snapshot.id, ctx.root, selection, start, end, tuple(metric_ids), filters, by
    )
    return seen(ctx, privacy.shareable(frame))


@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def _kpis(sid, root, selection, window, metric_ids, filters) -> list[Kpi]:
    snap, divisions = _open(sid, root)
    return _store(root).value(
        sid, "kpis", (selection, window, metric_ids, filters),
        lambda: figures.kpis(connection(), snap, divisions, selection, window,
                             list(metric_ids), filters=filters),
        figures.kpi_records, figures.kpis_from_records,
    )  # fmt: skip


def kpis(
    ctx: Context,
    selection: Selection,
    window: Window,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
) -> list[Kpi]:
    """KPI values with their comparisons; a card whose figures are too small to show is hidden."""
    found = _kpis(ctx.snapshot.id, ctx.root, selection, window, tuple(metric_ids), filters)
    return [privacy.shareable_kpi(kpi) for kpi in found]


@st.cache_data(max_entries=8, ttl=TTL, show_spinner=False)
def _reconciled(sid: str, root: str) -> pd.DataFrame:
    """One answer per snapshot, and the costliest of 成效 and 演示模式 (every reported fact asks its
    own question): computed once for every worker, and by the warming after a snapshot is served."""
    snap, _ = _open(sid, root)
    return _store(root).frame(
        sid, "reconciled", (), lambda: reconcile.reconcile(connection(), snap)
    )


def reconciled(ctx: Context) -> pd.DataFrame:
    """Every reported fact beside the figure the snapshot gives (published facts: no privacy)."""
    return seen(ctx, _reconciled(ctx.snapshot.id, ctx.root))


# --------------------------------------------------------------------------- activity events
@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def _events(sid, root, question, scope, options) -> pd.DataFrame | int:
    snap, _ = _open(sid, root)

    def ask() -> pd.DataFrame | int:
        return getattr(events, question)(connection(), snap, scope, **dict(options))

    if question == "event_count":  # a number, not a frame
        return _store(root).value(sid, question, (scope, options), ask, int, int)
    return _store(root).frame(sid, question, (scope, options), ask)


def _activity(ctx: Context, question: str, scope: ActivityScope, **options):
    found = _events(ctx.snapshot.id, ctx.root, question, scope, tuple(sorted(options.items())))
    return seen(ctx, found) if isinstance(found, pd.DataFrame) else found


def event_count(ctx: Context, scope: ActivityScope) -> int:
    return _activity(ctx, "event_count", scope)


def event_rows(ctx: Context, scope: ActivityScope, *, page: int, page_size: int) -> pd.DataFrame:
    """One page of activity events, newest first."""
    return _activity(ctx, "events", scope, page=page, page_size=page_size)


def breakdown(ctx: Context, scope: ActivityScope) -> pd.DataFrame:
    """Activities by month, category and target group."""
    return _activity(ctx, "breakdown", scope)


def top_teams(ctx: Context, scope: ActivityScope, *, limit: int) -> pd.DataFrame:
    return _activity(ctx, "top_teams", scope, limit=limit)


def response_histogram(
    ctx: Context, scope: ActivityScope, *, bin_hours: float, max_hours: float
) -> pd.DataFrame:
    return _activity(ctx, "response_histogram", scope, bin_hours=bin_hours, max_hours=max_hours)


# --------------------------------------------------------------------------- look-ups
@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _teams_by_type(sid, root, selection, level, end) -> pd.DataFrame:
    snap, _ = _open(sid, root)
    return events.teams_by_type(connection(), snap, selection, level, end)


def teams_by_type(ctx: Context, selection: Selection, level: str, end: dt.date) -> pd.DataFrame:
    return seen(ctx, _teams_by_type(ctx.snapshot.id, ctx.root, selection, level, end))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _qualifiers(sid, root, selection, month) -> pd.DataFrame:
    snap, _ = _open(sid, root)
    return events.qualifiers(connection(), snap, selection, month)


def qualifiers(ctx: Context, selection: Selection, month: dt.date) -> pd.DataFrame:
    """Values typed with 余/近/约 in the selection for a month."""
    return seen(ctx, _qualifiers(ctx.snapshot.id, ctx.root, selection, month))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _programmes_for(sid, root, code) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    return events.programmes_for(connection(), snap, divisions, code)


def programmes_for(ctx: Context, code: str) -> pd.DataFrame:
    return seen(ctx, _programmes_for(ctx.snapshot.id, ctx.root, code))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _resources_for(sid, root, code, end) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    return events.resources_for(connection(), snap, divisions, code, end)


def resources_for(ctx: Context, code: str, end: dt.date) -> pd.DataFrame:
    return seen(ctx, _resources_for(ctx.snapshot.id, ctx.root, code, end))


# --------------------------------------------------------------------------- data management
@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def _completeness(sid, root, start, end) -> pd.DataFrame:
    snap, _ = _open(sid, root)
    return admin.completeness(connection(), snap, start, end)


def completeness(ctx: Context, start: dt.date, end: dt.date) -> pd.DataFrame:
    return seen(ctx, _completeness(ctx.snapshot.id, ctx.root, start, end))


@st.cache_data(max_entries=16, ttl=TTL, show_spinner=False)
def _activity_freshness(sid, root, since) -> pd.DataFrame:
    snap, _ = _open(sid, root)
    return admin.activity_freshness(connection(), snap, since)


def activity_freshness(ctx: Context, since: dt.date) -> pd.DataFrame:
    return seen(ctx, _activity_freshness(ctx.snapshot.id, ctx.root, since))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _missing_reports(sid, root, selection, month) -> list[str]:
    snap, _ = _open(sid, root)
    return admin.missing_reports(connection(), snap, selection, month)


def missing_reports(ctx: Context, selection: Selection, month: dt.date) -> list[str]:
    found = _missing_reports(ctx.snapshot.id, ctx.root, selection, month)
    return found if ctx.scope.whole_city else [c for c in found if c in ctx.visible]


@st.cache_data(max_entries=8, ttl=TTL, show_spinner=False)
def _diff(a: str, b: str, root: str) -> tuple[list[admin.TableDiff], pd.DataFrame]:
    snap_a, snap_b = open_snapshot(a, Path(root)), open_snapshot(b, Path(root))
    return admin.table_diff(snap_a, snap_b), admin.metric_diff(connection(), snap_a, snap_b)


def diff(ctx: Context, a: str, b: str) -> tuple[list[admin.TableDiff], pd.DataFrame]:
    """Table and metric differences between two snapshots of the current folder."""
    tables, metrics = _diff(a, b, ctx.root)
    return tables, seen(ctx, metrics)


def facts(ctx: Context) -> pd.DataFrame:
    return seen(ctx, run_query(connection(), "reported_facts", ctx.snapshot))


# --------------------------------------------------------------------------- pilot evaluation
@st.cache_data(max_entries=32, ttl=TTL, show_spinner=False)
def _evaluation(sid: str, root: str, scope_code: str) -> pd.DataFrame:
    """The evaluation's estimates for a scope: a fit per measure, once for every worker."""
    snap, divisions = _open(sid, root)

    def ask() -> pd.DataFrame:
        found = pilot_review.review(connection(), snap, divisions=divisions, scope_code=scope_code)
        return pilot_review.to_frame(found)

    return _store(root).frame(sid, "evaluation", (scope_code,), ask)


def evaluation(ctx: Context, scope_code: str) -> list[pilot_review.Review]:
    """Estimates over communities: aggregates only, never a community's own figure."""
    return pilot_review.from_frame(_evaluation(ctx.snapshot.id, ctx.root, scope_code))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _event_lines(sid: str, root: str, scope_code: str, metric: str) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    return _store(root).frame(
        sid, "event_lines", (scope_code, metric),
        lambda: pilot_review.lines(connection(), snap, metric, divisions=divisions,
                                   scope_code=scope_code),
    )  # fmt: skip


def event_lines(ctx: Context, scope_code: str, metric: str) -> pd.DataFrame:
    """The event-study chart's two lines: means over groups of communities, never one's own."""
    return _event_lines(ctx.snapshot.id, ctx.root, scope_code, metric)


@st.cache_data(max_entries=32, ttl=TTL, show_spinner=False)
def _over_pilots(sid: str, root: str, scope_code: str, metric: str) -> tuple[int, float | None]:
    snap, divisions = _open(sid, root)
    return pilot_review.over_pilots(connection(), snap, metric, divisions=divisions,
                                    scope_code=scope_code)  # fmt: skip


def over_pilots(ctx: Context, scope_code: str, metric: str) -> tuple[int, float | None]:
    """A metric over the scope's pilot communities taken together, and how many they are."""
    return _over_pilots(ctx.snapshot.id, ctx.root, scope_code, metric)


# --------------------------------------------------------------------------- leaders and laggards
@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _movers(sid: str, root: str, scope_code: str) -> movers_.Movers | None:
    snap, divisions = _open(sid, root)
    months = list(context_months(sid, root))

    def ask() -> pd.DataFrame:
        found = movers_.movers(connection(), snap, divisions, scope_code, months)
        if found is None:
            return pd.DataFrame(columns=["code", *movers_.COLUMNS])
        frame = found.frame.reset_index()
        frame.attrs.clear()
        frame["level"], frame["before_month"] = found.level, found.before_month
        frame["last_month"] = found.last_month
        return frame

    frame = _store(root).frame(sid, "movers", (scope_code,), ask)
    if frame.empty:
        return None
    first = frame.iloc[0]
    return movers_.Movers(scope_code, str(first["level"]), pd.Timestamp(first["before_month"]).date(),
                          pd.Timestamp(first["last_month"]).date(),
                          frame.set_index("code")[list(movers_.COLUMNS)])  # fmt: skip


def movers(ctx: Context, scope_code: str) -> movers_.Movers | None:
    """The children of a scope the reader may see, by their change since the pilot began: a
    district office at the city sees every district (the city's comparison is public to them)."""
    found = _movers(ctx.snapshot.id, ctx.root, scope_code)
    if found is None or ctx.scope.whole_city:
        return found
    return dataclasses.replace(found, frame=seen(ctx, found.frame))


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _watch(sid: str, root: str, scope_code: str) -> pd.DataFrame:
    snap, divisions = _open(sid, root)
    months = list(context_months(sid, root))

    def ask() -> pd.DataFrame:
        frame = watch_.watch_list(connection(), snap, divisions, scope_code, months)
        frame["counts"] = [json.dumps(c) if isinstance(c, list) else "" for c in frame["counts"]]
        return frame

    frame = _store(root).frame(sid, "watch", (scope_code,), ask)
    frame = frame.copy()
    frame["counts"] = [json.loads(c) if c else None for c in frame["counts"]]
    return frame


def watch(ctx: Context, scope_code: str) -> pd.DataFrame:
    """The scope's communities that need attention, only those of the reader's scope."""
    return seen(ctx, _watch(ctx.snapshot.id, ctx.root, scope_code))
