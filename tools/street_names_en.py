"""English names for a city's official streets, written once as data (data/divisions/*_en.csv).

    pip install pypinyin   # a one-off tool: not a dependency of govdash
    python tools/street_names_en.py data/divisions/wuhan_divisions_nbs2023.csv \
        data/divisions/wuhan_streets_en.csv

The proper name goes into Hanyu Pinyin (place-name readings of a few polyphones, an apostrophe
before a syllable starting with a, o or e) and the administrative word it ends with is translated
(街道 Street, 镇 Town …). Check the output by eye and correct names in the CSV, not here.
"""

import csv
import re
import sys

from pypinyin import lazy_pinyin

WORDS = [  # longest first
    ("经济开发区", "Economic Development Zone"),
    ("开发区", "Development Zone"),
    ("管理委员会", "Management Committee"),
    ("管委会", "Management Committee"),
    ("风景旅游管理处", "Scenic Tourism Administration"),
    ("风景区管理处", "Scenic Area Administration"),
    ("管理处", "Administration"),
    ("风景区", "Scenic Area"),
    ("高新技术产业园", "High-Tech Industrial Park"),
    ("现代产业园", "Modern Industrial Park"),
    ("汽车产业园", "Automotive Industrial Park"),
    ("商贸物流枢纽区", "Trade and Logistics Hub"),
    ("生态示范城", "Eco-Demonstration City"),
    ("中央商务区", "Central Business District"),
    ("办事处", "Office"),
    ("原种场", "Seed Farm"),
    ("集团", "Group"),
    ("片区", "Area"),
    ("花园", "Garden"),
    ("街道", "Street"),
    ("街", "Street"),
    ("镇", "Town"),
    ("乡", "Township"),
]

FIXES = {"长": "chang", "重": "chong", "藏": "cang"}  # place-name readings of polyphones


def pinyin(text: str) -> str:
    syll = [
        FIXES.get(ch, p) if len(ch) == 1 else p
        for ch, p in zip(text, lazy_pinyin(text, errors="ignore"), strict=False)
    ]
    word = syll[0] if syll else ""
    for p in syll[1:]:
        word += ("'" if p[:1] in "aoe" else "") + p  # Xi'an, not Xian
    return word[:1].upper() + word[1:]


def translate(name: str) -> str:
    name = name.strip()
    bracket = ""
    m = re.fullmatch(r"(.*)（(.*)）", name)
    if m:
        name, inner = m.group(1), m.group(2)
        bracket = f" ({pinyin(inner)})"
    parts = []
    rest = name
    suffix = ""
    inner_street = False
    if rest.endswith("街道") and len(rest) > 2:  # 民族街街道: the proper name is 民族街
        rest, suffix, inner_street = rest[:-2], " Street", True
    # a sub-area written after a street: 侏儒山街道洪北片区 → Zhurushan Street Hongbei Area
    while rest:
        words = WORDS if not inner_street else [w for w in WORDS if len(w[0]) > 1]
        hits = [(rest.find(zh), -len(zh), zh, en) for zh, en in words if rest.find(zh) >= 0]
        if rest.startswith("武汉") and len(rest) > 2:
            parts.append("Wuhan")
            rest = rest[2:]
            continue
        if hits:
            i, _, zh, en = min(hits)
            parts.append((pinyin(rest[:i]) + " " + en).strip())
            rest = rest[i + len(zh) :]
        else:
            parts.append(pinyin(rest))
            rest = ""
    return " ".join(p for p in parts if p) + suffix + bracket


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(target, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["code", "name_en"])
        for r in rows:
            if r["level"] == "street":
                out.writerow([r["code"], translate(r["name"])])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
