"""Map figures: a schematic tile map that needs no boundaries, and a choropleth when we have them.

Every string that comes from data is HTML-escaped before it reaches plotly, which renders a
subset of HTML in text and hover labels. Division codes stay raw in customdata so a click
selection hands back the code itself.
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale, unlabel_rgb

from govdash.core.text.problems import GovdashError, Problem
from govdash.viz.charts import FONT, _layout
from govdash.viz.geo import rewind

# plotly.js fetches a base-map topojson (cdn.plot.ly/un/world_110m.json) for every geo trace, even
# with its own GeoJSON and the base map hidden; offline that leaves the chart blank. Pass this as
# st.plotly_chart(fig, config=TOPOJSON_CONFIG) so it loads the stub static/world_110m.json that
# Streamlit serves under /app/static/ instead (enableStaticServing in .streamlit/config.toml).
TOPOJSON_CONFIG = {"topojsonURL": "/app/static/"}

# Sequential and readable with every common colour-vision deficiency; distinct from NO_DATA grey.
SEQUENTIAL = "Viridis"
# Diverging around a reference (the city's own figure): orange below, purple above, white at it
# (ColorBrewer PuOr, safe for every common colour-vision deficiency).
DIVERGING = [[0.0, "#b35806"], [0.25, "#f1a340"], [0.5, "#f7f7f7"], [0.75, "#998ec3"],
             [1.0, "#542788"]]  # fmt: skip
# A spread smaller than this share of the reference stays pale: 440 against 495 is a 12% spread,
# not the whole colour range.
MIN_HALF_RANGE = 0.25
CHOSEN_LINE = {"color": "#111111", "width": 4}
NO_DATA = "#d9d9d9"
NO_DATA_TEXT = "—"
TILE_HEIGHT = 420
CHOROPLETH_HEIGHT = 480
# Marker sizes are in pixels, not axis units, so tiles are sized for the plot area we expect:
# the fixed height, and a typical main-column width for wide grids.
_PLOT_HEIGHT_PX = TILE_HEIGHT - 84 - 10
_PLOT_WIDTH_PX = 680
_DARK_TEXT = "#111111"
_LIGHT_TEXT = "#ffffff"


# --- tile layout -------------------------------------------------------------------------------


def load_tile_layout(path: Path) -> dict[str, tuple[int, int]]:
    """A hand-made tile layout (CSV code,row,col); no file simply means automatic placement."""
    path = Path(path)
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "row", "col"} - set(reader.fieldnames or [])
        if missing:
            raise _layout_error(
                path,
                f"missing columns {sorted(missing)}; expected code,row,col",
                f"缺少列 {sorted(missing)}，应为 code,row,col",
            )
        return _layout_rows(path, reader)


def _layout_rows(path: Path, reader: csv.DictReader) -> dict[str, tuple[int, int]]:
    layout: dict[str, tuple[int, int]] = {}
    taken: dict[tuple[int, int], str] = {}
    for line, row in enumerate(reader, start=2):
        where = f"{path}:{line}"
        code = (row["code"] or "").strip()
        try:
            cell = (int(row["row"]), int(row["col"]))
        except (TypeError, ValueError):
            raise _layout_error(
                where, "row and col must be whole numbers", "row 和 col 必须是整数"
            ) from None
        if not code or code in layout:
            raise _layout_error(
                where, f"empty or repeated code {code!r}", f"代码 {code!r} 为空或重复"
            )
        if cell in taken:
            raise _layout_error(
                where,
                f"cell {cell} is already taken by {taken[cell]}",
                f"位置 {cell} 已被 {taken[cell]} 占用",
            )
        layout[code], taken[cell] = cell, code
    return layout


def _layout_error(where: Path | str, en: str, zh: str) -> GovdashError:
    return GovdashError(Problem("tile_layout", en, zh, str(where)))


def tile_positions(
    codes: list[str], layout: dict[str, tuple[int, int]] | None = None
) -> pd.DataFrame:
    """One free cell per code: the layout's cell when it has one, else the next free grid cell.

    Unplaced codes fill a row-major grid about sqrt(n) wide below the laid-out tiles, so a new
    division never lands on top of a hand-placed one.
    """
    layout = layout or {}
    unique = list(dict.fromkeys(str(c) for c in codes))
    cells: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    for code in unique:
        cell = layout.get(code)
        if cell is not None and tuple(cell) not in taken:
            cells[code] = (int(cell[0]), int(cell[1]))
            taken.add(cells[code])
    free = _free_cells(taken, width=max(1, math.ceil(math.sqrt(len(unique)))))
    for code in unique:
        if code not in cells:
            cells[code] = next(free)
            taken.add(cells[code])
    return pd.DataFrame(
        [(code, *cells[code]) for code in unique], columns=["code", "row", "col"]
    ).astype({"code": str, "row": int, "col": int})


def _free_cells(taken: set[tuple[int, int]], width: int):
    """Row-major cells below the occupied rows, skipping any that are taken."""
    row = max((r for r, _ in taken), default=-1) + 1
    while True:
        for col in range(width):
            if (row, col) not in taken:
                yield (row, col)
        row += 1


# --- tile map ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colouring:
    """How values become colours: a diverging scale centred on a reference value (the city's own
    figure) when there is one, else the sequential scale over the values' range."""

    reference: float | None = None
    reference_label: str = ""  # the colour bar's label for the reference ("全市 470.2")
    chosen: frozenset[str] = frozenset()  # divisions outlined (the drilled-into district)

    def bounds(self, values: pd.Series) -> tuple[float, float]:
        if self.reference is None or not math.isfinite(self.reference):
            return _value_range(values)
        c = self.reference
        half = max(float((values - c).abs().max()), MIN_HALF_RANGE * abs(c)) or 1.0
        return c - half, c + half

    @property
    def scale(self) -> str | list:
        return SEQUENTIAL if self.reference is None else DIVERGING

    def colorbar(self, label: str) -> dict:
        bar = {"title": {"text": label}, "thickness": 12}
        if self.reference is not None and self.reference_label:
            bar |= {"tickmode": "array", "tickvals": [self.reference],
                    "ticktext": [_escape(self.reference_label)]}  # fmt: skip
        return bar


def tile_map_figure(
    frame: pd.DataFrame,
    positions: pd.DataFrame,
    title: str,
    value_label: str,
    colouring: Colouring | None = None,
) -> go.Figure:
    """A square per division at its schematic cell, coloured by value, labelled inside; frame has
    division_code, name, value, text (the value as shown) and, optionally, hover (the tooltip).

    Tiles show every division at the same size, so a small central district is as readable as a
    large rural one; a real-boundary map hides exactly the districts people ask about.
    """
    colouring = colouring or Colouring()
    tiles = _placed(frame, positions)
    known = tiles[tiles["value"].notna()]
    unknown = tiles[tiles["value"].isna()]
    size = _tile_size(tiles)
    traces = []
    if not known.empty:
        traces.append(_value_tiles(known, colouring, size, value_label))
    if not unknown.empty:
        traces.append(_no_data_tiles(unknown, size))
    fig = go.Figure(_validate=False, data=traces)
    pad = 0.6
    return _layout(
        fig,
        title,
        TILE_HEIGHT,
        xaxis={"visible": False, "range": [-pad, tiles["col"].max() + pad]},
        yaxis={"visible": False, "range": [-tiles["row"].max() - pad, pad],
               "scaleanchor": "x", "scaleratio": 1},
    )  # fmt: skip


def _placed(frame: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """Frame rows with a cell each; divisions the positions lack are placed automatically."""
    layout = {
        str(c): (int(r), int(k))
        for c, r, k in zip(positions["code"], positions["row"], positions["col"], strict=True)
    }
    cells = tile_positions(list(frame["division_code"].astype(str)), layout)
    tiles = frame.assign(division_code=frame["division_code"].astype(str))
    tiles = tiles.merge(cells, left_on="division_code", right_on="code", how="left")
    return tiles.assign(value=pd.to_numeric(tiles["value"], errors="coerce"))


def _tile_size(tiles: pd.DataFrame) -> float:
    """Marker pixels so neighbouring tiles nearly touch at the expected plot size."""
    rows = tiles["row"].max() + 1.2
    cols = tiles["col"].max() + 1.2
    return max(12.0, 0.92 * min(_PLOT_HEIGHT_PX / rows, _PLOT_WIDTH_PX / cols))


def _escape(value: object) -> str:
    return html.escape(str(value), quote=False)


def _labels(tiles: pd.DataFrame, texts: list[str]) -> tuple[list[str], list[str]]:
    names = [_escape(n) for n in tiles["name"]]
    shown = [f"{n}<br>{t}" for n, t in zip(names, texts, strict=True)]
    if "hover" in tiles:  # the caller's tooltip: value with its unit, against the reference
        hover = [f"{n}<br>{_escape(h)}" for n, h in zip(names, tiles["hover"], strict=True)]
    else:
        hover = [f"{n}: {t}" for n, t in zip(names, texts, strict=True)]
    return shown, hover


def _outline(codes: pd.Series, chosen: frozenset[str]) -> dict:
    """White hairlines between areas; a dark frame around the chosen ones."""
    picked = [c in chosen for c in codes]
    return {"color": [CHOSEN_LINE["color"] if p else "white" for p in picked],
            "width": [CHOSEN_LINE["width"] if p else 1 for p in picked]}  # fmt: skip


def _value_tiles(tiles: pd.DataFrame, colouring: Colouring, size: float, label: str) -> go.Scatter:
    lo, hi = colouring.bounds(tiles["value"])
    scale = colouring.scale
    shown, hover = _labels(tiles, [_escape(t) for t in tiles["text"]])
    fills = sample_colorscale(scale, [(v - lo) / (hi - lo) for v in tiles["value"]])
    return go.Scatter(
        _validate=False,
        x=tiles["col"],
        y=-tiles["row"],
        mode="markers+text",
        marker={
            "symbol": "square",
            "size": size,
            "color": tiles["value"],
            "colorscale": scale,
            "cmin": lo,
            "cmax": hi,
            "line": _outline(tiles["division_code"], colouring.chosen),
            "colorbar": colouring.colorbar(label),
            "showscale": True,
        },
        text=shown,
        textposition="middle center",
        textfont={"family": FONT, "size": _font_size(size), "color": list(map(_contrast, fills))},
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        customdata=list(tiles["division_code"]),
        showlegend=False,
    )


def _no_data_tiles(tiles: pd.DataFrame, size: float) -> go.Scatter:
    shown, hover = _labels(tiles, [NO_DATA_TEXT] * len(tiles))
    return go.Scatter(
        _validate=False,
        x=tiles["col"],
        y=-tiles["row"],
        mode="markers+text",
        marker={"symbol": "square", "size": size, "color": NO_DATA, "line": {"color": "white"}},
        text=shown,
        textposition="middle center",
        textfont={"family": FONT, "size": _font_size(size), "color": _DARK_TEXT},
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        customdata=list(tiles["division_code"]),
        showlegend=False,
    )


def _value_range(values: pd.Series) -> tuple[float, float]:
    """Colour range; a single distinct value gets a range around it so the scale is defined."""
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        spread = abs(lo) * 0.1 or 1.0
        return lo - spread, hi + spread
    return lo, hi


def _font_size(tile_px: float) -> int:
    return int(min(12, max(7, tile_px / 6)))


def _contrast(fill: str) -> str:
    """Dark or white text, whichever contrasts more with the tile (WCAG relative luminance)."""
    channels = [c / 255 for c in unlabel_rgb(fill)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # Contrast with white is 1.05 / (L + 0.05); with #111111 (L = 0.0056) it is (L + 0.05) / 0.0556.
    return _DARK_TEXT if (luminance + 0.05) ** 2 > 1.05 * 0.0556 else _LIGHT_TEXT


# --- choropleth --------------------------------------------------------------------------------


def choropleth_figure(
    frame: pd.DataFrame,
    features: list[dict],
    title: str,
    value_label: str,
    colouring: Colouring | None = None,
) -> go.Figure:
    """Divisions filled by value on their real boundaries (features from geo.match_features).

    Render with config=TOPOJSON_CONFIG, or plotly.js tries to fetch its base map from the CDN.
    """
    rows = frame.assign(
        division_code=frame["division_code"].astype(str),
        value=pd.to_numeric(frame["value"], errors="coerce"),
    )
    geojson = {"type": "FeatureCollection", "features": rewind(features)}
    known = rows[rows["value"].notna()]
    unknown = rows[rows["value"].isna()]
    colouring = colouring or Colouring()
    fig = go.Figure(_validate=False)
    if not known.empty:
        fig.add_trace(_areas(known, geojson, known["value"], colouring, value_label))
    if not unknown.empty:
        fig.add_trace(_areas(unknown, geojson, [0] * len(unknown), colouring, None))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    return _layout(fig, title, CHOROPLETH_HEIGHT, rebuild=False)  # the GeoJSON stays uncopied


def _areas(
    rows: pd.DataFrame, geojson: dict, z, colouring: Colouring, label: str | None
) -> go.Choropleth:
    """Areas with values (label given) or without (grey, "—")."""
    texts = [NO_DATA_TEXT] * len(rows) if label is None else [_escape(t) for t in rows["text"]]
    _, hover = _labels(rows if label is not None else rows.drop(columns="hover", errors="ignore"),
                       texts)  # fmt: skip
    if label is None:
        scale, bounds = [[0, NO_DATA], [1, NO_DATA]], {}
    else:
        lo, hi = colouring.bounds(pd.Series(list(z), dtype=float))
        scale, bounds = colouring.scale, {"zmin": lo, "zmax": hi}
    return go.Choropleth(
        _validate=False,
        geojson=geojson,
        locations=list(rows["division_code"]),
        featureidkey="id",
        z=list(z),
        colorscale=scale,
        **bounds,
        showscale=label is not None,
        colorbar=colouring.colorbar(label or ""),
        marker={"line": _outline(rows["division_code"], colouring.chosen)},
        customdata=list(rows["division_code"]),
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
    )
