"""Terminal rendering with rich (data in, text out): validation results and the field table.

One fault repeated down a column (a 盟市 that got every credit code wrong) would flood the terminal
with the same line hundreds of times: such faults are shown once, with their count, their share of
the rows and their first cells, and only the scattered ones row by row. ``--all`` lists every
finding; the JSON and the annotated copy always hold them all.

Text from a ledger (cell values in messages, sheet names) goes through ``text.visible`` and into
``Text`` objects, never markup: an ESC sequence in a cell must not reach the operator's terminal.
"""

from __future__ import annotations

from collections import Counter
from itertools import groupby
from operator import attrgetter

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuangquan_cli.checking.baseline import BaselineCheck
from kuangquan_cli.checking.catalogue import CATALOGUE, SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.grouping import FindingGroup, group_findings, share
from kuangquan_cli.checking.reconcile import CityCount, ReconRow
from kuangquan_cli.checking.validate import FileResult, ValidationReport, covers_region
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME
from kuangquan_cli.text import visible

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}
#: The cells a group names; the others are counted.
CELLS_SHOWN = 8
#: A group's different messages shown one by one; beyond this, its title and the first one.
MESSAGES_SHOWN = 5
GROUPED_NOTE = "同一列的同一问题较多时合并显示；加 --all 逐条列出，或加 --annotate 生成标注副本"
REGION_WIDE_TEXT = "全区台账"


def _file_line(result: FileResult) -> Text:
    mark, style = ("✘", "red") if result.errors else (("!", "yellow") if result.warnings else ("✔", "green"))
    scope = REGION_WIDE_TEXT if result.region_wide else result.city
    where = [p for p in (scope, f"工作表「{visible(result.sheet)}」" if result.sheet else None,
                         f"表头第 {result.header_row} 行" if result.header_row else None) if p]
    text = Text(f"{mark} ", style=style)
    text.append(result.file, style="bold")
    if where:
        text.append(f"（{'，'.join(where)}）")
    text.append(f"：{len(result.records)} 行，错误 {result.errors}，警告 {result.warnings}")
    return text


def _severity(finding: Finding) -> Text:
    return Text(f"{SEVERITY_TEXT[finding.severity]} ", style=_SEVERITY_STYLE[finding.severity])


def _by_row(findings: list[Finding]) -> list[Text]:
    """Findings under their row, one line each: cell, severity, message, code."""
    lines = []
    headers = {name: f.header for name, f in field_by_name().items()}
    for row, group in groupby(findings, key=lambda f: f.row):
        lines.append(Text(f"  第 {row} 行" if row else "  整个文件", style="bold"))
        for finding in group:
            line = Text("    ")
            line.append(f"{finding.cell or finding.column or '':<6}", style="cyan")
            line.append_text(_severity(finding))
            header = headers.get(finding.field or "")
            if header and header not in finding.message:
                line.append(f"{header}：", style="dim")
            line.append(visible(finding.message))
            line.append(f"  [{finding.code}]", style="dim")
            lines.append(line)
    return lines


def _group_lines(group: FindingGroup, total_rows: int) -> list[Text]:
    """The group's place and count, its message(s) once, and its first cells."""
    first = group.findings[0]
    count = len(group.findings)
    header = field_by_name()[first.field].header if first.field else None
    place = (f"{first.column} 列" if first.column else "") + (f"「{header}」" if header else "")
    rows = f"（{group.rows} 行）" if group.rows != count else ""
    head = Text(f"  {place}：", style="bold")
    head.append(f"{count} 处{rows}，占全部 {total_rows} 行的 {share(group.rows, total_rows)}")
    head.append(f"  [{group.code}]", style="dim")
    lines = [head]
    messages = Counter(f.message for f in group.findings)
    if len(messages) <= MESSAGES_SHOWN:
        for message, times in messages.most_common():
            line = Text("    ").append_text(_severity(first)).append(message)
            lines.append(line.append(f"（{times} 处）") if len(messages) > 1 else line)
    else:
        where = first.cell or f"第 {first.row} 行"
        title = CATALOGUE[group.code].title
        example = f"{title}，各处不同，如 {where}：{first.message}"
        lines.append(Text("    ").append_text(_severity(first)).append(example))
    cells = "、".join(f.cell or f"第 {f.row} 行" for f in group.findings[:CELLS_SHOWN])
    more = f" … 另有 {count - CELLS_SHOWN} 处" if count > CELLS_SHOWN else ""
    lines.append(Text(f"    {cells}{more}", style="cyan"))
    return lines


def render_file(console: Console, result: FileResult, every: bool = False) -> None:
    """The file's line and its findings, printed at once: rich wraps each line of a text by
    itself, so one print of the joined lines shows what a print per line would, and a print
    costs far more than a line (hundreds of findings in a large ledger).

    ``every``: each finding on its own line, none grouped.
    """
    row_findings = [f for r in result.records for f in r.findings]
    groups, scattered = ([], row_findings) if every else group_findings(row_findings)
    lines = [_file_line(result), *_by_row(result.file_findings)]
    for group in groups:
        lines += _group_lines(group, len(result.records))
    lines += _by_row(scattered)
    if groups:
        lines.append(Text(f"  {GROUPED_NOTE}", style="dim"))
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


def _count_cells(ledger: int, base: ReconRow | None) -> list[str | Text]:
    """个数, and with a baseline its count and the difference."""
    if base is None:
        return [str(ledger)]
    diff = ledger - base.ledger
    return [str(ledger), str(base.ledger), Text(f"{diff:+d}", style="red" if diff else "green")]


def render_counts(console: Console, report: ValidationReport, plan: Plan, baseline: BaselineCheck | None = None
                  ) -> None:
    """The rows of one 盟市's ledger (or of a few, short of the region) counted by task and reason.

    Set against the region's plan, a 盟市's figures only differ by large numbers that read like
    errors; its own counts are what its clerk checks, and with a ``baseline`` its own part of it
    beside them, with the difference.
    """
    cities = "、".join(dict.fromkeys(r.city for r in report.files if r.city)) or "本次校验的台账"
    table = Table(title=f"{cities}按任务和原因统计的矿业权个数", title_justify="left")
    headers = ("任务", "原因", "个数", *(("底数", "差额") if baseline else ()))
    for header in headers:
        table.add_column(header, justify="left" if header in ("任务", "原因") else "right")
    bases: list[ReconRow | None] = list(baseline.part) if baseline else [None] * len(report.reconciliation)
    shown = [(r, b) for r, b in zip(report.reconciliation, bases, strict=True) if r.ledger or (b and b.ledger)]
    placed = 0
    for task, group in groupby(shown, key=lambda pair: pair[0].task):
        (total, base_total), *reasons = group
        placed += total.ledger
        if task is None:  # the mines that cannot resume: one line, counted apart from the tasks
            table.add_row(CANNOT_RESUME, total.reason, *_count_cells(total.ledger, base_total), style="bold")
            continue
        table.add_row(plan.task(task).name, "合计", *_count_cells(total.ledger, base_total), style="bold")
        for row, base in reasons:
            table.add_row("", row.reason, *_count_cells(row.ledger, base))
        unplaced = total.ledger - sum(r.ledger for r, _ in reasons)
        base_unplaced = base_total.ledger - sum(b.ledger for _, b in reasons if b) if base_total else 0
        if unplaced or base_unplaced:
            rest = ReconRow(task, None, 0, base_unplaced) if base_total else None
            table.add_row("", "原因未填或有误", *_count_cells(unplaced, rest))
    console.print(table)
    if unknown := sum(len(r.records) for r in report.files) - placed:
        console.print(f"另有 {unknown} 行未能确定任务（矿业权类型、矿种类别或勘查程度未填或有误）")


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


#: Differences from the baseline listed in the terminal without ``--all``.
BASELINE_LISTED = 20


def render_baseline_findings(console: Console, check: BaselineCheck, every: bool = False) -> None:
    """The differences from the 盟市's part of the baseline, one line each (the first ones
    unless ``every``); the JSON always holds them all."""
    version = f"底数第 {check.info.version} 版（取自 {visible(check.info.source)}）"
    if not check.differences:
        console.print(Text(f"与{version}中{'、'.join(check.cities)}的部分一致", style="green"))
        return
    tally = check.tally()
    console.print(Text(f"与{version}中{'、'.join(check.cities)}的部分核对：缺少 {tally['missing']} 个，"
                       f"底数外 {tally['outside']} 个，不一致 {tally['differs']} 处", style="bold yellow"))
    listed = check.findings if every else check.findings[:BASELINE_LISTED]
    for finding in listed:
        line = Text("  ")
        line.append(f"{finding.cell or '':<6}", style="cyan")
        line.append_text(_severity(finding)).append(visible(finding.message)).append(f"  [{finding.code}]", style="dim")
        console.print(line)
    if len(listed) < len(check.findings):
        console.print(f"  ……另有 {len(check.findings) - len(listed)} 处；加 --all 全部列出", style="dim")


def render_report(console: Console, report: ValidationReport, plan: Plan, every: bool = False,
                  baseline: BaselineCheck | None = None) -> None:
    """Each file and its findings (``every``: none grouped), then the region's reconciliation
    when the files cover the region, else the files' own counts (beside their part of the
    ``baseline``, when one was checked, and its differences)."""
    for result in report.files:
        render_file(console, result, every)
    own = set(baseline.findings) if baseline else set()
    for finding in report.region_findings:
        if finding not in own:
            console.print(Text(f"  全区  警告 {visible(finding.message)}  [{finding.code}]", style="yellow"))
    if covers_region(report.files):
        render_reconciliation(console, report.reconciliation, plan)
    elif any(r.records for r in report.files):
        render_counts(console, report, plan, baseline)
    if len({c.city for c in report.by_city}) > 1:
        render_city_counts(console, report.by_city, plan)
    if baseline is not None:
        render_baseline_findings(console, baseline, every)
    rows = sum(len(r.records) for r in report.files)
    console.print(f"共 {len(report.files)} 个文件，{rows} 行：错误 {report.errors}，警告 {report.warnings}")


_REQUIRED = {"yes": "必填", "no": "选填", "conditional": "条件必填"}


def render_fields(console: Console) -> None:
    """The ledger's field table (``kq schema``): header and field name, whether required, hint
    and aliases. Three columns, the last one wrapping: the table stays whole at 80 columns."""
    table = Table(title="台账字段（按模板的列序）", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("表头 / 字段名", no_wrap=True)
    table.add_column("必填", no_wrap=True)
    table.add_column("说明 / 别名", overflow="fold")
    for f in fields():
        about = Text(f.hint)
        if f.aliases:
            about.append(f"{chr(10) if f.hint else ''}别名：{'、'.join(f.aliases)}", style="dim")
        table.add_row(Text(f.header).append(f"\n{f.name}", style="dim"), _REQUIRED[f.required], about)
    console.print(table)
