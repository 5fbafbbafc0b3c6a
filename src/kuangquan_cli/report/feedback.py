"""The 反馈单 that ``kq pack`` sends each 盟市 beside its annotated ledger: one printed page.

It says what the 通报 says of that 盟市 (its figures, rank and why it is named, from the same
``ReportData``), what changed since last week (its 台账变动: the kinds counted, each right of a
warning named for it to explain), the problems of its ledger by cell (one repeated fault down a
column is one line, ``checking.grouping``), and what to correct by when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kuangquan_cli.checking.catalogue import CATALOGUE, SEVERITY_TEXT
from kuangquan_cli.checking.findings import Finding
from kuangquan_cli.checking.grouping import FindingGroup, group_findings
from kuangquan_cli.outputs.sheets import Table
from kuangquan_cli.reference.tables import field_by_name
from kuangquan_cli.report.formats import cn_date, pct, pp
from kuangquan_cli.report.model import CityLine, ReportData

#: Lines of problems a page holds; the rest are counted (all are in the annotated copy).
PROBLEM_LINES = 12
#: Cells a grouped problem names.
CELLS_SHOWN = 5
#: Overdue rights named.
OVERDUE_NAMED = 5
#: Changes to explain named (the warnings among the 盟市's changes since last week).
CHANGES_NAMED = 5


@dataclass(frozen=True)
class Copy:
    """What became of a file's annotated copy: its name, or why there is none."""

    file: str
    annotated: str | None
    reason: str | None = None


def feedback_title(data: ReportData, city: str) -> str:
    return f"{city}盘活矿业权台账反馈单（{data.year}年第{data.week}周）"


def _moment(moment: datetime) -> str:
    return f"{cn_date(moment.date())} {moment:%H:%M}"


def _sent(data: ReportData, city: str) -> str:
    sent = [s for s in data.submissions if s.city == city]
    lines = []
    for s in sent:
        if s.file is None:
            lines.append("电子版：本周未收到")
        else:
            arrival = f"，{s.arrival_text} 收到" if s.arrival_text else ""
            lines.append(f"电子版：{s.file}（{s.text.merge}{arrival}，{s.report_text}）")
    if sent and sent[0].scans is not None:  # a 盟市's scans stand on each of its lines
        lines.append(f"盖章扫描版：{sent[0].scan_text}")
    return "\n".join(lines)


def _figures(data: ReportData, line: CityLine) -> str:
    if not line.sent:
        return "本周台账未纳入汇总，没有本周数字。"
    ranked = sum(c.rank is not None for c in data.cities)
    rank = f"，在 {ranked} 个盟市中排第 {line.rank} 位" if line.rank else ""
    return (f"台账列矿业权 {line.rights} 个（其中不具备条件 {line.cannot_resume} 个），已完成 {line.done} 个，"
            f"完成率 {pct(line.rate)}（全区 {pct(data.region_rate)}）{rank}。")


def _changes(data: ReportData, line: CityLine) -> str:
    """Since last week: the 盟市's changes by kind, its rate, and each right of a warning to explain."""
    if data.previous is None:
        return "数据库中没有更早的汇总，本期不作比较。"
    if not line.sent or line.progress is None:
        return f"本周或 {data.previous} 未纳入汇总，不作比较。"
    mine = next((c for c in data.ledger_changes if c.city == line.city), None)
    parts = [f"与 {data.previous} 相比：{mine.summary if mine else '台账没有变动'}"]
    if line.newly_done is not None:
        parts.append(f"，本周新增完成 {line.newly_done} 个")
    if line.rate_change is not None:
        parts.append(f"，完成率较上周 {pp(line.rate_change)} 个百分点")
    lines = ["".join(parts) + "。"]
    items = mine.items if mine else []
    if items:
        lines.append("请核实说明：")
        lines += [f"{i.licence_no}（{i.right_name or '名称未填'}）：{i.message}" for i in items[:CHANGES_NAMED]]
        if len(items) > CHANGES_NAMED:
            lines.append(f"……另有 {len(items) - CHANGES_NAMED} 项，见汇总台账「台账变动」表")
    return "\n".join(lines)


def _overdue(data: ReportData, city: str, line: CityLine) -> str:
    if not line.overdue:
        return "无"
    named = [f"{i.right_name or i.licence_no}（{i.deadline.isoformat()}，逾期 {i.days} 天）"
             for i in data.overdue if i.city == city][:OVERDUE_NAMED]
    more = "等" if line.overdue > len(named) else ""
    return f"{line.overdue} 项：{'、'.join(named)}{more}"


def _group_line(group: FindingGroup) -> str:
    first = group.findings[0]
    header = field_by_name()[first.field].header if first.field else None
    place = (f"{first.column} 列" if first.column else "") + (f"「{header}」" if header else "")
    cells = "、".join(f.cell or f"第 {f.row} 行" for f in group.findings[:CELLS_SHOWN])
    more = " …" if len(group.findings) > CELLS_SHOWN else ""
    return (f"{place}：{CATALOGUE[group.code].title}，{len(group.findings)} 处（{cells}{more}），"
            f"如：{first.message}")


def _finding_line(finding: Finding) -> str:
    where = finding.cell or (f"第 {finding.row} 行" if finding.row else "整个文件")
    level = "" if finding.is_error else f"（{SEVERITY_TEXT[finding.severity]}）"
    return f"{where}{level}：{finding.message}"


def _problems(findings: Sequence[Finding], copies: Sequence[Copy]) -> str:
    """Errors first, each fault repeated down a column once, then the warnings; a page's worth."""
    if not copies:
        return "本周未收到台账。"
    if not findings:
        return "未发现问题。"
    errors = [f for f in findings if f.is_error]
    warnings = [f for f in findings if not f.is_error]
    lines = [f"错误 {len(errors)} 处，警告 {len(warnings)} 处："]
    for part in (errors, warnings):
        groups, scattered = group_findings(list(part))
        lines += [_group_line(g) for g in groups] + [_finding_line(f) for f in scattered]
    shown = lines[: PROBLEM_LINES + 1]
    if len(lines) > len(shown):
        shown.append(f"……另有 {len(lines) - len(shown)} 条，见标注副本")
    return "\n".join(shown)


def _copies(copies: Sequence[Copy]) -> str:
    if not copies:
        return "本周未收到台账，没有标注副本。"
    return "\n".join(
        f"{c.annotated}：错误单元格标红、警告标黄，批注写明问题和改法，首页「校验结果」可逐条跳转" if c.annotated
        else f"{c.file}：未能生成标注副本（{c.reason}）"
        for c in copies
    )


def _due(data: ReportData, line: CityLine, next_due: datetime | None, findings: Sequence[Finding]) -> str:
    errors = sum(f.is_error for f in findings)
    scan = "，并补报加盖公章的扫描版" if data.without_scan and line.city in data.without_scan else ""
    if not line.sent:
        return f"本周台账未纳入汇总，请尽快补报{scan}。"
    if errors and next_due:
        return f"请于 {_moment(next_due)} 前改正上述 {errors} 处错误，重新报送台账{scan}。"
    if errors:
        return f"请改正上述 {errors} 处错误，在下周报送台账时一并报送{scan}。"
    if next_due:
        return f"下周台账请于 {_moment(next_due)} 前报送{scan}。"
    return f"请按时报送下周台账{scan}。"


def feedback_table(data: ReportData, city: str, findings: Sequence[Finding], copies: Sequence[Copy],
                   next_due: datetime | None) -> Table:
    """The 反馈单 of ``city`` as a two-column form printed on one page.

    ``findings``: the problems of the 盟市's files as stored by the merge (cross-file ones
    included); ``copies``: its annotated copies; ``next_due``: the next week's deadline.
    """
    line = next(c for c in data.cities if c.city == city)
    reasons = "；".join(r.text for r in line.reasons) or "无"
    rows = [
        ["周次", f"{data.year}年第{data.week}周（{data.period}）"],
        ["报送情况", _sent(data, city)],
        ["本周进展", _figures(data, line)],
        ["与上周比较", _changes(data, line)],
        ["通报点名", reasons],
        ["逾期未完成", _overdue(data, city, line)],
        ["台账问题", _problems(findings, copies)],
        ["标注副本", _copies(copies)],
        ["改正时限", _due(data, line, next_due, findings)],
    ]
    return Table("反馈单", ["项目", "内容"], [[label, text] for label, text in rows],
                 caption=feedback_title(data, city), one_page=True)
