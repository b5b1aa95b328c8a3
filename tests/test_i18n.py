"""One translation catalog; every key used in code exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from govdash.core.text.i18n import LANGS, catalog

ROOT = Path(__file__).resolve().parent.parent
KEY_USE = re.compile(r"""\bt\(\s*f?["']([a-z0-9_.{}]+)["']""")


def test_every_used_key_exists_in_both_languages():
    files = [*ROOT.glob("govdash/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]
    used = {m for p in files for m in KEY_USE.findall(p.read_text())}
    assert used, "the scan found no t() calls"
    entries = catalog()
    for key in used:
        if "{" in key:  # f-string keys such as lang.{code}: check every expansion
            prefix = key.split("{")[0]
            assert [k for k in entries if k.startswith(prefix)], key
            continue
        assert key in entries, f"missing translation key {key!r}"
    for key, entry in entries.items():
        for lang in LANGS:
            assert entry.get(lang), f"{key} lacks {lang}"


def test_chinese_strings_are_chinese_and_english_strings_are_not():
    han = re.compile(r"[\u4e00-\u9fff]")
    markup = re.compile(r"%\{[^}]*\}|\{[a-z_]+\}|<[^>]+>")  # placeholders, Plotly's and HTML
    allowed_latin = re.compile(
        r"SQL|CSV|XLSX|JSON|HTML|PNG|PDF|GeoJSON|Excel|WPS|UTF-8|GBK|MB|\.xlsx|\.csv"
        r"|python -m govdash (demo|briefing --out)|Language"
    )
    for key, entry in catalog().items():
        if key.startswith("lang.") or key.endswith(".how_to"):
            continue  # the switch names each language in its own script; config snippets are code
        zh = allowed_latin.sub("", markup.sub("", entry["zh"]))
        assert not re.search(r"[A-Za-z]{2,}", zh), f"{key}: English words in the Chinese UI: {zh}"
        assert not han.search(entry["en"]) or key == "lang.label", key
