"""Boundary GeoJSON: load it without tracebacks, wind it for plotly, and tie features to divisions.

Boundary files come from many hands (government portals, DataV, hand-drawn QGIS exports), so
this module accepts the common shapes, reports everything else as located, bilingual problems
and never guesses which division an ambiguous feature belongs to.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from govdash.core.text.problems import GovdashError, Problem

log = logging.getLogger(__name__)

ENV_BOUNDARIES = "GOVDASH_BOUNDARIES"
POLYGON_TYPES = ("Polygon", "MultiPolygon")
CODE_KEYS = ("code", "adcode", "division_code", "id")
NAME_KEYS = ("name", "name_zh", "name_en", "NAME")
# Level suffixes people drop when they label a map ("江汉" for 江汉区). Longest first.
NAME_SUFFIXES = ("街道", "社区", "区", "市")


@dataclass(frozen=True)
class BoundaryFile:
    """Usable features plus the ones skipped, so the UI can say what was left out and why."""

    features: list[dict]
    skipped: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class MatchResult:
    """Features tied to divisions (id = division code) and what could not be tied, both ways;
    `leftover` holds the untied features themselves, for the next level to try."""

    features: list[dict]
    unmatched: list[str]
    missing: list[str]
    leftover: list[dict] = field(default_factory=list)


def _problem(where: Path | str, en: str, zh: str) -> Problem:
    return Problem("boundaries", en, zh, str(where))


# --- configuration ---------------------------------------------------------------------------


def boundaries_path() -> Path | None:
    """The boundary file named by GOVDASH_BOUNDARIES; a configured path that is missing is a typo."""
    configured = os.environ.get(ENV_BOUNDARIES, "").strip()
    if not configured:
        return None
    path = Path(configured).expanduser()
    if not path.exists():
        raise GovdashError(
            _problem(
                path,
                f"boundary file not found (set by {ENV_BOUNDARIES})",
                f"找不到边界文件（由 {ENV_BOUNDARIES} 指定）",
            )
        )
    if path.is_dir():
        raise GovdashError(
            _problem(
                path,
                f"{ENV_BOUNDARIES} names a folder; expected a GeoJSON file",
                f"{ENV_BOUNDARIES} 指向的是文件夹，应为 GeoJSON 文件",
            )
        )
    return path


# --- loading -----------------------------------------------------------------------------------


def load_boundaries(path: Path) -> list[dict]:
    """Usable Polygon/MultiPolygon features; skipped ones are logged (see read_boundaries)."""
    result = read_boundaries(path)
    for problem in result.skipped:
        log.warning("%s", problem.text("en"))
    return result.features


def read_boundaries(path: Path) -> BoundaryFile:
    """Parse a FeatureCollection, a bare list of features or one Feature; keep what is drawable.

    Features that cannot be drawn as areas (points, lines, broken coordinates) are skipped with a
    problem each, because one bad feature should not hide a whole city. Only a file with nothing
    drawable fails.
    """
    path = Path(path)
    items = _feature_items(_read_json(path), path)
    features: list[dict] = []
    skipped: list[Problem] = []
    for i, item in enumerate(items):
        problem = _feature_problem(item, f"{path} features[{i}]")
        if problem is None:
            features.append(item)
        else:
            skipped.append(problem)
    if not features:
        summary = _problem(
            path,
            "no usable Polygon or MultiPolygon feature",
            "没有可用的 Polygon 或 MultiPolygon 要素",
        )
        raise GovdashError([summary, *skipped])
    return BoundaryFile(features, skipped)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise GovdashError(_problem(path, "not UTF-8 text", "不是 UTF-8 编码的文本文件")) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise GovdashError(
            _problem(path, f"cannot read file ({reason})", f"无法读取文件（{reason}）")
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GovdashError(
            _problem(
                f"{path}:{exc.lineno}:{exc.colno}",
                f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列（{exc.msg}）",
            )
        ) from None


def _feature_items(data: Any, path: Path) -> list[Any]:
    """The list of would-be features, whichever of the accepted shapes the file has."""
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict) and data.get("type") == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise GovdashError(
                _problem(
                    path,
                    "FeatureCollection has no 'features' list",
                    "FeatureCollection 缺少 features 列表",
                )
            )
    elif isinstance(data, dict) and data.get("type") == "Feature":
        items = [data]
    elif isinstance(data, dict) and data.get("type") == "Topology":
        raise GovdashError(
            _problem(
                path,
                "this is TopoJSON; convert it to GeoJSON first (e.g. mapshaper -o format=geojson)",
                "这是 TopoJSON 文件，请先转换为 GeoJSON（例如 mapshaper -o format=geojson）",
            )
        )
    else:
        raise GovdashError(
            _problem(
                path,
                "not GeoJSON: expected a FeatureCollection, a Feature or a list of features",
                "不是 GeoJSON：应为 FeatureCollection、Feature 或要素列表",
            )
        )
    if not items:
        raise GovdashError(_problem(path, "contains no features", "文件中没有任何要素"))
    return items


def _feature_problem(item: Any, where: str) -> Problem | None:
    """Why a feature cannot be drawn as an area, or None when it can."""
    if not isinstance(item, dict) or not isinstance(item.get("geometry"), dict):
        return _problem(where, "not a Feature with a geometry", "不是带几何图形的要素")
    geometry = item["geometry"]
    kind = geometry.get("type")
    if kind not in POLYGON_TYPES:
        return _problem(
            where,
            f"skipped: geometry {kind!r} is not Polygon or MultiPolygon",
            f"已跳过：几何类型 {kind!r} 不是 Polygon 或 MultiPolygon",
        )
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or not all(map(_is_polygon, polygons)):
        return _problem(
            where,
            f"skipped: {kind} coordinates are malformed",
            f"已跳过：{kind} 的坐标格式不正确",
        )
    return None


def _is_polygon(rings: Any) -> bool:
    return isinstance(rings, list) and bool(rings) and all(map(_is_ring, rings))


def _is_ring(ring: Any) -> bool:
    """A closed ring needs four positions, each at least [lon, lat] as numbers."""
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(
            isinstance(p, list | tuple)
            and len(p) >= 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
            for p in ring
        )
    )


# --- winding -----------------------------------------------------------------------------------


def rewind(features: list[dict]) -> list[dict]:
    """Copies wound the d3-geo way: exteriors clockwise, holes counter-clockwise (in lon/lat).

    plotly's geo traces use d3-geo, which reads a counter-clockwise exterior (the RFC 7946 order)
    as "everything but this polygon" and fills the whole globe. Planar shoelace area is enough at
    city scale, where rings are far smaller than a hemisphere.
    """
    return [_rewound_feature(f) for f in features]


def _rewound_feature(feature: dict) -> dict:
    geometry = feature.get("geometry") or {}
    kind = geometry.get("type")
    if kind == "Polygon":
        coords: Any = _rewound_polygon(geometry["coordinates"])
    elif kind == "MultiPolygon":
        coords = [_rewound_polygon(p) for p in geometry["coordinates"]]
    else:
        return dict(feature)
    return {**feature, "geometry": {**geometry, "coordinates": coords}}


def _rewound_polygon(rings: list) -> list:
    return [_wound(ring, clockwise=(i == 0)) for i, ring in enumerate(rings)]


def _wound(ring: list, clockwise: bool) -> list:
    positions = [list(p) for p in ring]
    area = signed_area(positions)
    if (clockwise and area > 0) or (not clockwise and area < 0):
        positions.reverse()
    return positions


def signed_area(ring: list) -> float:
    """Shoelace area in lon/lat: positive for counter-clockwise rings, negative for clockwise."""
    total = 0.0
    for (x1, y1, *_), (x2, y2, *_) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


# --- matching ----------------------------------------------------------------------------------


def match_features(features: list[dict], divisions: pd.DataFrame, level: str) -> MatchResult:
    """Tie each feature to one division of `level`, by code first and then by name.

    Codes are compared as strings, with trailing zero padding ignored ("420103000000" is
    420103). Names are compared after normalising spaces, with or without the level suffix
    ("江汉" is 江汉区). A name shared by two divisions is left unmatched rather than guessed, and a
    second feature for an already matched division is reported, not drawn twice.
    """
    rows = divisions.loc[divisions["level"] == level]
    by_code = {_canonical_code(str(c)): str(c) for c in rows["code"]}
    by_name = _name_index(rows)
    matched: list[dict] = []
    unmatched: list[str] = []
    leftover: list[dict] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        label = _label(feature, i)
        code = _code_match(feature, by_code) or _name_match(feature, by_name)
        if code is None:
            unmatched.append(label)
            leftover.append(feature)
        elif code in seen:
            unmatched.append(f"{label} (duplicate of {code})")
        else:
            seen.add(code)
            matched.append({**feature, "id": code})
    missing = [str(c) for c in rows["code"] if str(c) not in seen]
    return MatchResult(matched, unmatched, missing, leftover)


def match_levels(
    features: list[dict], divisions: pd.DataFrame, levels: tuple[str, ...] = ("district", "street")
) -> dict[str, MatchResult]:
    """One file with several levels (a city's districts and their streets): each level is matched
    against the features the levels before it left, so a street is never reported as a district
    that failed to match. Only the last level's `unmatched` lists features no level took."""
    out: dict[str, MatchResult] = {}
    rest = list(features)
    for level in levels:
        out[level] = match_features(rest, divisions, level)
        rest = out[level].leftover
    return out


def _properties(feature: dict) -> dict:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def _code_values(feature: dict) -> list[str]:
    props = _properties(feature)
    values = [feature.get("id"), *(props.get(k) for k in CODE_KEYS)]
    return [s for v in values if (s := _as_code(v))]


def _as_code(value: Any) -> str | None:
    """Codes arrive as strings, ints or floats (420103.0 from spreadsheets); compare as text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else None
    text = str(value).strip()
    return text or None


def _canonical_code(code: str) -> str:
    """Drop zero padding to 12 digits: 420103000000 -> 420103, 420103001000 -> 420103001."""
    while code.isdigit() and len(code) in (9, 12) and code.endswith("000"):
        code = code[:-3]
    return code


def _code_match(feature: dict, by_code: dict[str, str]) -> str | None:
    for value in _code_values(feature):
        code = by_code.get(_canonical_code(value))
        if code is not None:
            return code
    return None


def _normalise_name(name: Any) -> str:
    """NFKC folds full-width spaces and letters; whitespace inside a name carries no meaning."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", text).casefold()


def _without_suffix(name: str) -> str:
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _name_index(rows: pd.DataFrame) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Full names and suffix-less names, each to the set of codes that carry them."""
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    for code, zh, en in zip(rows["code"], rows["name_zh"], rows["name_en"], strict=True):
        for name in {_normalise_name(zh), _normalise_name(en)} - {""}:
            full.setdefault(name, set()).add(str(code))
            short.setdefault(_without_suffix(name), set()).add(str(code))
    return full, short


def _name_match(
    feature: dict, index: tuple[dict[str, set[str]], dict[str, set[str]]]
) -> str | None:
    """The one division whose name fits; None when no division or several do."""
    full, short = index
    props = _properties(feature)
    for key in NAME_KEYS:
        name = _normalise_name(props.get(key))
        if not name:
            continue
        codes = full.get(name) or short.get(_without_suffix(name)) or set()
        if len(codes) == 1:
            return next(iter(codes))
    return None


def _label(feature: dict, index: int) -> str:
    """How to name a feature in a message: its name, else its code, else its position."""
    props = _properties(feature)
    for key in NAME_KEYS:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    codes = _code_values(feature)
    return codes[0] if codes else f"feature {index + 1}"
