"""What the 通报's charts show, once for every format: the SVG of the HTML (``charts``) and the
pictures of the Word document (``pictures``) draw the same bars under the same captions.

Bars of the 盟市 the 通报 names are marked twice, by colour and by a hatch pattern, so that they
stay apart from the others in a black-and-white print.
"""

from __future__ import annotations

from dataclasses import dataclass

from kuangquan_cli.report.model import ReportData


@dataclass(frozen=True)
class Bar:
    """One bar: a rate (0–1), or None with ``note`` written instead (e.g. 未报送)."""

    label: str
    value: float | None
    note: str = ""
    alert: bool = False


@dataclass(frozen=True)
class BarFigure:
    """Horizontal bars of rates; a dashed line marks ``reference`` (the region's rate)."""

    key: str
    title: str
    caption: str
    bars: list[Bar]
    reference: float | None = None
    reference_label: str = ""
    alert_label: str = ""
    """The legend of the hatched bars, when there are any."""


@dataclass(frozen=True)
class LineFigure:
    """A rate week by week: one point per stored week."""

    key: str
    title: str
    caption: str
    points: list[tuple[str, float]]


@dataclass(frozen=True)
class Figures:
    trend: LineFigure | None
    """None until the store holds two weeks."""
    tasks: BarFigure
    cities: BarFigure


def figures(data: ReportData) -> Figures:
    """The 通报's pictures: the weekly line, the rate per task and per 盟市 (the named ones hatched)."""
    points = [(p.label, p.rate) for p in data.trend if p.rate is not None]
    cities = [Bar(c.city, c.rate, "未纳入本周汇总", alert=bool(c.reasons)) for c in data.ranking]
    return Figures(
        trend=LineFigure("trend", "全区完成率逐周变化", "图1　全区完成率逐周变化", points) if len(points) > 1 else None,
        tasks=BarFigure("tasks", "各项任务完成率", "图2　各项任务完成率（虚线为全区）",
                        [Bar(t.name, t.rate) for t in data.tasks], data.region_rate, "全区 "),
        cities=BarFigure("cities", "各盟市完成率", "图3　各盟市完成率（红色斜纹为被点名的盟市，虚线为全区）", cities,
                         data.region_rate, "全区 ", alert_label="被点名的盟市"),
    )
