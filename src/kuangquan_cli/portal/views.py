"""What the pages show, as data for the templates, and the templates' environment.

A 盟市's result is rendered from the validate JSON kept with its upload, so the page after an
upload, a reload and the office's look at it all show the same thing without checking the file
again. Findings are grouped as the terminal groups them (``checking.grouping``): one fault down a
column is one line with its count, its share of the rows and its first cells.

Everything from a ledger or a browser reaches the page through Jinja's autoescaping, and control
characters are shown as escapes (``text.visible``) first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kuangquan_cli.checking.catalogue import CATALOGUE, SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.grouping import group_findings, share
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME
from kuangquan_cli.text import visible

PACKAGE = Path(__file__).resolve().parent
#: The cells a group names; the others are counted.
CELLS_SHOWN = 8
#: A group's different messages listed one by one; beyond this, its title and one example.
MESSAGES_SHOWN = 5


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


def counts(reconciliation: list[dict[str, Any]], plan: Plan) -> tuple[list[CountLine], int]:
    """The rights counted by task and reason (only what the ledger has), and how many of them
    were placed under a task: one 盟市 is not set against the region's figures."""
    lines: list[CountLine] = []
    placed = 0
    for task, rows in groupby((r for r in reconciliation if r["ledger"]), key=lambda r: r["task"]):
        total, *reasons = rows
        placed += total["ledger"]
        if task is None:
            lines.append(CountLine(CANNOT_RESUME, total["reason"], total["ledger"], True))
            continue
        lines.append(CountLine(plan.task(task).name, "合计", total["ledger"], True))
        lines += [CountLine("", r["reason"], r["ledger"], False) for r in reasons]
        if unplaced := total["ledger"] - sum(r["ledger"] for r in reasons):
            lines.append(CountLine("", "原因未填或有误", unplaced, False))
    return lines, placed


def result_view(report: dict[str, Any], plan: Plan) -> ResultView:
    """The page's view of a validate JSON of one file."""
    file = report["files"][0]
    findings = [Finding(**f) for f in file["findings"]]
    whole = [f for f in findings if f.row is None or f.row == file["header_row"]]
    groups, scattered = group_findings([f for f in findings if f not in whole])
    lines, placed = counts(report["reconciliation"], plan)
    return ResultView(
        file["rows"], file["errors"], file["warnings"], file["sheet"], file["header_row"],
        [_finding(f) for f in whole],
        [_group(g.code, g.findings, g.rows, file["rows"]) for g in groups],
        [_finding(f) for f in scattered],
        lines, file["rows"] - placed,
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
    env.globals["SEVERITY_TEXT"] = SEVERITY_TEXT
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
