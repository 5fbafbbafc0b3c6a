"""ISO weeks of the plan's year (2022-W38 = 2022-09-19 … 2022-09-25)."""

from __future__ import annotations

from datetime import date

from kuangquan_cli.errors import KqError


def week_range(year: int, week: int) -> tuple[date, date]:
    """Monday and Sunday of ISO week ``week`` of ``year``."""
    try:
        return date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7)
    except ValueError as exc:
        raise KqError(f"周次无效：{year} 年没有第 {week} 周") from exc


def week_label(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"
