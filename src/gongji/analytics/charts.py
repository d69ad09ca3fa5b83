"""Charts of reports, drawn on the server by matplotlib (Agg, no display) to SVG or PNG, labelled in Chinese then
English.

Chinese needs a CJK font: the machine's Noto Sans CJK (Debian's ``fonts-noto-cjk``, which the browser tests already
need), found through fontconfig (``fc-list :lang=zh``) or under ``/usr/share/fonts``, or the file named by
``GONGJI_CJK_FONT``. A font is taken only if it has the glyphs of the labels; without one, drawing stops with
:class:`NoCjkFont` instead of a chart of empty boxes. The SVG keeps its text as text (``svg.fonttype: none``), in the
font's family, so the labels stay searchable and selectable and the file small.

Nothing here uses pyplot: a figure is an object of its own, so charts can be drawn by several threads (a web server)
without sharing state.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gongji.analytics.reports import Field, ReportResult
from gongji.domain.money import FEN_PER_YUAN
from gongji.domain.regions import region_name

__all__ = ["FORMATS", "CjkFont", "NoCjkFont", "chart_bytes", "cjk_font", "draw"]

#: The file types a chart is drawn to, by suffix.
FORMATS = ("svg", "png")
_FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
# Characters every chart's labels use: a font without them would draw boxes.
_PROBE = "共济金额月份统筹区元"
_DRAWING = threading.Lock()


class NoCjkFont(Exception):
    """No font with Chinese glyphs was found: the chart would show boxes instead of its labels."""

    def __init__(self, looked_at: list[str]) -> None:
        super().__init__("no CJK font found")
        self.looked_at = looked_at


@dataclass(frozen=True)
class CjkFont:
    """The font charts are drawn in: its file and the family name matplotlib knows it by."""

    path: Path
    family: str


def _candidates() -> list[Path]:
    named = os.environ.get("GONGJI_CJK_FONT")
    if named:
        return [Path(named)]
    found: list[Path] = []
    if shutil.which("fc-list"):
        listed = subprocess.run(
            ["fc-list", "--format", "%{file}\n", ":lang=zh"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
        found += sorted({Path(line) for line in listed.splitlines() if line.strip()}, key=_preference)
    for root in _FONT_ROOTS:
        found += sorted(
            (p for p in root.glob("**/*CJK*") if p.suffix.lower() in {".ttc", ".otf", ".ttf"}), key=_preference
        )
    return found


def _preference(path: Path) -> tuple[int, str]:
    # Sans before serif, regular before bold, then by name (the same choice on every run).
    name = path.name.lower()
    return (("sans" not in name) + ("bold" in name) * 2 + ("mono" in name) * 4, str(path))


def _has_glyphs(path: Path) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(face.get_char_index(ord(character)) for character in _PROBE)


@cache
def cjk_font() -> CjkFont:
    """The CJK font to draw with (looked up once per process), or :class:`NoCjkFont`."""
    from matplotlib import font_manager

    looked_at: list[str] = []
    for path in _candidates():
        looked_at.append(str(path))
        if not path.is_file() or not _has_glyphs(path):
            continue
        font_manager.fontManager.addfont(str(path))
        families = [entry.name for entry in font_manager.fontManager.ttflist if Path(entry.fname) == path]
        # A collection (.ttc) holds one family per language: Simplified Chinese glyph shapes first.
        family = next((name for name in families if name.endswith(" SC")), families[0] if families else None)
        if family is not None:
            return CjkFont(path, family)
    raise NoCjkFont(looked_at)


def _label(field: Field, value: Any) -> str:
    if value is None:
        return "未知 unknown"
    if field.kind == "region":
        return f"{region_name(value)} {value}"
    if field.kind == "code" and field.codes is not None:
        zh, en = field.codes(value)
        return zh if zh == en else f"{zh} {en}"
    return str(value)


def _scaled(field: Field, value: Any) -> float:
    if value is None:
        return float("nan")
    if field.kind == "fen":
        return int(value) / FEN_PER_YUAN
    if field.kind == "bp":
        return int(value) / 100
    return float(value)


def draw(result: ReportResult, path: Path) -> None:
    """Draw the chart of ``result`` to ``path`` (its suffix, ``.svg`` or ``.png``, decides the format)."""
    path.write_bytes(chart_bytes(result, path.suffix.lower().lstrip(".")))


def chart_bytes(result: ReportResult, form: str) -> bytes:
    """The chart of ``result`` as an SVG or PNG file's bytes (``form``: ``svg`` or ``png``)."""
    if form not in FORMATS:
        raise ValueError(f"a chart is drawn to {', '.join(FORMATS)}, not {form!r}")
    font = cjk_font()
    out = io.BytesIO()
    # matplotlib's settings are global to the process: one chart at a time (a server draws from several threads).
    with _DRAWING:
        _draw(result, form, font, out)
    return out.getvalue()


def _draw(result: ReportResult, form: str, font: CjkFont, out: io.BytesIO) -> None:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    report, recipe = result.report, result.report.chart
    x_field, y_field, series_field = report.field(recipe.x), report.field(recipe.y), report.field(recipe.series)
    xs = sorted({row[recipe.x] for row in result.rows})
    series: dict[str, dict[Any, float]] = defaultdict(lambda: defaultdict(float))
    for row in result.rows:
        series[_label(series_field, row[recipe.series])][row[recipe.x]] += _scaled(y_field, row[recipe.y])
    # Text stays text in the SVG, in the CJK family; the same ids on every run; a hyphen for minus (CJK fonts lack
    # U+2212).
    with matplotlib.rc_context(
        {"font.family": [font.family], "svg.fonttype": "none", "svg.hashsalt": "gongji", "axes.unicode_minus": False}
    ):
        figure = Figure(figsize=(9, 5), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(xs)))
        names = sorted(series)
        if recipe.kind == "line":
            for name in names:
                axes.plot(positions, [series[name].get(x, float("nan")) for x in xs], marker="o", label=name)
        elif recipe.kind == "stacked":
            bottom = [0.0] * len(xs)
            for name in names:
                heights = [series[name].get(x, 0.0) for x in xs]
                axes.bar(positions, heights, bottom=bottom, label=name)
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        else:
            width = 0.8 / max(len(names), 1)
            for index, name in enumerate(names):
                offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
                axes.bar(offsets, [series[name].get(x, 0.0) for x in xs], width=width, label=name)
        ticks = [_label(x_field, x) if x_field.kind in ("code", "region") else str(x) for x in xs]
        slanted = len(ticks) > 3 and max(len(tick) for tick in ticks) > 8  # long codes side by side would overlap
        axes.set_xticks(positions, ticks, rotation=30 if slanted else 0, ha="right" if slanted else "center")
        axes.set_title(f"{report.title}", fontsize=13)
        axes.set_xlabel(f"{x_field.zh} {x_field.en}")
        axes.set_ylabel(y_field.heading)
        if y_field.kind == "fen":
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.2f}"))
        elif y_field.kind == "count":
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="y", alpha=0.3)
        if names:
            axes.legend(
                title=f"{series_field.zh} {series_field.en}", fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1)
            )
        else:
            axes.text(0.5, 0.5, "无数据 No data", transform=axes.transAxes, ha="center", va="center")
        figure.savefig(out, format=form, metadata={"Date": None} if form == "svg" else None, dpi=120)
