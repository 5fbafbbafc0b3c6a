"""What the pages show, as data for the templates, and the templates' environment.

A 盟市's result is rendered from the validate JSON kept with its upload, so the page after an
upload, a reload and the office's look at it all show the same thing without checking the file
again (its changes since the week stored before and its part of the baseline, too, as they were
when it arrived). Findings are grouped as the terminal groups them (``checking.grouping``): one fault down a
column is one line with its count, its share of the rows and its first cells.

Everything from a ledger or a browser reaches the page through Jinja's autoescaping, and control
characters are shown as escapes (``text.visible``) first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kuangquan_cli.checking.baseline import DIFFERS, MISSING, OUTSIDE
from kuangquan_cli.checking.catalogue import CATALOGUE, SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.grouping import group_findings, share
from kuangquan_cli.merging.changes import KIND_TEXT, KINDS, WARNING_KINDS, describe_side
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME
from kuangquan_cli.text import visible

PACKAGE = Path(__file__).resolve().parent
#: The cells a group names; the others are counted.
CELLS_SHOWN = 8
#: A group's different messages listed one by one; beyond this, its title and one example.
MESSAGES_SHOWN = 5
BASELINE_KIND_TEXT = {MISSING: "缺少", OUTSIDE: "底数外", DIFFERS: "不一致"}


@dataclass(frozen=True)
class GroupView:
    code: str
    severity: str
    place: str
    count: int
    rows: int
    share: str
    messages: list[tuple[str, int]]
    example: str | None
    cells: list[str]
    more: int


@dataclass(frozen=True)
class FindingView:
    cell: str
    severity: str
    header: str
    message: str
    code: str


@dataclass(frozen=True)
class CountLine:
    task: str
    reason: str
    count: int
    total: bool
    base: int | None = None
    """The 盟市's count in the stored baseline (task totals only, when one was checked)."""

    @property
    def diff(self) -> int | None:
        return None if self.base is None else self.count - self.base


@dataclass(frozen=True)
class DifferenceView:
    kind: str
    licence_no: str
    row: int | None
    message: str


@dataclass(frozen=True)
class BaselineView:
    """The ledger set against its 盟市's part of the stored baseline (``kq validate --db``)."""

    version: int
    source: str
    cities: list[str]
    missing: int
    outside: int
    differs: int
    differences: list[DifferenceView]


@dataclass(frozen=True)
class ChangeView:
    kind: str
    warning: bool
    licence_no: str
    right_name: str | None
    before: str | None
    after: str | None
    message: str


@dataclass(frozen=True)
class ChangesView:
    """The ledger against the week stored before (``compared_with`` None: none stored)."""

    compared_with: str | None
    tally: list[tuple[str, int, bool]]
    """(kind as read, how many, whether a warning), in the order of the kinds."""
    warnings: list[ChangeView]
    progress: list[ChangeView]


@dataclass(frozen=True)
class ResultView:
    """One checked ledger as the 盟市's page shows it."""

    rows: int
    errors: int
    warnings: int
    sheet: str | None
    header_row: int | None
    file_findings: list[FindingView]
    groups: list[GroupView]
    scattered: list[FindingView]
    counts: list[CountLine]
    undetermined: int
    baseline: BaselineView | None
    changes: ChangesView | None
    """None for a file not kept (422): it is not compared."""


def _header(field: str | None) -> str:
    return field_by_name()[field].header if field else ""


def _finding(finding: Finding) -> FindingView:
    header = _header(finding.field)
    return FindingView(finding.cell or finding.column or "", finding.severity,
                       header if header not in finding.message else "", finding.message, finding.code)


def _group(code: str, findings: list[Finding], rows: int, total: int) -> GroupView:
    first = findings[0]
    header = _header(first.field)
    place = (f"{first.column} 列" if first.column else "") + (f"「{header}」" if header else "")
    messages = Counter(f.message for f in findings).most_common()
    example = None
    if len(messages) > MESSAGES_SHOWN:
        example = f"{CATALOGUE[code].title}，各处不同，如 {first.cell or f'第 {first.row} 行'}：{first.message}"
        messages = []
    return GroupView(code, first.severity, place, len(findings), rows, share(rows, total), messages, example,
                     [f.cell or f"第 {f.row} 行" for f in findings[:CELLS_SHOWN]], max(len(findings) - CELLS_SHOWN, 0))


def counts(reconciliation: list[dict[str, Any]], plan: Plan, bases: Mapping[int | None, int] | None = None
           ) -> tuple[list[CountLine], int]:
    """The rights counted by task and reason (only what the ledger or its part of the baseline
    has), and how many of them were placed under a task: one 盟市 is not set against the region's
    figures. ``bases``: the baseline's count per task (None: the mines that cannot resume)."""
    lines: list[CountLine] = []
    placed = 0
    for task, rows in groupby(reconciliation, key=lambda r: r["task"]):
        total, *reasons = rows
        base = None if bases is None else bases.get(task, 0)
        if not total["ledger"] and not base:
            continue
        placed += total["ledger"]
        if task is None:
            lines.append(CountLine(CANNOT_RESUME, total["reason"], total["ledger"], True, base))
            continue
        lines.append(CountLine(plan.task(task).name, "合计", total["ledger"], True, base))
        lines += [CountLine("", r["reason"], r["ledger"], False) for r in reasons if r["ledger"]]
        if unplaced := total["ledger"] - sum(r["ledger"] for r in reasons):
            lines.append(CountLine("", "原因未填或有误", unplaced, False))
    return lines, placed


def baseline_bases(baseline: dict[str, Any]) -> dict[int | None, int]:
    """The baseline's count per task of the checked 盟市 (its ``counts``)."""
    found: Counter[int | None] = Counter()
    for line in baseline["counts"]:
        found[line["task"]] += line["baseline"]
    return dict(found)


def baseline_view(baseline: dict[str, Any]) -> BaselineView:
    return BaselineView(
        baseline["version"], baseline["source"], baseline["cities"], baseline["missing"], baseline["outside"],
        baseline["differs"],
        [DifferenceView(BASELINE_KIND_TEXT[d["kind"]], d["licence_no"], d["row"], d["message"])
         for d in baseline["differences"]],
    )


def _change(change: dict[str, Any]) -> ChangeView:
    side = change["after"] or change["before"]
    return ChangeView(KIND_TEXT[change["kind"]], change["kind"] in WARNING_KINDS, change["licence_no"],
                      side["right_name"], describe_side(change["kind"], change["before"]),
                      describe_side(change["kind"], change["after"]), change["message"])


def changes_view(compared_with: str | None, changes: list[dict[str, Any]]) -> ChangesView:
    """The changes as the upload was answered with them (the merge JSON's ``changes``)."""
    found = Counter(c["kind"] for c in changes)
    views = [_change(c) for c in changes]
    return ChangesView(compared_with, [(KIND_TEXT[k], found[k], k in WARNING_KINDS) for k in KINDS if found[k]],
                       [v for v in views if v.warning], [v for v in views if not v.warning])


def changes_cell(report: dict[str, Any]) -> tuple[str, str]:
    """A ledger's changes in one cell of the office's table, short (``变动 3（需核实 1、进展 2）``),
    and each kind counted, for the cell's title."""
    if report.get("compared_with") is None:  # also an upload answered before changes were compared
        return "无上周汇总", "数据库中还没有上一周的汇总，暂无法比较"
    found = Counter(c["kind"] for c in report.get("changes", ()))
    against = f"与 {report['compared_with']} 的汇总比较"
    if not found:
        return "无变动", against
    warnings = sum(found[k] for k in WARNING_KINDS)
    parts = [f"{label} {n}" for label, n in (("需核实", warnings), ("进展", found.total() - warnings)) if n]
    detail = "、".join(f"{KIND_TEXT[k]} {found[k]}" for k in KINDS if found[k])
    return f"变动 {found.total()}（{'、'.join(parts)}）", f"{against}：{detail}"


def result_view(report: dict[str, Any], plan: Plan) -> ResultView:
    """The page's view of the JSON one file was answered with: its validate JSON (with its part
    of the baseline, when one was stored) and its changes (none for a file not kept)."""
    file = report["files"][0]
    findings = [Finding(**f) for f in file["findings"]]
    whole = [f for f in findings if f.row is None or f.row == file["header_row"]]
    groups, scattered = group_findings([f for f in findings if f not in whole])
    baseline = report["baseline"]
    lines, placed = counts(report["reconciliation"], plan, baseline_bases(baseline) if baseline else None)
    return ResultView(
        file["rows"], file["errors"], file["warnings"], file["sheet"], file["header_row"],
        [_finding(f) for f in whole],
        [_group(g.code, g.findings, g.rows, file["rows"]) for g in groups],
        [_finding(f) for f in scattered],
        lines, file["rows"] - placed,
        baseline_view(baseline) if baseline else None,
        changes_view(report["compared_with"], report["changes"]) if "changes" in report else None,
    )


def size_text(size: int) -> str:
    """A file size as people read it: 532 字节, 18 KB, 1.4 MB."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _visible(value: Any) -> Any:
    """Every value a template prints, before autoescaping: control characters shown as escapes."""
    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PACKAGE / "templates"), autoescape=True, finalize=_visible,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["size"] = size_text
    env.filters["changes_cell"] = changes_cell
    env.globals["SEVERITY_TEXT"] = SEVERITY_TEXT
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
