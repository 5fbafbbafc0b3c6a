"""How the 通报 writes numbers and dates: once for both templates, the sentences and the charts."""

from __future__ import annotations

from datetime import date

#: What a cell shows where there is no figure (no previous week, no rate).
DASH = "—"


def num(value: int | None) -> str:
    return DASH if value is None else str(value)


def signed(value: int | None) -> str:
    return DASH if value is None else f"{value:+d}"


def pct(value: float | None) -> str:
    """A rate as a percentage with one decimal: 42.3%."""
    return DASH if value is None else f"{value:.1%}"


def pp(value: float | None) -> str:
    """A change of rate in percentage points, the unit named by the table or the sentence: +3.0."""
    return DASH if value is None else f"{value * 100:+.1f}"


def cn_date(day: date, with_year: bool = True) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"


def period_text(monday: date, sunday: date) -> str:
    """2022年9月19日—9月25日 (the year is repeated only when the week spans New Year)."""
    return f"{cn_date(monday)}—{cn_date(sunday, with_year=sunday.year != monday.year)}"
