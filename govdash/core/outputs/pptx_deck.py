"""The briefing deck as an editable PowerPoint file (python-pptx), for PowerPoint and WPS.

Charts are native charts whose data sit in the chart's own workbook, so a presenter can edit
them; tables are native tables. python-pptx's `font.name` sets only the Latin face, so Chinese
falls back to boxes in WPS, LibreOffice and on macOS: every run and every chart also gets an
East Asian face (`<a:ea>`). Every slide's footer carries the snapshot id, the as-of date, the
scope and, for demo data, the demo label; the last slide gives the definitions (口径) used.
"""

from __future__ import annotations

import datetime as dt
import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import BaseOxmlElement, OxmlElement
from pptx.util import Emu, Inches, Pt

from govdash.core.data.catalog import load_catalog
from govdash.core.outputs.briefing import Series, SlideContent
from govdash.core.outputs.exports import neutralise

EAST_ASIAN_FONT = "Microsoft YaHei"  # 微软雅黑: on every Windows and in WPS
LATIN_FONT = "Arial"
WIDE, HIGH = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
INK = RGBColor(0x22, 0x22, 0x22)
GREY = RGBColor(0x66, 0x66, 0x66)
BLUE = RGBColor(0x44, 0x77, 0xAA)
MONTH_LABELS = 9  # month names a trend's axis shows at most
MONTH_FORMAT = {"zh": 'yyyy"年"m"月"', "en": "mmm yyyy"}


def east_asian(run_properties: BaseOxmlElement) -> None:
    """Give a run's (or a chart text's) properties an East Asian face beside the Latin one."""
    for tag, face in (("a:latin", LATIN_FONT), ("a:ea", EAST_ASIAN_FONT)):
        found = run_properties.find(qn(tag))
        if found is None:
            found = OxmlElement(tag)
            run_properties.append(found)
        found.set("typeface", face)


def _text(slide, left, top, width, height, lines, size, *, bold=False, color=INK) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = str(line)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
        east_asian(run.font._rPr)


def _chart_fonts(chart, size: int) -> None:
    chart.font.size = Pt(size)
    chart.font.name = LATIN_FONT
    text_properties = chart._chartSpace.find(qn("c:txPr"))
    for rpr in text_properties.iter(qn("a:defRPr")):
        east_asian(rpr)


def _chart_data(series: Series, number_format: str) -> CategoryChartData:
    """A chart's data, which PowerPoint keeps in a workbook inside the chart: XlsxWriter would
    write a name starting with "=" as a formula there, so names are neutralised first."""
    data = CategoryChartData()
    data.categories = [neutralise(c) for c in series.categories]
    for name, values in series.values.items():
        data.add_series(neutralise(name), values, number_format=number_format)
    return data


def _line(
    slide, series: Series, top, lang: str, notes: bool = False, width: int | None = None
) -> None:
    """A trend on a date axis (months as real dates, so the data stay dates in the chart's
    workbook) that names every few months level: 36 rotated month names left the plot a strip."""
    months = [k for k in series.keys if isinstance(k, dt.date)]
    if len(months) == len(series.categories) and months:
        data = CategoryChartData(number_format=MONTH_FORMAT[lang])
        data.categories = months
        for name, values in series.values.items():
            data.add_series(neutralise(name), values, number_format="#,##0")
    else:
        data = _chart_data(series, "#,##0")
    bottom = Inches(1.3) if notes else Inches(0.7)  # the notes' line stays clear
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.LINE_MARKERS,
        MARGIN,
        top,
        width or WIDE - 2 * MARGIN,
        HIGH - top - bottom,
        data,
    )
    chart = frame.chart
    chart.has_legend = len(series.values) > 1  # the evaluation's pilot and comparison lines
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    chart.has_title = True
    chart.chart_title.text_frame.text = series.title
    chart.value_axis.minimum_scale = 0
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    if months and len(months) == len(series.categories):
        _month_steps(chart, max(1, -(-len(months) // MONTH_LABELS)))
        chart.category_axis.tick_labels.number_format = MONTH_FORMAT[lang]
        chart.category_axis.tick_labels.number_format_is_linked = False
    _chart_fonts(chart, 14)
    for rpr in chart.chart_title.text_frame._txBody.iter(qn("a:rPr")):
        east_asian(rpr)


def _month_steps(chart, step: int) -> None:
    """A tick and a level label every `step` months (c:majorUnit in months, which PowerPoint,
    WPS and LibreOffice all follow)."""
    axis = chart.category_axis._element
    for tag, value in (("c:baseTimeUnit", "months"), ("c:majorUnit", str(step)),
                       ("c:majorTimeUnit", "months")):  # fmt: skip
        element = axis.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            # The schema's order: ... lblOffset, baseTimeUnit, majorUnit, majorTimeUnit, ...
            anchor = axis.find(qn("c:lblOffset"))
            if tag != "c:baseTimeUnit":
                anchor = axis.find(qn({"c:majorUnit": "c:baseTimeUnit",
                                       "c:majorTimeUnit": "c:majorUnit"}[tag]))  # fmt: skip
            anchor.addnext(element)
        element.set("val", value)
    chart.category_axis.tick_labels.font.size = Pt(12)  # the axis' own text properties
    body = axis.find(qn("c:txPr")).find(qn("a:bodyPr"))
    body.set("rot", "0")
    body.set("vert", "horz")


def _bars(slide, series: Series, left, top, width, height) -> None:
    data = _chart_data(series, "#,##0.0")
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    chart.has_title = True
    # A native bar chart has no reference line: the target is named in the title instead.
    title = f"{series.title}（{series.target_label}）" if series.target_label else series.title
    chart.chart_title.text_frame.text = title
    chart.has_legend = False
    chart.value_axis.minimum_scale = 0  # bars start at zero, or a 12% spread looks like 3x
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "#,##0.0"
    chart.plots[0].data_labels.number_format_is_linked = False
    _chart_fonts(chart, 12)
    for rpr in chart.chart_title.text_frame._txBody.iter(qn("a:rPr")):
        east_asian(rpr)


def _table(slide, frame, top, left=MARGIN, width=None, size: int = 14) -> None:
    if frame.empty or not len(frame.columns):
        return  # nothing to show (a scope whose divisions the reader may not see)
    rows, cols = len(frame) + 1, len(frame.columns)
    height = Inches(0.36 if size >= 14 else 0.32) * rows
    shape = slide.shapes.add_table(rows, cols, left, top, width or WIDE - 2 * MARGIN,
                                   Emu(int(height)))  # fmt: skip
    table = shape.table
    for j, column in enumerate(frame.columns):
        values = [column, *frame[column].tolist()]
        for i, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = str(neutralise(value))
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
                    run.font.bold = i == 0
                    east_asian(run.font._rPr)


def _tiles(slide, tiles, top) -> None:
    width = (WIDE - 2 * MARGIN - Inches(0.3) * (len(tiles) - 1)) / max(len(tiles), 1)
    for k, tile in enumerate(tiles):
        left = MARGIN + k * (width + Inches(0.3))
        _text(slide, left, top, width, Inches(0.4), [tile.label], 16, color=GREY)
        _text(slide, left, top + Inches(0.4), width, Inches(0.7), [tile.value], 34, bold=True)
        _text(slide, left, top + Inches(1.1), width, Inches(0.4), [tile.change], 15, color=BLUE)


def write_deck(slides: list[SlideContent], footer: str, lang: str = "zh") -> bytes:
    """The deck as PPTX bytes; `footer` goes on every slide."""
    from govdash.core.text.i18n import t

    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDE, HIGH
    blank = deck.slide_layouts[6]
    for content in slides:
        slide = deck.slides.add_slide(blank)
        if content.kind == "title":
            _text(slide, MARGIN, Inches(2.4), WIDE - 2 * MARGIN, Inches(1.6), [content.title], 40,
                  bold=True)  # fmt: skip
            _text(slide, MARGIN, Inches(4.2), WIDE - 2 * MARGIN, Inches(0.6), [content.lead], 22,
                  color=GREY)  # fmt: skip
        else:
            _text(slide, MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(0.8), [content.title], 32,
                  bold=True)  # fmt: skip
            top = Inches(1.1)
            if content.lead:
                _text(slide, MARGIN, top, WIDE - 2 * MARGIN, Inches(1.1), [content.lead], 16)
                top += Inches(1.2)
            if content.tiles:
                _tiles(slide, content.tiles, top)
                top += Inches(1.6)
            if content.kind == "scope" and content.table is not None and content.line:
                half = int((WIDE - 2 * MARGIN) * 0.55)  # the trend beside the leaders' table
                _line(slide, content.line, top, lang, notes=True, width=half)
                left = MARGIN + half + Inches(0.2)
                _table(slide, content.table, top, left, WIDE - MARGIN - left, size=12)
            elif content.table is not None:
                _table(slide, content.table, top)
                top += Inches(0.36) * (len(content.table) + 1) + Inches(0.2)
            beside = content.kind == "scope" and content.table is not None
            if content.line is not None and not beside:
                _line(slide, content.line, top, lang, notes=bool(content.notes))
            if content.bars:
                width = (WIDE - 2 * MARGIN) / len(content.bars)
                for k, bars in enumerate(content.bars):
                    _bars(slide, bars, MARGIN + k * width, top, width, HIGH - top - Inches(1.3))
            if content.notes:
                _text(slide, MARGIN, HIGH - Inches(1.2), WIDE - 2 * MARGIN, Inches(0.6),
                      [" · ".join(content.notes)], 12, color=GREY)  # fmt: skip
        _text(slide, MARGIN, HIGH - Inches(0.5), WIDE - 2 * MARGIN, Inches(0.4), [footer], 10,
              color=GREY)  # fmt: skip
    _appendix(deck, blank, footer, lang, t)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _appendix(deck, layout, footer: str, lang: str, t) -> None:
    """The definitions (口径) of the metrics the deck shows."""
    catalog = load_catalog()
    settings = catalog.settings
    ids = dict.fromkeys([*settings.headline_metrics, settings.trend_metric])
    lines = [f"{catalog[m].name(lang)}：{catalog[m].definition[lang]}" if lang == "zh"
             else f"{catalog[m].name(lang)}: {catalog[m].definition[lang]}" for m in ids]  # fmt: skip
    slide = deck.slides.add_slide(layout)
    _text(slide, MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(0.8), [t("present.appendix", lang)],
          32, bold=True)  # fmt: skip
    _text(slide, MARGIN, Inches(1.2), WIDE - 2 * MARGIN, HIGH - Inches(2), lines, 14)
    _text(slide, MARGIN, HIGH - Inches(0.5), WIDE - 2 * MARGIN, Inches(0.4), [footer], 10,
          color=GREY)  # fmt: skip
