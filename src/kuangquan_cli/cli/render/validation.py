"""Terminal rendering with rich (data in, text out): validation results and the field table.

Text from a ledger (cell values in messages, sheet names) goes through ``text.visible`` and into
``Text`` objects, never markup: an ESC sequence in a cell must not reach the operator's terminal.
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuangquan_cli.checking.catalogue import SEVERITY_TEXT
from kuangquan_cli.checking.reconcile import ReconRow
from kuangquan_cli.checking.validate import FileResult, ValidationReport
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME
from kuangquan_cli.text import visible

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}


def _file_line(result: FileResult) -> Text:
    mark, style = ("✘", "red") if result.errors else (("!", "yellow") if result.warnings else ("✔", "green"))
    where = [p for p in (result.city, f"工作表「{visible(result.sheet)}」" if result.sheet else None,
                         f"表头第 {result.header_row} 行" if result.header_row else None) if p]
    text = Text(f"{mark} ", style=style)
    text.append(result.file, style="bold")
    if where:
        text.append(f"（{'，'.join(where)}）")
    text.append(f"：{len(result.records)} 行，错误 {result.errors}，警告 {result.warnings}")
    return text


def render_file(console: Console, result: FileResult) -> None:
    """The file's line and its findings, printed at once: rich wraps each line of a text by
    itself, so one print of the joined lines shows what a print per line would, and a print
    costs far more than a line (hundreds of findings in a large ledger)."""
    lines = [_file_line(result)]
    fields = field_by_name()
    for row, group in groupby(result.findings, key=lambda f: f.row):
        lines.append(Text(f"  第 {row} 行" if row else "  整个文件", style="bold"))
        for finding in group:
            line = Text("    ")
            line.append(f"{finding.cell or finding.column or '':<6}", style="cyan")
            line.append(f"{SEVERITY_TEXT[finding.severity]} ", style=_SEVERITY_STYLE[finding.severity])
            if finding.field:
                line.append(f"{fields[finding.field].header}：", style="dim")
            line.append(visible(finding.message))
            line.append(f"  [{finding.code}]", style="dim")
            lines.append(line)
    console.print(Text("\n").join(lines))


def render_reconciliation(console: Console, rows: list[ReconRow], plan: Plan) -> None:
    table = Table(title="与方案底数核对", title_justify="left")
    for header in ("任务", "原因", "方案", "台账", "差额"):
        table.add_column(header, justify="right" if header in ("方案", "台账", "差额") else "left")
    for row in rows:
        task = plan.task(row.task).label if row.task else CANNOT_RESUME
        style = "bold" if row.reason is None else None
        diff = Text(f"{row.diff:+d}", style="red" if row.diff else "green")
        table.add_row(task, row.reason or "合计", str(row.plan), str(row.ledger), diff, style=style)
    console.print(table)


def render_report(console: Console, report: ValidationReport, plan: Plan) -> None:
    for result in report.files:
        render_file(console, result)
    for finding in report.region_findings:
        console.print(Text(f"  全区  警告 {visible(finding.message)}  [{finding.code}]", style="yellow"))
    if any(r.records for r in report.files):
        render_reconciliation(console, report.reconciliation, plan)
    rows = sum(len(r.records) for r in report.files)
    console.print(f"共 {len(report.files)} 个文件，{rows} 行：错误 {report.errors}，警告 {report.warnings}")


_REQUIRED = {"yes": "必填", "no": "选填", "conditional": "条件必填"}


def render_fields(console: Console) -> None:
    """The ledger's field table (``kq schema``): name, header, aliases, whether required, hint."""
    table = Table(title="台账字段")
    for header in ("字段", "表头", "别名", "必填", "说明"):
        table.add_column(header)
    for f in fields():
        table.add_row(f.name, f.header, "、".join(f.aliases), _REQUIRED[f.required], f.hint)
    console.print(table)

