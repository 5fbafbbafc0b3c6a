"""This week against the previous snapshot, right by right (licence number).

What the merged workbook cannot say — who moved since last week, what was newly done, which
procedures were cleared — comes from comparing the two weeks' rows of the same right, so a
盟市 that did not report last week is never mistaken for one that moved, and the region's
rate change is taken over the 盟市 counted in both weeks only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kuangquan_cli.merging.summary_tables import (
    UNKNOWN_CITY,
    city_keys,
    city_table,
    counted_rows,
    department_table,
    line_rate,
    region_line,
)
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.vocabulary import DONE

if TYPE_CHECKING:
    import pandas as pd

#: What is compared right by right to tell whether a 盟市 moved this week.
PROGRESS_FIELDS = ("status", "done_date", "missing")


def _states(frame: pd.DataFrame) -> dict[str, tuple[Any, ...]]:
    """Licence number → what progress would change (status, done date, pending procedures)."""
    rows = counted_rows(frame)
    rows = rows[rows["licence_no"].notna()]
    columns = [rows[name] for name in PROGRESS_FIELDS]
    return dict(zip(rows["licence_no"], zip(*columns, strict=True), strict=True))


@dataclass(frozen=True)
class Comparison:
    """This week's counted rows, each marked: seen last week, changed since, newly done; and
    last week's rows, as stored."""

    rows: pd.DataFrame
    previous: pd.DataFrame

    @classmethod
    def of(cls, current: pd.DataFrame, previous: pd.DataFrame) -> Comparison:
        rows = counted_rows(current).copy()
        before = _states(previous)
        now = [tuple(values) for values in zip(*(rows[n] for n in PROGRESS_FIELDS), strict=True)]
        old = [before.get(licence) for licence in rows["licence_no"]]
        rows["seen"] = [o is not None for o in old]
        rows["changed"] = [o is not None and o != n for o, n in zip(old, now, strict=True)]
        rows["newly_done"] = [o is not None and n[0] == DONE and o[0] != DONE for o, n in zip(old, now, strict=True)]
        rows["city_key"] = city_keys(rows)
        return cls(rows, previous)

    def by(self, key: str, column: str) -> dict[Any, int]:
        """How many rows are marked ``column`` (seen, changed, newly_done) per value of ``key``."""
        return {k: int(v) for k, v in self.rows.groupby(key)[column].sum().items()}

    @property
    def newly_done(self) -> int:
        return int(self.rows["newly_done"].sum())

    def procedure_changes(self, now: pd.DataFrame, plan: Plan) -> tuple[Counter[str], Counter[str]]:
        """Per department, the pending procedures cleared since last week and those added, among
        the rights in both weeks; ``now`` is this week's 部门手续清单 table."""
        both = set(self.rows["licence_no"][self.rows["seen"]])
        now_pairs, old_pairs = _pairs(now, both), _pairs(department_table(self.previous, plan), both)
        cleared = Counter(dept for pair, dept in old_pairs.items() if pair not in now_pairs)
        added = Counter(dept for pair, dept in now_pairs.items() if pair not in old_pairs)
        return cleared, added


def _pairs(table: pd.DataFrame, licences: set[str]) -> dict[tuple[str, str], str]:
    """(licence, procedure) → department, for the rights in ``licences``."""
    return {(lic, proc): dept
            for lic, proc, dept in zip(table["licence_no"], table["procedure"], table["department"], strict=True)
            if lic in licences}


def _counted_cities(frame: pd.DataFrame) -> set[str]:
    return set(city_keys(counted_rows(frame)))


def _of_cities(frame: pd.DataFrame, cities: set[str]) -> pd.DataFrame:
    return frame[city_keys(frame).isin(cities)]


def rate_change(current: pd.DataFrame, previous: pd.DataFrame, plan: Plan) -> tuple[float | None, int | None]:
    """The change of the region's completion rate since last week, over the 盟市 counted in both
    weeks, and how many they are when not every 盟市 of either week (else None).

    A 盟市 missing from one of the weeks would otherwise move the region's rate by its absence
    alone: its rights leave or join the count, whatever anyone finished.
    """
    now, then = _counted_cities(current), _counted_cities(previous)
    common = now & then
    rate_now, rate_then = (line_rate(region_line(city_table(_of_cities(rows, common), plan)))
                           for rows in (current, previous))
    change = rate_now - rate_then if rate_now is not None and rate_then is not None else None
    return change, (len(common - {UNKNOWN_CITY}) if now != then else None)
