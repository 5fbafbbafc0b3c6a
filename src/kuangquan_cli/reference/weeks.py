"""ISO weeks of the plan's year (2022-W38 = 2022-09-19 … 2022-09-25)."""

from __future__ import annotations

import re
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


_WEEK_NAMES = (
    re.compile(r"(?P<y>\d{4})\s*[-_ ]?\s*W(?P<w>\d{1,2})(?!\d)", re.IGNORECASE),
    re.compile(r"(?:(?P<y>\d{4})\s*年)?\s*(?<!月)第\s*(?P<w>\d{1,2})\s*周"),  # not 9月第3周
)


def week_in_name(name: str) -> tuple[int | None, int | None]:
    """(year, week) from a name such as ``2022-W38`` or ``2022年第38周`` (a folder, a ledger's
    title); None where absent."""
    for pattern in _WEEK_NAMES:
        match = pattern.search(name)
        if match:
            return (int(match["y"]) if match["y"] else None), int(match["w"])
    return None, None
