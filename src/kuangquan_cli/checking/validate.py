"""``kq validate`` as a library: files in, findings and reconciliation out (reports as data)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.findings import Finding, FindingTally, Problem, make_finding, problem
from kuangquan_cli.checking.parse import RowValues, filled, parse_columns
from kuangquan_cli.checking.reconcile import (
    CityCount,
    Counted,
    ReconRow,
    count_by_city,
    reconcile,
    reconciliation_findings,
)
from kuangquan_cli.checking.rules import RowChecker, RuleContext, is_cannot_resume
from kuangquan_cli.errors import UnreadableFile
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reading.layout import Layout, find_layout
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reading.workbook import read_sheets
from kuangquan_cli.reference.own_files import MERGED_PREFIX
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import city_named_in, divisions, field_by_name, fields, region_named_in
from kuangquan_cli.text import as_written, has_invisible, to_text, visible

if TYPE_CHECKING:
    from kuangquan_cli.checking.model import LedgerRow


@dataclass(slots=True)
class Record:
    """One data row: where it is, what it says, what is wrong with it."""

    row: int
    values: RowValues
    task: int | None
    findings: list[Finding]
    _model: LedgerRow | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def model(self) -> LedgerRow:
        """The row as the pydantic model, built the first time it is asked for (merging and
        storing both read it): built for every row of a large ledger that is only validated, the
        models would cost more memory and time than the checking."""
        if self._model is None:
            from kuangquan_cli.checking.model import LedgerRow

            self._model = LedgerRow.model_validate(filled(self.values))
        return self._model

    @property
    def cannot_resume(self) -> bool:
        return is_cannot_resume(self.values)

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    def counted(self, city: str | None = None) -> Counted:
        """What reconciliation counts of the row; ``city``: the 盟市 it counts under."""
        return Counted(self.task, self.values.reason, self.cannot_resume, city)


@dataclass
class FileResult(FindingTally):
    path: Path
    sheet: str | None = None
    city: str | None = None
    region_wide: bool = False
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    file_findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    title: str = ""
    """The text above the header (title rows, 填报单位 line): which week the ledger says it is of."""

    @property
    def file(self) -> str:
        """The file's name as kq shows and stores it (bytes that are not UTF-8 escaped)."""
        return visible(self.path.name)

    @property
    def findings(self) -> list[Finding]:
        return self.file_findings + [f for r in self.records for f in r.findings]

    def city_of(self, record: Record) -> str | None:
        """The 盟市 a row counts under: its file's, or in a region-wide ledger its own."""
        return self.city or record.values.city

    def counted(self) -> Iterator[Counted]:
        """What reconciliation counts of each row, with the 盟市 it counts under."""
        return (record.counted(self.city_of(record)) for record in self.records)

    def cities(self) -> set[str]:
        """The 盟市 whose rights the file holds: its own, or those its rows name."""
        return {city for record in self.records if (city := self.city_of(record))}

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "city": self.city,
            "region_wide": self.region_wide,
            "header_row": self.header_row,
            "rows": len(self.records),
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class ValidationReport(FindingTally):
    files: list[FileResult]
    reconciliation: list[ReconRow]
    region_findings: list[Finding]
    by_city: list[CityCount] = field(default_factory=list)
    baseline: dict[str, Any] | None = None
    """The JSON of the files set against the stored baseline (checking/baseline.py), when they
    were (``kq validate --db``); its findings are among ``region_findings``."""

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.files for f in result.findings] + self.region_findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "summary": {
                "files": len(self.files),
                "rows": sum(len(f.records) for f in self.files),
                "errors": self.errors,
                "warnings": self.warnings,
            },
            "reconciliation": [r.to_dict() for r in self.reconciliation],
            "reconciliation_by_city": [c.to_dict() for c in self.by_city],
            "baseline": self.baseline,
            "findings": [f.to_dict() for f in self.region_findings],
        }


class _FileChecker:
    """Checks the rows of one located ledger."""

    def __init__(self, result: FileResult, layout: Layout, plan: Plan, as_of: date) -> None:
        self.result = result
        self.layout = layout
        self.plan = plan
        self.as_of = as_of

    def locate(self, found: Problem, row: int, raw: Any) -> Finding:
        """The finding at its cell; ``raw`` is what the cell holds (None where the column is absent)."""
        col = self.layout.columns.get(found.field) if found.field else None
        return make_finding(
            found.code,
            file=self.result.file,
            sheet=self.layout.sheet.name,
            row=row,
            column=column_letter(col) if col is not None else None,
            field=found.field,
            value=as_written(raw) if found.field else None,
            **found.ctx,
        )

    def run(self) -> None:
        numbers, columns = self.layout.data_columns()
        cells = {name: columns[col] if columns else () for name, col in self.layout.columns.items()}
        if self.result.city is None and not self.result.region_wide:
            self.result.city, self.result.region_wide = _scope_of_rows(cells.get("city", ()))
        file_city = self.result.city
        parsed = parse_columns(cells, len(numbers), file_city)
        hidden = _control_characters(cells)
        checker = RowChecker(RuleContext(self.plan, self.as_of, file_city))
        records = self.result.records
        for index, (number, values) in enumerate(zip(numbers, parsed.rows, strict=True)):
            problems, task = checker.check(values)
            if index in parsed.problems:  # a cell kq cannot read is not blank: rules that took it so are moot
                unread = parsed.problems[index]
                moot = {u.field for u in unread}
                problems = unread + [p for p in problems if p.field not in moot]
            if index in hidden:
                problems = problems + hidden[index]
            findings = [self.locate(p, number, cells[p.field][index] if p.field in cells else None) for p in problems]
            records.append(Record(number, values, task.number if task else None, findings))
        self._duplicate_licences(list(map(attrgetter("licence_no"), parsed.rows)))

    def _duplicate_licences(self, licences: list[str | None]) -> None:
        """``licences``: each record's, in order. They are counted in C; the records are walked
        only when one repeats (rarely, and then it is an error to point at)."""
        places: dict[str, list[Record]] = {
            licence: [] for licence, count in Counter(licences).items() if count > 1 and licence
        }
        if places:
            for record, licence in zip(self.result.records, licences, strict=True):
                if licence in places:
                    places[licence].append(record)
        col = self.layout.columns.get("licence_no")
        letter = column_letter(col) if col is not None else ""
        for licence, records in places.items():
            where = "、".join(f"{letter}{r.row}" for r in records)
            for record in records:
                record.findings.append(
                    make_finding(
                        "licence.duplicate", file=self.result.file, sheet=self.layout.sheet.name, row=record.row,
                        column=letter or None, field="licence_no", value=licence, count=len(records), places=where,
                    )
                )


def _control_characters(cells: Mapping[str, Sequence[Any]]) -> dict[int, list[Problem]]:
    """A warning on each cell holding a control character (ESC, NUL, BEL …), by row index.

    Such characters come from copying out of other systems, or from a file made to disturb the
    terminal or the reports that show it: kq shows them escaped everywhere and says where they
    are. A column is searched as one joined text (in C); its cells only when that finds one.
    """
    found: dict[int, list[Problem]] = {}
    for name, column in cells.items():
        if not has_invisible("".join([cell for cell in column if type(cell) is str])):
            continue
        for index, cell in enumerate(column):
            if type(cell) is str and has_invisible(cell):
                chars = "、".join(dict.fromkeys(visible(c) for c in cell if has_invisible(c)))
                found.setdefault(index, []).append(problem("value.control_char", name, chars=chars))
    return found


def _named_scope(title: str, path: Path) -> tuple[str | None, bool]:
    """(the file's 盟市, whether it is region-wide) as its title rows and name tell them.

    A 盟市 named in the title, else in the file name, makes the file that 盟市's ledger; else 全区 /
    自治区 in either, or the name of kq's own merged workbook, makes it region-wide. (None, False)
    where they tell nothing: the rows decide (``_scope_of_rows``).
    """
    city = city_named_in(title) or city_named_in(path.stem)
    if city is not None:
        return city, False
    return None, region_named_in(title) or region_named_in(path.stem) or path.name.startswith(MERGED_PREFIX)


def _scope_of_rows(cells: Sequence[Any]) -> tuple[str | None, bool]:
    """A file that does not name its 盟市 is the ledger of the one 盟市 its rows name, or
    region-wide where they name several (each distinct spelling is looked up once)."""
    named: set[str] = set()
    for cell in dict.fromkeys(cells):
        if len(candidates := divisions().city_candidates(to_text(cell))) == 1:
            named.add(candidates[0])
    if len(named) > 1:
        return None, True
    return (named.pop() if named else None), False


def _header_findings(result: FileResult, layout: Layout) -> list[Finding]:
    sheet, row = layout.sheet.name, layout.header_row
    found = []
    for f in fields():
        if f.required == "yes" and f.name not in layout.columns:
            found.append(make_finding("header.missing_column", file=result.file, sheet=sheet, row=row, field=f.name,
                                      header=f.header))
    for name, cols in layout.duplicates.items():
        letters = "、".join(column_letter(c) for c in cols)
        found.append(
            make_finding(
                "header.duplicate_column", file=result.file, sheet=sheet, row=row, column=column_letter(cols[1]),
                field=name, header=field_by_name()[name].header, columns=letters, used=column_letter(cols[0]),
            )
        )
    for col, text in layout.unknown:
        found.append(make_finding("header.unknown_column", file=result.file, sheet=sheet, row=row,
                                  column=column_letter(col), value=as_written(text), header=as_written(text)))
    return found


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reading and checking a ledger makes a few long-lived containers per row (grid rows, parsed
    rows, records) and no reference cycles; the cyclic garbage collector would walk them over and
    over and free nothing (a third of the checking time at 30,000 rows). Refcounting still frees
    everything that is dropped; the collector is back on once the work is done. Whoever keeps
    the results for more work (a command printing them) may keep it paused for that too: once
    back on, it walks everything made meanwhile, several times over."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def validate_file(
    path: str | Path, plan: Plan, as_of: date, sheet: str | None = None, limits: Limits | None = None
) -> FileResult:
    """Read and check one ledger file. Unreadable files come back with a file-level finding.

    ``limits`` bound what a file may hold (default: ``Limits.from_env()``).
    """
    with collector_paused():
        return _validate_file(Path(path), plan, as_of, sheet, limits)


def _validate_file(path: Path, plan: Plan, as_of: date, sheet: str | None, limits: Limits | None) -> FileResult:
    result = FileResult(path)
    try:
        sheets = read_sheets(path, limits)
    except UnreadableFile as exc:
        result.readable = False
        result.file_findings.append(make_finding(exc.code, file=result.file, **exc.ctx))
        return result
    layout = find_layout(sheets, sheet)
    if layout is None:
        reason = f"工作表「{sheet}」中没有台账表头" if sheet else "各工作表前 30 行中都没有台账表头"
        if sheet and sheet not in {s.name for s in sheets}:
            reason = f"没有名为「{sheet}」的工作表"
        result.file_findings.append(make_finding("header.not_found", file=result.file, reason=reason))
        return result
    result.sheet, result.header_row, result.columns = layout.sheet.name, layout.header_row, layout.columns
    result.title = layout.title_text()
    result.city, result.region_wide = _named_scope(result.title, path)
    result.file_findings += _header_findings(result, layout)
    _FileChecker(result, layout, plan, as_of).run()
    return result


def covers_region(results: Iterable[FileResult]) -> bool:
    """A region-wide ledger covers the region; 盟市 ledgers do when every 盟市 is among them."""
    named: set[str] = set()
    for result in results:
        if result.region_wide:
            return True
        named |= result.cities()
    return named >= set(divisions().cities)


def validate_files(
    paths: Sequence[str | Path], plan: Plan, as_of: date, sheet: str | None = None, limits: Limits | None = None
) -> ValidationReport:
    with collector_paused():
        results = [validate_file(p, plan, as_of, sheet, limits) for p in paths]
        rights = [right for r in results for right in r.counted()]
        rows = reconcile(rights, plan)
        by_city = count_by_city(rights, plan)
    region = reconciliation_findings(rows, plan) if covers_region(results) else []
    return ValidationReport(results, rows, region, by_city)
