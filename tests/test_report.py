"""``kq report``: the weekly 通报 names who is stuck, counts like the merged workbook, is safe to forward."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.report.assemble import OVERDUE_LISTED, assemble, build_report
from kuangquan_cli.report.render import render_report, write_report
from kuangquan_cli.samples.generation import LATE_CITY, STALLED_CITIES
from support import chromium, city_rows, kq, needs_chromium, png_size, sheet, write_city

HOSTILE = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


# ---- what the report says about the sample region ----------------------------------------------


def test_w38_names_the_stalled_cities_and_the_late_one(region):
    data = region.w38
    named = {c.city: [r.code for r in c.reasons] for c in data.laggards}
    for city in STALLED_CITIES:
        assert "no_progress" in named[city]
    assert named[LATE_CITY] == ["not_sent"]
    movers = [c for c in data.cities if c.city not in (*STALLED_CITIES, LATE_CITY)]
    assert all(c.progress and c.newly_done is not None and not c.reasons for c in movers)
    html = region.html.read_text(encoding="utf-8")
    callout = html.split('class="callout"', 1)[1].split("</div>", 1)[0]
    for city in (*STALLED_CITIES, LATE_CITY):
        assert f'<span class="lag">{city}</span>' in callout
    assert "本周未报送台账" in callout and callout.count("本周无进展") == len(STALLED_CITIES)


def test_numbers_equal_the_merged_workbook(region):
    data, workbook = region.w38, region.workbooks[38]
    categories = {(c["任务"], c["原因"]): c for c in sheet(workbook, "分类统计")}
    for task in data.tasks:
        line = categories[task.name, "合计"]
        assert (task.plan, task.ledger, task.done) == (line["方案"], line["台账"], line["已完成"])
    cannot = categories["不具备条件", "开采条件限制"]
    assert (data.overall.groups[2].plan, data.overall.groups[2].ledger) == (cannot["方案"], cannot["台账"])

    lines = sheet(workbook, "盟市统计")
    subtotals = {c["盟市"]: c for c in lines if c["任务"] == "小计"}
    for city in data.cities:
        if not city.sent:
            assert city.city not in subtotals
            continue
        line = subtotals[city.city]
        assert (city.rights, city.done, city.cannot_resume) == (line["矿业权数"], line["已完成"], line["不具备条件"])
        assert city.rate == pytest.approx(line["完成率"])
    region_line = next(c for c in lines if c["盟市"] == "全区")
    assert (data.overall.rights, data.overall.done) == (region_line["矿业权数"], region_line["已完成"])
    assert data.overall.rate == pytest.approx(region_line["完成率"])

    per_task = {(c["盟市"], c["任务"]): (c["矿业权数"], c["已完成"]) for c in lines}
    for row in data.stats[:-1]:
        for label, cell in zip(data.task_labels, row.cells, strict=True):
            assert cell == per_task.get((row.city, label))
    in_progress = Counter()
    for c in lines:
        if c["任务"] not in ("小计", "合计"):
            in_progress[c["任务"]] += c["推进中"]
    assert [t.in_progress for t in data.tasks] == [in_progress[t.label] for t in data.tasks]


def test_departments_and_submissions_match_the_workbook(region):
    data, workbook = region.w38, region.workbooks[38]
    pending = Counter(p["部门"] for p in sheet(workbook, "部门手续清单"))
    assert {d.department: d.total for d in data.departments} == dict(pending)
    assert all(d.coal + d.noncoal == d.total for d in data.departments)
    assert sum(d.cleared for d in data.departments) > 0  # the samples clear procedures in W38

    sent = {s["盟市"]: s for s in sheet(workbook, "报送情况")}
    for line in data.submissions:
        assert line.rows == sent[line.city]["行数"]
        assert line.counted == (line.city != LATE_CITY)
    late = next(s for s in data.submissions if s.city == LATE_CITY)
    assert (late.file, late.text.report) == (None, "未报送")


def test_the_region_rate_change_compares_like_for_like(region):
    """阿拉善盟 sent W37 but not W38: the change is measured over the rights in both weeks (and
    pursued in both), and the report says so, instead of letting one 盟市's absence move the rate."""
    with Store(region.db) as store:
        w37, w38 = store.load_snapshot(2022, 37), store.load_snapshot(2022, 38)

    def pursued(rows):
        rows = rows[rows["counted"] & ~rows["cannot_resume"]]
        return dict(zip(rows["licence_no"], rows["status"] == "已完成", strict=True))

    now, then = pursued(w38.rows), pursued(w37.rows)
    both = now.keys() & then.keys()
    assert len(both) == len(now) < len(then)  # no sample right is added; 阿拉善盟's are not compared
    overall = region.w38.overall
    assert overall.compared_rights == len(both)
    assert overall.rate_change == pytest.approx((sum(now[k] for k in both) - sum(then[k] for k in both)) / len(both))
    assert overall.rate_change != pytest.approx(overall.rate - region.w37.overall.rate)
    said = f"完成率较上周{overall.rate_change * 100:+.1f}个百分点（按两周都在台账中的{len(both)}个矿业权同口径比较）"
    assert said in region.html.read_text(encoding="utf-8")

    same = assemble(w38, w38, load_plan(), [])
    assert (same.overall.rate_change, same.overall.compared_rights) == (0.0, len(both))


def test_week_over_week_is_counted_right_by_right(region):
    w37, w38 = region.w37, region.w38
    assert (w37.previous, w37.overall.newly_done, w37.overall.rate_change) == (None, None, None)
    assert w38.previous == "2022-W37"
    # no sample right goes back from 已完成, so what the reporting 盟市 finished is the growth of their totals
    before = sum(c.done for c in w37.cities if c.city != LATE_CITY)
    assert w38.overall.newly_done == w38.overall.done - before > 0
    assert sum(t.newly_done for t in w38.tasks) == w38.overall.newly_done
    assert sum(c.newly_done or 0 for c in w38.cities) == w38.overall.newly_done
    assert [p.label for p in w38.trend] == ["第37周", "第38周"]
    assert [p.done for p in w38.trend] == [w37.overall.done, w38.overall.done]


def test_headline_figures(region):
    data = region.w38
    assert data.title == "全区盘活矿业权工作进展情况通报（2022年第38周）"
    assert data.period == "2022年9月19日—9月25日"
    assert data.overall.days_left == 97  # 2022-09-25 → 2022-12-31
    assert [(g.plan, g.ledger) for g in data.overall.groups][:2] == [(1383, 1291), (1302, 1211)]
    assert (data.overall.cities_sent, data.overall.missing_cities) == (11, [LATE_CITY])
    ranks = [c.rank for c in data.ranking]
    assert ranks[:11] == sorted(ranks[:11]) and ranks[0] == 1 and ranks[-1] is None


# ---- the rendered report ------------------------------------------------------------------------

SECTIONS = ["一、总体进展", "二、分任务进展", "三、各盟市进展", "四、台账变动情况", "五、成员单位手续办理情况",
            "六、国有企业推进情况", "七、逾期未完成事项", "八、台账报送情况", "附表"]


def svg_sizes(html: str) -> list[tuple[float, float]]:
    return [(float(w), float(h)) for w, h in re.findall(r'<svg[^>]*\swidth="([\d.]+)"\s+height="([\d.]+)"', html)]


def test_html_is_self_contained_printable_and_phone_friendly(region):
    html = region.html.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@page { size: A4;" in html and "break-before: page" in html and "overflow-x: auto" in html
    assert "Noto Sans CJK SC" in html
    assert "<script" not in html
    # nothing fetched: url(#…) is a pattern the page defines itself
    assert not re.search(r"(src|href)=|url\((?!#)|@import|https?://(?!www\.w3\.org/2000/svg)", html)
    positions = [html.index(f"<h2>{s}") for s in SECTIONS]
    assert positions == sorted(positions)
    assert html.index(region.w38.title) < positions[0] and region.w38.period in html
    sizes = svg_sizes(html)
    assert len(sizes) == 3 and all(w > 0 and h > 0 for w, h in sizes)  # trend, tasks, 盟市


def test_markdown_carries_the_same_tables(region):
    text = render_report(region.w38, "md")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert [h.removeprefix("## ").split("　")[0] for h in headings] == SECTIONS
    for city in region.w38.cities:
        if city.sent:
            assert f"| {city.rank} | {city.city} | {city.rights} | {city.cannot_resume} | {city.done} |" in text
    assert f"| — | {LATE_CITY} |" in text and "<svg" not in text
    for task in region.w38.tasks:
        assert f"| {task.name} | {task.lead_dept} | {task.plan} | {task.ledger} |" in text


def test_first_week_renders_without_a_comparison(region):
    html = render_report(region.w37, "html")
    assert "本期不作周比较" in html and len(svg_sizes(html)) == 2  # no trend line from one week


# ---- hostile text, overdue rights, a failing ledger -------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """包头市 with 70 rights due by 2022-09-10, two named like an attack; 乌海市 with a bad phone."""
    tmp = tmp_path_factory.mktemp("hostile")
    inbox = tmp / "2022-W38"
    inbox.mkdir()
    rows = city_rows("包头市", 70, 0)
    for row in rows:
        row["deadline"] = "2022-09-10"
    for row, name in zip(rows, HOSTILE, strict=False):  # the first two rights
        row.update(right_name=name, deadline="2022-08-01")
    write_city(inbox, "包头市", rows)
    bad = city_rows("乌海市", 2, 500)
    bad[1]["phone"] = "123"
    write_city(inbox, "乌海市", bad)
    db = tmp / "kq.db"
    merge_and_store(inbox, load_plan(), 2022, 38, out=tmp / "汇总.xlsx", db=db)
    return db


def test_hostile_names_are_escaped_and_the_overdue_list_is_capped(hostile, tmp_path):
    data, path = write_report(hostile, load_plan(), 2022, 38, out=tmp_path / "r.html")
    html = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<img" not in html
    assert [i.right_name for i in data.overdue[:2]] == list(HOSTILE) and data.overdue[0].days == 55
    overdue = html.split("<h2>七、逾期未完成事项", 1)[1].split("</table>", 1)[0]
    assert overdue.count("<tr>") == OVERDUE_LISTED + 1  # the header row and 50 rights
    assert f"另有 {data.overdue_total - OVERDUE_LISTED} 项" in html and data.overdue_total == 56

    md = render_report(data, "md")
    assert r"\<script\>alert(1)\</script\>" in md and "<script" not in md.replace(r"\<script", "")
    assert f"另有 {data.overdue_total - OVERDUE_LISTED} 项" in md


def test_a_failing_ledger_and_overdue_rights_are_named(hostile):
    with Store(hostile) as store:
        data = build_report(store, load_plan(), 2022, 38)
    reasons = {c.city: {r.code: r.text for r in c.reasons} for c in data.cities}
    assert reasons["乌海市"]["invalid"] == "台账未通过校验：1 个错误，1 行待核实"
    assert reasons["包头市"]["overdue"] == "逾期未完成 56 项"
    assert set(reasons["呼和浩特市"]) == {"not_sent"}


# ---- the command --------------------------------------------------------------------------------


@pytest.mark.slow
def test_command_writes_the_default_file_and_says_where(region, tmp_path):
    done = kq("report", "--week", "38", "--db", str(region.db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "out" / "全区盘活矿业权工作进展通报_2022-W38.html"
    assert written.is_file() and str(Path("out") / written.name) in done.stdout and "2022-W37" in done.stdout
    md = kq("report", "--db", str(region.db), "--format", "md", cwd=tmp_path)  # the latest week
    assert md.returncode == 0 and (tmp_path / "out" / "全区盘活矿业权工作进展通报_2022-W38.md").is_file()


def test_a_week_never_merged_exits_2_with_the_hint(region, tmp_path):
    done = kq("report", "--week", "39", "--db", str(region.db), cwd=tmp_path)
    assert done.returncode == 2 and "2022-W39" in done.stderr and "kq merge" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
    wrong = kq("report", "--week", "38", "--db", str(region.db), "--out", "通报.xlsx", cwd=tmp_path)
    assert wrong.returncode == 2 and ".html、.md 或 .docx" in wrong.stderr
    nodb = kq("report", "--week", "38", "--db", str(tmp_path / "none.db"), cwd=tmp_path)
    assert nodb.returncode == 2 and "kq merge" in nodb.stderr


# ---- in a real browser ----------------------------------------------------------------------------


@needs_chromium
@pytest.mark.slow
def test_report_in_a_real_browser(region, tmp_path):
    url = region.html.as_uri()
    loaded = chromium(tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    problems = [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert loaded.returncode == 0 and problems == []
    sizes = svg_sizes(loaded.stdout)
    assert len(sizes) == 3 and all(w > 0 and h > 0 for w, h in sizes)

    shot = tmp_path / "通报.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,3000", url)
    assert png_size(shot) == (1200, 3000) and shot.stat().st_size > 100_000  # text and charts, not a blank page
