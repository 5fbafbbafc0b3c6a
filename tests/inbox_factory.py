"""Builds a week's inbox in tests: one small valid ledger per 盟市, with real counties and
licence numbers unique across the region, rows of several tasks and statuses."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kuangquan_cli.reference.tables import divisions
from ledger_factory import row, write_ledger

#: Overrides that turn the factory's task-(四) row into rows of other tasks and states.
VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"mineral_class": "煤炭", "mineral": "煤", "task": "（一）", "reason": "基建技改", "missing": None,
     "lead_dept": "自治区能源局", "measures": "督促企业加快基建技改工程建设进度"},
    {"right_type": "探矿权", "stage_ok": "否", "task": "（六）", "reason": None, "missing": None,
     "lead_dept": "自治区自然资源厅", "measures": None},
    {"status": "已完成", "done_date": "2022-09-10"},
    {"mineral_class": "煤炭", "mineral": "煤", "task": "（一）", "missing": "安全生产许可证",
     "lead_dept": "自治区能源局"},
)


def licence(city: str, right_type: str, number: int) -> str:
    """A licence number of the right shape, issued in the 盟市, unique by ``number``."""
    letter = "C" if right_type == "采矿权" else "T"
    return f"{letter}{divisions().city_codes[city]}200905{number:010d}"


def city_rows(city: str, count: int, first_number: int) -> list[dict[str, Any]]:
    """``count`` valid rows of ``city``, cycling through ``VARIANTS`` and the city's counties."""
    counties = divisions().counties[city]
    rows = []
    for i in range(count):
        variant = VARIANTS[i % len(VARIANTS)]
        county = counties[i % len(counties)]
        rows.append(row(
            **{"seq": i + 1, "city": city, "county": county, "right_name": f"{county}某矿{i + 1}",
               "licence_no": licence(city, variant.get("right_type", "采矿权"), first_number + i)} | variant
        ))
    return rows


def write_city(directory: Path, city: str, rows: Iterable[dict[str, Any]], name: str | None = None) -> Path:
    return write_ledger(directory / (name or f"{city}.xlsx"), rows, title=f"{city}盘活矿业权工作台账")


def write_inbox(directory: Path, per_city: int = 3, cities: Iterable[str] | None = None) -> dict[str, Path]:
    """One ledger per 盟市 (all 12 unless ``cities`` says otherwise); file name = 盟市."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for index, city in enumerate(cities or divisions().cities):
        paths[city] = write_city(directory, city, city_rows(city, per_city, index * 1000))
    return paths
