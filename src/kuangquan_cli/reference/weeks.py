"""ISO weeks of the plan's year (2022-W38 = 2022-09-19 … 2022-09-25), and a week's deadline."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

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


def next_week(year: int, week: int) -> tuple[int, int]:
    """The ISO (year, week) after the given one (2022-W52 is followed by 2023-W01)."""
    following = (week_range(year, week)[1] + timedelta(days=1)).isocalendar()
    return following.year, following.week


_WEEKDAYS = "一二三四五六日"
_WEEKLY = re.compile(r"(?:每)?(?:周|星期)(?P<day>[一二三四五六日天])\s*(?P<h>\d{1,2})[:：](?P<m>\d{2})")
_MOMENT = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[ T]+(?P<h>\d{1,2})[:：](?P<m>\d{2}))?")
DEADLINE_FORMS = "「2022-09-23 17:00」「2022-09-23」或「周五 17:00」"


def is_weekly(text: str) -> bool:
    """Whether ``text`` names a weekday and time (``周五 17:00``), a deadline every week."""
    return _WEEKLY.fullmatch(text.strip()) is not None


def deadline_in(text: str, year: int, week: int) -> datetime:
    """The moment a week's ledgers are due: ``2022-09-23 17:00``, a date (its end), or a weekday
    and time of that week (``周五 17:00``, ``每周五 17:00``); ``ValueError`` for anything else."""
    text = text.strip()
    weekly = _WEEKLY.fullmatch(text)
    if weekly:
        day = date.fromisocalendar(year, week, _WEEKDAYS.index(weekly["day"].replace("天", "日")) + 1)
        return datetime.combine(day, time(int(weekly["h"]), int(weekly["m"])))
    moment = _MOMENT.fullmatch(text)
    if moment is None:
        raise ValueError(text)
    day = date.fromisoformat("-".join(part.zfill(2) for part in moment["date"].split("-")))
    at = time(int(moment["h"]), int(moment["m"])) if moment["h"] else time(23, 59, 59)
    return datetime.combine(day, at)
