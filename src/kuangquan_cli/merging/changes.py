"""Week over week, right by right: every change of the ledgers since the week stored before.

Totals hide anything: five hard cases dropped in one 盟市 and five added in another leave every
total as it was. So a week's counted rows are compared with those of the week stored before it,
licence number by licence number, and every change is named (docs/reconciliation.md#逐矿权变动):
eight kinds that are warnings (a right vanished, new, moved to another 盟市, renumbered,
regressed from 已完成, redated, entered 不具备条件, reclassified) and three that are progress
(newly done, a pending procedure cleared, started).

This module is data in, changes out: ``Right`` is what the comparison reads of a row, ``compare``
keys both weeks by licence number in dicts (300,000 rights compare in one or two seconds). Where the
rights come from — a fresh merge, a snapshot's frame (``rights_of_frame``), the store
(``stored_changes``) — is the caller's business.

Rules that keep the comparison honest:

- a 盟市 that sent nothing this week has no ``vanished`` rights (it is reported as not sent), and
  one that sent nothing last week has no ``new`` ones (there was nothing to compare with);
- a vanished and a new right with the same credit code and the same name (else holder) are one
  right whose licence number changed (``renumbered``), compared as one right for the rest;
- a right entering 不具备条件 takes the reason 开采条件限制 with it: that is not also a
  reclassification; a procedure counts as cleared only while the right keeps its task and reason
  and stays pursued (never because it vanished, was reclassified or became 不具备条件).

Of rows listing the same licence number twice (an error of its own) the first is compared.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.baseline import Baseline
from kuangquan_cli.checking.catalogue import CATALOGUE
from kuangquan_cli.checking.rules import is_cannot_resume
from kuangquan_cli.checking.validate import FileResult, collector_paused
from kuangquan_cli.reference.tables import divisions, field_by_name
from kuangquan_cli.reference.vocabulary import DONE, IN_PROGRESS, NOT_STARTED, TASK_LABELS

if TYPE_CHECKING:
    import pandas as pd

#: The kinds of change, in the order they are listed: the warnings, then progress.
WARNING_KINDS = ("vanished", "new", "moved", "renumbered", "regressed", "redated", "cannot_resume", "reclassified")
PROGRESS_KINDS = ("done", "cleared", "started")
KINDS = WARNING_KINDS + PROGRESS_KINDS
#: How each kind reads wherever kq shows one (terminal, workbook, 通报).
KIND_TEXT: Mapping[str, str] = {
    "vanished": "消失", "new": "新增", "moved": "改报其他盟市", "renumbered": "许可证号变更",
    "regressed": "由已完成退回", "redated": "完成日期变更", "cannot_resume": "转为不具备条件",
    "reclassified": "任务或原因变更", "done": "新完成", "cleared": "手续办结", "started": "启动",
}
#: The messages of the progress kinds; those of the warnings are the catalogue's ``change.*``.
_PROGRESS_MESSAGES = {
    "done": "本周完成（完成日期 {done}）",
    "cleared": "所缺手续中{procedures}已办结，不再列出",
    "started": "由未启动转为推进中",
}
#: The values each kind shows of the right before and after, besides where it is (``PLACE``).
SHOWN: Mapping[str, tuple[str, ...]] = {
    "vanished": ("status", "task", "reason"), "new": ("status", "task", "reason"), "moved": (),
    "renumbered": ("licence_no",), "regressed": ("status", "done_date"), "redated": ("done_date",),
    "cannot_resume": ("status", "reason"), "reclassified": ("task", "reason", "stage_ok"),
    "done": ("status", "done_date"), "cleared": ("missing",), "started": ("status",),
}
PLACE = ("city", "file", "row", "right_name")
#: The field each kind is about (the ``field`` of a change).
_FIELD = {"vanished": None, "new": None, "moved": "city", "renumbered": "licence_no", "regressed": "status",
          "redated": "done_date", "cannot_resume": "status", "done": "status", "cleared": "missing",
          "started": "status"}
_CLASSIFIERS = ("task", "reason", "stage_ok")
NOT_FILLED = "未填"


@dataclass(frozen=True, slots=True)
class Right:
    """What the comparison reads of one counted row: the right, where it is, its state."""

    licence_no: str
    city: str | None
    file: str
    row: int
    right_name: str | None
    holder: str | None
    credit_code: str | None
    mineral_class: str | None
    task: int | None
    reason: str | None
    stage_ok: str | None
    status: str | None
    done_date: date | None
    missing: tuple[str, ...]
    cannot_resume: bool

    @classmethod
    def of(cls, values: Any, task: int | None, file: str, row: int, city: str | None) -> Right:
        """``values``: a row's values by field name (``RowValues`` or a row of a snapshot's frame);
        ``task`` the task it counts under, ``city`` its file's 盟市 (else the row's own)."""
        return cls(
            values.licence_no, city or values.city, file, int(row), values.right_name, values.holder,
            values.credit_code, values.mineral_class, task, values.reason, values.stage_ok, values.status,
            values.done_date, tuple(values.missing), is_cannot_resume(values),
        )

    @property
    def pursued(self) -> bool:
        """Counted in a completion rate (not one of the mines that cannot resume)."""
        return not self.cannot_resume

    @property
    def pending(self) -> frozenset[str]:
        """The procedures still to be done: none once the right is done or cannot resume."""
        return frozenset() if self.status == DONE or self.cannot_resume else frozenset(self.missing)


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates ISO, lists as lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _said(value: Any) -> str:
    """A value as a message says it (as a right holds it, or as the JSON does)."""
    if value is None or value == () or value == []:
        return NOT_FILLED
    if isinstance(value, tuple | list):
        return "、".join(value)
    return str(_plain(value))


def _task_text(task: int | None) -> str:
    return TASK_LABELS[task - 1] if task and 0 < task <= len(TASK_LABELS) else NOT_FILLED


@dataclass(frozen=True)
class Change:
    """One change of one right: its kind, the right last week and this week (either may be
    None), the field it is about and the message that says it."""

    kind: str
    before: Right | None
    after: Right | None
    field: str | None
    ctx: dict[str, str] = dataclasses.field(compare=False)
    """What the message is made of (for the ``change.*`` finding too)."""

    @property
    def right(self) -> Right:
        """The right as it is this week (as it was, for one that vanished)."""
        found = self.after or self.before
        assert found is not None
        return found

    @property
    def licence_no(self) -> str:
        return self.right.licence_no

    @property
    def city(self) -> str | None:
        return self.right.city

    @property
    def file(self) -> str | None:
        return self.after.file if self.after else None

    @property
    def row(self) -> int | None:
        return self.after.row if self.after else None

    @property
    def is_warning(self) -> bool:
        return self.kind in WARNING_KINDS

    @property
    def code(self) -> str:
        """The finding code of a warning kind (``change.vanished`` …)."""
        return f"change.{self.kind}"

    @property
    def message(self) -> str:
        if self.is_warning:
            return CATALOGUE[self.code].message(value=self.licence_no, **self.ctx)
        return _PROGRESS_MESSAGES[self.kind].format(**self.ctx)

    @property
    def cleared(self) -> frozenset[str]:
        """The procedures pending last week that a ``cleared`` change no longer lists."""
        if self.kind != "cleared" or self.before is None or self.after is None:
            return frozenset()
        return self.before.pending - frozenset(self.after.missing)

    def _shown(self) -> tuple[str, ...]:
        return self.changed_classifiers() if self.kind == "reclassified" else SHOWN[self.kind]

    def side(self, right: Right | None) -> dict[str, Any] | None:
        """The right before or after, as the JSON shows it: where it is and the values the kind is about."""
        if right is None:
            return None
        return {name: _plain(getattr(right, name)) for name in (*PLACE, *self._shown())}

    def describe(self, right: Right | None) -> str | None:
        """The values of the right before or after that the change is about, as a line of the
        workbook or the terminal: ``进展状态：已完成；完成日期：2022-09-14`` (None: no such side)."""
        return describe_side(self.kind, self.side(right))

    def changed_classifiers(self) -> tuple[str, ...]:
        if self.before is None or self.after is None:
            return ()
        return tuple(n for n in _CLASSIFIERS if getattr(self.before, n) != getattr(self.after, n))

    def to_dict(self) -> dict[str, Any]:
        """The change as docs/json.md#变动对象 spells it."""
        return {"kind": self.kind, "licence_no": self.licence_no, "city": self.city, "file": self.file,
                "row": self.row, "field": self.field, "before": self.side(self.before),
                "after": self.side(self.after), "message": self.message}



def describe_side(kind: str, side: Mapping[str, Any] | None) -> str | None:
    """A side of a change as ``Change.side`` and the JSON hold it (``before`` or ``after``), as
    one line: the values the change is about (where it is, for ``moved``); None: no such side.
    The portal shows the changes it answered an upload with from their JSON, so this reads that."""
    if side is None:
        return None
    headers = field_by_name()
    names = ("city",) if kind == "moved" else [name for name in side if name not in PLACE]
    return "；".join(f"{headers[n].header}：{(_task_text if n == 'task' else _said)(side[n])}" for n in names) or None


# ---- comparing two weeks ----------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerChanges:
    """A week compared with the week stored before it: the changes, in the region's order of
    盟市 and then by kind, and the rights found in both weeks (before, after)."""

    compared_with: str | None
    changes: list[Change] = field(default_factory=list)
    pairs: list[tuple[Right, Right]] = field(default_factory=list)

    @property
    def warnings(self) -> list[Change]:
        return [c for c in self.changes if c.is_warning]

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    def by_city(self) -> dict[str | None, list[Change]]:
        """The changes per 盟市, in the region's order (a right of no known 盟市 last)."""
        found: dict[str | None, list[Change]] = {}
        for change in self.changes:  # sorted by 盟市 already
            found.setdefault(change.city, []).append(change)
        return found

    def unchanged_cities(self) -> list[str]:
        """The 盟市 compared with last week (rights of theirs in both weeks) without any change."""
        compared = {after.city for before, after in self.pairs if before.city == after.city}
        changed = {c.city for c in self.changes}
        return [city for city in divisions().cities if city in compared and city not in changed]

    def summary(self, changes: list[Change]) -> str:
        """How many of each kind, in the order of the kinds: ``消失 5 项、新完成 3 项``."""
        counts = Counter(c.kind for c in changes)
        return "、".join(f"{KIND_TEXT[kind]} {counts[kind]} 项" for kind in KINDS if counts[kind])

    def to_dict(self) -> dict[str, Any]:
        return {"compared_with": self.compared_with, "changes": [c.to_dict() for c in self.changes]}


def _by_licence(rights: Iterable[Right]) -> dict[str, Right]:
    """Licence number → the first right listing it."""
    found: dict[str, Right] = {}
    for right in rights:
        found.setdefault(right.licence_no, right)
    return found


def _identity(right: Right, attribute: str) -> tuple[str, str] | None:
    """(credit code, name or holder) of a right, when it has both."""
    other = getattr(right, attribute)
    return (right.credit_code, other) if right.credit_code and other else None


def _renumbered(vanished: list[Right], new: list[Right]) -> list[tuple[Right, Right]]:
    """Vanished and new rights that are one right under a corrected licence number: the same
    credit code and the same name, else the same holder; each right in one pair at most."""
    pairs: list[tuple[Right, Right]] = []
    taken: set[str] = set()
    for attribute in ("right_name", "holder"):
        waiting: dict[tuple[str, str], list[Right]] = {}
        for right in new:
            identity = _identity(right, attribute)
            if identity and right.licence_no not in taken:
                waiting.setdefault(identity, []).append(right)
        for old in vanished:
            identity = _identity(old, attribute)
            candidates = waiting.get(identity, []) if identity and old.licence_no not in taken else []
            if candidates:
                now = candidates.pop(0)
                taken |= {old.licence_no, now.licence_no}
                pairs.append((old, now))
    return pairs


def _place(prefix: str, right: Right) -> dict[str, str]:
    return {f"{prefix}city": _said(right.city), f"{prefix}file": right.file, f"{prefix}row": str(right.row)}


def _of_pair(before: Right, after: Right) -> list[Change]:
    """The changes of a right found in both weeks."""
    found: list[Change] = []

    def add(kind: str, field_name: str | None = None, **ctx: str) -> None:
        found.append(Change(kind, before, after, field_name or _FIELD[kind], ctx))

    if before.city != after.city:
        add("moved", **_place("before_", before), city=_said(after.city))
    was_done, is_done = before.status == DONE, after.status == DONE
    if was_done and not is_done:
        add("regressed", before_done=_said(before.done_date), status=_said(after.status))
    if was_done and is_done and before.done_date != after.done_date:
        add("redated", before_done=_said(before.done_date), done=_said(after.done_date))
    entered = after.cannot_resume and not before.cannot_resume
    if entered:
        add("cannot_resume", before_status=_said(before.status))
    changed = [n for n in _CLASSIFIERS if getattr(before, n) != getattr(after, n) and not (entered and n == "reason")]
    if changed:
        headers = field_by_name()
        show = {"task": _task_text}
        what = "，".join(f"{headers[n].header}由{show.get(n, _said)(getattr(before, n))}"
                        f"改为{show.get(n, _said)(getattr(after, n))}" for n in changed)
        add("reclassified", changed[0], what=what)
    if is_done and not was_done:
        add("done", done=_said(after.done_date))
    same_class = before.task == after.task and before.reason == after.reason and after.pursued
    cleared = before.pending - frozenset(after.missing) if same_class else frozenset()
    if cleared:
        add("cleared", procedures="、".join(p for p in before.missing if p in cleared))
    if before.status == NOT_STARTED and after.status == IN_PROGRESS:
        add("started")
    return found


def _state(right: Right) -> tuple[Any, ...]:
    """What the kinds of change of a right in both weeks look at."""
    return (right.city, right.task, right.reason, right.stage_ok, right.status, right.done_date, right.missing,
            right.cannot_resume)


def _order() -> dict[str | None, int]:
    return {city: i for i, city in enumerate(divisions().cities)}


@dataclass(frozen=True)
class WeekRights:
    """A week's counted rights, the 盟市 its figures cover, and its label (``2022-W37``)."""

    label: str
    rights: list[Right]
    sent: set[str | None]


def compare(previous: WeekRights, current: WeekRights, known: Collection[str] = frozenset()) -> LedgerChanges:
    """The changes from last week's rights to this week's.

    A right of a 盟市 not covered this week has not vanished, one of a 盟市 not covered last
    week is not new: there is nothing to compare it with. Nor is a right of the baseline new
    (``known``: its licence numbers), only one that was in neither.
    """
    with collector_paused():  # a pair per right, no cycles: the collector would walk them all in vain
        return _compare(previous, current, known)


def _compare(previous: WeekRights, current: WeekRights, known: Collection[str]) -> LedgerChanges:
    before, after = _by_licence(previous.rights), _by_licence(current.rights)
    vanished = [b for licence, b in before.items() if licence not in after and b.city in current.sent]
    new = [a for licence, a in after.items()
           if licence not in before and a.city in previous.sent and licence not in known]
    renumbered = _renumbered(vanished, new)
    paired = {r.licence_no for pair in renumbered for r in pair}
    changes = [Change("vanished", b, None, None, _place("before_", b)) for b in vanished if b.licence_no not in paired]
    changes += [Change("new", None, a, None, {"city": _said(a.city)}) for a in new if a.licence_no not in paired]
    for b, a in renumbered:
        alike = "矿业权名称" if b.right_name == a.right_name else "矿业权人"
        changes.append(Change("renumbered", b, a, "licence_no", {"before_licence": b.licence_no, "alike": alike}))
    pairs = [(before[licence], a) for licence, a in after.items() if licence in before] + renumbered
    for b, a in pairs:
        if _state(b) != _state(a):  # most rights are as they were: one tuple comparison each
            changes += _of_pair(b, a)
    order = _order()
    kinds = {kind: i for i, kind in enumerate(KINDS)}
    changes.sort(key=lambda c: (order.get(c.city, len(order)), kinds[c.kind], c.licence_no))
    return LedgerChanges(previous.label, changes, pairs)


def baseline_licences(baseline: Baseline | None) -> frozenset[str]:
    """The licence numbers of the stored baseline (none stored: none): its rights are not new."""
    return frozenset(r.licence_no for r in baseline.rights) if baseline else frozenset()


# ---- where the rights come from ---------------------------------------------------------------


def sent_cities(rights: Iterable[Right], counted_file_cities: Iterable[str | None]) -> set[str | None]:
    """The 盟市 a week's figures cover: those of its counted files, and of their rows where a file
    has no 盟市 of its own (a region-wide ledger)."""
    return {r.city for r in rights} | {c for c in counted_file_cities if c}


def rights_of_files(label: str, results: Iterable[FileResult]) -> WeekRights:
    """The counted rights (rows with a licence number) of checked ledgers, each under the 盟市 it
    counts under, and the 盟市 they cover: a merge's counted files, or one 盟市's upload."""
    results = list(results)
    rights = [Right.of(r.values, r.task, result.file, r.row, result.city_of(r))
              for result in results for r in result.records if r.values.licence_no]
    return WeekRights(label, rights, sent_cities(rights, (result.city for result in results)))


def rights_of_frame(frame: pd.DataFrame) -> list[Right]:
    """The counted rights of a snapshot's rows (``rows.ROW_COLUMNS``) that have a licence number."""
    import pandas as pd

    rows = frame[frame["counted"] & frame["licence_no"].notna()]
    records: Iterable[Any] = rows.itertuples(index=False)  # named tuples of ROW_COLUMNS (untyped to pandas)
    return [Right.of(r, None if pd.isna(r.task) else int(r.task), r.source_file, r.source_row, r.source_city)
            for r in records]
