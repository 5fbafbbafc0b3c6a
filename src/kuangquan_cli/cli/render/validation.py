"""Terminal rendering with rich (data in, text out): validation results and the field table."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuangquan_cli.checking.reconcile import CityCount, ReconRow
from kuangquan_cli.checking.validate import FileResult, ValidationReport
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME

_SEVERITY = {"error": ("错误", "bold red"), "warning": ("警告", "yellow")}
REGION_WIDE_TEXT = "全区台账"


def _file_line(result: FileResult) -> Text:
    mark, style = ("✘", "red") if result.errors else (("!", "yellow") if result.warnings else ("✔", "green"))
    scope = REGION_WIDE_TEXT if result.region_wide else result.city
    where = [p for p in (scope, f"工作表「{result.sheet}」" if result.sheet else None,
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
            label, style = _SEVERITY[finding.severity]
            line = Text("    ")
            line.append(f"{finding.cell or finding.column or '':<6}", style="cyan")
            line.append(f"{label} ", style=style)
            if finding.field:
                line.append(f"{fields[finding.field].header}：", style="dim")
            line.append(finding.message)
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


def render_city_counts(console: Console, counts: list[CityCount], plan: Plan) -> None:
    """The rights of each 盟市 per task (the task totals of the reconciliation, 盟市 by 盟市)."""
    table = Table(title="各盟市矿业权数（按任务）", title_justify="left", box=box.SIMPLE_HEAD,
                  collapse_padding=True, pad_edge=False)
    table.add_column("盟市", no_wrap=True)
    for header in (*(task.label for task in plan.tasks), CANNOT_RESUME, "合计"):
        table.add_column(header, justify="right", no_wrap=True)
    for city, lines in groupby(counts, key=attrgetter("city")):
        totals = [c.ledger for c in lines if c.reason is None or c.task is None]
        table.add_row(city or "盟市不明", *map(str, totals), str(sum(totals)))
    console.print(table)


def render_report(console: Console, report: ValidationReport, plan: Plan) -> None:
    for result in report.files:
        render_file(console, result)
    for finding in report.region_findings:
        console.print(Text(f"  全区  警告 {finding.message}  [{finding.code}]", style="yellow"))
    if any(r.records for r in report.files):
        render_reconciliation(console, report.reconciliation, plan)
    if len({c.city for c in report.by_city}) > 1:
        render_city_counts(console, report.by_city, plan)
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

