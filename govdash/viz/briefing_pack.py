"""The briefing pack: the deck as PPTX, its figures as XLSX, an offline HTML report, chart PNGs and
a PDF with a page per slide, written together for a meeting or a scheduled run.

Pictures cost a browser: kaleido drives the system Chromium (it finds `chromium` on PATH or
BROWSER_PATH and never downloads one), and its start takes seconds, so every chart of the deck is
drawn in one batch, as a PNG for the folder and as an SVG for the printed report. The PDF is that
static report printed by the same Chromium, headless, one slide per page. Every file is written
to a temporary name and renamed, so a folder never holds half a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from govdash.core.outputs import briefing_workbook, pptx_deck
from govdash.core.outputs.briefing import SlideContent, Source
from govdash.core.text.problems import GovdashError, Problem
from govdash.core.text.progress import Progress
from govdash.viz.briefing_report import report_html, slide_figures

FORMATS = ("pptx", "xlsx", "html", "png", "pdf")
PNG_SCALE = 2  # a chart's PNG at twice its slide size, sharp on a 4K screen or in print
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass
class Pack:
    """What was written, and how long each part took (seconds)."""

    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def browser_path() -> str | None:
    """The Chromium kaleido and the PDF printer use: BROWSER_PATH, else the first on PATH."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def _no_browser() -> GovdashError:
    return GovdashError(
        Problem(
            "briefing",
            en="PNG and PDF need Chromium: install it (Debian: apt install chromium) or set "
            "BROWSER_PATH; the PPTX, XLSX and HTML need nothing",
            zh="PNG和PDF需要Chromium浏览器：请安装（Debian：apt install chromium）或设置"
            "BROWSER_PATH；PPTX、XLSX和HTML无需浏览器",
        )
    )


def _write(path: Path, data: bytes | str) -> Path:
    """Write through a temporary file in the same folder and rename it into place."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would keep a handout from its readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_pack(
    out: Path,
    slides: list[SlideContent],
    source: Source,
    lang: str = "zh",
    *,
    stem: str = "briefing",
    formats: Iterable[str] = FORMATS,
    progress: Progress | None = None,
) -> Pack:
    """Write the chosen formats of the deck into `out` (created if missing)."""
    wanted = [f for f in FORMATS if f in set(formats)]
    out.mkdir(parents=True, exist_ok=True)
    pack = Pack()
    report = progress or (lambda fraction, label: None)
    about = briefing_workbook.about(slides, source, lang)
    steps = len(wanted) + (1 if {"png", "pdf"} & set(wanted) else 0)
    done = 0

    def step(name: str, work: Callable[[], Path | list[Path]]) -> None:
        nonlocal done
        report(done / steps, name)
        started = time.perf_counter()
        result = work()
        pack.seconds[name] = time.perf_counter() - started
        pack.files += result if isinstance(result, list) else [result]
        done += 1

    if "pptx" in wanted:
        step("pptx", lambda: _write(out / f"{stem}.pptx",
                                    pptx_deck.write_deck(slides, source.footer(lang), lang)))  # fmt: skip
    if "xlsx" in wanted:
        step("xlsx", lambda: _write(out / f"{stem}.xlsx",
                                    briefing_workbook.workbook(slides, source, lang)))  # fmt: skip
    if "html" in wanted:
        step("html", lambda: _write(out / f"{stem}.html",
                                    report_html(slides, source, about, lang)))  # fmt: skip
    if {"png", "pdf"} & set(wanted):
        with tempfile.TemporaryDirectory(prefix="govdash-pack-") as scratch:
            svgs: dict[int, list[str]] = {}
            step("charts", lambda: _pictures(slides, lang, out, Path(scratch), wanted, svgs))
            if "png" not in wanted:
                pack.files = [p for p in pack.files if p.suffix != ".png"]
            if "pdf" in wanted:
                printable = report_html(slides, source, about, lang, static=svgs)
                step("pdf", lambda: _pdf(printable, Path(scratch), out / f"{stem}.pdf"))
    report(1.0, "done")
    return pack


def _pictures(
    slides: list[SlideContent],
    lang: str,
    out: Path,
    scratch: Path,
    wanted: list[str],
    svgs: dict[int, list[str]],
) -> list[Path]:
    """Every chart of the deck in one kaleido batch: PNGs into out/png (when wanted) and SVGs for
    the printed report (filled into `svgs` by slide number)."""
    import kaleido

    browser = browser_path()
    if browser is None:
        raise _no_browser()
    os.environ.setdefault("BROWSER_PATH", browser)
    jobs, pngs, svg_paths = [], [], {}
    if "png" in wanted:
        (out / "png").mkdir(exist_ok=True)
    for number, content in enumerate(slides, start=1):
        for k, fig in enumerate(slide_figures(content, lang)):
            size = {"width": fig.layout.width, "height": fig.layout.height}
            if "png" in wanted:
                png = out / "png" / f"slide-{number:02d}-{k + 1}.png"
                jobs.append({"fig": fig, "path": png,
                             "opts": {"format": "png", "scale": PNG_SCALE, **size}})  # fmt: skip
                pngs.append(png)
            if "pdf" in wanted:
                svg = scratch / f"slide-{number:02d}-{k + 1}.svg"
                jobs.append({"fig": fig, "path": svg, "opts": {"format": "svg", **size}})
                svg_paths.setdefault(number, []).append(svg)
    if jobs:
        errors = kaleido.write_fig_from_object_sync(jobs, kopts={"mathjax": False})
        if errors:
            raise GovdashError(
                Problem(
                    "briefing",
                    en=f"drawing the charts failed: {errors[0]}",
                    zh=f"绘制图表失败：{errors[0]}",
                )  # fmt: skip
            )
    for number, paths in svg_paths.items():
        svgs[number] = [p.read_text(encoding="utf-8") for p in paths]
    return pngs


def _pdf(printable: str, scratch: Path, target: Path) -> Path:
    """Print the static report with headless Chromium: one 16:9 page per slide."""
    browser = browser_path()
    if browser is None:
        raise _no_browser()
    page = scratch / "print.html"
    page.write_text(printable, encoding="utf-8")
    tmp = scratch / "print.pdf"
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--no-pdf-header-footer", "--print-to-pdf-no-header",
        f"--user-data-dir={scratch / 'profile'}", f"--print-to-pdf={tmp}", page.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        raise GovdashError(
            Problem(
                "briefing",
                en=f"Chromium could not print the PDF: {done.stderr[-300:]}",
                zh=f"Chromium未能生成PDF：{done.stderr[-300:]}",
            )  # fmt: skip
        )
    return _write(target, tmp.read_bytes())
