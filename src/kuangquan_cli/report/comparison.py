"""This week against the week stored before it, counted honestly for the 通报.

The changes themselves are ``merging.changes``'s, right by right (licence number), the ones
``kq merge`` and ``kq changes`` name. Here they are counted per 盟市, task and department:

- a week's completions are ``done`` minus ``regressed``: a right set back from 已完成 cancels one;
- a procedure is 办结 only when ``cleared`` — never because its right vanished, was
  reclassified or became 不具备条件;
- a 盟市 made progress only through ``done``, ``cleared`` or ``started`` (a changed date or
  dropped rights are no progress);
- completion rates are compared like for like: over the rights present in both weeks (in the same
  盟市, for a 盟市's rate) and pursued in both, so rights dropped, added or set aside move no rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass

from kuangquan_cli.merging.changes import LedgerChanges, Right, WeekRights, compare, rights_of_frame, sent_cities
from kuangquan_cli.merging.store import Snapshot
from kuangquan_cli.merging.submissions import MERGED
from kuangquan_cli.merging.summary_tables import UNKNOWN_CITY, department_of
from kuangquan_cli.reference.vocabulary import DONE

#: The kinds that are progress of a 盟市 (「本周无进展」 without any).
PROGRESS = ("done", "cleared", "started")


def city_of(right: Right) -> str:
    """The 盟市 a right is counted under in the 通报's tables."""
    return right.city or UNKNOWN_CITY


def week_rights(snapshot: Snapshot) -> WeekRights:
    """A stored week's counted rights and the 盟市 they cover, from its snapshot."""
    rights = rights_of_frame(snapshot.rows)
    counted = (f["city"] for f in snapshot.files if f["status"] == MERGED)
    return WeekRights(snapshot.label, rights, sent_cities(rights, counted))


@dataclass(frozen=True)
class RateChange:
    """The change of a completion rate over ``rights`` rights compared like for like (None: none)."""

    change: float | None
    rights: int


@dataclass(frozen=True)
class WeekOverWeek:
    """The changes of a week, counted as the 通报 shows them."""

    changes: LedgerChanges

    @classmethod
    def of(cls, current: Snapshot, previous: Snapshot, known: Collection[str] = frozenset()) -> WeekOverWeek:
        """``known``: the licence numbers of the baseline (its rights are not new)."""
        return cls(compare(week_rights(previous), week_rights(current), known))

    def _count(self, kinds: Iterable[str], key: Callable[[Right], Hashable]) -> Counter[Hashable]:
        return Counter(key(c.right) for c in self.changes.of_kind(*kinds))

    def net_done(self, key: Callable[[Right], Hashable]) -> Counter[Hashable]:
        """Completions (``done`` minus ``regressed``) by ``key`` of the right; may be negative."""
        net = self._count(["done"], key)
        net.subtract(self._count(["regressed"], key))
        return net

    @property
    def net_done_total(self) -> int:
        return len(self.changes.of_kind("done")) - len(self.changes.of_kind("regressed"))

    def progress(self) -> Counter[Hashable]:
        """Per 盟市, how many changes are progress (``done``, ``cleared``, ``started``)."""
        return self._count(PROGRESS, city_of)

    def compared(self) -> Counter[str]:
        """Per 盟市, the rights it listed in both weeks (what 「本周无进展」 is judged on)."""
        return Counter(city_of(after) for before, after in self.changes.pairs if before.city == after.city)

    def rate_change(self, city: str | None = None) -> RateChange:
        """The change of the completion rate like for like: over the rights in both weeks (of
        ``city`` in both weeks, when given) that were pursued in both (not 不具备条件)."""
        same = [(b, a) for b, a in self.changes.pairs
                if b.pursued and a.pursued and (city is None or city_of(b) == city_of(a) == city)]
        if not same:
            return RateChange(None, 0)
        gained = sum(a.status == DONE for _, a in same) - sum(b.status == DONE for b, _ in same)
        return RateChange(gained / len(same), len(same))

    def cleared_by_department(self) -> Counter[str]:
        """Procedures 办结 (``cleared``) per department that acts on them."""
        return Counter(department_of(procedure, c.right.mineral_class)
                       for c in self.changes.of_kind("cleared") for procedure in c.cleared)

    def added_by_department(self) -> Counter[str]:
        """Procedures pending this week that were not last week, on rights in both weeks, per department."""
        return Counter(department_of(procedure, after.mineral_class)
                       for before, after in self.changes.pairs for procedure in after.pending - before.pending)
