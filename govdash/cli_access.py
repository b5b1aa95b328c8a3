"""Who the command line acts as: `--user ID`, checked against the data folder's access file.

A scheduled import or a prune changes what every official sees, so it is attributed like a
change made on the import page. With an access file (access.toml), `--user` is required, must
name a person in it and that person must hold the right; the refusal is written to the audit
trail too. Without one the site has no people to check against: the command acts as the name
given, or as the system user, and says so in the trail.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from govdash.core.data.audit import record
from govdash.core.rules.roles import Scope, access_path, load_access
from govdash.core.text.problems import GovdashError, Problem


@dataclass(frozen=True)
class Actor:
    """Who a command acts as, and within which scope (None: the whole city)."""

    id: str
    scope: Scope | None
    checked: bool  # named in an access file


def _system_user() -> str:
    try:
        return f"system:{getpass.getuser()}"
    except (KeyError, OSError):
        return "system:?"


def actor(root: Path, user: str | None, right: str, command: str) -> Actor:
    """The person a command acts as; a located error (and an audit entry) when they may not."""
    access = load_access(root)
    if access is None:
        return Actor(user or _system_user(), None, False)
    source = str(access_path(root))
    if not user:
        raise GovdashError(Problem(
            "access",
            f"this data folder has an access file: say who runs `{command}` with --user ID",
            f"此数据目录设有权限文件：请用 --user ID 说明由谁执行“{command}”",
            where=source,
        ))  # fmt: skip
    person = access.by_id(user)
    if person is None or not person.may(right):
        record(root, "refusal", user, command=command, right=right,
               reason="unknown_person" if person is None else "no_right")  # fmt: skip
        if person is None:
            en, zh = f"--user {user}: nobody of that id", f"--user {user}：没有此 id 的人员"
        else:
            en = f"--user {user} may not {right} (rights: {', '.join(sorted(person.rights))})"
            zh = f"--user {user} 没有“{right}”权限（现有权限：{'、'.join(sorted(person.rights))}）"
        raise GovdashError(Problem("access", en, zh, where=source))
    return Actor(person.id, None if person.scope.whole_city else person.scope, True)
