"""The report's charts as inline SVG, drawn here: the HTML stays one self-contained file.

No script, no external file and no font of its own: the SVG inherits the page's font stack, so
the 盟市 names render with the same CJK font as the text, on screen and in print. Every label
is escaped, although today they all come from the plan and the division list, not from ledgers.
Sizes are fixed ``width``/``height`` attributes with a ``viewBox``, so the page's CSS can shrink
a chart to a phone's width without distorting it. A named 盟市's bar is red and hatched (a pattern
defined inside the same SVG), so a black-and-white print still tells it from the others.
"""

from __future__ import annotations

import math
import unicodedata

from markupsafe import Markup, escape

from kuangquan_cli.report.figures import BarFigure, LineFigure
from kuangquan_cli.report.formats import pct

WIDTH = 560  # scaled down to a phone's width, the 13 px labels stay readable
ROW_HEIGHT = 28
BAR_HEIGHT = 16
FONT_SIZE = 13
TOP, BOTTOM, RIGHT = 24, 28, 56
COLOR, ALERT, GRID, INK, MUTED = "#2f6fb0", "#b42318", "#d0d7de", "#1f2328", "#5b6470"
_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25)
_MAX_TICKS = 5


LEGEND_HEIGHT = 22
HATCH = 6


def _text_width(text: str) -> float:
    """Rendered width of ``text`` at ``FONT_SIZE``: CJK characters are square, others about half."""
    return sum(FONT_SIZE if unicodedata.east_asian_width(c) in "WF" else FONT_SIZE * 0.6 for c in text)


def _scale(top_value: float) -> tuple[float, list[float]]:
    """A round axis maximum for rates up to ``top_value`` and its ticks (at most five steps)."""
    step = next((s for s in _STEPS if top_value <= s * _MAX_TICKS), 0.25)
    top = max(step, step * math.ceil(round(top_value / step, 9)))
    return top, [step * i for i in range(round(top / step) + 1)]


def _svg(height: float, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{height:.0f}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{escape(title)}" font-size="{FONT_SIZE}">')
    return Markup("\n".join([head, f"<title>{escape(title)}</title>", *body, "</svg>"]))


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK) -> str:
    """A label with a white halo, so it stays legible where it crosses a grid or reference line."""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{escape(text)}</text>')


def _hatch(pattern: str) -> str:
    """White diagonal stripes over the alert colour: the named bars in black and white."""
    return (f'<defs><pattern id="{pattern}" width="{HATCH}" height="{HATCH}" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="{HATCH}" height="{HATCH}" fill="{ALERT}"/>'
            f'<line x1="0" y1="0" x2="0" y2="{HATCH}" stroke="#fff" stroke-width="{HATCH / 2}"/></pattern></defs>')


def bar_chart(figure: BarFigure) -> Markup:
    """Horizontal bars of rates, labelled with their values; a dashed line marks the reference;
    the alert bars hatched, with a legend above the bars when there are any."""
    bars, reference = figure.bars, figure.reference
    label_width = max([_text_width(b.label) for b in bars] + [0]) + 12
    plot = WIDTH - label_width - RIGHT
    values = [b.value for b in bars if b.value is not None] + ([reference] if reference is not None else [])
    top, ticks = _scale(max(values + [0.0]))
    pattern = f"hatch-{figure.key}"
    hatched = any(b.alert and b.value is not None for b in bars)
    legend = hatched and bool(figure.alert_label)
    first = TOP + (LEGEND_HEIGHT if legend else 0)
    height = first + ROW_HEIGHT * len(bars) + BOTTOM

    def x(value: float) -> float:
        return label_width + plot * value / top

    body = [_hatch(pattern)] if hatched else []
    if legend:
        body.append(f'<rect x="{label_width:.1f}" y="4" width="22" height="12" fill="url(#{pattern})"/>')
        body.append(_text(label_width + 28, 4 + FONT_SIZE * 0.85, figure.alert_label))
    for tick in ticks:
        body.append(f'<line x1="{x(tick):.1f}" y1="{first - 4}" x2="{x(tick):.1f}" y2="{height - BOTTOM}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(x(tick), first - 8, f"{tick:.0%}", "middle", MUTED))
    for index, bar in enumerate(bars):
        y = first + ROW_HEIGHT * index
        middle = y + ROW_HEIGHT / 2 + FONT_SIZE * 0.35
        body.append(_text(label_width - 8, middle, bar.label, "end"))
        if bar.value is None:
            body.append(_text(label_width + 4, middle, bar.note, fill=MUTED))
            continue
        width = max(plot * bar.value / top, 1.0)
        fill = f"url(#{pattern})" if bar.alert else COLOR
        body.append(f'<rect x="{label_width:.1f}" y="{y + (ROW_HEIGHT - BAR_HEIGHT) / 2:.1f}" width="{width:.1f}" '
                    f'height="{BAR_HEIGHT}" fill="{fill}"/>')
        body.append(_text(label_width + width + 4, middle, pct(bar.value)))
    if reference is not None:
        body.append(f'<line x1="{x(reference):.1f}" y1="{first - 2}" x2="{x(reference):.1f}" '
                    f'y2="{height - BOTTOM + 4}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="5 3"/>')
        body.append(_text(x(reference), height - 8, f"{figure.reference_label}{pct(reference)}", "middle"))
    return _svg(height, figure.title, body)


LINE_HEIGHT, LINE_LEFT, LINE_TOP, LINE_BOTTOM = 240, 48, 28, 36


def line_chart(figure: LineFigure) -> Markup:
    """A rate week by week: one point per stored week, each labelled with its value."""
    points = figure.points
    top, ticks = _scale(max([v for _, v in points] + [0.0]))
    plot_w, plot_h = WIDTH - LINE_LEFT - RIGHT, LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return LINE_LEFT + step * index, LINE_TOP + plot_h * (1 - value / top)

    body = []
    for tick in ticks:
        _, y = xy(0, tick)
        body.append(f'<line x1="{LINE_LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(_text(LINE_LEFT - 6, y + FONT_SIZE * 0.35, f"{tick:.0%}", "end", MUTED))
    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
    body.append(f'<polyline points="{path}" fill="none" stroke="{COLOR}" stroke-width="2"/>')
    for (label, value), (cx, cy) in zip(points, coords, strict=True):
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{COLOR}"/>')
        body.append(_text(cx, cy - 8, pct(value), "middle"))
        body.append(_text(cx, LINE_HEIGHT - LINE_BOTTOM + 18, label, "middle", MUTED))
    return _svg(LINE_HEIGHT, figure.title, body)
