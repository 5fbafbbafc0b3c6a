"""国有企业: the plan asks to support 内蒙古能源集团 and other state-owned enterprises in their
procedures; the 通报 (HTML, Markdown, Word) and the merged workbook's 国有企业 sheet say how far
their rights are, what they wait for and from which department, and count alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.report.assemble import SOE_LISTED, build_report
from kuangquan_cli.report.model import SoeSection
from kuangquan_cli.report.render import render_report, report_content
from support import city_rows, sheet, write_city

GROUP = "内蒙古能源集团"


# ---- the sample region: the 通报 counts as the workbook does ---------------------------------------


def test_rights_by_task_and_status_equal_the_sheet(region):
    soe, lines = region.w38.soe, sheet(region.workbooks[38], "国有企业")
    assert soe.rights == len(lines) > 0
    by_status = Counter((line["任务类别"], line["进展状态"]) for line in lines)
    for task in soe.tasks:
        counted = (by_status[task.label, "未启动"], by_status[task.label, "推进中"], by_status[task.label, "已完成"],
                   by_status[task.label, "不具备条件"])
        assert (task.not_started, task.in_progress, task.done, task.cannot_resume) == counted
        assert task.rights == sum(n for (label, _), n in by_status.items() if label == task.label)
    assert soe.done == sum(1 for line in lines if line["进展状态"] == "已完成")
    assert all(line["是否国有企业"] == "是" or GROUP in line["矿业权人"] for line in lines)


def test_pending_procedures_by_department_equal_the_department_sheet(region):
    """The SOE rights' lines of 部门手续清单, found by source file and row, per department."""
    workbook, soe = region.workbooks[38], region.w38.soe
    rights = {(line["来源文件"], line["来源行"]) for line in sheet(workbook, "国有企业")}
    pending = [line for line in sheet(workbook, "部门手续清单") if (line["来源文件"], line["来源行"]) in rights]
    assert {d.department: d.procedures for d in soe.departments} == dict(Counter(p["部门"] for p in pending))
    per_department = {d.department: d.rights for d in soe.departments}
    for department, count in per_department.items():
        assert count == len({(p["来源文件"], p["来源行"]) for p in pending if p["部门"] == department})
    assert soe.procedures == len(pending) > 0


def test_the_named_rights_are_the_sheets_with_pending_procedures_group_first(region):
    soe, lines = region.w38.soe, sheet(region.workbooks[38], "国有企业")
    waiting = [line for line in lines if line["待办手续"]]
    assert soe.waiting_total == len(waiting) and len(soe.waiting) == min(len(waiting), SOE_LISTED)
    assert [(r.licence_no, r.holder, r.pending) for r in soe.waiting] == [
        (line["许可证号"], line["矿业权人"], line["待办手续"]) for line in waiting[:SOE_LISTED]]
    named = [line["方案点名企业"] == GROUP for line in lines]
    assert named == sorted(named, reverse=True)  # the plan's enterprise first
    assert all(line["进展状态"] not in ("已完成", "不具备条件") for line in waiting)

    (group,) = soe.groups
    mine = [line for line in lines if line["方案点名企业"] == GROUP]
    assert (group.name, group.rights, group.done) == (GROUP, len(mine),
                                                      sum(line["进展状态"] == "已完成" for line in mine))
    assert group.pending_rights == sum(bool(line["待办手续"]) for line in mine) > 0
    text = render_report(region.w38, "html")
    assert f"其中{GROUP}及所属企业{group.rights}个，已完成{group.done}个" in text


def test_the_section_is_in_every_format(region, tmp_path):
    soe = region.w38.soe
    html = render_report(region.w38, "html")
    section = html[html.index("<h2>六、国有企业推进情况"):html.index("<h2>七、")]
    assert section.count("<tr") == (len(soe.tasks) + 2) + (len(soe.departments) + 2) + (len(soe.waiting) + 1)
    assert f"台账中国有企业的矿业权共{soe.rights}个" in section
    md = render_report(region.w38, "md")
    for task in soe.tasks:
        assert f"| {task.name} | {task.rights} | {task.not_started} | {task.in_progress} | {task.done} |" in md
    path = tmp_path / "通报.docx"
    path.write_bytes(report_content(region.w38, "docx"))
    document = docx.Document(str(path))
    assert "六、国有企业推进情况" in [p.text for p in document.paragraphs]
    by_task = next(t for t in document.tables if t.rows[0].cells[1].text == "矿业权数"
                   and t.rows[0].cells[5].text == "不具备条件")
    assert [c.text for c in by_task.rows[-1].cells][:2] == ["合计", str(soe.rights)]


# ---- which rights are a state-owned enterprise's ---------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """包头市 with five rights: 是, the plan's enterprise without 是, 否, a done 是, and a blank."""
    tmp = tmp_path_factory.mktemp("soe")
    rows = city_rows("包头市", 5, 0)
    rows[0].update(soe="是", holder="包头某国有矿业公司")
    rows[1].update(soe=None, holder="内蒙古能源集团白云矿业有限公司")
    rows[2].update(soe="否", holder="包头某民营矿业公司")
    rows[3].update(soe="是", holder="包头钢铁（集团）有限责任公司")  # VARIANTS[3]: 已完成
    rows[4].update(soe=None, holder="包头某公司")
    inbox = tmp / "2022-W38"
    inbox.mkdir()
    write_city(inbox, "包头市", rows)
    db = tmp / "kq.db"
    merge_and_store(inbox, load_plan(), 2022, 38, out=tmp / "汇总.xlsx", db=db)
    return tmp


def test_yes_or_a_named_holder_counts_and_only_unfinished_rights_wait(small):
    lines = sheet(small / "汇总.xlsx", "国有企业")
    assert [line["矿业权人"] for line in lines] == ["内蒙古能源集团白云矿业有限公司", "包头某国有矿业公司",
                                                 "包头钢铁（集团）有限责任公司"]
    first, second, done = lines
    assert (first["方案点名企业"], first["是否国有企业"], second["方案点名企业"]) == (GROUP, None, None)
    # row 2 of city_rows is a task-(一) coal right without procedures; row 1 a task-(四) one with two
    departments = "自治区应急管理厅；自治区自然资源厅"
    assert (second["待办手续"], second["办理部门"]) == ("安全生产许可证、用地手续", departments)
    assert (done["进展状态"], done["待办手续"], done["办理部门"]) == ("已完成", None, None)
    with Store(small / "kq.db") as store:
        soe = build_report(store, load_plan(), 2022, 38).soe
    assert (soe.rights, soe.done, soe.waiting_total, soe.procedures) == (3, 1, 1, 2)
    assert [(d.department, d.procedures, d.rights) for d in soe.departments] == [
        ("自治区应急管理厅", 1, 1), ("自治区自然资源厅", 1, 1)]


def test_a_plan_without_named_enterprises_counts_by_the_column(small, tmp_path):
    source = Path(__file__).parents[1] / "schemas" / "plan-2022.toml"
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text("\n".join(line for line in source.read_text(encoding="utf-8").splitlines()
                                   if not line.startswith("supported_soes")), encoding="utf-8")
    plan = load_plan(plan_file)
    assert plan.supported_soes == []
    with Store(small / "kq.db") as store:
        soe = build_report(store, plan, 2022, 38).soe
    assert (soe.rights, soe.groups) == (2, [])


def test_no_state_owned_rights_says_so(small):
    with Store(small / "kq.db") as store:
        data = build_report(store, load_plan(), 2022, 38)
    empty = SoeSection(tasks=[], departments=[], groups=[], waiting=[], waiting_total=0)
    text = render_report(replace(data, soe=empty), "html")
    assert "本周纳入汇总的台账中没有国有企业的矿业权。" in text and "国有企业矿业权分任务进展" not in text
