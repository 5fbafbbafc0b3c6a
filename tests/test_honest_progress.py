"""The 通报 counts progress honestly: a regression cancels a completion, only a cleared procedure is
办结, only 新完成, 办结 and 启动 are progress, rates are compared like for like, and a 盟市 that sent
last week's ledger again is named.

The two weeks are ``support.planted_weeks``: one change of each kind, each in a known 盟市.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.model import ReportData
from kuangquan_cli.report.render import render_report
from support import PlantedWeeks, planted_weeks


class Reported:
    """The planted weeks merged as W37 and W38, and W38's inbox merged again as W39 (its ledgers,
    filled in on 2022-09-20, are then last week's files sent again)."""

    def __init__(self, root: Path) -> None:
        self.weeks: PlantedWeeks = planted_weeks(root)
        plan, db = load_plan(), root / "kq.db"
        for week, inbox in ((37, self.weeks.inboxes[37]), (38, self.weeks.inboxes[38]), (39, self.weeks.inboxes[38])):
            merge_and_store(inbox, plan, 2022, week, out=root / f"汇总台账_{week}.xlsx", db=db)
        with Store(db) as store:
            self.w38: ReportData = build_report(store, plan, 2022, 38)
            self.w39: ReportData = build_report(store, plan, 2022, 39)

    def city(self, name: str, week: int = 38):
        data = self.w38 if week == 38 else self.w39
        return next(c for c in data.cities if c.city == name)


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Reported:
    return Reported(tmp_path_factory.mktemp("honest"))


def test_a_regression_cancels_a_completion(reported: Reported):
    """鄂尔多斯市 finished one right and set another back from 已完成: no completion this week."""
    assert reported.w38.overall.newly_done == 1 - 1
    assert reported.city("鄂尔多斯市").newly_done == 0
    assert sum(t.newly_done or 0 for t in reported.w38.tasks) == 0
    assert reported.city("鄂尔多斯市").done == 1  # one done now, as one was done last week


def test_only_a_cleared_procedure_is_banjie(reported: Reported):
    """赤峰市 cleared 安全生产许可证 of one right (a non-coal one: 应急管理厅). The procedures of the right
    that vanished (包头市), was reclassified (呼和浩特市) or became 不具备条件 (赤峰市) are not 办结."""
    cleared = {d.department: d.cleared for d in reported.w38.departments if d.cleared}
    assert cleared == {"自治区应急管理厅": 1}


def test_progress_is_only_done_cleared_or_started(reported: Reported):
    reasons = {c.city: [r.code for r in c.reasons] for c in reported.w38.cities}
    assert reasons["乌兰察布市"] == ["no_progress"]  # a changed done date and a right moved in: no progress
    assert reasons["呼和浩特市"] == ["no_progress"]  # a right moved out and one reclassified: no progress
    assert {c: reported.city(c).progress for c in ("包头市", "赤峰市", "鄂尔多斯市", "乌兰察布市", "呼和浩特市")} == {
        "包头市": 1, "赤峰市": 1, "鄂尔多斯市": 1, "乌兰察布市": 0, "呼和浩特市": 0}
    assert "no_progress" not in reasons["锡林郭勒盟"]  # nothing to compare with: not judged


def test_dropped_regressed_and_set_aside_rights_name_their_city(reported: Reported):
    reasons = {c.city: {r.code: r.text for r in c.reasons} for c in reported.w38.cities}
    assert reasons["包头市"] == {"ledger_changes": "台账变动待说明：消失 1 个（见台账变动情况）"}
    assert reasons["鄂尔多斯市"] == {"ledger_changes": "台账变动待说明：由已完成退回 1 个（见台账变动情况）"}
    assert reasons["赤峰市"] == {"ledger_changes": "台账变动待说明：转为不具备条件 1 个（见台账变动情况）"}


def test_rates_are_compared_like_for_like(reported: Reported):
    """包头市 dropped an unfinished right: its rate rose from 1/6 to 1/5, its rate like for like did not."""
    baotou = reported.city("包头市")
    assert baotou.rate == pytest.approx(1 / 5) and baotou.rate_change == 0.0
    overall = reported.w38.overall
    assert (overall.rate_change, overall.compared_rights) == (0.0, 28)  # 29 rights in both weeks, one set aside
    assert "（按两周都在台账中的28个矿业权同口径比较）" in render_report(reported.w38, "md")


def test_the_report_names_each_changed_right_by_city(reported: Reported):
    sections = {c.city: c for c in reported.w38.ledger_changes}
    assert list(sections) == ["呼和浩特市", "包头市", "赤峰市", "鄂尔多斯市", "乌兰察布市"]
    assert sections["包头市"].summary == "消失 1 项、许可证号变更 1 项、启动 1 项"
    named = {(item.kind, item.licence_no) for c in sections.values() for item in c.items}
    assert named == {(k, n) for k, n in reported.weeks.planted if k not in ("done", "cleared", "started")}
    text = render_report(reported.w38, "md")
    part = text.split("## 四、台账变动情况", 1)[1].split("## 五、", 1)[0]
    said = "上周在包头市台账（包头市.xlsx 第 4 行），本周台账中没有"
    assert f"| 消失 | {reported.weeks.rights['vanished']} | 东河区某矿1 | {said} |" in part
    assert part.index("### 包头市") < part.index("### 赤峰市")
    html = render_report(reported.w38, "html")
    assert "<h2>四、台账变动情况</h2>" in html and reported.weeks.rights["regressed"] in html


def test_last_weeks_file_sent_again_is_named(reported: Reported):
    """W39 is W38's inbox again: every ledger says 填报日期 2022-09-20, and nothing changed."""
    stale = reported.w39.stale_files
    assert [s.city for s in stale] == ["呼和浩特市", "包头市", "赤峰市", "鄂尔多斯市", "乌兰察布市", "锡林郭勒盟"]
    assert stale[0].message.startswith("台账填报日期为2022年9月20日，早于所汇总的 2022-W39")
    baotou = {r.code: r.text for r in reported.city("包头市", 39).reasons}
    assert baotou["stale"] == "报送的台账 包头市.xlsx 是以前某周的，疑为重复报送" and "no_progress" in baotou
    text = render_report(reported.w39, "md")
    assert "包头市报送的 包头市.xlsx：台账填报日期为2022年9月20日" in text.split("## 八、台账报送情况", 1)[1]
    assert reported.w39.ledger_changes == [] and "各盟市台账与上周相比没有变动。" in text
    assert reported.w38.stale_files == []
