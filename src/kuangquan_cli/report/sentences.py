"""The report's sentences, written once for both the HTML and the Markdown.

They are plain text built from the report data, so each template prints them through its own
escaping exactly once (Jinja macros would be escaped twice in the Markdown template).
"""

from __future__ import annotations

from kuangquan_cli.report.formats import cn_date, pct, pp
from kuangquan_cli.report.model import ReportData

LAG_RULE = ("点名的情形：本周未报送台账、台账未通过校验或逾期报送；与上周相比无任何矿业权的进展状态、完成日期或所缺手续"
            "发生变化；完成率不足全区的一半；有逾期未完成事项。")
RATE_NOTE = "完成率 = 已完成 ÷（矿业权数 − 不具备条件）。"
TASK_NOTE = "分任务的台账数与方案底数同口径，不含因开采条件限制不具备复产条件的矿山（见总体进展表）。"
STATS_NOTE = "数量含不具备条件的矿山，与汇总台账“盟市统计”工作表一致。"
CORRECTION_NOTE = "错误所在单元格见汇总台账的“待核实”“问题清单”工作表，请相关盟市改正后重新报送。"


def overall(d: ReportData) -> str:
    o = d.overall
    parts = [f"截至{cn_date(d.sunday)}，全区{o.cities_total}个盟市中{o.cities_sent}个的台账纳入本周汇总"]
    if o.missing_cities:
        parts.append(f"（{'、'.join(o.missing_cities)}未报送或未能汇总，本周数字不含其台账）")
    parts.append(f"，台账共列矿业权{o.rights}个。已完成{o.done}个，完成率{pct(o.rate)}")
    if o.newly_done is not None:
        parts.append(f"，本周新增完成{o.newly_done}个")
    if o.rate_change is not None:
        parts.append(f"，完成率较上周{pp(o.rate_change)}个百分点")
        if o.compared_cities is not None:
            parts.append(f"（按两周均纳入汇总的{o.compared_cities}个盟市比较）")
    groups = []
    for g in o.groups:
        done = f"，已完成{g.done}个，完成率{pct(g.rate)}" if g.done is not None else ""
        groups.append(f"{g.name}台账{g.ledger}个（方案底数{g.plan}个）{done}")
    parts.append("。" + "；".join(groups) + "。")
    goal = cn_date(o.goal_date)
    if o.days_left >= 0:
        parts.append(f"距{goal}“盘活一批矿业权”的目标时限还有{o.days_left}天。")
    else:
        parts.append(f"已超过{goal}的目标时限{-o.days_left}天。")
    return "".join(parts)


def comparison(d: ReportData) -> str:
    if d.previous is None:
        return "数据库中没有更早的汇总，本期不作周比较。"
    return f"“较上周”“本周新增”均与{d.previous}的汇总逐矿权（按许可证号）比较得出，只计两周都在台账中的矿业权。"


def laggards(d: ReportData) -> str:
    named = d.laggards
    if not named:
        return "本周各盟市均有进展，台账均已报送并通过校验。"
    cities = "、".join(c.city for c in named)
    return (f"{cities}共{len(named)}个盟市工作推进不力或台账报送存在问题，予以通报。"
            "请上述盟市抓紧推进，并在下周报送台账时说明情况。")


def overdue(d: ReportData) -> str:
    if not d.overdue_total:
        return f"截至{cn_date(d.sunday)}，没有超过计划完成时限仍未完成的矿业权。"
    return (f"计划完成时限早于{cn_date(d.sunday)}、进展状态既非“已完成”也非“不具备条件”的矿业权共{d.overdue_total}项，"
            "请相关盟市和牵头部门督促办理。")


def departments(d: ReportData) -> str:
    compared = "；“本周办结”“本周新增”只计两周都在台账中的矿业权" if d.previous else ""
    return (f"按方案手续分工，列出未完成矿业权所缺手续由哪个成员单位办理（每个矿业权的每项手续计一次）{compared}。"
            "逐项清单见汇总台账的“部门手续清单”工作表。")


def submission_note(d: ReportData) -> str:
    """What 按时报送 means this week: arrived by the deadline, when one was set; else no claim."""
    if d.deadline is None:
        return f"本周未设报送时限，只记是否报送、不判断是否按时。{CORRECTION_NOTE}"
    due = f"{cn_date(d.deadline.date())} {d.deadline:%H:%M}"
    late = f"{'、'.join(d.late)}逾期报送。" if d.late else ""
    return (f"“按时报送”指台账在报送时限（{due}）前收到，“逾期报送”指此后收到（以台账文件存入收件文件夹的时间为准）。"
            f"{late}{CORRECTION_NOTE}")


def scans(d: ReportData) -> str:
    """The 盟市 that sent no stamped scan, named (the plan asks for the ledger in both forms)."""
    missing = d.without_scan
    if missing is None:
        return ""
    if not missing:
        return "各盟市均已报送加盖公章的台账扫描版。"
    return (f"按方案要求，台账应同时报送电子版和加盖公章扫描版。{'、'.join(missing)}共{len(missing)}个盟市"
            "本周未报送盖章扫描版，请尽快补报。")


#: 盟市 named in the baseline paragraph; the workbook lists every difference.
BASELINE_CITIES_NAMED = 5


def baseline(d: ReportData) -> str:
    """One paragraph: the week against the stored baseline (empty when none was stored)."""
    b = d.baseline
    if b is None:
        return ""
    parts = [f"对照{cn_date(b.created_at)}存入的第{b.version}版底数（取自{b.source}，共{b.rights}个矿业权）逐矿权核对"]
    if not b.total:
        parts.append("，已报送各盟市的台账与底数一致")
    else:
        parts.append(f"：底数中有而台账中没有的{b.missing}个，不在底数中的{b.outside}个，"
                     f"盟市、任务或原因与底数不一致的{b.differs}处")
        named = [f"{city}{n}处" for city, n in list(b.by_city.items())[:BASELINE_CITIES_NAMED]]
        more = "等" if len(b.by_city) > BASELINE_CITIES_NAMED else ""
        parts.append(f"，涉及{'、'.join(named)}{more}；逐矿权清单见汇总台账“底数核对”工作表，请相关盟市核实")
    if b.not_checked:
        parts.append(f"。{'、'.join(b.not_checked)}未报送，未核对")
    return "".join(parts) + "。"


def sentences(d: ReportData) -> dict[str, str]:
    """Every sentence the templates print, by name."""
    return {
        "overall": overall(d), "comparison": comparison(d), "laggards": laggards(d), "overdue": overdue(d),
        "departments": departments(d), "lag_rule": LAG_RULE, "rate_note": RATE_NOTE, "task_note": TASK_NOTE,
        "stats_note": STATS_NOTE, "submission_note": submission_note(d), "scans": scans(d), "baseline": baseline(d),
    }
