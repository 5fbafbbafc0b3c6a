"""The 盟市 page and the upload's answer against the stored weeks: its changes since the week
stored before the portal's week (as that week's merge will compare them), and its part of the
stored baseline (as ``kq validate --db`` sets it) — each test fails when the page or the answer
leaves them out, invents others or says them otherwise."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.portal.app import create_app
from kuangquan_cli.reference.tables import divisions
from support import PortalSite, city_rows, invoke, ledger_bytes, portal_site, write_inbox

CITIES = divisions().cities
PER_CITY = 5  # rows 0–4 of a 盟市: task (四), task (一), task (六), 已完成 (2022-09-10), task (一)


def stored_rows(city: str) -> list[dict[str, Any]]:
    """The rows of ``city`` in the stored 2022-W37 (numbered as ``write_inbox`` numbers them)."""
    return city_rows(city, PER_CITY, CITIES.index(city) * 1000)


BAOTOU, WUHAI = stored_rows("包头市"), stored_rows("乌海市")
DONE, VANISHED, REGRESSED = (BAOTOU[i]["licence_no"] for i in (0, 2, 3))
MOVED = WUHAI[1]["licence_no"]
PLANTED = {("done", DONE), ("vanished", VANISHED), ("regressed", REGRESSED), ("moved", MOVED)}


def baotou_w38() -> list[dict[str, Any]]:
    """包头市's 2022-W38: one right done, one dropped, one no longer done, one taken over from 乌海市."""
    rows = [dict(values) for values in BAOTOU]
    rows[0].update(status="已完成", done_date="2022-09-21")
    rows[3].update(status="推进中", done_date=None)
    del rows[2]
    rows.append(WUHAI[1] | {"city": "包头市", "county": "固阳县", "seq": 6})
    return rows


@pytest.fixture
def site(tmp_path: Path, plan) -> PortalSite:
    """A portal for 2022-W38 whose store holds 2022-W37 (every 盟市, five rights each)."""
    site = portal_site(tmp_path)
    write_inbox(tmp_path / "2022-W37", per_city=PER_CITY)
    merge_and_store(tmp_path / "2022-W37", plan, 2022, 37, out=tmp_path / "w37.xlsx", db=site.db)
    return site


@pytest.fixture
def client(site: PortalSite) -> Any:
    with TestClient(create_app(site.settings), follow_redirects=True) as client:
        yield client


def upload(client: Any, site: PortalSite, content: bytes, city: str = "包头市") -> dict[str, Any]:
    answer = client.post("/api/upload", headers={"Authorization": f"Bearer {site.tokens[city]}"},
                         files={"file": ("台账.xlsx", content)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert found, page
    return found[1]


def named(part: str) -> list[tuple[str, str]]:
    """(kind as shown, licence number) of each change a section lists, in its order."""
    return [(html.unescape(kind), licence) for kind, licence in
            re.findall(r'<td><span class="sev">([^<]*)</span></td><td class="cell">([^<]*)</td>', part)]


def test_the_answer_and_the_page_name_exactly_the_planted_changes(site, client, tmp_path):
    data = upload(client, site, ledger_bytes(tmp_path, "包头市", baotou_w38()))
    assert data["compared_with"] == "2022-W37"
    assert {(c["kind"], c["licence_no"]) for c in data["changes"]} == PLANTED
    by_kind = {c["kind"]: c for c in data["changes"]}
    regressed = by_kind["regressed"]
    assert [(side["status"], side["done_date"]) for side in (regressed["before"], regressed["after"])] == [
        ("已完成", "2022-09-10"), ("推进中", None)]
    assert by_kind["regressed"]["message"] == "上周已完成（完成日期 2022-09-10），本周改为推进中"
    assert (by_kind["vanished"]["file"], by_kind["vanished"]["before"]["file"]) == (None, "包头市.xlsx")
    assert by_kind["moved"]["before"]["city"] == "乌海市" and by_kind["moved"]["after"]["city"] == "包头市"

    page = client.get(f"/t/{site.tokens['包头市']}").text
    changes = section(page, "changes")
    assert "与 2022-W37 的汇总逐矿权比较" in changes
    assert named(changes) == [("消失", VANISHED), ("改报其他盟市", MOVED), ("由已完成退回", REGRESSED),
                              ("新完成", DONE)]  # warnings first, then progress
    assert changes.index("需要核实的变动（3 项）") < changes.index("进展（1 项）")
    assert "进展状态：已完成；完成日期：2022-09-10" in changes and "进展状态：推进中；完成日期：未填" in changes
    assert "本周完成（完成日期 2022-09-21）" in changes
    assert "待汇总后显示" not in page


def test_the_office_sees_each_citys_change_counts(site, client, tmp_path):
    upload(client, site, ledger_bytes(tmp_path, "包头市", baotou_w38()))
    upload(client, site, ledger_bytes(tmp_path, "赤峰市", stored_rows("赤峰市")), city="赤峰市")
    page = client.get(f"/t/{site.tokens['office']}").text
    cells = {city: (text, html.unescape(title)) for city, title, text in
             re.findall(r'<tr><td>([^<]+)</td>.*?<td title="([^"]*)">([^<]*)</td>\n<td><a href="/files/', page, re.S)}
    assert cells == {"包头市": ("变动 4（需核实 3、进展 1）",
                               "与 2022-W37 的汇总比较：消失 1、改报其他盟市 1、由已完成退回 1、新完成 1"),
                     "赤峰市": ("无变动", "与 2022-W37 的汇总比较")}
    assert "待汇总后显示" not in page


def test_with_no_earlier_week_the_page_says_it_cannot_compare(tmp_path):
    site = portal_site(tmp_path)
    with TestClient(create_app(site.settings), follow_redirects=True) as client:
        data = upload(client, site, ledger_bytes(tmp_path, "包头市", baotou_w38()))
        page = client.get(f"/t/{site.tokens['包头市']}").text
    assert (data["compared_with"], data["changes"]) == (None, [])
    assert "数据库中还没有上一周的汇总，暂无法比较" in section(page, "changes")
    assert "核实后的底数尚未存入" in page and data["baseline"] is None


def test_with_a_stored_baseline_the_answer_is_what_kq_validate_db_gives(site, client, tmp_path):
    assert invoke("baseline", "--week", "37", "--db", str(site.db)).exit_code == 0
    content = ledger_bytes(tmp_path, "包头市", baotou_w38())
    data = upload(client, site, content)
    (tmp_path / "包头市.xlsx").write_bytes(content)
    validated = json.loads(invoke("validate", str(tmp_path / "包头市.xlsx"), "--week", "38", "--db", str(site.db),
                                  "--format", "json").stdout)
    assert data["baseline"] == validated["baseline"] and data["findings"] == validated["findings"]
    assert {(d["kind"], d["licence_no"], d["field"]) for d in data["baseline"]["differences"]} == {
        ("missing", VANISHED, None), ("differs", MOVED, "city")}
    assert ("moved", MOVED) in {(c["kind"], c["licence_no"]) for c in data["changes"]}  # the baseline's, not new

    page = client.get(f"/t/{site.tokens['包头市']}").text
    check = section(page, "baseline-check")
    assert "与底数第 1 版中包头市的部分核对：缺少 1 个，底数外 0 个，不一致 1 处" in check
    assert named(check) == [("缺少", VANISHED), ("不一致", MOVED)]
    assert "底数（第 1 版，取自 2022-W37）中包头市的部分" in page
    # task (四): rows 0 and 3 in both, row 2 (task (六)) dropped, 乌海市's task-(一) right added
    totals = re.findall(r'<tr class="total"><td>([^<]*)</td><td>合计</td><td class="num">(\d+)</td>'
                        r'<td class="num">(\d+)</td><td class="num[^"]*">([^<]*)</td>', page)
    assert [(count, base, diff) for _, count, base, diff in totals] == [("3", "2", "+1"), ("2", "2", "+0"),
                                                                         ("0", "1", "-1")]
