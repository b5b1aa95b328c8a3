"""Reports laid out the way district offices send them, written with openpyxl for the tests.

A title row and a 填报 row above a one- or two-row header (人员情况 merged over 专业社工 …),
序号/街道/社区 columns with each street merged over its communities, a 小计 row per street and a
合计 row, notes and signatures under the table, a hidden column, the month only in the title or
the file name, dates as Excel serial numbers, and a GBK CSV twin. Each builder returns the file
and the numbers a correct import must give, so tests compare figures, not just "no error".
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HEADCOUNT_FIELDS = ("social_workers", "community_workers", "registered_volunteers",
                    "volunteer_backbones", "volunteer_teams", "new_employment_teams",
                    "mobile_grid_workers")  # fmt: skip
ACTIVITY_HEADERS = ["序号", "街道", "社区名称", "活动日期", "活动类型", "服务对象", "志愿者人数",
                    "社工人数", "服务时长（小时）", "服务人数", "是否需求响应", "响应时间（小时）"]  # fmt: skip
NOTES = ["注：1. 人数为月末在册人数；2. 志愿服务队含新就业群体志愿服务队。",
         "审核人：李敏        填表人：王芳        联系电话：027-88886666"]  # fmt: skip
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Place:
    street: str
    community: str
    code: str


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV with one header row, as a spreadsheet saves it (GBK when asked)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def places(divisions: pd.DataFrame, district: str, streets: int = 2, per_street: int = 3):
    """The first `per_street` communities of the district's first `streets` streets, by name."""
    by_code = divisions.set_index("code")
    district_code = divisions.loc[
        (divisions["level"] == "district") & (divisions["name_zh"] == district), "code"
    ].iloc[0]
    street_codes = sorted(
        divisions.loc[
            (divisions["level"] == "street") & (divisions["parent_code"] == district_code), "code"
        ]
    )
    chosen: list[list[Place]] = []
    for street in street_codes:
        communities = sorted(
            divisions.loc[
                (divisions["level"] == "community") & (divisions["parent_code"] == street), "code"
            ]
        )[:per_street]
        if len(communities) == per_street:
            chosen.append(
                [
                    Place(by_code.at[street, "name_zh"], by_code.at[c, "name_zh"], c)
                    for c in communities
                ]
            )
        if len(chosen) == streets:
            break
    return chosen


def headcount_values(previous: pd.DataFrame, code: str) -> dict[str, int]:
    """Near the community's last reported month, so no tenfold-jump warning fires."""
    rows = previous[previous["community_code"] == code].sort_values("month")
    last = rows.iloc[-1] if len(rows) else None
    return {
        f: (int(last[f]) + 1 if last is not None and pd.notna(last[f]) else 3)
        for f in HEADCOUNT_FIELDS
    }


def headcounts_report(
    path: Path,
    district: str,
    blocks: list[list[Place]],
    values: dict[str, dict[str, int]],
    title_month: str = "2025年8月",
    wrong_subtotal: bool = False,
) -> Path:
    """The monthly 人员与队伍 report: title, 填报 row, two-row merged header, streets merged over
    their communities, 小计 per street, 合计, notes; the 移动网格员 column and row 6 hidden."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人员队伍"
    ws["A1"] = f"{district}{title_month}社区人员与志愿服务队伍统计表"
    ws.merge_cells("A1:K1")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = f"填报单位：{district}民政局"
    ws["H2"] = "填报日期：2025年9月3日"
    for col, text in (("A", "序号"), ("B", "街道"), ("C", "社区"), ("J", "移动网格员（人）"),
                      ("K", "备注")):  # fmt: skip
        ws[f"{col}3"] = text
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "人员情况"
    ws.merge_cells("D3:G3")
    ws["H3"] = "队伍情况"
    ws.merge_cells("H3:I3")
    for col, text in zip("DEFGHI", ("专业社工（人）", "社区工作者（人）", "注册志愿者（人）",
                                    "志愿者骨干（人）", "志愿服务队（支）",
                                    "新就业群体志愿服务队（支）"), strict=True):  # fmt: skip
        ws[f"{col}4"] = text
    row, number = 5, 1
    totals = dict.fromkeys(HEADCOUNT_FIELDS, 0)
    for b, block in enumerate(blocks):
        first = row
        sub = dict.fromkeys(HEADCOUNT_FIELDS, 0)
        for place in block:
            v = values[place.code]
            ws.cell(row, 1, number)
            ws.cell(row, 2, place.street if row == first else None)
            ws.cell(row, 3, place.community)
            for j, f in enumerate(HEADCOUNT_FIELDS):
                ws.cell(row, 4 + j, v[f])
                sub[f] += v[f]
            row, number = row + 1, number + 1
        ws.cell(row, 3, "小计")
        for j, f in enumerate(HEADCOUNT_FIELDS):
            stated = sub[f] + (7 if wrong_subtotal and b == 1 and j == 2 else 0)
            ws.cell(row, 4 + j, stated)
            totals[f] += sub[f]
        ws.merge_cells(start_row=first, start_column=2, end_row=row, end_column=2)
        row += 1
    ws.cell(row, 1, "合计")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    for j, f in enumerate(HEADCOUNT_FIELDS):
        ws.cell(row, 4 + j, totals[f])
    ws.cell(row, 11, "含新建小区")
    row += 2
    for note in NOTES:
        ws.cell(row, 1, note)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=11)
        row += 1
    ws.column_dimensions["J"].hidden = True
    ws.row_dimensions[6].hidden = True  # the second community, hidden by someone filtering
    wb.save(path)
    return path


def headcounts_by_file_name(
    path: Path, blocks: list[list[Place]], values: dict[str, dict[str, int]]
) -> Path:
    """A plain one-row header in the office's own words; the month only in the file name."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["序号", "所属街道", "社区名称", "社工人数", "社区工作者人数", "注册志愿者人数",
               "骨干志愿者", "志愿服务队数", "新就业群体服务队", "移动网格员数"])  # fmt: skip
    n = 1
    for block in blocks:
        for place in block:
            v = values[place.code]
            ws.append([n, place.street, place.community, *(v[f] for f in HEADCOUNT_FIELDS)])
            n += 1
    wb.save(path)
    return path


def activity_rows(blocks: list[list[Place]], month: dt.date) -> list[dict]:
    """Two activities per community, on days of `month`, with vocabulary labels as typed."""
    kinds = [
        ("为老服务", "一老（老年人）"),
        ("儿童关爱", "一小（儿童）"),
        ("驿站服务", "一新（新就业群体）"),
    ]
    rows = []
    k = 0
    for block in blocks:
        for place in block:
            for day in (3, 17):
                category, group = kinds[k % len(kinds)]
                rows.append(
                    {
                        "street": place.street,
                        "community": place.community,
                        "code": place.code,
                        "date": month.replace(day=day),
                        "category": category,
                        "group": group,
                        "volunteers": 4 + k % 5,
                        "social_workers": k % 2,
                        "hours": 2.0 + (k % 3) * 0.5,
                        "served": 20 + k,
                        "request": "是" if k % 4 == 0 else "否",
                        "response": 12.0 if k % 4 == 0 else None,
                    }
                )
                k += 1
    return rows


def _activity_cells(n: int, r: dict, serial: bool) -> list:
    date = (r["date"] - EXCEL_EPOCH).days if serial else r["date"]
    return [n, r["street"], r["community"], date, r["category"], r["group"], r["volunteers"],
            r["social_workers"], r["hours"], r["served"], r["request"], r["response"]]  # fmt: skip


def _activity_total(rows: list[dict]) -> list:
    return ["合计", None, None, None, None, None, sum(r["volunteers"] for r in rows),
            sum(r["social_workers"] for r in rows), sum(r["hours"] for r in rows),
            sum(r["served"] for r in rows), None, None]  # fmt: skip


def activities_report(path: Path, district: str, rows: list[dict], title_month: str) -> Path:
    """One row per activity, no activity id, dates as Excel serial numbers (and some as dates)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "活动明细"
    ws["A1"] = f"{district}{title_month}志愿服务活动开展情况明细表"
    ws.merge_cells("A1:L1")
    ws["A2"] = f"填报单位：{district}志愿服务联合会"
    ws.append(ACTIVITY_HEADERS)
    for n, r in enumerate(rows, start=1):
        ws.append(_activity_cells(n, r, serial=n % 2 == 1))
        if n % 2 == 0:
            ws.cell(ws.max_row, 4).number_format = "yyyy/m/d"
    ws.append(_activity_total(rows))
    ws.append([])
    for note in NOTES[1:]:
        ws.append([note])
    wb.save(path)
    return path


def activities_csv_twin(path: Path, district: str, rows: list[dict], title_month: str) -> Path:
    """The same report saved as CSV by WPS on a Chinese Windows: GBK, title and notes kept."""
    with open(path, "w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f"{district}{title_month}志愿服务活动开展情况明细表"] + [""] * 11)
        writer.writerow([f"填报单位：{district}志愿服务联合会"] + [""] * 11)
        writer.writerow(ACTIVITY_HEADERS)
        for n, r in enumerate(rows, start=1):
            cells = _activity_cells(n, r, serial=False)
            cells[3] = f"{r['date']:%Y/%-m/%-d}"
            writer.writerow(["" if c is None else c for c in cells])
        writer.writerow(["" if c is None else c for c in _activity_total(rows)])
        writer.writerow([""] * 12)
        writer.writerow([NOTES[1]] + [""] * 11)
    return path
