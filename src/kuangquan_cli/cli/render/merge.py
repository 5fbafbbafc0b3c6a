"""Terminal rendering of a merge and of the store's history with rich (data in, text out).

A week's inbox can produce thousands of findings: the terminal shows one line per file and the
cross-file problems; the cells are in the merged workbook's 问题清单 sheet. Text from the inbox
(reasons, licence numbers, file names) goes through ``text.visible`` into ``Text``, never markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuangquan_cli.cli.render.validation import render_reconciliation
from kuangquan_cli.merging.merge import MergeResult, SourceFile
from kuangquan_cli.merging.store import StoredWeek
from kuangquan_cli.merging.submissions import DUPLICATE, REJECTED, STATUS_TEXT
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.text import visible

#: Cross-file duplicates listed in the terminal; the rest are in the workbook.
MAX_LISTED = 20


def _file_line(source: SourceFile, flagged: int) -> Text:
    r = source.result
    if source.status == REJECTED:
        mark, style = "✘", "red"
    elif source.status == DUPLICATE or r.errors:
        mark, style = "!", "yellow" if source.status == DUPLICATE else "red"
    else:
        mark, style = ("!", "yellow") if r.warnings else ("✔", "green")
    text = Text(f"{mark} ", style=style)
    text.append(source.file, style="bold")
    if r.city:
        text.append(f"（{r.city}）")
    text.append(f"：{STATUS_TEXT[source.status].merge}")
    if source.status == REJECTED:
        text.append(f"——{visible(source.reason or '')}")
    else:
        text.append(f"，{len(r.records)} 行（待核实 {flagged}），错误 {r.errors}，警告 {r.warnings}")
    if source.on_time is False and source.arrived:
        text.append(f"；逾期报送（{source.arrived:%m-%d %H:%M} 收到）", style="yellow")
    return text


def _scans(console: Console, result: MergeResult) -> None:
    """The stamped scans by 盟市, those of no 盟市, and the 盟市 that sent none."""
    matched = [s for s in result.scans if s.city]
    if matched:
        console.print(Text(f"盖章扫描版：{'、'.join(f'{s.file}（{s.city}）' for s in matched)}"))
    for scan in result.scans:
        if scan.city is None:
            console.print(Text(f"! {scan.file}：扫描件文件名中没有盟市名称，未能对应盟市", style="yellow"))
    missing = result.cities_without_scan
    if missing:
        console.print(Text(f"未收到盖章扫描版：{'、'.join(missing)}（{len(missing)} 个盟市）", style="yellow"))
    if result.deadline:
        console.print(Text(f"报送时限：{result.deadline:%Y-%m-%d %H:%M}（按文件存入文件夹的时间判断是否按时）",
                           style="dim"))


def _cross_file(console: Console, result: MergeResult) -> None:
    if result.missing_cities:
        console.print(Text(f"未报送：{'、'.join(result.missing_cities)}", style="bold red"))
    for city, files in result.duplicate_cities.items():
        console.print(Text(f"重复报送：{city}——{'、'.join(files)}（按 {files[0]} 统计）", style="bold red"))
    if result.duplicate_licences:
        console.print(Text(f"许可证号跨文件重复 {len(result.duplicate_licences)} 个：", style="bold red"))
        for dup in result.duplicate_licences[:MAX_LISTED]:
            places = "、".join(f"{file} 第 {row} 行" for file, row in dup.places)
            console.print(Text(f"  {visible(dup.licence_no)}：{places}"))
        if len(result.duplicate_licences) > MAX_LISTED:
            console.print(f"  ……另有 {len(result.duplicate_licences) - MAX_LISTED} 个，见汇总台账的「问题清单」")


def render_merge(console: Console, result: MergeResult, plan: Plan) -> None:
    console.print(Text(f"{result.label} 汇总：{len(result.sources)} 个台账文件", style="bold"))
    flagged = result.flagged_by_file()
    for source in result.sources:
        console.print(_file_line(source, flagged[source.file]))
    if result.ignored:
        console.print(Text(f"已忽略非台账文件：{visible('、'.join(result.ignored))}", style="dim"))
    _cross_file(console, result)
    _scans(console, result)
    render_reconciliation(console, result.reconciliation, plan)
    rows_flagged = result.rows_flagged
    console.print(
        f"共 {result.rows_in} 行：汇总 {result.rows_in - rows_flagged} 行，待核实 {rows_flagged} 行；"
        f"错误 {result.errors}，警告 {result.warnings}"
    )
    if result.findings:
        console.print("每个问题所在的单元格见汇总台账的「待核实」和「问题清单」工作表", style="dim")
    outputs = result.outputs  # paths are printed whole (soft wrap), so they can be copied
    if outputs["workbook"]:
        console.print(f"汇总台账：{outputs['workbook']}", soft_wrap=True)
    if outputs["db"]:
        saved = f"已保存 {result.label} 的快照" + ("；该周原有的快照已整体替换" if result.replaced else "")
        console.print(f"数据库：{outputs['db']}（{saved}）", soft_wrap=True)


def render_history(console: Console, weeks: list[StoredWeek]) -> None:
    if not weeks:
        console.print("数据库中还没有汇总记录")
        return
    table = Table(title="已保存的周汇总", title_justify="left")
    for header in ("周次", "行数", "已汇总", "待核实", "文件数", "汇总时间"):
        table.add_column(header, justify="left" if header in ("周次", "汇总时间") else "right")
    for w in weeks:
        table.add_row(w.label, str(w.rows_in), str(w.rows_merged), str(w.rows_flagged), str(w.files), w.stored_at)
    console.print(table)
