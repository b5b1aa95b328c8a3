"""The audit trail in the user's words: one table for the command line and 数据说明.

Actions, detail names and refusal reasons are stored as codes (the trail is for machines too);
here they become the words of the chosen language. File names, codes and snapshot ids are shown
as written. Times are shown in the machine's time zone with its offset, so a line read in Wuhan
and one read on a UTC server name the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable

from govdash.core.data.audit import Entry
from govdash.core.text.i18n import t

COLUMNS = ("at", "action", "who", "snapshot", "rows", "address", "detail")
DETAILS = ("files", "reason", "scope", "replaced", "changes", "deleted", "command", "right",
           "method", "failures", "seconds", "playlist", "views", "file", "copied")  # fmt: skip
REASONS = ("outside_scope", "unknown_person", "no_right", "wrong_token", "no_email",
           "not_normalised", "not_listed", "unverified", "playlist_refused")  # fmt: skip
METHODS = ("token", "oidc")  # how someone signed in
NONE = "—"


def details(detail: dict, lang: str) -> str:
    """An entry's details: known names and reasons translated, values as written."""
    parts = []
    for key, value in detail.items():
        if key == "reason" and value in REASONS:
            value = t(f"audit.reason.{value}", lang)
        elif key == "method" and value in METHODS:
            value = t(f"audit.method.{value}", lang)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value) or NONE
        name = t(f"audit.detail.{key}", lang) if key in DETAILS else key
        parts.append(f"{name}：{value}" if lang == "zh" else f"{name}: {value}")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def header(lang: str) -> list[str]:
    return [t(f"audit.col.{c}", lang) for c in COLUMNS]


def rows(entries: Iterable[Entry], lang: str) -> list[list[str]]:
    """Each entry as the cells of one row, in COLUMNS order."""
    return [
        [
            entry.when.astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
            t(f"audit.action.{entry.action}", lang),
            entry.who,
            entry.snapshot or NONE,
            NONE if entry.rows is None else f"{entry.rows:,}",
            entry.address or NONE,
            details(dict(entry.detail), lang) or NONE,
        ]
        for entry in entries
    ]
