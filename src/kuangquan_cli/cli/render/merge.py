"""Terminal rendering of a merge and of the store's history with rich (data in, text out).

A week's inbox can produce thousands of findings: the terminal shows one line per file and the
cross-file problems; the cells are in the merged workbook's 问题清单 sheet. Text from the inbox
(reasons, licence numbers, file names) goes through ``text.visible`` into ``Text``, never markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuangquan_cli.checking.baseline import DIFFERS, MISSING, OUTSIDE, BaselineCheck, BaselineInfo
from kuangquan_cli.cli.render.changes import MERGE_LISTED, render_changes
from kuangquan_cli.cli.render.validation import render_reconciliation
from kuangquan_cli.merging.merge import MergeResult, SourceFile
from kuangquan_cli.merging.store import StoredInput, StoredWeek
from kuangquan_cli.merging.stored_inputs import Restored
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
    if result.baseline is not None:
        render_baseline_summary(console, result.baseline, result.missing_cities)
    render_changes(console, result.changes, result.label, listed=MERGE_LISTED)
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


#: How each kind of difference from the baseline is counted in a line.
BASELINE_KINDS = {MISSING: "缺少", OUTSIDE: "底数外", DIFFERS: "不一致"}


def baseline_title(info: BaselineInfo) -> str:
    """``底数第 2 版（2022-09-21 存入，取自 2022-W38）``."""
    return f"底数第 {info.version} 版（{info.created_at[:10]} 存入，取自 {visible(info.source)}）"


def render_baseline_summary(console: Console, check: BaselineCheck, not_sent: list[str]) -> None:
    """A few lines: the differences from the baseline in all and per 盟市; the 盟市 not checked."""
    tally = check.tally()
    if not any(tally.values()):
        console.print(Text(f"与{baseline_title(check.info)}核对：各盟市的矿业权与底数一致", style="green"))
    else:
        counted = "，".join(f"{BASELINE_KINDS[kind]} {n} 个" for kind, n in tally.items())
        console.print(Text(f"与{baseline_title(check.info)}核对：{counted}", style="bold yellow"))
        for city, kinds in check.by_city().items():
            counts = "，".join(f"{BASELINE_KINDS[kind]} {n}" for kind, n in kinds.items() if n)
            console.print(Text(f"  {city or '盟市不明'}：{counts}"))
        console.print("逐矿权的差异和各盟市分任务的底数与本周数见汇总台账的「底数核对」工作表", style="dim")
    if not_sent:
        console.print(Text(f"  {'、'.join(not_sent)}未报送，未与底数核对", style="yellow"))


def render_baselines(console: Console, versions: list[BaselineInfo]) -> None:
    if not versions:
        console.print("数据库中还没有底数；用 kq baseline --week N 或 kq baseline 全区台账.xlsx 存入")
        return
    table = Table(title="已存的底数（汇总时与最新一版核对）", title_justify="left")
    for header in ("版本", "存入时间", "来源", "矿业权数", "说明"):
        table.add_column(header, justify="right" if header in ("版本", "矿业权数") else "left")
    for v in versions:
        table.add_row(str(v.version), v.created_at, Text(v.source), str(v.rights), Text(v.note or ""))
    console.print(table)


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"


def render_inputs(console: Console, label: str, inputs: list[StoredInput]) -> None:
    table = Table(title=f"{label} 汇总时读取的文件", title_justify="left")
    for header in ("文件", "盟市", "大小", "SHA-256", "状态", "原件"):
        table.add_column(header, justify="right" if header == "大小" else "left")
    for i in inputs:
        table.add_row(Text(i.file), i.city or "", _size(i.size), i.sha256[:16], STATUS_TEXT[i.status].merge,
                      "已保存" if i.stored else Text("未保存", style="yellow"))
    console.print(table)
    if not all(i.stored for i in inputs):
        console.print("未保存原件的：该周在 kq 保存原件之前汇总，或文件无法读取", style="dim")


def render_restored(console: Console, label: str, restored: list[Restored]) -> None:
    written = [r for r in restored if r.path is not None]
    for r in written:
        console.print(Text(f"已写回 {r.input.file}" + (f" → {r.path.name}" if r.path and r.path.name != r.input.file
                                                    else "")))
    for r in restored:
        if r.path is None:
            console.print(Text(f"未保存原件，无法写回：{r.input.file}", style="yellow"))
    folder = written[0].path.parent if written and written[0].path else ""
    console.print(f"{label}：{len(written)} 个文件已原样写回 {folder}", soft_wrap=True)
