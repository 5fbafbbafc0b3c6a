"""Week over week, right by right: each merge names every change since the week stored before it.

Two weeks are built by code with one change of each kind planted (``support.planted_weeks``); the
merge, its JSON, the merged workbook, the terminal and ``kq changes`` must name exactly those, and
nothing for an untouched right, a 盟市 that did not send this week, or one that did not send last week.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kuangquan_cli.checking.staleness import named_weeks, stale_finding
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.changes import WARNING_KINDS, Right, WeekRights, compare
from kuangquan_cli.merging.merge import MergeResult
from kuangquan_cli.reference.plan import load_plan
from support import PlantedWeeks, city_rows, invoke, planted_weeks, run_kq, sheet, write_city

WARNING_CODES = {f"change.{kind}" for kind in WARNING_KINDS}


class Merged:
    """The planted weeks merged into one store, W37 then W38."""

    def __init__(self, root: Path) -> None:
        self.weeks: PlantedWeeks = planted_weeks(root)
        self.db = root / "kq.db"
        self.workbook = root / "汇总台账_2022-W38.xlsx"
        plan = load_plan()
        merge_and_store(self.weeks.inboxes[37], plan, 2022, 37, out=root / "汇总台账_2022-W37.xlsx", db=self.db)
        self.w38: MergeResult = merge_and_store(self.weeks.inboxes[38], plan, 2022, 38, out=self.workbook, db=self.db)


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Merged:
    return Merged(tmp_path_factory.mktemp("planted"))


# ---- what is named ----------------------------------------------------------------------------


def test_every_planted_change_is_named_and_nothing_else(merged: Merged):
    changes = merged.w38.changes
    assert changes.compared_with == "2022-W37"
    assert {(c.kind, c.licence_no) for c in changes.changes} == merged.weeks.planted
    touched = {number for _, number in merged.weeks.planted} | {merged.weeks.rights["renumbered_from"]}
    untouched = {r.licence_no for r in merged.w38.week_rights().rights} - touched
    assert len(untouched) == 33 - 11 and not any(c.licence_no in untouched for c in changes.changes)


def test_a_city_missing_either_week_is_not_compared(merged: Merged):
    """通辽市 sent W37 only: its rights did not vanish; 锡林郭勒盟 sent W38 only: its rights are not new."""
    cities = {c.city for c in merged.w38.changes.changes}
    assert "通辽市" not in cities and "锡林郭勒盟" not in cities
    assert merged.w38.missing_cities[:3] == ["乌海市", "通辽市", "呼伦贝尔市"]


def test_each_change_says_where_the_right_was_and_is(merged: Merged):
    rights = merged.weeks.rights
    found = {c.kind: c.to_dict() for c in merged.w38.changes.changes if c.licence_no != rights["restaged"]}
    assert found["vanished"] == {
        "kind": "vanished", "licence_no": rights["vanished"], "city": "包头市", "file": None, "row": None,
        "field": None, "after": None,
        "before": {"city": "包头市", "file": "包头市.xlsx", "row": 4, "right_name": "东河区某矿1", "status": "推进中",
                   "task": 4, "reason": "缺少手续"},
        "message": "上周在包头市台账（包头市.xlsx 第 4 行），本周台账中没有",
    }
    moved = found["moved"]
    assert moved["before"] == {"city": "呼和浩特市", "file": "呼和浩特市.xlsx", "row": 4, "right_name": "新城区某矿1"}
    assert (moved["city"], moved["file"], moved["row"]) == ("乌兰察布市", "乌兰察布市.xlsx", 10)
    assert found["regressed"]["field"] == "status" and found["regressed"]["message"] == (
        "上周已完成（完成日期 2022-09-10），本周改为推进中")
    assert (found["regressed"]["before"]["status"], found["regressed"]["after"]["done_date"]) == ("已完成", None)
    assert (found["renumbered"]["before"]["licence_no"], found["renumbered"]["after"]["licence_no"]) == (
        rights["renumbered_from"], rights["renumbered"])
    reclassified = found["reclassified"]
    assert (reclassified["before"]["reason"], reclassified["after"]["reason"]) == ("缺少手续", "企业自身原因")
    assert "task" not in found["reclassified"]["after"]  # only what changed
    restaged = next(c for c in merged.w38.changes.changes if c.licence_no == rights["restaged"])
    place = {"city": "呼和浩特市", "file": "呼和浩特市.xlsx", "right_name": "玉泉区某矿3"}
    assert (restaged.field, restaged.side(restaged.before), restaged.side(restaged.after)) == (
        "task", place | {"row": 6, "task": 6, "reason": None, "stage_ok": "否"},
        place | {"row": 5, "task": 5, "reason": "缺少手续", "stage_ok": "是"})
    assert restaged.message == ("分类与上周不同：任务类别由（六）改为（五），原因分类由未填改为缺少手续，"
                                "勘查程度是否达到转采要求由否改为是")
    assert (found["cleared"]["before"]["missing"], found["cleared"]["after"]["missing"]) == (
        ["安全生产许可证", "用地手续"], ["用地手续"])
    assert found["cannot_resume"]["message"] == "上周推进中，本周改为不具备条件，不再计入停产矿山的任务数"
    assert found["redated"]["message"] == "上周已完成（完成日期 2022-09-10），本周完成日期改为 2022-09-12"


def test_the_warnings_are_findings_on_the_licence_cell_and_counted(merged: Merged):
    result = merged.w38
    changed = [f for f in result.findings if f.code.startswith("change.")]
    assert {f.code for f in changed} == WARNING_CODES and len(changed) == len(WARNING_CODES) + 1  # two reclassified
    assert result.warnings == len(changed) and result.exit_code(strict=True) == 1
    regressed = next(f for f in changed if f.code == "change.regressed")
    assert (regressed.file, regressed.sheet, regressed.cell, regressed.field, regressed.value) == (
        "鄂尔多斯市.xlsx", "台账", "G7", "licence_no", merged.weeks.rights["regressed"])
    vanished = next(f for f in changed if f.code == "change.vanished")
    assert (vanished.file, vanished.row, vanished.cell, vanished.value) == (None, None, None,
                                                                           merged.weeks.rights["vanished"])


# ---- where it shows -------------------------------------------------------------------------------


def _kq_json(*args: str) -> dict[str, Any]:
    done = invoke(*args, "--format", "json")
    return json.loads(done.stdout)


def test_merge_json_has_changes_compared_with_and_every_finding(merged: Merged, tmp_path: Path):
    db = tmp_path / "kq.db"
    first = _kq_json("merge", str(merged.weeks.inboxes[37]), "--db", str(db), "--out", str(tmp_path / "37.xlsx"))
    data = _kq_json("merge", str(merged.weeks.inboxes[38]), "--db", str(db), "--out", str(tmp_path / "38.xlsx"))
    assert (first["compared_with"], first["changes"]) == (None, [])
    assert data["compared_with"] == "2022-W37"
    assert data["changes"] == [c.to_dict() for c in merged.w38.changes.changes]
    assert len(data["findings"]) == data["errors"] + data["warnings"]
    assert [f["code"] for f in data["findings"]] == [f.code for f in merged.w38.findings]
    assert data["findings"][0] == merged.w38.findings[0].to_dict()
    with_file_null = {f["code"] for f in data["findings"] if f["file"] is None}
    assert with_file_null == {"merge.missing_city", "change.vanished"}


def test_the_workbook_lists_each_change_with_both_places(merged: Merged):
    lines = sheet(merged.workbook, "台账变动")
    assert [(line["代码"], line["许可证号"]) for line in lines] == [
        (c.kind, c.licence_no) for c in merged.w38.changes.changes]
    moved = next(line for line in lines if line["代码"] == "moved")
    assert (moved["盟市"], moved["变动"], moved["级别"]) == ("乌兰察布市", "改报其他盟市", "警告")
    assert (moved["上周文件"], moved["上周行"], moved["本周文件"], moved["本周行"]) == (
        "呼和浩特市.xlsx", 4, "乌兰察布市.xlsx", 10)
    assert (moved["上周"], moved["本周"]) == ("盟市：呼和浩特市", "盟市：乌兰察布市")
    done = next(line for line in lines if line["代码"] == "done")
    assert (done["级别"], done["上周"], done["本周"]) == ("进展", "进展状态：推进中；完成日期：未填",
                                                     "进展状态：已完成；完成日期：2022-09-21")
    first = sheet(merged.workbook.with_name("汇总台账_2022-W37.xlsx"), "台账变动")
    assert [line["盟市"] for line in first] == ["（数据库中没有更早的汇总，本周未作逐矿权比较）"]


def test_kq_changes_lists_what_the_merge_named(merged: Merged):
    data = _kq_json("changes", "--week", "38", "--db", str(merged.db))
    assert data == {"week": "2022-W38", "compared_with": "2022-W37",
                    "changes": [c.to_dict() for c in merged.w38.changes.changes]}
    assert _kq_json("changes", "--db", str(merged.db)) == data  # the latest week
    assert _kq_json("changes", "--week", "37", "--db", str(merged.db)) == {
        "week": "2022-W37", "compared_with": None, "changes": []}

    text = invoke("changes", "--week", "38", "--db", str(merged.db)).output
    rights = merged.weeks.rights
    assert "与 2022-W37 逐矿权比较（按许可证号）：" in text
    assert "  包头市：消失 1 项、许可证号变更 1 项、启动 1 项" in text
    said = "上周在包头市台账（包头市.xlsx 第 4 行），本周台账中没有"
    assert f"    消失 {rights['vanished']}（东河区某矿1）：{said}" in text
    assert f"    启动 {rights['started']}（" in text  # kq changes lists progress too


def test_a_week_not_stored_exits_2(merged: Merged, monkeypatch, capfd):
    code, _, err = run_kq(monkeypatch, capfd, "changes", "--week", "40", "--db", str(merged.db))
    assert code == 2 and "2022-W40" in err and "kq merge" in err


def test_the_merge_shows_a_short_block_per_city(merged: Merged, tmp_path: Path):
    db = tmp_path / "kq.db"
    invoke("merge", str(merged.weeks.inboxes[37]), "--db", str(db), "--out", str(tmp_path / "37.xlsx"))
    text = invoke("merge", str(merged.weeks.inboxes[38]), "--db", str(db), "--out", str(tmp_path / "38.xlsx")).output
    block = text.split("与 2022-W37 逐矿权比较（按许可证号）：\n", 1)[1].split("共 ", 1)[0]
    lines = block.splitlines()
    assert [line for line in lines if not line.startswith("    ")] == [
        "  呼和浩特市：任务或原因变更 2 项", "  包头市：消失 1 项、许可证号变更 1 项、启动 1 项",
        "  赤峰市：新增 1 项、转为不具备条件 1 项、手续办结 1 项", "  鄂尔多斯市：由已完成退回 1 项、新完成 1 项",
        "  乌兰察布市：改报其他盟市 1 项、完成日期变更 1 项",
    ]
    named = [line.split()[0] for line in lines if line.startswith("    ")]
    assert named == ["任务或原因变更", "任务或原因变更", "消失", "许可证号变更", "新增", "转为不具备条件",
                     "由已完成退回", "改报其他盟市", "完成日期变更"]  # the warnings are named, progress counted
    assert "警告 9" in text


# ---- the comparison itself ----------------------------------------------------------------------


def right(licence: str, **values: Any) -> Right:
    base: dict[str, Any] = {
        "licence_no": licence, "city": "包头市", "file": "包头市.xlsx", "row": 4, "right_name": f"某矿{licence}",
        "holder": "包头某矿业有限公司", "credit_code": "91150200MA0000001X", "mineral_class": "非煤", "task": 4,
        "reason": "缺少手续", "stage_ok": None, "status": "推进中", "done_date": None,
        "missing": ("安全生产许可证", "用地手续"), "cannot_resume": False,
    }
    return Right(**(base | values))


def week(label: str, *rights: Right, sent: tuple[str, ...] = ("包头市", "赤峰市")) -> WeekRights:
    return WeekRights(label, list(rights), set(sent))


def kinds(before: list[Right], after: list[Right], sent_before: tuple[str, ...] = ("包头市", "赤峰市"),
          sent_after: tuple[str, ...] = ("包头市", "赤峰市")) -> list[tuple[str, str]]:
    found = compare(week("W37", *before, sent=sent_before), week("W38", *after, sent=sent_after))
    return [(c.kind, c.licence_no) for c in found.changes]


def test_one_right_can_change_in_several_ways():
    before = right("C1", status="已完成", done_date=date(2022, 9, 1))
    after = right("C1", city="赤峰市", file="赤峰市.xlsx", status="推进中", task=1, reason="基建技改")
    assert kinds([before], [after]) == [("moved", "C1"), ("regressed", "C1"), ("reclassified", "C1")]


def test_an_unchanged_right_has_no_change_and_order_does_not_matter():
    rights = [right(f"C{i}", row=4 + i) for i in range(5)]
    moved_rows = [right(f"C{i}", row=10 - i) for i in range(5)]  # other rows, same rights
    assert kinds(rights, list(reversed(moved_rows))) == []


def test_renumbered_pairs_by_name_then_holder_one_to_one():
    """C9 is C2 (same name) though C1 has the same holder; C8 is then C1 (same holder); C3 has
    another credit code; C7 has the credit code but neither the name nor the holder of one."""
    old = [right("C1", right_name="甲矿", holder="甲公司"), right("C2", right_name="乙矿", holder="甲公司"),
           right("C3", right_name="丙矿", holder="丙公司", credit_code="91150200MA0000002X")]
    new = [right("C9", right_name="乙矿", holder="甲公司"), right("C8", right_name="丁矿", holder="甲公司"),
           right("C7", right_name="戊矿", holder="戊公司")]
    found = compare(week("W37", *old), week("W38", *new))
    assert sorted((c.kind, c.licence_no) for c in found.changes) == [
        ("new", "C7"), ("renumbered", "C8"), ("renumbered", "C9"), ("vanished", "C3")]
    assert {(b.licence_no, a.licence_no) for b, a in found.pairs} == {("C1", "C8"), ("C2", "C9")}


def test_renumbered_by_holder_when_the_name_changed_too():
    found = kinds([right("C1", right_name="甲矿")], [right("C2", right_name="甲矿（更名）")])
    assert found == [("renumbered", "C2")]


def test_entering_cannot_resume_is_not_also_a_reclassification_nor_a_clearing():
    before = right("C1")
    after = right("C1", status="不具备条件", reason="开采条件限制", missing=(), cannot_resume=True)
    assert kinds([before], [after]) == [("cannot_resume", "C1")]


def test_a_procedure_is_cleared_only_while_task_and_reason_stay():
    before = right("C1")
    assert kinds([before], [right("C1", missing=("用地手续",))]) == [("cleared", "C1")]
    assert kinds([before], [right("C1", reason="企业自身原因", missing=())]) == [("reclassified", "C1")]
    done_listing = right("C1", status="已完成", done_date=date(2022, 9, 20))  # still lists both: not cleared
    assert kinds([before], [done_listing]) == [("done", "C1")]


def test_a_city_missing_this_week_loses_nothing_and_one_missing_last_week_adds_nothing():
    gone = right("C1", city="赤峰市")
    arrived = right("C2", city="锡林郭勒盟", credit_code="91152500MA0000003X")
    assert kinds([gone], [arrived], sent_before=("包头市", "赤峰市"), sent_after=("包头市", "锡林郭勒盟")) == []
    assert kinds([gone], [arrived], sent_before=("赤峰市", "锡林郭勒盟"), sent_after=("赤峰市", "锡林郭勒盟")) == [
        ("vanished", "C1"), ("new", "C2")]


def test_a_right_of_the_baseline_is_not_new():
    """Absent last week but in the stored baseline (listed again after a week missing): not new."""
    returned, added = right("C2", credit_code="91150200MA0000002X"), right("C3", credit_code="91150200MA0000003X")
    found = compare(week("W37", right("C1")), week("W38", right("C1"), returned, added), known={"C1", "C2"})
    assert [(c.kind, c.licence_no) for c in found.changes] == [("new", "C3")]


def test_a_licence_listed_twice_is_compared_once():
    assert kinds([right("C1"), right("C1", row=9, status="已完成")], [right("C1"), right("C1", row=9)]) == []


def test_three_hundred_thousand_rights_compare_in_seconds():
    import time

    before = [right(f"C{i:08d}", row=i) for i in range(300_000)]
    after = [right(f"C{i:08d}", row=i, status="已完成" if i % 50 == 0 else "推进中") for i in range(300_000)]
    start = time.perf_counter()
    found = compare(week("W37", *before), week("W38", *after))
    assert len(found.changes) == 6_000 and time.perf_counter() - start < 10


# ---- file.stale -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "named"), [
    ("包头市盘活矿业权工作台账（2022年第37周） 填报单位：包头市自然资源局 填报日期：2022年9月18日",
     [("标题为第37周", (2022, 37)), ("填报日期为2022年9月18日", (2022, 37))]),
    ("包头市台账（第38周） 填报日期: 2022-09-19",
     [("标题为第38周", (2022, 38)), ("填报日期为2022年9月19日", (2022, 38))]),
    ("包头市台账 2022-W36", [("标题为第36周", (2022, 36))]),
    ("包头市台账（9月第3周） 截至2022年7月31日", []),  # a week of the month, a date that is not the filling date
    ("", []),
])
def test_what_a_title_says_of_its_week(title: str, named: list[tuple[str, tuple[int, int]]]):
    assert named_weeks(title, 2022) == named


def test_a_stale_title_or_date_is_a_warning_that_says_which():
    finding = stale_finding("包头市.xlsx", "包头市台账（2022年第37周） 填报日期：2022年9月18日", 2022, 38)
    assert finding is not None and (finding.code, finding.severity, finding.file, finding.row) == (
        "file.stale", "warning", "包头市.xlsx", None)
    assert finding.message == ("台账标题为第37周、填报日期为2022年9月18日，早于所汇总的 2022-W38"
                               "（2022年9月19日至2022年9月25日）；可能是把以前的台账又报了一次")
    assert stale_finding("包头市.xlsx", "包头市台账（2022年第38周） 填报日期：2022年9月26日", 2022, 38) is None


def test_a_merge_marks_last_weeks_file_sent_again(tmp_path: Path):
    inbox = tmp_path / "2022-W39"
    inbox.mkdir()
    write_city(inbox, "包头市", city_rows("包头市", 2, 0))  # the factory's ledgers say 填报日期：2022年9月20日
    result = merge_and_store(inbox, load_plan(), 2022, 39, out=tmp_path / "汇总.xlsx", db=tmp_path / "kq.db")
    [stale] = [f for f in result.findings if f.code == "file.stale"]
    assert stale.file == "包头市.xlsx"
    assert stale.message.startswith("台账填报日期为2022年9月20日，早于所汇总的 2022-W39")
    assert [s.to_dict()["warnings"] for s in result.sources] == [1]
