"""What the clerk reads in the terminal: a fault repeated down a column once, with its count and
first cells; scattered faults row by row; a 盟市's own counts instead of the region's differences."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from kuangquan_cli.cli.render.validation import render_fields
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.own_files import ANNOTATION_SHEET
from kuangquan_cli.reference.tables import field_by_name, fields
from kuangquan_cli.text import display_width
from support import credit_code, invoke, kq, licence, row, write_inbox, write_ledger

GOOD = credit_code()
WRONG = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")  # a right shape, a wrong check character
FIRST = 4  # the data row under the title, the 填报单位 line and the header


def letter(name: str) -> str:
    return column_letter(field_by_name()[name].letter_index)


def ledger_rows(count: int, **every: object) -> list[dict]:
    return [row(seq=i + 1, licence_no=licence("包头市", "采矿权", i), **every) for i in range(count)]


@pytest.fixture(scope="module")
def flooded(tmp_path_factory) -> Path:
    """400 rows, every credit code wrong, and three scattered faults of other kinds."""
    rows = ledger_rows(400, credit_code=WRONG)
    rows[10]["status"] = "暂停"
    rows[200]["measures"] = "尽快办理"
    rows[399]["phone"] = "12345"
    return write_ledger(tmp_path_factory.mktemp("flood") / "包头市台账.xlsx", rows)


def test_a_fault_in_every_row_is_shown_once_with_its_count_and_first_cells(flooded):
    proc = kq("validate", str(flooded))
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1 and len(lines) <= 60
    j = letter("credit_code")
    group = lines.index(f"  {j} 列「统一社会信用代码」：400 处，占全部 400 行的 100%  [credit_code.check]")
    assert lines[group + 1:group + 3] == [
        f"    错误 统一社会信用代码校验位错误：最后一位应为 {GOOD[-1]}",
        "    " + "、".join(f"{j}{r}" for r in range(FIRST, FIRST + 8)) + " … 另有 392 处",
    ]
    allowed = "可选：未启动、推进中、已完成、不具备条件"
    scattered = [
        "  第 14 行", f"    {letter('status') + '14':<6}错误 进展状态不能填「暂停」；{allowed}  [value.enum]",
        "  第 204 行", f"    {letter('measures') + '204':<6}错误 推进措施只有 4 个字，应不少于 10 个字，"
                      "写明一矿一策的具体措施  [measures.too_short]",
        "  第 403 行", f"    {letter('phone') + '403':<6}错误 联系电话「12345」格式不对："
                      "手机号应为 11 位，以 13–19 开头  [phone.shape]",
    ]
    assert lines[group + 3:group + 9] == scattered
    assert lines[0].endswith("：400 行，错误 403，警告 0")


def test_json_and_the_annotated_copy_keep_every_finding(flooded, tmp_path):
    data = json.loads(invoke("validate", str(flooded), "--format", "json").output)
    findings = data["files"][0]["findings"]
    assert len(findings) == 403 and sum(f["code"] == "credit_code.check" for f in findings) == 400
    invoke("validate", str(flooded), "--annotate", "--out", str(tmp_path))
    listed = openpyxl.load_workbook(tmp_path / f"{flooded.stem}.校验.xlsx", read_only=True)[ANNOTATION_SHEET]
    assert sum(1 for line in listed.iter_rows(values_only=True) if line and line[-2] == "credit_code.check") == 400


def test_all_lists_every_finding(flooded):
    text = invoke("validate", str(flooded), "--all").output
    assert text.count("[credit_code.check]") == 400 and "处，占全部" not in text


def test_four_alike_are_still_listed_row_by_row_five_are_grouped(tmp_path):
    four = ledger_rows(20)
    for r in four[:4]:
        r["soe"] = "非国有"
    text = invoke("validate", str(write_ledger(tmp_path / "包头市台账.xlsx", four))).output
    assert text.count("[value.enum]") == 4 and "处，占全部" not in text
    four[4]["soe"] = "非国有"
    text = invoke("validate", str(write_ledger(tmp_path / "包头市台账.xlsx", four))).output
    soe = letter("soe")
    assert f"  {soe} 列「是否国有企业」：5 处，占全部 20 行的 25%  [value.enum]\n" in text
    assert "    错误 是否国有企业不能填「非国有」；可选：是、否\n" in text
    assert "    " + "、".join(f"{soe}{r}" for r in range(FIRST, FIRST + 5)) + "\n" in text


def test_a_group_lists_its_few_different_values_each_with_its_count(tmp_path):
    rows = ledger_rows(30)
    for i, r in enumerate(rows[:9]):
        r["status"] = "暂停" if i < 6 else "停产"
    text = invoke("validate", str(write_ledger(tmp_path / "包头市台账.xlsx", rows))).output
    allowed = "可选：未启动、推进中、已完成、不具备条件"
    assert f"：9 处，占全部 30 行的 30%  [value.enum]\n    错误 进展状态不能填「暂停」；{allowed}（6 处）\n" \
           f"    错误 进展状态不能填「停产」；{allowed}（3 处）\n" in text


def test_a_group_of_many_different_messages_shows_its_title_and_one_example(tmp_path):
    rows = ledger_rows(12)
    for i, r in enumerate(rows):
        r["phone"] = "1" * (i + 1) if i != 10 else "13912345678"  # 11 different wrong numbers, one right
    text = invoke("validate", str(write_ledger(tmp_path / "包头市台账.xlsx", rows))).output
    z = letter("phone")
    assert f"  {z} 列「联系电话」：11 处，占全部 12 行的 92%  [phone.shape]\n" in text
    example = f"如 {z}4：联系电话「1」格式不对：手机号应为 11 位，以 13–19 开头"
    assert f"    错误 联系电话格式错误，各处不同，{example}\n" in text
    assert f"    {z}4、{z}5、{z}6、{z}7、{z}8、{z}9、{z}10、{z}11 … 另有 3 处\n" in text


def test_redirected_output_is_not_broken_at_80_columns(tmp_path):
    path = write_ledger(tmp_path / "包头市台账.xlsx", [row(reason="资金问题")])
    message = ("原因分类不能填「资金问题」；可选：基建技改、采空区灾害治理、市场原因、缺少手续、企业自身原因、探转采、"
               "整合边角资源、勘查程度不足、开采条件限制")
    assert f"{message}  [value.enum]\n" in kq("validate", str(path)).stdout


def test_one_city_shows_its_own_counts_not_differences_from_the_region(tmp_path):
    rows = ledger_rows(6)
    rows[1].update(reason="企业自身原因", missing=None, own_reason="资金紧张")
    rows[2].update(reason="资金问题")
    rows[3].update(status="不具备条件", reason="开采条件限制", missing=None, measures=None)
    rows[4].update(right_type=None, task=None)
    text = invoke("validate", str(write_ledger(tmp_path / "包头市台账.xlsx", rows))).output
    assert "与方案底数核对" not in text and "-1060" not in text and "1276" not in text
    table = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in line] for line in table] == [
        ["（四）已取得采矿许可证非煤矿山", "合计", "4"],
        ["", "缺少手续", "2"],
        ["", "企业自身原因", "1"],
        ["", "原因未填或有误", "1"],
        ["不具备条件", "开采条件限制", "1"],
    ]
    assert "包头市按任务和原因统计的矿业权个数" in text
    assert "另有 1 行未能确定任务（矿业权类型、矿种类别或勘查程度未填或有误）" in text


def test_the_whole_region_keeps_the_reconciliation_against_the_plan(tmp_path):
    paths = write_inbox(tmp_path / "inbox", per_city=1)
    text = invoke("validate", *map(str, paths.values())).output
    assert "与方案底数核对" in text and "按任务和原因统计" not in text and "-1060" in text


def test_the_field_table_is_whole_at_80_columns():
    out = StringIO()
    render_fields(Console(file=out, width=80))
    lines = out.getvalue().splitlines()
    assert max(map(display_width, lines)) <= 80
    starts = [line.split()[0] for line in lines if line.startswith("  ") and line.strip()]
    for f in fields():
        assert f.header in starts and f.name in starts, f.header
