"""Downloads an analyst can use as they are: headers in the reader's language with the machine
name beside them, values rounded to what the page shows, and a header block that says what the
file holds (metric, definition, scope, period, filters, snapshot and the demo label).

Column names are translated through the i18n catalog ("export.<column>"); a column without an
entry keeps its machine name, so a new column is never dropped or mislabelled.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from govdash.core.data.catalog import Metric, load_catalog
from govdash.core.text.i18n import catalog as strings
from govdash.core.text.i18n import t

UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')
TAGS = re.compile(r"<[^>]+>")
# File names: what Windows refuses (and / everywhere), control and invisible characters, and the
# device names Windows keeps whatever the extension (NUL.txt is NUL).
UNSAFE_IN_FILE_NAMES = re.compile(r'\s*[\\/:*?"<>|]+\s*')
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
RESERVED_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{device}{n}" for device in ("COM", "LPT") for n in "0123456789¹²³"}
)
MAX_STEM_BYTES = 150  # of UTF-8, leaving room for a date and an extension under 255


def title_text(title: str) -> str:
    """A chart title without its HTML: "注册志愿者（名）<br><sup>2025年7月末 · 武汉市</sup>" reads
    "注册志愿者（名） · 2025年7月末 · 武汉市"."""
    return TAGS.sub("", title.replace("<br>", " · ")).strip(" ·")


def safe_file_stem(text: str, fallback: str) -> str:
    """A file name (without its extension) that Windows, macOS and Linux all accept and show as
    written, for every file we offer: no \\ / : * ? " < > |, no control or invisible characters
    (a right-to-left override can make "gpj.exe" read "exe.jpg"), no leading dot (hidden) or
    trailing dot or space (dropped by Windows), no device name such as CON, and at most
    MAX_STEM_BYTES of UTF-8; `fallback` when nothing is left."""
    visible = "".join("_" if unicodedata.category(c) in INVISIBLE else c for c in str(text))
    name = " ".join(UNSAFE_IN_FILE_NAMES.sub("_", visible).split())
    name = name.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore").strip(" ._")
    if not name:
        return fallback
    head, dot, rest = name.partition(".")
    if head.strip().upper() in RESERVED_NAMES:  # "CON" and "CON.x" are a device on Windows
        return f"{head.rstrip()}_{dot}{rest}"  # "CON_.x" is a file
    return name


def file_name(title: str, as_of: str, suffix: str) -> str:
    """What the file holds, in words, and the data's date: a name that says what is inside."""
    stem = UNSAFE_IN_NAMES.sub("-", title_text(title)).strip("-·")
    stem = re.sub(r"-?·-?", "_", stem)[:120]
    return f"{safe_file_stem(stem, 'govdash')}_{as_of}.{suffix}"


def header(
    column: str, lang: str, value_label: str | None = None, words: dict[str, str] | None = None
) -> str:
    """The reader's word and the machine name a program looks for: 区划代码 (division_code)."""
    if column == "value" and value_label:
        return f"{value_label} (value)"
    if words and column in words:
        return f"{words[column]} ({column})"
    key = f"export.{column}"
    if key not in strings():
        return column
    return f"{t(key, lang)} ({column})"


def readable(
    frame: pd.DataFrame,
    lang: str,
    metric: Metric | None = None,
    digits: int | None = None,
    words: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A copy with translated headers, metric ids as names and floats rounded (to the metric's
    shown precision, else two places)."""
    out = frame.copy()
    places = digits if digits is not None else (
        (1 if metric.kind == "ratio" else 0) if metric is not None else 2
    )  # fmt: skip
    catalog = load_catalog()
    for column in out.columns:
        if column == "metric":
            out[column] = [catalog.metrics[m].name(lang) if m in catalog.metrics else m
                           for m in out[column]]  # fmt: skip
        elif pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(places if column == "value" else 2)
    value_label = None
    if metric is not None:
        unit = metric.unit_label(lang)
        value_label = (
            f"{metric.name(lang)}（{unit}）" if lang == "zh" else f"{metric.name(lang)} ({unit})"
        )
    out.columns = [header(str(c), lang, value_label, words) for c in out.columns]
    return out


def block(
    lang: str,
    *,
    title: str,
    metric: Metric | None,
    snapshot: str,
    filters: str,
    demo: str | None,
) -> list[str]:
    """The lines a downloaded file starts with."""
    lines = [t("export.what", lang, what=title_text(title))]
    if metric is not None:
        lines.append(t("export.definition", lang, text=metric.definition[lang]))
    lines.append(t("export.filters", lang, filters=filters or t("export.no_filters", lang)))
    lines.append(snapshot)
    if demo:
        lines.append(demo)
    return lines
