"""``file.stale``: a ledger that names a week before the one being merged (last week's file sent again).

A 盟市 that has nothing new to report sometimes sends last week's workbook once more; its rows
then look like a week without progress, and nothing else says that the file is old. The ledger
says so itself, above its header: a title such as ``（2022年第37周）`` and a line such as
``填报日期：2022年9月18日``. Either one naming a week earlier than the merged week is a warning.
Other dates above the header (``截至2022年7月31日``, the plan's baseline date) say nothing of
when the ledger was filled in and are not read.
"""

from __future__ import annotations

import re
from datetime import date

from kuangquan_cli.checking.findings import Finding, make_finding
from kuangquan_cli.checking.normalize import parse_date
from kuangquan_cli.reference.weeks import week_in_name, week_label, week_range

_FILLED_ON = re.compile(
    r"(?:填报|填表|报送)(?:日期|时间)\s*[:：]?\s*(?P<date>\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
)


def named_weeks(title: str, year: int) -> list[tuple[str, tuple[int, int]]]:
    """What the text above a ledger's header says of its week: (how it says it, (year, week)),
    for the week in its title and each 填报日期 (a title's week without a year is of ``year``)."""
    found = []
    named_year, named_week = week_in_name(title)
    if named_week is not None:
        found.append((f"标题为第{named_week}周", (named_year or year, named_week)))
    for match in _FILLED_ON.finditer(title):
        filled_on = parse_date(re.sub(r"\s", "", match["date"]))
        if filled_on is not None:
            iso = filled_on.isocalendar()
            found.append((f"填报日期为{_cn_date(filled_on)}", (iso.year, iso.week)))
    return found


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def stale_finding(file: str, title: str, year: int, week: int) -> Finding | None:
    """``file.stale`` when the title or a 填报日期 of ``file`` names a week before ``week`` of ``year``."""
    earlier = [said for said, named in named_weeks(title, year) if named < (year, week)]
    if not earlier:
        return None
    monday, sunday = week_range(year, week)
    return make_finding("file.stale", file=file, named="、".join(earlier), label=week_label(year, week),
                        period=f"{_cn_date(monday)}至{_cn_date(sunday)}")
