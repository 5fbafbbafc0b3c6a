"""The report's sentences, written once for both the HTML and the Markdown.

They are plain text built from the report data, so each template prints them through its own
escaping exactly once (Jinja macros would be escaped twice in the Markdown template).
"""

from __future__ import annotations

from kuangquan_cli.report.formats import cn_date, pct, pp
from kuangquan_cli.report.model import ReportData

LAG_RULE = ("点名的情形：本周未报送台账、台账未通过校验、逾期报送或报送的是以前某周的台账；与上周相比没有新完成、"
            "手续办结或由未启动转为推进中的矿业权；有矿业权从台账中消失、由已完成退回或转为不具备条件；"
            "完成率不足全区的一半；有逾期未完成事项。")
TREND_NOTE = "数据库中积累两周以上的汇总后，这里显示全区完成率的逐周变化。"
RATE_NOTE = "完成率 = 已完成 ÷（矿业权数 − 不具备条件）。"
TASK_NOTE = "分任务的台账数与方案底数同口径，不含因开采条件限制不具备复产条件的矿山（见总体进展表）。"
STATS_NOTE = "数量含不具备条件的矿山，与汇总台账“盟市统计”工作表一致。"
SOE_NOTE = ("国有企业指台账“是否国有企业”填“是”的矿业权人，以及方案点名支持的企业（矿业权人名称含其名，含所属企业）；"
            "逐个矿业权见汇总台账的“国有企业”工作表，待办手续与“部门手续清单”工作表一致。")
#: Who issues the 通报: the office of the joint conference that runs the programme.
ISSUER = "自治区盘活矿业权工作厅际联席会议办公室"
CORRECTION_NOTE = "错误所在单元格见汇总台账的“待核实”“问题清单”工作表，请相关盟市改正后重新报送。"


def generated(d: ReportData) -> str:
    return f"本通报由 kq 根据数据库中{d.label}的汇总生成（{d.plan_name}）。"


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
        parts.append(f"（按两周都在台账中的{o.compared_rights}个矿业权同口径比较）")
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
    return (f"“较上周”“本周新增”均与{d.previous}的汇总逐矿权（按许可证号）比较得出：本周新增完成 = 新完成 − "
            "由已完成退回；完成率较上周只比较两周都在台账中、两周都不是不具备条件的矿业权（同口径），"
            "各盟市只比较两周都在本盟市台账中的。")


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
    compared = ("；“本周办结”只计任务类别和原因分类都未变、不再列为所缺手续的手续（矿业权从台账中消失、改分类或转为"
                "不具备条件的不计），“本周新增”只计两周都在台账中的矿业权") if d.previous else ""
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


def soe(d: ReportData) -> str:
    """国有企业: how far their rights are, the plan's named enterprises, and what they wait for."""
    s = d.soe
    if not s.rights:
        return "本周纳入汇总的台账中没有国有企业的矿业权。"
    parts = [f"台账中国有企业的矿业权共{s.rights}个（占全区{pct(s.rights / d.overall.rights)}），"
             f"已完成{s.done}个，完成率{pct(s.rate)}（全区{pct(d.region_rate)}）。"]
    for g in s.groups:
        if g.rights:
            parts.append(f"其中{g.name}及所属企业{g.rights}个，已完成{g.done}个，完成率{pct(g.rate)}，"
                         f"{g.pending_rights}个矿业权尚有待办手续{g.procedures}项。")
        else:
            parts.append(f"台账中没有{g.name}及所属企业的矿业权。")
    if s.procedures:
        parts.append(f"国有企业未完成的矿业权共有待办手续{s.procedures}项，涉及{s.waiting_total}个矿业权，"
                     "请相关成员单位按方案要求支持国有企业加快推进相关手续办理。")
    return "".join(parts)


def ledger_changes(d: ReportData) -> str:
    if d.previous is None:
        return "数据库中没有更早的汇总，本期不作逐矿权比较。"
    said = (f"与{d.previous}的汇总逐矿权（按许可证号）比较。从台账中消失、新增、改报其他盟市、许可证号变更、"
            "由已完成退回、完成日期变更、转为不具备条件、任务或原因变更的矿业权逐个列出，请相关盟市核实说明；"
            "新完成、手续办结和启动只计数。本周未报送的盟市不列消失，上周未报送的盟市不列新增。")
    if not d.ledger_changes:
        return said + "各盟市台账与上周相比没有变动。"
    if not any(c.items for c in d.ledger_changes):
        return said + "本周没有需要核实的变动。"
    return said


def stale(d: ReportData) -> str:
    return "".join(f"{s.city or '（未识别盟市）'}报送的 {s.file}：{s.message}。" for s in d.stale_files)


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
        "departments": departments(d), "ledger_changes": ledger_changes(d), "stale": stale(d), "lag_rule": LAG_RULE,
        "rate_note": RATE_NOTE, "task_note": TASK_NOTE, "stats_note": STATS_NOTE,
        "submission_note": submission_note(d), "scans": scans(d), "baseline": baseline(d), "soe": soe(d),
        "soe_note": SOE_NOTE, "trend_note": TREND_NOTE, "issuer": ISSUER, "generated": generated(d),
    }
