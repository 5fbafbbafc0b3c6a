"""The 通报's charts as PNG pictures for the Word document, drawn by matplotlib without a browser.

The same figures as the HTML's SVG (``figures``): rates as horizontal bars labelled with their
values, the region's rate as a dashed line, the named 盟市 red and hatched (legible in black and
white). The text needs a CJK font: the first of ``CJK_FONTS`` that matplotlib finds (Noto CJK on
Linux, YaHei or SimHei on Windows); without one the pictures are still drawn, the Chinese labels
as empty boxes, rather than the whole 通报 failing. Only ``report.docx`` imports this module:
matplotlib takes a second to load, which neither ``kq --help`` nor the HTML should pay.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from matplotlib import font_manager, patheffects
from matplotlib.figure import Figure

from kuangquan_cli.report.figures import BarFigure, LineFigure
from kuangquan_cli.report.formats import pct

#: Fonts with Chinese glyphs, most wanted first.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Serif CJK SC", "Source Han Serif SC",
             "Microsoft YaHei", "SimHei", "WenQuanYi Micro Hei", "PingFang SC")
WIDTH_INCHES = 6.1  # the 156 mm of the 版心, less a margin
DPI = 200
COLOR, ALERT, GRID, INK, MUTED = "#2f6fb0", "#b42318", "#d0d7de", "#1f2328", "#5b6470"
FONT_SIZE = 9


@cache
def cjk_font() -> str | None:
    """The first of ``CJK_FONTS`` installed, None when there is none."""
    for name in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return None


@contextmanager
def _quiet() -> Iterator[None]:
    """Without a CJK font matplotlib warns once per missing glyph: the fallback is said above."""
    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        logger.setLevel(level)


def _font() -> dict[str, Any]:
    """The font argument of every text drawn (none: matplotlib's default font)."""
    font = cjk_font()
    return {"fontfamily": font} if font else {}


def _label() -> dict[str, Any]:
    """A value label: the CJK font, and a white halo where it crosses a line (as in the SVG)."""
    return {"fontsize": FONT_SIZE - 0.5, "color": INK, "path_effects": [_HALO], **_font()}


_HALO = patheffects.withStroke(linewidth=3, foreground="white")


def _figure(height: float) -> tuple[Figure, Any]:
    """A figure as wide as the 版心 allows, its axes without a frame on top and right, tick
    labels in the CJK font (given to each text: matplotlib's rcParams are global)."""
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.tick_params(labelsize=FONT_SIZE, colors=INK, length=0, **{f"label{k}": v for k, v in _font().items()})
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(GRID)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    with _quiet():
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def bar_picture(figure: BarFigure) -> bytes:
    """Horizontal bars, top to bottom in the figure's order, as a PNG."""
    bars = figure.bars
    plot, axes = _figure(0.5 + 0.27 * len(bars) + (0.25 if figure.alert_label else 0))
    positions = list(range(len(bars)))
    values = [b.value or 0.0 for b in bars]
    top = max([*values, figure.reference or 0.0, 0.01]) * 1.18
    drawn = axes.barh(positions, values, height=0.6, color=[ALERT if b.alert else COLOR for b in bars],
                      edgecolor="white", linewidth=0)
    for rect, bar in zip(drawn, bars, strict=True):
        if bar.alert:
            rect.set_hatch("////")
            rect.set_label(figure.alert_label)
    for y, bar in zip(positions, bars, strict=True):
        text = pct(bar.value) if bar.value is not None else bar.note
        axes.text((bar.value or 0.0) + top * 0.01, y, text, va="center",
                  **_label() | ({} if bar.value is not None else {"color": MUTED}))
    if figure.reference is not None:
        axes.axvline(figure.reference, color=INK, linestyle=(0, (5, 3)), linewidth=1)
        axes.text(figure.reference, -0.65, f"{figure.reference_label}{pct(figure.reference)}", ha="center",
                  va="bottom", **_label())
    axes.set_yticks(positions, [b.label for b in bars])
    axes.set_ylim(len(bars) - 0.4, -0.6)
    axes.set_xlim(0, top)
    axes.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    axes.grid(axis="x", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    if any(b.alert for b in bars) and figure.alert_label:
        axes.legend(handles=[next(r for r, b in zip(drawn, bars, strict=True) if b.alert)], loc="lower right",
                    frameon=False, prop={"size": FONT_SIZE, "family": cjk_font() or "sans-serif"})
    return _png(plot)


def line_picture(figure: LineFigure) -> bytes:
    """A rate week by week, each point labelled with its value, as a PNG."""
    plot, axes = _figure(2.3)
    labels = [label for label, _ in figure.points]
    values = [value for _, value in figure.points]
    axes.plot(range(len(values)), values, color=COLOR, marker="o", markersize=4, linewidth=1.6)
    for x, value in enumerate(values):
        axes.annotate(pct(value), (x, value), textcoords="offset points", xytext=(0, 6), ha="center", **_label())
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, max([*values, 0.01]) * 1.3)
    axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.margins(x=0.08)
    return _png(plot)
