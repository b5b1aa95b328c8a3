"""Who sees and changes what: people, their scope by division and their rights.

The rules are data, kept in `access.toml` beside the snapshots (an example: docs/access.md):

    mode = "signed-in"            # or "open": no sign-in, for published aggregated data
    open_levels = ["city", "district"]   # levels everyone in the file may see whole

    [visitors]                    # who is not signed in ("open" mode only)
    rights = ["view", "present"]

    [[people]]
    id = "wuchang-office"         # the name the audit trail writes
    email = "office@wuchang.example.gov.cn"     # an OIDC identity, or:
    token_sha256 = "64 hex digits"              # a token's SHA-256 (the token is never stored)
    scope = ["420106"]            # division codes; none means the whole city
    rights = ["view", "import", "present"]

As in Superset's row-level security and Metabase's sandboxes, a person's scope narrows what they
see below the open levels: a district office sees the city's totals and the comparison of
districts, but the streets and communities of its own district only. Division codes nest by
prefix (the data contract's rule), so "inside a scope" is a prefix test, and a code that contains
a scope (its district, for a street office) stays visible as well: it is an aggregate of what
the person may see and more. The rule lives here, beside the privacy rule, and every exit asks it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from govdash.core.rules.access import address_key
from govdash.core.text.problems import GovdashError, Problem

ACCESS_FILE = "access.toml"
RIGHTS = ("view", "present", "import", "admin")
MODES = ("open", "signed-in")
DEFAULT_OPEN_LEVELS = ("city", "district")
PERSON_KEYS = frozenset({"id", "email", "token_sha256", "scope", "rights", "name"})
TOP_KEYS = frozenset({"mode", "open_levels", "visitors", "people"})
VISITOR_KEYS = frozenset({"rights", "scope"})
PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_PEOPLE = 10_000
# Columns (and index names) that place a row in a division: every answer a page, a download or
# a slide shows names its divisions in one of these.
CODE_COLUMNS = (
    "division_code",
    "community_code",
    "street_code",
    "district_code",
    "scope_code",
    "owner_code",
    "code",
)


class AccessError(GovdashError):
    """The access file cannot be used as written."""


@dataclass(frozen=True)
class Scope:
    """Division codes a person may see below the open levels; empty is the whole city."""

    codes: tuple[str, ...] = ()
    open_levels: tuple[str, ...] = DEFAULT_OPEN_LEVELS

    @property
    def whole_city(self) -> bool:
        return not self.codes

    def sees(self, code: str, level: str) -> bool:
        """Whether a division's figures may be shown: open levels always; below them, a division
        inside the scope or one that contains it."""
        if self.whole_city or level in self.open_levels:
            return True
        return any(code.startswith(c) or c.startswith(code) for c in self.codes)

    def visible_codes(self, divisions: pd.DataFrame) -> set[str]:
        """The codes of `divisions` (columns code, level) this scope sees."""
        return {
            code
            for code, level in zip(divisions["code"], divisions["level"], strict=True)
            if self.sees(code, level)
        }

    def keep(self, frame: pd.DataFrame, divisions: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` this scope sees (see `keep_visible`)."""
        if self.whole_city:
            return frame
        return keep_visible(frame, self.visible_codes(divisions))

    def visible(self, divisions: pd.DataFrame) -> pd.DataFrame:
        """The divisions this scope sees: what its pickers offer and what a URL may name (a code
        outside them gets the same notice as an unknown one)."""
        if self.whole_city:
            return divisions
        return divisions[divisions["code"].isin(self.visible_codes(divisions))]

    def narrow(self, codes: tuple[str, ...]) -> tuple[str, ...] | None:
        """The part of a selection (division codes of one level; none is the whole city) this
        scope sees row by row: the selection itself when it lies inside the scope, the scope's
        codes inside it when it is wider, None when they do not meet. Lists of single events,
        teams and programmes ask this, since a row names its community."""
        if self.whole_city:
            return codes
        if not codes:
            return self.codes
        inside = tuple(c for c in codes if any(c.startswith(s) for s in self.codes))
        if inside:
            return inside
        within = tuple(s for s in self.codes if any(s.startswith(c) for c in codes))
        return within or None

    def holds_row(self, code: str) -> bool:
        """Whether a person of this scope may write a row for division `code` (import): only
        inside the scope, never an open level above it."""
        return self.whole_city or any(code.startswith(c) for c in self.codes)


@dataclass(frozen=True)
class Person:
    """One person (or office) in the access file."""

    id: str
    rights: frozenset[str]
    scope: Scope
    email: str | None = None
    token_sha256: str | None = None
    name: str = ""

    def may(self, right: str) -> bool:
        """Rights are as written, except that admin implies every other right."""
        return right in self.rights or "admin" in self.rights


@dataclass(frozen=True)
class Access:
    """The access file, read and checked."""

    mode: str = ""  # "open", "signed-in", or "" when the file does not say (see mode_for)
    open_levels: tuple[str, ...] = DEFAULT_OPEN_LEVELS
    visitor: Person | None = None
    people: tuple[Person, ...] = ()
    source: str = ""  # the file it came from, for messages ("" when there is none)
    _by_email: dict[str, Person] = field(default_factory=dict, compare=False, repr=False)

    def mode_for(self, has_oidc: bool) -> str:
        """The mode the file asks for; when it does not say, "signed-in" on a site with single
        sign-on configured and "open" otherwise."""
        return self.mode or ("signed-in" if has_oidc else "open")

    def by_id(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def by_email(self, email: object) -> Person | None:
        key = address_key(email) if isinstance(email, str) else None
        return self._by_email.get(key) if key else None

    def by_token(self, token: str) -> Person | None:
        """The person whose token this is (compared in constant time, digest to digest)."""
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        found = None
        for person in self.people:
            if person.token_sha256 and hmac.compare_digest(person.token_sha256, digest):
                found = person
        return found


def keep_visible(frame: pd.DataFrame, visible: set[str] | frozenset[str]) -> pd.DataFrame:
    """The rows of `frame` whose divisions (every column of CODE_COLUMNS it has, and its index
    when named so) are all in `visible`; a row naming no division stays (it places nothing), a
    row naming an unknown one goes (what cannot be placed cannot be shown safely)."""
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    for column in CODE_COLUMNS:
        if column in frame.columns:
            codes = frame[column].astype("string")
            keep &= (codes.isna() | codes.isin(visible)).to_numpy()
    if frame.index.name in CODE_COLUMNS:
        keep &= pd.Index(frame.index).astype("string").isin(visible)
    return frame if bool(keep.all()) else frame[keep.to_numpy()]


PASS_SECONDS = 8 * 3600  # how long a page sign-in by token lasts without typing it again


def person_pass(person: Person, key: bytes, now: float, seconds: int = PASS_SECONDS) -> str:
    """What a browser keeps after a sign-in by token, so a new tab or a reload needs no token
    again: the person's id and an expiry, signed with the server's key over their stored
    token digest (a token changed or removed in the file ends every pass of it). The token
    itself is never in it."""
    body = f"{person.id}.{int(now) + seconds}"
    mac = hmac.new(key, f"{body}.{person.token_sha256}".encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def pass_holder(access: Access, value: object, key: bytes, now: float) -> Person | None:
    """The person a pass names, when its signature and expiry hold; None otherwise."""
    if not isinstance(value, str) or len(value) > 300:
        return None
    parts = value.rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) < now:
        return None
    person = access.by_id(parts[0])
    if person is None or not person.token_sha256:
        return None
    body = f"{parts[0]}.{parts[1]}"
    mac = hmac.new(key, f"{body}.{person.token_sha256}".encode(), hashlib.sha256).hexdigest()
    return person if hmac.compare_digest(mac, parts[2]) else None


def token_digest(token: str) -> str:
    """What the access file stores for a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _problem(source: str, where: str, en: str, zh: str) -> Problem:
    return Problem("access", en, zh, where=f"{source}: {where}" if where else source)


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _rights(entry: Mapping, where: str, source: str, problems: list[Problem]) -> frozenset[str]:
    rights = _strings(entry.get("rights", []))
    if rights is None:
        problems.append(_problem(source, where, "rights must be a list of words",
                                 "rights 应为若干权限名组成的列表"))  # fmt: skip
        return frozenset()
    unknown = sorted(set(rights) - set(RIGHTS))
    if unknown:
        problems.append(_problem(
            source, where,
            f"unknown right(s) {', '.join(unknown)}; the rights are {', '.join(RIGHTS)}",
            f"未知权限 {'、'.join(unknown)}；可用权限为 {'、'.join(RIGHTS)}",
        ))  # fmt: skip
    return frozenset(rights) & set(RIGHTS)


def _scope(
    entry: Mapping,
    where: str,
    source: str,
    open_levels: tuple[str, ...],
    known: Mapping[str, str] | None,
    problems: list[Problem],
) -> Scope:
    codes = _strings(entry.get("scope", []))
    if codes is None:
        problems.append(_problem(source, where, "scope must be a list of division codes",
                                 "scope 应为区划代码列表"))  # fmt: skip
        return Scope((), open_levels)
    if known is not None:
        unknown = [c for c in codes if c not in known]
        if unknown:
            problems.append(_problem(
                source, where, f"unknown division code(s) {', '.join(unknown)} in scope",
                f"scope 中有未知区划代码 {'、'.join(unknown)}",
            ))  # fmt: skip
    if len({len(c) for c in codes}) > 1:
        problems.append(_problem(
            source, where, "a scope's codes must be of one level (districts, streets or "
            "communities)", "scope 中的区划代码应属同一层级（区、街道或社区）",
        ))  # fmt: skip
    return Scope(tuple(dict.fromkeys(codes)), open_levels)


def parse_access(
    data: Mapping, source: str = ACCESS_FILE, known: Mapping[str, str] | None = None
) -> Access:
    """Check an access file's contents; every problem is collected and named by its place
    (`people[3] (wuchang-office): …`). `known` maps division codes to levels, when at hand."""
    problems: list[Problem] = []
    for key in sorted(set(data) - TOP_KEYS):
        problems.append(_problem(source, key, "unknown setting", "未知设置项"))
    mode = data.get("mode", "")  # unsaid: the site decides (signed-in when it has OIDC)
    if mode not in (*MODES, ""):
        problems.append(_problem(source, "mode", f"must be one of {', '.join(MODES)}",
                                 f"应为 {'、'.join(MODES)} 之一"))  # fmt: skip
    open_levels = _strings(data.get("open_levels", list(DEFAULT_OPEN_LEVELS)))
    if open_levels is None:
        problems.append(_problem(source, "open_levels", "must be a list of level names",
                                 "应为层级名列表"))  # fmt: skip
        open_levels = list(DEFAULT_OPEN_LEVELS)
    levels = tuple(open_levels)
    visitor = None
    visitors = data.get("visitors")
    if visitors is not None:
        if not isinstance(visitors, Mapping):
            problems.append(_problem(source, "visitors", "must be a table", "应为一个表"))
        else:
            for key in sorted(set(visitors) - VISITOR_KEYS):
                problems.append(
                    _problem(source, f"visitors.{key}", "unknown setting", "未知设置项")
                )
            rights = _rights(visitors, "visitors", source, problems)
            if "import" in rights or "admin" in rights:
                problems.append(_problem(
                    source, "visitors", "visitors who are not signed in may not import or "
                    "administer", "未登录的访客不能导入或管理",
                ))  # fmt: skip
            scope = _scope(visitors, "visitors", source, levels, known, problems)
            visitor = Person("visitor", rights - {"import", "admin"}, scope)
    entries = data.get("people", [])
    if not isinstance(entries, list) or len(entries) > MAX_PEOPLE:
        problems.append(_problem(source, "people", f"must be a list of at most {MAX_PEOPLE:,} "
                                 "[[people]] tables", f"应为至多 {MAX_PEOPLE:,} 个 [[people]] 表"))  # fmt: skip
        entries = []
    people: list[Person] = []
    seen_ids: set[str] = set()
    by_email: dict[str, Person] = {}
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            problems.append(_problem(source, f"people[{i}]", "must be a table", "应为一个表"))
            continue
        person_id = entry.get("id")
        where = f"people[{i}]" + (f" ({person_id})" if isinstance(person_id, str) else "")
        for key in sorted(set(entry) - PERSON_KEYS):
            problems.append(_problem(source, f"{where}.{key}", "unknown setting", "未知设置项"))
        if not isinstance(person_id, str) or not PERSON_ID.match(person_id):
            problems.append(_problem(
                source, where, "id must be 1-128 letters, digits or ._@+- (it names the person "
                "in the audit trail)", "id 应为 1–128 个字母、数字或 ._@+-（审计记录以它称呼此人）",
            ))  # fmt: skip
            continue
        if person_id in seen_ids:
            problems.append(_problem(source, where, "this id is given twice", "id 重复"))
        seen_ids.add(person_id)
        email = entry.get("email")
        key = None
        if email is not None:
            key = address_key(email) if isinstance(email, str) else None
            if key is None or "@" not in key:
                problems.append(_problem(source, f"{where}.email", "not an address in normal "
                                         "form", "不是规范形式的邮箱地址"))  # fmt: skip
                key = None
            elif key in by_email:
                problems.append(_problem(source, f"{where}.email", "this address is given twice",
                                         "邮箱地址重复"))  # fmt: skip
        digest = entry.get("token_sha256")
        if digest is not None and not (isinstance(digest, str) and SHA256.match(digest)):
            problems.append(_problem(source, f"{where}.token_sha256", "must be 64 lower-case "
                                     "hex digits (python -m govdash token prints it)",
                                     "应为 64 位小写十六进制（python -m govdash token 可生成）"))  # fmt: skip
            digest = None
        if email is None and digest is None:
            problems.append(_problem(source, where, "give an email (OIDC) or a token_sha256",
                                     "请填写 email（单点登录）或 token_sha256"))  # fmt: skip
        name = entry.get("name", "")
        person = Person(
            person_id,
            _rights(entry, where, source, problems),
            _scope(entry, where, source, levels, known, problems),
            email=key,
            token_sha256=digest,
            name=name if isinstance(name, str) else "",
        )
        people.append(person)
        if key:
            by_email[key] = person
    if problems:
        raise AccessError(problems)
    return Access(mode, levels, visitor, tuple(people), source, by_email)


def access_path(root: Path) -> Path:
    return root / ACCESS_FILE


def load_access(root: Path, known: Mapping[str, str] | None = None) -> Access | None:
    """The access file of a data folder, checked; None when there is none (the site then works
    as before: open, with the admin token or the OIDC allow-list for imports)."""
    path = access_path(root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AccessError(
            _problem(str(path), "", f"cannot be read: {exc}", f"无法读取：{exc}")
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccessError(_problem(str(path), "", f"not valid TOML: {exc}",
                                   f"不是有效的 TOML：{exc}")) from None  # fmt: skip
    return parse_access(data, str(path), known)


def known_levels(divisions: pd.DataFrame) -> dict[str, str]:
    """code -> level of a snapshot's divisions, for checking scopes."""
    return dict(zip(divisions["code"], divisions["level"], strict=True))


def outside(codes: Iterable[str], scope: Scope) -> list[str]:
    """The codes a person of `scope` may not write (import), in order, without repeats."""
    return [c for c in dict.fromkeys(codes) if not scope.holds_row(c)]
