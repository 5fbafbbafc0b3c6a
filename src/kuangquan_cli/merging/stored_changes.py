"""The week-over-week changes against stored weeks: what ``kq merge`` compares with, ``kq changes``,
and the portal's answer to one 盟市's upload (``ledger_changes``).

The changes are not stored: they are computed again from the two stored weeks (``changes``),
reading only the counted rows of each (``Store.counted_rows``), not the snapshot's frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kuangquan_cli.checking.validate import FileResult, collector_paused
from kuangquan_cli.merging.changes import (
    LedgerChanges,
    Right,
    WeekRights,
    baseline_licences,
    compare,
    rights_of_files,
    sent_cities,
)
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.weeks import week_label


def stored_rights(store: Store, year: int, week: int) -> WeekRights:
    """A stored week's counted rights and the 盟市 it covers (refused when the week is not stored)."""
    with collector_paused():  # a few objects per row and no cycles, as when the week was checked
        rows, cities = store.counted_rows(year, week)
        rights = [Right.of(r.values, r.task, r.file, r.row, r.city) for r in rows if r.values.licence_no]
    return WeekRights(week_label(year, week), rights, sent_cities(rights, cities))


def previous_rights(store: Store, year: int, week: int) -> WeekRights | None:
    """The rights of the week stored before the given one, if any (what a merge compares with)."""
    with store.reading():
        previous = store.previous_week(year, week)
        return stored_rights(store, *previous) if previous else None


def _against_previous(store: Store, year: int, week: int, now: WeekRights) -> LedgerChanges:
    """``now`` compared with the week stored before the given one, the latest baseline's rights
    not new (none stored before: no changes)."""
    with store.reading():
        then = previous_rights(store, year, week)
        known = baseline_licences(store.latest_baseline())
    return compare(then, now, known) if then else LedgerChanges(None)


def stored_changes(store: Store, year: int, week: int) -> LedgerChanges:
    """A stored week compared with the week stored before it (none stored: no changes).

    Computed again from the two stored weeks and the latest baseline, as they are now: a week
    merged again since is compared as it was stored last."""
    with store.reading():
        return _against_previous(store, year, week, stored_rights(store, year, week))


def ledger_changes(store: Store, year: int, week: int, results: Sequence[FileResult]) -> LedgerChanges:
    """Ledgers checked for a week (the portal: one 盟市's upload) compared with the week stored
    before it, right by right, as that week's merge will compare them.

    Only the 盟市 the ledgers cover are this week's: their rights that are in no row vanished
    (one the 盟市 moved to another 盟市's ledger, too, until that ledger is compared), their rights
    of last week's other 盟市 moved; the rights of the other 盟市 are not looked for."""
    return _against_previous(store, year, week, rights_of_files(week_label(year, week), results))


def week_changes(db: Path, plan_year: int, year: int | None, week: int | None) -> tuple[str, LedgerChanges]:
    """``kq changes``: the week asked for (else the latest stored) and its changes."""
    with Store(db) as store:
        store.check()  # the command that looks at the store says whether it is damaged
        with store.reading():
            key = store.week_asked(plan_year, year, week)
            return week_label(*key), stored_changes(store, *key)
