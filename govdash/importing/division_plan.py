"""What an imported division table changes, listed before anything is written.

Replacing a city's divisions with an official table is the riskiest import: a renamed code moves
every figure filed under it, a pilot community can land under another street, and divisions that
exist only in one of the two tables turn into empty bars or vanish from the pages. The plan lists
those cases (pilots and the places reported figures name first) so that a person confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

LISTED = 12  # entries shown per kind; the count says how many there are in all
LEVEL_ZH = {"city": "市", "district": "区", "street": "街道", "community": "社区"}


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: str
    before: str = ""  # the old name, parent or English name
    after: str = ""
    key: bool = False  # a pilot site, or a place that reported figures or programmes name


@dataclass(frozen=True)
class DivisionPlan:
    renamed: tuple[Entry, ...]  # same code, another Chinese name
    moved: tuple[Entry, ...]  # same code, another parent
    english: tuple[Entry, ...]  # English names that follow the new Chinese name
    unmatched: tuple[Entry, ...]  # existing divisions of the levels the table covers, not in it
    empty: tuple[Entry, ...]  # new divisions that no row of data refers to
    existing: bool = True  # the snapshot had divisions before (else everything is new)

    @property
    def changes(self) -> bool:
        return any((self.renamed, self.moved, self.english, self.unmatched, self.empty))

    @property
    def needs_confirmation(self) -> bool:
        """Changes to divisions that exist; new ones only matter beside existing ones."""
        changed = any((self.renamed, self.moved, self.english, self.unmatched))
        return changed or (self.existing and bool(self.empty))

    def lines(self, lang: str = "zh") -> list[str]:
        """One line per kind of change, with the first entries named."""
        kinds = (
            (self.renamed, "名称将改变", "renamed", lambda e: f"{e.code} {e.before} → {e.after}"),
            (self.moved, "上级将改变", "moved", lambda e: f"{e.code} {e.name}：{e.before} → {e.after}"),
            (self.english, "英文名称随中文名称更新", "English name follows the new Chinese name",
             lambda e: f"{e.code} {e.before} → {e.after}"),
            (self.unmatched, "现有区划在新表中没有对应", "existing divisions not in the table",
             lambda e: f"{e.code} {e.name}"),
            (self.empty, "新增区划暂无数据", "new divisions without data",
             lambda e: f"{e.code} {e.name}"),
        )  # fmt: skip
        out = []
        for entries, zh, en, show in kinds:
            if not entries:
                continue
            listed = [("★" if e.key else "") + show(e) for e in entries[:LISTED]]
            more = len(entries) - len(listed)
            if lang == "zh":
                tail = f" 等{len(entries)}个" if more else ""
                out.append(f"{zh}（{len(entries)}个）：" + "；".join(listed) + tail)
            else:
                tail = f" and {more} more" if more else ""
                out.append(f"{en} ({len(entries)}): " + "; ".join(listed) + tail)
        if any(e.key for entries, *_ in kinds for e in entries):
            out.append(
                "★ 试点社区或报道数字、服务品牌涉及的区划"
                if lang == "zh"
                else "★ a pilot site, or a place named by reported figures or programmes"
            )
        return out


def _key_codes(tables: dict[str, pa.Table], old: pd.DataFrame) -> set[str]:
    keys = set(old.loc[old["is_pilot"].fillna(False).astype(bool), "code"])
    for table, column in (("reported_facts", "scope_code"), ("programmes", "owner_code"),
                          ("resources", "division_code")):  # fmt: skip
        if table in tables and column in tables[table].column_names:
            keys |= {c for c in tables[table].column(column).to_pylist() if c}
    return keys


def _with_data(tables: dict[str, pa.Table]) -> set[str]:
    """The codes that rows of data refer to, and every prefix of them."""
    codes: set[str] = set()
    for table in ("headcounts", "activities", "teams"):
        if table in tables:
            codes |= set(pa.compute.unique(tables[table].column("community_code")).to_pylist())
    for table, column in (("outcomes", "division_code"), ("resources", "division_code")):
        if table in tables:
            codes |= set(pa.compute.unique(tables[table].column(column)).to_pylist())
    # Every prefix a division code can have (city 4 digits, district 6, street 9, community 12),
    # so "has this division any data below it" is one set lookup, not a scan of every code.
    return {c[:n] for c in codes if c for n in (4, 6, 9, 12) if len(c) >= n}


def plan(old: pd.DataFrame, incoming: pd.DataFrame, tables: dict[str, pa.Table]) -> DivisionPlan:
    """Compare the known divisions with an imported table (after completion); `tables` are the
    snapshot's tables after the import, to tell which divisions have data."""
    keys = _key_codes(tables, old)
    before = old.set_index("code")
    after = incoming.drop_duplicates("code", keep="last").set_index("code")
    both = before.index.intersection(after.index)

    def entry(code: str, row: pd.Series, was: str = "", now: str = "") -> Entry:
        return Entry(code, str(row["name_zh"]), str(row["level"]), was, now, code in keys)

    def ordered(entries: list[Entry]) -> tuple[Entry, ...]:
        return tuple(sorted(entries, key=lambda e: (not e.key, e.code)))

    renamed, moved, english = [], [], []
    for code in both:
        b, a = before.loc[code], after.loc[code]
        if b["name_zh"] != a["name_zh"]:
            renamed.append(entry(code, a, str(b["name_zh"]), str(a["name_zh"])))
        if str(b["parent_code"] or "") != str(a["parent_code"] or ""):
            moved.append(entry(code, a, str(b["parent_code"] or ""), str(a["parent_code"] or "")))
        if b["name_en"] != a["name_en"]:
            english.append(entry(code, a, str(b["name_en"]), str(a["name_en"])))
    levels = set(after["level"].dropna())
    gone = before[before["level"].isin(levels) & ~before.index.isin(after.index)]
    unmatched = [entry(code, row) for code, row in gone.iterrows()]
    data = _with_data(tables)
    new = after[~after.index.isin(before.index)]
    empty = [
        entry(code, row) for code, row in new.iterrows() if _prefix(code, row["level"]) not in data
    ]
    return DivisionPlan(
        ordered(renamed),
        ordered(moved),
        ordered(english),
        ordered(unmatched),
        ordered(empty),
        existing=len(before) > 0,
    )


def _prefix(code: str, level: str) -> str:
    """What the codes of a division's communities start with (a city's: its first four digits)."""
    return code[:4] if level == "city" else code
