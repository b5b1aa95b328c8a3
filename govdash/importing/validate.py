"""Turn a sheet people filled in by hand into a contract table, or say exactly what is wrong.

Every problem names the file, sheet, row and column, in Chinese and English, and all of them are
reported at once. Nothing here writes anything: the import writes only when no sheet has an error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import (
    CODE_LENGTH,
    NON_NEGATIVE,
    TABLES,
    VOCABULARY_COLUMNS,
    integer_limit,
    row_key,
)
from govdash.core.data.vocab import load_vocabulary
from govdash.core.rules.roles import Scope
from govdash.core.text.numbers import QUALIFIERS, NumberError, parse_number
from govdash.core.text.problems import Problem
from govdash.importing.readers import FORMULA_CELL, RawSheet
from govdash.importing.spec import load_spec

TOTAL_WORDS = ("合计", "总计", "小计", "total", "sum")
SUBTOTAL_WORDS = ("小计", "subtotal")
TOTAL_SIEVE = r"(?i)计|total|sum"  # every total word contains one of these
TOTAL_COLUMNS = 4  # 合计 and 小计 are written in one of the first columns (序号, 区, 街道, 社区)
# Activity ids this small and consecutive were numbered down the sheet (序号), not issued: as ids
# they would replace other communities' activities with the same numbers.
ROW_NUMBER_IDS_BELOW = 1_000_000
GENERATED_ID_DIGITS = 10  # generated ids: YYYYMMDD followed by ten digits of the row's content
# Every generated id is at least this (20000101 followed by ten digits); issued ids and the demo's
# (YYYYMMDD and a five-digit number) are far below it.
GENERATED_IDS_FROM = 20_000_101 * 10**GENERATED_ID_DIGITS
MONTH_COLUMNS = {("headcounts", "month"), ("outcomes", "month")}
JUMP_FACTOR = 10  # a stock that grows or shrinks tenfold in a month is flagged for a second look
HELPER_COLUMNS = {"街道": "street", "street": "street", "区": "district", "district": "district"}
IGNORED_COLUMNS = {"序号"}  # a report's row numbers: for people, not data
PREVIEW_ROWS = 5
# Characters nobody means to type in a report, mostly pasted from another program: C0 controls
# except tab, line feed and carriage return; DEL and the C1 controls; the non-characters U+FFFE
# and U+FFFF; lone surrogates. XML (so XLSX) cannot carry most of them, and on screen they vanish.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
UNKNOWN_COLUMNS_LISTED = 10  # unknown columns named one by one; more are counted in one warning
MAX_LISTED = 200  # problems listed per sheet before the rest are summarised


def _too_big(text: str, limit: int, column: str) -> tuple[str, str, str, str]:
    """A number beyond what the column stores: most often a typo (an extra digit or two)."""
    shown = text if len(text) <= 24 else text[:23] + "…"
    return (
        "error",
        f"{shown!r} is larger than this column allows (at most {limit:,}); check for extra digits",
        f"“{shown}”超出此列允许的范围（最大 {limit:,}），请检查是否多输入了数字",
        column,
    )


@dataclass
class SheetResult:
    """One sheet checked: its typed rows (when there were no errors) and what was found."""

    file: str
    sheet: str | None
    table: str | None
    rows: int = 0
    totals: int = 0
    data: pa.Table | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    preview: pd.DataFrame | None = None  # the first rows as typed, for the import page
    qualifiers: pa.Table | None = None  # 余/近/约 typed beside counts, as value_qualifiers rows
    notes: list[Problem] = field(default_factory=list)  # what the reader did with the layout
    source_rows: np.ndarray | None = None  # the spreadsheet row of each row of `data`
    outside_scope: int = 0  # rows outside the importer's scope (each is also an error)


# The column of each table that places a row in a division, for the importer's scope.
SCOPE_COLUMNS = {
    "divisions": "code", "headcounts": "community_code", "teams": "community_code",
    "activities": "community_code", "resources": "division_code", "programmes": "owner_code",
    "outcomes": "division_code", "reported_facts": "scope_code",
}  # fmt: skip


@dataclass(frozen=True)
class Known:
    """What values are checked against: divisions (names and codes), the previous snapshot's
    stocks for the jump check, and the last day a date may name."""

    divisions: pd.DataFrame
    previous_stocks: pd.DataFrame | None = None
    last_day: dt.date | None = None  # no date may be later: the as-of date, else today
    as_of_given: bool = False  # whether last_day is the operator's as-of date or today
    scope: Scope | None = None  # the importer's (access.toml); None: the whole city


# ------------------------------------------------------------------------------------ locations
def _where(sheet: RawSheet, row: int | None = None, column: str | None = None) -> tuple[str, str]:
    spec = load_spec().get(sheet.table or "")
    header = column
    if spec and column:
        col = next((c for c in spec.columns if c.name == column), None)
        header_zh = f"{col.zh}（{column}）" if col else column
        header_en = f"{col.en} ({column})" if col else column
    else:
        header_zh = header_en = header or ""
    parts_en = [sheet.file] + ([sheet.sheet] if sheet.sheet else [])
    parts_zh = list(parts_en)
    if row is not None:
        parts_en.append(f"row {row}")
        parts_zh.append(f"第{row}行")
    if column:
        parts_en.append(header_en)
        parts_zh.append(header_zh)
    return " › ".join(parts_en), " › ".join(parts_zh)


QUOTED = re.compile(r"(“|'|\")([^”'\"]{60,})(”|'|\")")


def _short(message: str) -> str:
    """A value quoted in a message is cut to 40 characters: a 1 MB cell stays a readable line."""
    return QUOTED.sub(lambda m: f"{m.group(1)}{m.group(2)[:40]}…{m.group(3)}", message)


def problem(
    sheet: RawSheet, en: str, zh: str, row: int | None = None, column: str | None = None
) -> Problem:
    where, where_zh = _where(sheet, row, column)
    return Problem("import", _short(en), _short(zh), where, where_zh)


# ------------------------------------------------------------------------------------ values
def _norm(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月", "%Y%m")


def parse_date(text: str, month: bool = False) -> dt.date:
    """Dates as people type them; Excel serial numbers too. Months accept a day and drop it."""
    raw = unicodedata.normalize("NFKC", text).strip()
    raw = raw.split(" ")[0].split("T")[0]
    for fmt in (MONTH_FORMATS + DATE_FORMATS) if month else DATE_FORMATS:
        try:
            day = dt.datetime.strptime(raw, fmt).date()
            return day.replace(day=1) if month else day
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", raw) and 20000 <= float(raw) <= 80000:  # an Excel serial day
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(raw)))
        return day.replace(day=1) if month else day
    raise ValueError(raw)


TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE = {"否", "n", "no", "false", "0", "×", "✗", "f"}


def parse_bool(text: str) -> bool:
    value = _norm(text)
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(text)


class Vocabularies:
    """Codes and their Chinese and English labels (also the short form before a bracket)."""

    def __init__(self) -> None:
        self.lookup: dict[str, dict[str, str]] = {}
        for name, entries in load_vocabulary().items():
            table = {}
            for code, labels in entries.items():
                for text in (code, labels.get("zh", ""), labels.get("en", "")):
                    if text:
                        table[_norm(text)] = code
                        short = re.split(r"[（(]", text)[0]
                        table.setdefault(_norm(short), code)
            self.lookup[name] = table
        catalog = load_catalog()
        outcomes = {}
        for m in catalog.by_source("outcomes"):
            for text in (m.id, m.label["zh"], m.label["en"]):
                outcomes[_norm(text)] = m.id
        self.lookup["outcome_metrics"] = outcomes
        metrics = {}
        for m in catalog.metrics.values():
            for text in (m.id, m.label["zh"], m.label["en"]):
                metrics[_norm(text)] = m.id
        self.lookup["metrics"] = metrics
        qualifiers = {_norm(q): q for q in QUALIFIERS}
        qualifiers.update({"余": "more_than", "多": "more_than", "近": "nearly", "约": "about"})
        qualifiers.update({"以上": "at_least", "精确": "exact", "": "exact"})
        self.lookup["qualifiers"] = qualifiers

    def code(self, vocabulary: str, text: str) -> str | None:
        return self.lookup[vocabulary].get(_norm(text))

    def labels(self, vocabulary: str, lang: str = "zh") -> list[str]:
        if vocabulary in ("outcome_metrics", "metrics", "qualifiers"):
            return sorted(set(self.lookup[vocabulary].values()))
        return [e[lang] for e in load_vocabulary()[vocabulary].values()]


class DivisionIndex:
    """Find a division by code or name; suggest the closest names when nothing matches."""

    SUFFIXES = ("社区居委会", "居委会", "社区", "街道办事处", "街道", "街", "区", "市", "村")

    def __init__(self, divisions: pd.DataFrame) -> None:
        self.divisions = divisions
        self.level = dict(zip(divisions["code"], divisions["level"], strict=True))
        self.parent = dict(zip(divisions["code"], divisions["parent_code"], strict=True))
        self.names: dict[str, dict[str, set[str]]] = {}
        for code, level, zh, en in zip(
            divisions["code"],
            divisions["level"],
            divisions["name_zh"],
            divisions["name_en"],
            strict=True,
        ):
            for text in (zh, en):
                if isinstance(text, str) and text:
                    for key in {_norm(text), _norm(self._bare(text))}:
                        self.names.setdefault(level, {}).setdefault(key, set()).add(code)

    @classmethod
    def _bare(cls, name: str) -> str:
        for suffix in cls.SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)]
        return name

    def find(self, text: str, level: str) -> tuple[str | None, list[str]]:
        """(code, []) when found; (None, candidates) when ambiguous; (None, suggestions) otherwise."""
        raw = unicodedata.normalize("NFKC", text).strip()
        levels = list(CODE_LENGTH) if level == "any" else [level]
        code = raw[:-3] if raw.endswith(".0") else raw
        if code in self.level and self.level[code] in levels:
            return code, []
        if code.isdigit():
            return None, self.suggest(raw, levels)
        found: set[str] = set()
        for lv in levels:
            found |= self.names.get(lv, {}).get(_norm(raw), set())
            if not found:
                found |= self.names.get(lv, {}).get(_norm(self._bare(raw)), set())
        if len(found) == 1:
            return found.pop(), []
        if found:
            return None, sorted(found)
        return None, self.suggest(raw, levels)

    def suggest(self, text: str, levels: list[str]) -> list[str]:
        rows = self.divisions[self.divisions["level"].isin(levels)]
        pool = [*rows["name_zh"].dropna(), *rows["code"]]
        return difflib.get_close_matches(text, pool, n=3, cutoff=0.5)

    def name(self, code: str) -> str:
        row = self.divisions.loc[self.divisions["code"] == code, "name_zh"]
        return str(row.iloc[0]) if len(row) else code


# ------------------------------------------------------------------------------------ checks
def _total_word(text: object) -> str | None:
    """合计 / 小计 (or total / subtotal) when a cell says it, at its start or its end
    ("水果湖街道小计"); None otherwise."""
    if not isinstance(text, str):
        return None
    value = _norm(text)[:40]
    for word in TOTAL_WORDS + SUBTOTAL_WORDS:
        if value.startswith(word) or value.endswith(word):
            return "subtotal" if word in SUBTOTAL_WORDS else "total"
    return None


def total_kinds(frame: pd.DataFrame) -> pd.Series:
    """Per row: "total" (合计/总计), "subtotal" (小计) or None, from its first cells and its
    place columns (街道, 社区)."""
    columns = list(frame.columns[:TOTAL_COLUMNS])
    columns += [c for c in ("街道", "区", "community_code", "division_code") if c in frame.columns]
    kinds = pd.Series(None, index=frame.index, dtype=object)
    for column in dict.fromkeys(columns):
        # A vectorised sieve first (a million rows hold a handful of totals), then the exact test.
        text = frame[column].astype("string")
        maybe = text.str.contains(TOTAL_SIEVE, regex=True).fillna(False).astype(bool)
        candidates = text[maybe & kinds.isna()]
        found = candidates.map(_total_word)
        kinds.loc[found.index] = found
    return kinds


def total_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose first cells say 合计 / 总计 / 小计 (or total): a sum, not data."""
    return total_kinds(frame).notna()


def generated_ids(typed: pd.DataFrame) -> pd.Series:
    """Activity ids for a report that has none: the date (YYYYMMDD) and ten digits of a hash of
    the row's values and its occurrence (two identical rows are two activities). The same report
    imported again gets the same ids, so it replaces its own rows and nothing else."""
    columns = [c for c in TABLES["activities"].schema.names if c != "activity_id" and c in typed]
    cells = typed[columns].map(lambda v: "" if v is None or v != v else str(v))
    text = cells.agg("|".join, axis=1)
    occurrence = text.groupby(text).cumcount().astype(str)
    ids = []
    for day, key, n in zip(typed["date"], text, occurrence, strict=True):
        if day is None or pd.isna(day):
            ids.append(None)
            continue
        digest = hashlib.blake2b(f"{key}#{n}".encode(), digest_size=8).digest()
        suffix = int.from_bytes(digest, "big") % 10**GENERATED_ID_DIGITS
        ids.append(int(f"{day:%Y%m%d}") * 10**GENERATED_ID_DIGITS + suffix)
    return pd.Series(ids, index=typed.index, dtype=object)


def validate_sheet(sheet: RawSheet, known: Known, vocab: Vocabularies | None = None) -> SheetResult:
    """Check one sheet; the typed table is returned only when the sheet has no error."""
    vocab = vocab or Vocabularies()
    result = SheetResult(sheet.file, sheet.sheet, sheet.table, rows=len(sheet.frame))
    result.preview = sheet.frame.head(PREVIEW_ROWS)
    for note in sheet.notes:
        found = problem(sheet, note.en, note.zh, note.row, note.column)
        (result.warnings if note.warning else result.notes).append(found)
    if sheet.table is None or sheet.table not in TABLES:
        result.errors.append(
            problem(
                sheet,
                "cannot tell which table this sheet holds: name the sheet or file after a "
                "template sheet, or use the template's headers",
                "无法识别该表对应的数据表：请使用模板中的工作表名称或文件名，或使用模板的列标题",
            )
        )
        return result
    spec = TABLES[sheet.table]
    frame = sheet.frame
    if sheet.table == "divisions" and "code" in frame.columns:
        frame = complete_divisions(frame, known.divisions)
        sheet = replace(sheet, frame=frame)
    generate_ids = sheet.table == "activities" and "activity_id" not in frame.columns
    missing = [c for c in spec.required if c not in frame.columns]
    missing = [c for c in missing if not (generate_ids and c == "activity_id")]
    for column in missing:
        if column == "month":
            result.errors.append(
                problem(
                    sheet,
                    "the report's month is not in a column, its title or its file name: add a "
                    "month column (月份), or give the month on import (--month 2025-06, or "
                    "报表月份 on the import page)",
                    "找不到报表月份：表中没有“月份”列，标题和文件名中也没有月份；请加一列“月份”，"
                    "或在导入时指定月份（命令行 --month 2025-06，或导入页的“报表月份”）",
                    column=column,
                )
            )
            continue
        result.errors.append(
            problem(
                sheet,
                "required column is missing",
                "缺少必填列",
                column=column,
            )
        )
    known_columns = set(spec.schema.names) | set(HELPER_COLUMNS) | IGNORED_COLUMNS
    result.warnings += unknown_columns(sheet, [c for c in frame.columns if c not in known_columns])
    if missing:
        return result
    is_total = total_rows(frame)
    totals = frame[is_total]
    body = frame[~is_total]
    result.totals = len(totals)
    checker = _SheetChecker(sheet, known, vocab, result)
    typed = checker.convert(body, ("activity_id",) if generate_ids else ())
    if generate_ids:
        typed["activity_id"] = generated_ids(typed)
        result.notes.append(
            problem(
                sheet,
                "no activity id column: ids were made from each activity's date, community and "
                "figures; a report sent again takes the place of the rows imported this way "
                "earlier for its communities and months, so a correction never doubles a count",
                "表中没有活动编号：已按每场活动的日期、社区和数据生成编号；同一报表再次报送时，"
                "将取代此前以这种方式导入的、本表所涉社区和月份的活动，更正不会重复计数",
            )
        )
    elif sheet.table == "activities":
        checker.check_ids(typed)
    checker.check_scope(typed)
    checker.check_totals(totals, typed)
    checker.check_unique(typed)
    checker.check_range(typed)
    if sheet.table == "divisions":
        checker.check_hierarchy(typed)
    if sheet.table == "headcounts":
        checker.check_jumps(typed)
    if not result.errors:
        result.data = pa.Table.from_pandas(typed[list(spec.schema.names)], preserve_index=False)
        result.source_rows = sheet.rows_at(sheet.frame.index.get_indexer(typed.index))
        result.qualifiers = checker.qualifier_rows(typed)
    return result


def unknown_columns(sheet: RawSheet, columns: list[str]) -> list[Problem]:
    """One warning per unknown column while they are few; many (a workbook of 1,000 columns)
    are one warning that counts them and names the first, not a thousand lines."""
    if len(columns) <= UNKNOWN_COLUMNS_LISTED:
        return [
            problem(sheet, f"unknown column {c!r} is ignored", f"未知列“{c}”已忽略")
            for c in columns
        ]
    shown = columns[:UNKNOWN_COLUMNS_LISTED]
    return [
        problem(
            sheet,
            f"{len(columns):,} unknown columns are ignored: "
            + ", ".join(repr(c) for c in shown)
            + f" and {len(columns) - len(shown):,} more",
            f"{len(columns):,}个未知列已忽略："
            + "、".join(f"“{c}”" for c in shown)
            + f"等（另有{len(columns) - len(shown):,}列）",
        )
    ]


def level_of(code: str) -> str | None:
    """The level a statistical division code's length gives: 6 digits a district (a city when it
    ends in 00), 9 a street, 12 a community."""
    if len(code) == 6:
        return "city" if code.endswith("00") else "district"
    return {9: "street", 12: "community"}.get(len(code))


def parent_of(code: str, city: str | None) -> str | None:
    """The parent a code's prefix gives: a community's street, a street's district, a district's
    city (the known one, or the code's first four digits and 00)."""
    if len(code) in (9, 12):
        return code[: len(code) - 3]
    if len(code) == 6 and not code.endswith("00"):
        return city or code[:4] + "00"
    return None


def complete_divisions(frame: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """An official division table often has only code and name (the National Bureau of
    Statistics' table), or code, name and parent. Columns it leaves out are taken from the
    division already known by that code; otherwise the level and the parent follow from the
    code, the English name is the Chinese one and the division is not a pilot site. A division
    renamed in Chinese without an English name gets its new Chinese name in English too, so no
    stale English name survives."""
    by_code = previous.set_index("code") if len(previous) else None
    out = frame.copy()
    codes = out["code"].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    codes = codes.fillna("")

    def known(column: str) -> pd.Series:
        if by_code is None or column not in by_code.columns:
            return pd.Series(None, index=out.index, dtype=object)
        values = codes.map(by_code[column].to_dict())
        return values.map(lambda v: None if v is None or pd.isna(v) else _as_text(v))

    def blank(column: str) -> pd.Series:
        if column not in out.columns:
            return pd.Series(True, index=out.index)
        return out[column].isna() | (out[column].astype("string").str.strip() == "").fillna(True)

    given_en = ~blank("name_en")
    for column in ("level", "name_zh", "name_en", "parent_code", "population", "is_pilot",
                   "pilot_start"):  # fmt: skip
        missing = blank(column)
        if column not in out.columns:
            out[column] = None
        out.loc[missing, column] = known(column)[missing]
    level = blank("level")
    out.loc[level, "level"] = codes[level].map(level_of)
    cities = [c for c in codes if level_of(c) == "city"]
    if by_code is not None and "level" in by_code.columns:
        cities += list(by_code.index[by_code["level"] == "city"])
    city = cities[0] if cities else None
    parent = blank("parent_code")
    out.loc[parent, "parent_code"] = codes[parent].map(lambda c: parent_of(c, city))
    # The city is the top of the table: a parent above it (the province) is not a division here.
    out.loc[out["level"] == "city", "parent_code"] = None
    renamed = known("name_zh").notna() & (known("name_zh") != out["name_zh"])
    stale = renamed & ~given_en
    out.loc[stale, "name_en"] = out.loc[stale, "name_zh"]
    out["name_en"] = out["name_en"].where(out["name_en"].notna(), out["name_zh"])
    out["is_pilot"] = out["is_pilot"].where(out["is_pilot"].notna(), "否")
    return out[
        [c for c in TABLES["divisions"].schema.names]
        + [c for c in frame.columns if c not in TABLES["divisions"].schema.names]
    ]


def _as_text(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _SheetChecker:
    """Converts and checks the cells of one sheet, collecting problems on the result."""

    def __init__(self, sheet: RawSheet, known: Known, vocab: Vocabularies, result: SheetResult):
        self.sheet, self.known, self.vocab, self.result = sheet, known, vocab, result
        self.table = sheet.table
        self.index = DivisionIndex(known.divisions)
        self.columns = {c.name: c for c in load_spec()[self.table].columns}
        # While one distinct value is checked, problems collect here and get rows attached later.
        self._sink: list | None = None
        self._qualifier: str | None = None  # the qualifier the last number was typed with
        self.qualified: dict[str, np.ndarray] = {}  # per column: each row's typed qualifier
        self.qualifiers: dict[int, str] = {}  # reported facts: qualifier typed in the value, by row

    def error(self, en: str, zh: str, row: int | None = None, column: str | None = None) -> None:
        if self._sink is not None:  # checking a distinct value: rows are attached by the caller
            self._sink.append(("error", en, zh, column))
            return
        errors = self.result.errors
        if len(errors) < MAX_LISTED:
            errors.append(problem(self.sheet, en, zh, row, column))
        elif len(errors) == MAX_LISTED:
            errors.append(
                problem(
                    self.sheet, "more problems not listed", "更多问题未逐条列出；请先修正以上问题"
                )
            )

    def warn(self, en: str, zh: str, row: int | None = None, column: str | None = None) -> None:
        if self._sink is not None:
            self._sink.append(("warning", en, zh, column))
        elif len(self.result.warnings) < MAX_LISTED:
            self.result.warnings.append(problem(self.sheet, en, zh, row, column))

    def qualifier_rows(self, typed: pd.DataFrame) -> pa.Table | None:
        if not self.qualified:
            return None
        keys = list(TABLES[self.table].unique)
        rows = []
        for column, per_row in self.qualified.items():
            for position in np.flatnonzero(per_row != None):  # noqa: E711 - element-wise
                key = row_key(list(typed.iloc[position][keys]))
                rows.append((self.table, key, column, per_row[position]))
        names = TABLES["value_qualifiers"].schema.names
        return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])

    def row_number(self, position: int) -> int:
        return self.sheet.row_at(position)

    def convert(self, body: pd.DataFrame, generated: tuple[str, ...] = ()) -> pd.DataFrame | None:
        """Each column is converted value by distinct value (a million rows hold few distinct
        dates, codes or counts), and problems are then reported on every row that has the value."""
        spec = TABLES[self.table]
        out = pd.DataFrame(index=body.index)
        positions = np.searchsorted(
            np.arange(len(self.sheet.frame)), self.sheet.frame.index.get_indexer(body.index)
        )
        rows = self.sheet.rows_at(positions)
        helpers = [h for h in HELPER_COLUMNS if h in body.columns]
        for field_ in spec.schema:
            name = field_.name
            if name in generated:  # made after conversion, from the converted values
                out[name] = None
                continue
            raw = body[name] if name in body.columns else pd.Series(None, index=body.index)
            if (self.table, name) == ("reported_facts", "qualifier"):
                # Blank means none was written; one typed in the number ("530余") fills it later.
                raw = raw.where(raw.notna() & (raw.astype("string").str.strip() != ""), "exact")
            column = self.columns.get(name)
            per_row = (self.table == "reported_facts" and name == "value") or (
                helpers and column is not None and column.division
            )
            if per_row:
                out[name] = [
                    self.cell(name, field_.type, text, int(row), body.loc[label])
                    for (label, text), row in zip(raw.items(), rows, strict=True)
                ]
            else:
                out[name] = self.column_values(name, field_.type, raw, rows)
        return out  # with None where a cell was wrong, so whole-sheet checks still run

    def column_values(
        self, name: str, typ: pa.DataType, raw: pd.Series, rows: np.ndarray
    ) -> np.ndarray:
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        values: list = [None] * len(uniques)
        issues: dict[int, list] = {}
        todo = range(len(uniques))
        if pa.types.is_integer(typ) or pa.types.is_floating(typ):
            todo = self._plain_numbers(name, typ, uniques, values, issues)
        qualifiers: dict[int, str] = {}
        for i in todo:
            self._sink, self._qualifier = [], None
            try:
                values[i] = self.cell(name, typ, uniques[i], None, None)
            finally:
                sink, self._sink = self._sink, None
            if sink:
                issues[i] = sink
            if self._qualifier:
                qualifiers[i] = self._qualifier
        if qualifiers:
            lookup = np.array([qualifiers.get(i) for i in range(len(uniques))], dtype=object)
            per_row = np.full(len(codes), None, dtype=object)
            per_row[codes >= 0] = lookup[codes[codes >= 0]]
            self.qualified[name] = per_row
        for i, found in issues.items():
            hit = rows[codes == i]
            for kind, en, zh, column in found:
                for row in hit[: MAX_LISTED if kind == "error" else 3]:
                    (self.error if kind == "error" else self.warn)(en, zh, int(row), column)
        blank = codes == -1
        if blank.any() and name in TABLES[self.table].required:
            for row in rows[blank][:MAX_LISTED]:
                self.error("a value is required", "必填项为空", int(row), name)
        mapped = np.empty(len(codes), dtype=object)
        if len(uniques):
            mapped[~blank] = np.array(values, dtype=object)[codes[~blank]]
        mapped[blank] = None
        return mapped

    def _plain_numbers(self, name, typ, uniques, values, issues) -> list[int]:
        """Distinct values that are plain numbers ("12", "-3", "7.5") are converted at once;
        the rest (qualifiers, units, separators, typos) go through the full parser."""
        numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy()
        numbers = numbers.astype("float64")
        plain = np.isfinite(numbers)  # "inf" and "1e309" go to the full parser, which says why
        negative = plain & (numbers < 0) & (name in NON_NEGATIVE.get(self.table, ()))
        integer = pa.types.is_integer(typ)
        limit = integer_limit(typ)
        too_big = plain & ~negative & (np.abs(numbers) > limit if limit else False)
        fractional = plain & integer & ~too_big & (np.floor(numbers) != numbers)
        good = plain & ~negative & ~fractional & ~too_big
        converted = numbers[good].astype("int64") if integer else numbers[good]
        for i, value in zip(np.flatnonzero(good), converted.tolist(), strict=True):
            values[i] = value
        for i in np.flatnonzero(negative):
            text = uniques[i]
            issues[i] = [
                (
                    "error",
                    f"{text!r} is negative; counts cannot be",
                    f"“{text}”为负数；数量不能为负",
                    name,
                )
            ]
        for i in np.flatnonzero(too_big):
            issues[i] = [_too_big(uniques[i], limit, name)]
        for i in np.flatnonzero(fractional & ~negative):
            text = uniques[i]
            issues[i] = [("error", f"{text!r} is not a whole number", f"“{text}”不是整数", name)]
        return np.flatnonzero(~plain).tolist()

    # one cell -> typed value, or None with a problem recorded
    def cell(
        self, name: str, typ: pa.DataType, text: object, row: int | None, record: pd.Series | None
    ) -> object:
        required = name in TABLES[self.table].required
        if text == FORMULA_CELL:
            self.error(
                "the cell holds a formula saved without its value, which is not read: open the "
                "file in Excel or WPS and save it (the value is then computed), or paste values",
                "该单元格是公式，文件中没有保存其计算结果，无法读取：请用 Excel 或 WPS 打开并保存"
                "该文件（保存时会计算结果），或将公式粘贴为数值",
                row,
                name,
            )
            return None
        if text is None or (isinstance(text, str) and not text.strip()):
            if required:
                self.error("a value is required", "必填项为空", row, name)
            return None
        text = str(text).strip()
        if CONTROL_CHARACTERS.search(text):
            self.control_characters(text, row, name)
            return None
        vocabulary = VOCABULARY_COLUMNS.get((self.table, name))
        if vocabulary:
            code = self.vocab.code(vocabulary, text)
            if code is None:
                allowed = "、".join(self.vocab.labels(vocabulary))
                self.error(
                    f"unknown value {text!r}; allowed: {', '.join(self.vocab.labels(vocabulary, 'en'))}",
                    f"无法识别的取值“{text}”；可选：{allowed}",
                    row,
                    name,
                )
            return code
        column = self.columns.get(name)
        if column is not None and column.division:
            return self.division(text, column.division, row, name, record)
        if (self.table, name) == ("outcomes", "metric"):
            return self.lookup("outcome_metrics", text, row, name)
        if (self.table, name) == ("reported_facts", "metric"):
            return self.lookup("metrics", text, row, name)
        if (self.table, name) == ("reported_facts", "qualifier"):
            return self.lookup("qualifiers", text, row, name)
        if name == "parent_code" and self.table == "divisions":
            return text[:-2] if text.endswith(".0") else text
        if pa.types.is_date32(typ):
            try:
                return parse_date(text, month=(self.table, name) in MONTH_COLUMNS)
            except ValueError:
                self.error(
                    f"{text!r} is not a date (write 2025-06-01 or 2025-06)",
                    f"“{text}”不是有效日期（请写成 2025-06-01 或 2025-06）",
                    row,
                    name,
                )
                return None
        if pa.types.is_boolean(typ):
            try:
                return parse_bool(text)
            except ValueError:
                self.error(f"{text!r} is not yes/no", f"“{text}”不是“是/否”", row, name)
                return None
        if pa.types.is_integer(typ) or pa.types.is_floating(typ):
            return self.number(text, typ, row, name)
        if name in ("activity_id",):
            return text
        return text[:-2] if name.endswith("_id") and text.endswith(".0") else text

    def control_characters(self, text: str, row: int | None, name: str) -> None:
        """Refused, never cleaned silently: the person who fixes the file sees what it holds and
        what it would read without them."""
        found = sorted({f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS.findall(text)})
        clean = CONTROL_CHARACTERS.sub("", text)
        self.error(
            f"contains control characters ({', '.join(found)}), usually pasted from another "
            f"program; delete them (without them the cell reads {clean!r})",
            f"含有控制字符（{'、'.join(found)}），通常是从其他程序粘贴带入的；请删除"
            f"（删除后为“{clean}”）",
            row,
            name,
        )

    def lookup(self, vocabulary: str, text: str, row: int, name: str) -> str | None:
        code = self.vocab.code(vocabulary, text)
        if code is None:
            close = difflib.get_close_matches(text, self.vocab.labels(vocabulary), n=3)
            hint_en = f"; did you mean {', '.join(close)}?" if close else ""
            hint_zh = f"；是否为：{'、'.join(close)}？" if close else ""
            self.error(
                f"unknown value {text!r}{hint_en}", f"无法识别的取值“{text}”{hint_zh}", row, name
            )
        return code

    def division(
        self, text: str, level: str, row: int | None, name: str, record: pd.Series | None
    ) -> str | None:
        code, candidates = self.index.find(text, level)
        if code is None:
            if candidates and all(c in self.index.level for c in candidates):
                listed = "、".join(f"{self.index.name(c)}（{c}）" for c in candidates)
                self.error(
                    f"{text!r} matches several divisions: {', '.join(candidates)}; use the code",
                    f"“{text}”对应多个区划：{listed}；请填写区划代码",
                    row,
                    name,
                )
            else:
                hint_en = f"; closest: {', '.join(candidates)}" if candidates else ""
                hint_zh = f"；最接近的是：{'、'.join(candidates)}" if candidates else ""
                self.error(
                    f"unknown division {text!r}{hint_en}",
                    f"未知区划“{text}”{hint_zh}",
                    row,
                    name,
                )
            return None
        for header, level_name in HELPER_COLUMNS.items() if record is not None else ():
            parent_text = record.get(header) if header in record.index else None
            if not isinstance(parent_text, str) or not parent_text.strip():
                continue
            parent, _ = self.index.find(parent_text, level_name)
            if parent is not None and not code.startswith(parent):
                self.error(
                    f"{text!r} ({code}) is not in {level_name} {parent_text!r} ({parent})",
                    f"“{text}”（{code}）不属于“{parent_text}”（{parent}）",
                    row,
                    name,
                )
        return code

    def number(self, text: str, typ: pa.DataType, row: int | None, name: str) -> int | float | None:
        try:
            parsed = parse_number(text)
        except NumberError as exc:
            self.error(exc.problem.en, exc.problem.zh, row, name)
            return None
        value = parsed.value
        if value is None:
            if name in TABLES[self.table].required:
                self.error("a value is required", "必填项为空", row, name)
            return None
        if name in NON_NEGATIVE.get(self.table, ()) and value < 0:
            self.error(
                f"{text!r} is negative; counts cannot be",
                f"“{text}”为负数；数量不能为负",
                row,
                name,
            )
            return None
        limit = integer_limit(typ)
        if limit is not None and abs(value) > limit:
            _, en, zh, _ = _too_big(text, limit, name)
            self.error(en, zh, row, name)
            return None
        if pa.types.is_integer(typ) and value != int(value):
            self.error(f"{text!r} is not a whole number", f"“{text}”不是整数", row, name)
            return None
        if parsed.qualifier != "exact" and self.table != "reported_facts":
            self._qualifier = parsed.qualifier
            self.warn(
                f"{text!r} is stored as {value:g} ({parsed.qualifier.replace('_', ' ')})",
                f"“{text}”按 {value:g} 记录（{QUALIFIER_ZH[parsed.qualifier]}）",
                row,
                name,
            )
        if self.table == "reported_facts" and name == "value":
            self.qualifiers[row] = parsed.qualifier
        return int(value) if pa.types.is_integer(typ) else float(value)

    # ------------------------------------------------------------------ whole-sheet checks
    def check_unique(self, typed: pd.DataFrame) -> None:
        keys = list(TABLES[self.table].unique)
        if not keys:
            return
        dup = typed.duplicated(subset=keys, keep=False)
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        groups: dict[tuple, list[int]] = {}
        for label in typed.index[dup]:
            key = tuple(typed.loc[label, keys])
            groups.setdefault(key, []).append(self.row_number(positions[label]))
        for key, rows in groups.items():
            shown = ", ".join(str(k) for k in key)
            rows_text = "、".join(str(r) for r in rows)
            self.error(
                f"duplicate rows for {shown}: rows {', '.join(map(str, rows))}",
                f"重复的行（{shown}）：第{rows_text}行",
                rows[1],
                keys[0],
            )
        if self.table == "reported_facts" and self.qualifiers:
            self.merge_fact_qualifiers(typed)

    def merge_fact_qualifiers(self, typed: pd.DataFrame) -> None:
        """A qualifier typed in the number ("530余") fills an empty qualifier column."""
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        for label in typed.index:
            row = self.row_number(positions[label])
            typed_q = self.qualifiers.get(row, "exact")
            given = typed.at[label, "qualifier"]
            if given in (None, "exact") or pd.isna(given):
                typed.at[label, "qualifier"] = typed_q
            elif typed_q != "exact" and typed_q != given:
                self.error(
                    f"the number says {typed_q} but the qualifier column says {given}",
                    f"数值中的限定词（{QUALIFIER_ZH[typed_q]}）与限定词列（{QUALIFIER_ZH[given]}）不一致",
                    row,
                    "qualifier",
                )

    def check_ids(self, typed: pd.DataFrame) -> None:
        """Activity ids 1, 2, 3 … were numbered down the sheet, not issued: refuse them."""
        ids = pd.to_numeric(typed["activity_id"], errors="coerce").dropna()
        if ids.empty or ids.max() >= ROW_NUMBER_IDS_BELOW or ids.min() < 0:
            return
        low, high = int(ids.min()), int(ids.max())
        if high - low + 1 != len(ids) or ids.nunique() != len(ids):
            return
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        shown = f"{low}–{high}" if high > low else str(low)
        self.error(
            f"activity ids {shown} run 1, 2, 3 … down the sheet like row numbers; an id must be "
            "unique across the city, and these would replace the activities of other communities "
            "with the same numbers. Delete the activity id column (ids are then made from the "
            "date, community and figures of each activity) or use the ids your district issues",
            f"活动编号 {shown} 是逐行递增的小整数，像是表格的序号；活动编号须在全市唯一，"
            "用序号作编号会覆盖其他社区编号相同的活动。请删去“活动编号”列（系统会按日期、社区和"
            "活动数据生成编号），或填写各区统一的活动编号",
            self.row_number(positions[ids.index[0]]),
            "activity_id",
        )

    def check_totals(self, totals: pd.DataFrame, typed: pd.DataFrame) -> None:
        """合计 and 小计 rows are not data: a 合计 is checked against every row (of its month), a
        小计 against its own street's rows (named in the row, or the rows since the last total)."""
        if totals.empty:
            return
        numeric = [
            f.name
            for f in TABLES[self.table].schema
            if (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))
            and f.name in totals.columns
        ]
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        kinds = total_kinds(totals)
        typed_at = np.array([positions[label] for label in typed.index], dtype="int64")
        previous = -1
        for label, total in totals.iterrows():
            at = positions[label]
            scope = self._subtotal_scope(total, typed, typed_at, previous, at)
            if kinds[label] != "subtotal":
                scope = typed
            previous = at
            if scope is None:
                continue
            month_column = "month" if "month" in typed.columns else None
            if month_column and isinstance(total.get(month_column), str):
                try:
                    month = parse_date(total[month_column], month=True)
                    scope = scope[scope[month_column] == month]
                except ValueError:
                    pass
            self._compare_total(total, scope, numeric, self.row_number(at), kinds[label])
        subtotals = int((kinds == "subtotal").sum())
        whole = len(totals) - subtotals
        counted = [
            (n, en, zh)
            for n, en, zh in ((subtotals, "subtotal", "小计"), (whole, "total", "合计"))
            if n
        ]
        parts_en = [f"{n} {en} row(s)" for n, en, _ in counted]
        parts_zh = [f"{n}个{zh}行" for n, _, zh in counted]
        self.result.notes.append(
            problem(
                self.sheet,
                f"{' and '.join(parts_en)} recognised, checked and not imported as data",
                f"识别到{'和'.join(parts_zh)}：已核对，不作为数据导入",
            )
        )

    def _subtotal_scope(
        self,
        total: pd.Series,
        typed: pd.DataFrame,
        typed_at: np.ndarray,
        previous: int,
        at: int,
    ) -> pd.DataFrame | None:
        """The rows a 小计 sums: those of the street it names (in the 街道 column, or before
        the word: 水果湖街道小计), else the rows between the previous total row and it."""
        street = total.get("街道") if "街道" in total.index else None
        if not isinstance(street, str) or _total_word(street):
            cells = [v for v in total.iloc[:TOTAL_COLUMNS] if isinstance(v, str)]
            named = [re.sub(r"(小计|合计)$", "", _norm(v)) for v in cells if _total_word(v)]
            street = next((n for n in named if n), None)
        if street and "community_code" in typed.columns:
            code, _ = self.index.find(street, "street")
            if code is not None:
                return typed[typed["community_code"].map(lambda c: str(c).startswith(code))]
        return typed[(typed_at > previous) & (typed_at < at)]

    def _compare_total(
        self, total: pd.Series, scope: pd.DataFrame, numeric: list[str], row: int, kind: str
    ) -> None:
        word_en, word_zh = ("subtotal", "小计") if kind == "subtotal" else ("total", "合计")
        for name in numeric:
            text = total.get(name)
            if text is None or (isinstance(text, str) and not text.strip()):
                continue
            try:
                stated = parse_number(text).value
            except NumberError:
                continue
            actual = pd.to_numeric(scope[name], errors="coerce").sum()
            if stated is not None and abs(stated - actual) > 1e-6 * max(1.0, abs(actual)):
                self.error(
                    f"the {word_en} row says {stated:g} but its {len(scope)} row(s) add up to "
                    f"{actual:g}: correct the {word_en} or the rows",
                    f"{word_zh}行为 {stated:g}，但对应的{len(scope)}行相加为 {actual:g}；"
                    f"请更正{word_zh}或各行数值",
                    row,
                    name,
                )

    def check_hierarchy(self, typed: pd.DataFrame) -> None:
        """Streets under districts, communities under streets, by parent and by code prefix."""
        codes = dict(zip(typed["code"], typed["level"], strict=True))
        existing = self.index.level
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        expected_parent = {"district": "city", "street": "district", "community": "street"}
        for label, rec in typed.iterrows():
            row = self.row_number(positions[label])
            code, level, parent = rec["code"], rec["level"], rec["parent_code"]
            if level not in CODE_LENGTH or not isinstance(code, str):
                continue  # a blank code or level is reported where the cell is converted
            if len(str(code)) != CODE_LENGTH[level] or not str(code).isdigit():
                self.error(
                    f"{code!r} is not a {level} code ({CODE_LENGTH[level]} digits)",
                    f"“{code}”不是{CODE_LENGTH[level]}位的{LEVEL_ZH[level]}代码",
                    row,
                    "code",
                )
                continue
            if level == "city":
                continue
            parent_level = codes.get(parent) or existing.get(parent)
            if parent_level is None:
                self.error(
                    f"parent {parent!r} is not a known division",
                    f"上级区划“{parent}”不存在",
                    row,
                    "parent_code",
                )
            elif parent_level != expected_parent[level] or (
                level != "district" and not str(code).startswith(str(parent))
            ):
                self.error(
                    f"a {level} cannot be under {parent!r} ({parent_level})",
                    f"{LEVEL_ZH[level]}不能隶属于“{parent}”（{LEVEL_ZH[parent_level]}）",
                    row,
                    "parent_code",
                )

    def check_scope(self, typed: pd.DataFrame) -> None:
        """An importer writes only rows of their own scope (a district office, its district):
        each row outside it is an error naming the row, the division and the scope."""
        scope, column = self.known.scope, SCOPE_COLUMNS.get(self.table or "")
        if scope is None or scope.whole_city or column is None or column not in typed.columns:
            return
        names = "、".join(f"{self.index.name(c)}（{c}）" for c in scope.codes)
        names_en = ", ".join(f"{self.index.name(c)} ({c})" for c in scope.codes)
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        for label, code in typed[column].items():
            if isinstance(code, str) and code and not scope.holds_row(code):
                self.result.outside_scope += 1
                self.error(
                    f"{self.index.name(code)} ({code}) is outside your scope: {names_en}",
                    f"{self.index.name(code)}（{code}）不在您的导入范围内：{names}",
                    self.row_number(positions[label]),
                    column,
                )

    def check_jumps(self, typed: pd.DataFrame) -> None:
        """Warn (not fail) when a community's stock changes tenfold from one month to the next."""
        frames = [typed]
        if self.known.previous_stocks is not None and len(self.known.previous_stocks):
            frames.insert(0, self.known.previous_stocks)
        data = pd.concat(frames, ignore_index=True)
        data = data.drop_duplicates(["community_code", "month"], keep="last")
        data = data.sort_values(["community_code", "month"])
        new_keys = set(zip(typed["community_code"], typed["month"], strict=True))
        for column in ("social_workers", "registered_volunteers", "volunteer_backbones"):
            values = pd.to_numeric(data[column], errors="coerce")
            before = values.groupby(data["community_code"]).shift(1)
            ratio = values / before.where(before > 0)
            jumps = data[(ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR)]
            for _, rec in jumps.iterrows():
                if (rec["community_code"], rec["month"]) not in new_keys:
                    continue
                self.result.warnings.append(
                    problem(
                        self.sheet,
                        f"{rec['community_code']} {rec['month']:%Y-%m}: {column} changed more "
                        f"than {JUMP_FACTOR}-fold from the month before; please check",
                        f"{self.index.name(rec['community_code'])} {rec['month']:%Y-%m}："
                        f"较上月变化超过{JUMP_FACTOR}倍，请核实",
                        column=column,
                    )
                )

    def check_range(self, typed: pd.DataFrame) -> None:
        """No date may lie after the as-of date (after today when none is given): a report
        cannot hold what has not happened, and one year typed wrong (2099) would otherwise move
        the snapshot's as-of date and blank every stock for a month nobody reported."""
        last = self.known.last_day
        if last is None:
            return
        spec = TABLES[self.table]
        month_end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date() == last
        positions = {label: i for i, label in enumerate(self.sheet.frame.index)}
        for field_ in spec.schema:
            if not pa.types.is_date32(field_.type) or field_.name not in typed.columns:
                continue
            column = field_.name
            late = typed[column].map(lambda d: d is not None and not pd.isna(d) and d > last)
            for label in typed.index[late.to_numpy(dtype=bool)]:
                day = typed.at[label, column]
                if not self.known.as_of_given:
                    en = f"{day:%Y-%m-%d} is after today ({last:%Y-%m-%d}); check the year"
                    zh = f"{day:%Y-%m-%d} 晚于今天（{last:%Y-%m-%d}），请检查年份"
                elif month_end:
                    en = f"{day:%Y-%m-%d} is after the snapshot's as-of month {last:%Y-%m}"
                    zh = f"{day:%Y-%m-%d} 晚于快照截至月份 {last:%Y-%m}"
                else:
                    en = f"{day:%Y-%m-%d} is after the snapshot's as-of date {last:%Y-%m-%d}"
                    zh = f"{day:%Y-%m-%d} 晚于快照截至日期 {last:%Y-%m-%d}"
                self.error(en, zh, self.row_number(positions[label]), column)


QUALIFIER_ZH = {
    "exact": "精确",
    "more_than": "余（多于）",
    "nearly": "近（略少于）",
    "about": "约",
    "at_least": "以上（不少于）",
}
LEVEL_ZH = {"city": "市", "district": "区", "street": "街道", "community": "社区"}
