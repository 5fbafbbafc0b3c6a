"""Each message says what is wrong and what is allowed, quotes the cell as the 盟市 wrote it, and
comes once per cell; the official task names are read; a guess is offered, never taken."""

from __future__ import annotations

import pytest

from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.tables import enumerations
from support import credit_code, invoke, kq, row, write_inbox

REASONS = "基建技改、采空区灾害治理、市场原因、缺少手续、企业自身原因、探转采、整合边角资源、勘查程度不足、开采条件限制"
TASKS = "（一）、（二）、（三）、（四）、（五）、（六）"
EXPLORATION = {"right_type": "探矿权", "licence_no": "T15120200902010001", "task": None, "reason": None,
               "missing": None, "lead_dept": None, "measures": None}


def messages(result) -> list[tuple[str, str, str]]:
    return [(f.code, f.field, f.message) for f in result.findings]


def test_the_plan_names_of_the_tasks_are_read_as_the_tasks(check, plan):
    assert {t.name: enumerations()["task"].resolve(t.name) for t in plan.tasks} == {t.name: t.label for t in plan.tasks}
    assert {enumerations()["task"].resolve(t.name[3:]) for t in plan.tasks} == {t.label for t in plan.tasks}
    result = check(row(task="（四）已取得采矿许可证非煤矿山"), row(seq=2, licence_no="C1502002009051120016227",
                                                       task="(四)已取得采矿许可证非煤矿山"))
    assert result.findings == [] and [r.task for r in result.records] == [4, 4]


def test_a_wrong_task_name_is_quoted_as_written_with_the_allowed_values(check):
    assert messages(check(row(task="（七）其他矿山"))) == [
        ("value.enum", "task", f"任务类别不能填「（七）其他矿山」；可选：{TASKS}")]


def test_an_unknown_reason_is_one_error_not_also_a_blank_one(check):
    assert messages(check(row(reason="资金问题"))) == [
        ("value.enum", "reason", f"原因分类不能填「资金问题」；可选：{REASONS}")]


def test_an_unreadable_stage_is_not_also_reported_blank(check):
    result = check(row(**EXPLORATION, mineral_class="煤炭", stage_ok="待定"))
    assert [(f.code, f.field) for f in result.findings] == [("value.enum", "stage_ok")]


@pytest.mark.parametrize("phone", ["139 1234 5678", "139-1234-5678", "13912345678、0472-5123456"])
def test_a_mobile_number_written_in_groups_is_a_mobile_number(check, phone):
    assert check(row(phone=phone)).findings == []


def test_a_mobile_number_a_digit_short_is_still_refused(check):
    assert messages(check(row(phone="139 1234 567"))) == [
        ("phone.shape", "phone", "联系电话「139 1234 567」格式不对：手机号应为 11 位，以 13–19 开头")]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("status", "暂停", "进展状态不能填「暂停」；可选：未启动、推进中、已完成、不具备条件"),
    ("mineral_class", "金属", "矿种类别不能填「金属」；可选：煤炭、非煤"),
    ("soe", "非国有", "是否国有企业不能填「非国有」；可选：是、否"),
    ("status", "停产", "进展状态不能填「停产」；可选：未启动、推进中、已完成、不具备条件"),
    ("status", "已完", "进展状态不能填「已完」；可选：未启动、推进中、已完成、不具备条件。是否应为「已完成」？"),
    ("missing", "安许证、规划许可", "缺少手续不能填「规划许可」；可选：安全生产许可证、安全设施设计审查、复工复产批复、"
                              "立项（核准）手续、环评手续、用地手续、采矿权（用矿）手续、矿业权整合手续、林草征占用手续、"
                              "煤炭矿区总体规划、产能核定。是否应为「煤炭矿区总体规划」？"),
    ("city", "包头市区", "盟市不能填「包头市区」；可选：呼和浩特市、包头市、乌海市、赤峰市、通辽市、鄂尔多斯市、"
                       "呼伦贝尔市、巴彦淖尔市、乌兰察布市、兴安盟、锡林郭勒盟、阿拉善盟。是否应为「包头市」？"),
])
def test_an_unknown_value_names_the_column_and_lists_what_is_allowed(check, field, value, message):
    assert messages(check(row(**{field: value}))) == [("value.enum", field, message)]


def test_a_guess_that_would_change_the_task_is_offered_for_checking_never_taken(check):
    result = check(row(**EXPLORATION, mineral_class="非煤", stage_ok="基本达到"))
    [finding] = result.findings
    assert (finding.code, finding.field) == ("value.enum", "stage_ok")
    assert finding.message == ("勘查程度是否达到转采要求不能填「基本达到」；可选：是、否。"
                               "是否应为「是」？此项决定任务类别，请核实")
    assert finding.advice == "核实后改为「是」"
    [record] = result.records
    assert record.values.stage_ok is None and record.task is None  # not counted under （五）


def test_an_ordinary_guess_is_advised_plainly(check):
    [finding] = check(row(status="已完")).findings
    assert finding.advice == "改为「已完成」"


def test_a_credit_code_message_is_unchanged_by_the_grouping(check):
    good = credit_code()
    [finding] = check(row(credit_code=good[:-1] + ("0" if good[-1] != "0" else "1"))).findings
    assert finding.message == f"统一社会信用代码校验位错误：最后一位应为 {good[-1]}"


# ---- the store's messages -------------------------------------------------------------------


def test_merging_an_empty_folder_leaves_no_database(tmp_path):
    (tmp_path / "2022-W38").mkdir()
    db = tmp_path / "kq.db"
    proc = kq("merge", str(tmp_path / "2022-W38"), "--db", str(db), "--out", str(tmp_path / "汇总.xlsx"))
    assert proc.returncode == 2 and proc.stderr.startswith("错误：文件夹") and "没有台账文件" in proc.stderr
    assert not db.exists() and not (tmp_path / "汇总.xlsx").exists()


def test_only_a_second_merge_of_a_week_says_it_replaced_the_first(tmp_path):
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=1)
    args = ("merge", str(inbox), "--db", str(tmp_path / "kq.db"), "--out", str(tmp_path / "汇总.xlsx"))
    first, second = invoke(*args).output, invoke(*args).output
    assert f"数据库：{tmp_path / 'kq.db'}（已保存 2022-W38 的快照）" in first and "替换" not in first
    assert "（已保存 2022-W38 的快照；该周原有的快照已整体替换）" in second


def test_a_report_from_a_store_without_weeks_says_so_in_one_sentence(tmp_path):
    Store(tmp_path / "kq.db", create=True).close()
    proc = kq("report", "--db", str(tmp_path / "kq.db"))
    assert proc.returncode == 2
    assert proc.stderr == f"错误：数据库 {tmp_path / 'kq.db'} 中还没有周汇总；请先用 kq merge 汇总台账\n"
    proc = kq("report", "--db", str(tmp_path / "kq.db"), "--year", "2023")
    assert proc.stderr == f"错误：数据库 {tmp_path / 'kq.db'} 中还没有 2023 年的周汇总；请先用 kq merge 汇总台账\n"
