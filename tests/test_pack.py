"""``kq pack --week N``: a folder per recipient from the stored week, and an index.

Each 盟市 gets its annotated ledger and a one-page 反馈单; each member department the pending
procedures it handles, which are exactly its rows of the merged workbook's 部门手续清单.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest

from kuangquan_cli.reference.tables import divisions, member_departments
from support import city_rows, convert, invoke, needs_soffice, run_kq, sheet, write_city, write_inbox

CITIES = divisions().cities
SENT = ["呼和浩特市", "包头市", "乌海市", "赤峰市"]
BAD_CODE = "91150602MA0MYGRT5X"


def feedback(folder: Path, city: str) -> dict[str, str]:
    """A 反馈单 as 项目 → 内容."""
    return {line["项目"]: line["内容"] for line in sheet(folder / city / f"{city}反馈单_2022-W38.xlsx", "反馈单")}


@pytest.fixture
def stored(tmp_path: Path) -> dict[str, Path]:
    """Weeks 37 and 38 of four 盟市 merged into a store; in week 38 包头市 has a wrong credit code
    and sends its stamped scan."""
    db = tmp_path / "kq.db"
    for week in (37, 38):
        inbox = tmp_path / f"2022-W{week}"
        write_inbox(inbox, per_city=5, cities=SENT)
        if week == 38:
            rows = city_rows("包头市", 5, 1000)
            rows[2]["credit_code"] = BAD_CODE
            write_city(inbox, "包头市", rows)
            (inbox / "包头市盖章扫描版.pdf").write_bytes(b"%PDF-1.4")
        out = tmp_path / f"汇总台账_2022-W{week}.xlsx"
        done = invoke("merge", str(inbox), "--db", str(db), "--out", str(out))
        assert done.exit_code == 1, done.output  # eight 盟市 sent nothing
    return {"db": db, "workbook": tmp_path / "汇总台账_2022-W38.xlsx", "inbox": tmp_path / "2022-W38",
            "pack": tmp_path / "分送"}


def pack(stored: dict[str, Path], *extra: str):
    return invoke("pack", "--week", "38", "--db", str(stored["db"]), "--out", str(stored["pack"]), *extra)


def test_every_city_and_every_department_has_its_folder_and_the_index_lists_every_file(stored):
    done = pack(stored)
    assert done.exit_code == 0, done.output
    folder = stored["pack"]
    assert done.output == f"已写出 2022-W38 分送材料：{folder}（18 个收件单位，22 个文件；目录见 目录.xlsx）\n"
    assert {p.name for p in folder.iterdir()} == {*CITIES, *member_departments(), "目录.xlsx"}
    written = {(p.parent.name, p.name) for p in folder.rglob("*.xlsx") if p.parent != folder}
    index = sheet(folder / "目录.xlsx", "目录")
    assert {(line["文件夹"], line["文件"]) for line in index} == written
    assert [line["序号"] for line in index] == list(range(1, 23))
    for city in CITIES:
        copies = {f"{city}.校验.xlsx"} if city in SENT else set()
        assert {p.name for p in (folder / city).iterdir()} == {f"{city}反馈单_2022-W38.xlsx", *copies}


def test_each_departments_list_is_its_rows_of_the_merged_workbook(stored):
    assert pack(stored).exit_code == 0
    merged = sheet(stored["workbook"], "部门手续清单")
    assert merged
    for department in member_departments():
        path = stored["pack"] / department / f"{department}待办手续清单_2022-W38.xlsx"
        assert sheet(path, "部门手续清单") == [line for line in merged if line["部门"] == department], department
    assert {line["部门"] for line in merged} <= set(member_departments())


def test_a_citys_folder_holds_its_annotated_ledger_and_a_one_page_feedback(stored):
    assert pack(stored).exit_code == 0
    folder = stored["pack"]
    copy = openpyxl.load_workbook(folder / "包头市" / "包头市.校验.xlsx")
    marked = copy["台账"]["J6"]  # the third data row, under the title, the 填报单位 line and the header
    assert marked.value == BAD_CODE and marked.fill.fgColor.rgb.endswith("FFC7CE")
    baotou = feedback(folder, "包头市")
    assert list(baotou) == ["周次", "报送情况", "本周进展", "与上周比较", "通报点名", "逾期未完成", "台账问题",
                            "标注副本", "改正时限"]
    assert baotou["报送情况"].endswith("盖章扫描版：包头市盖章扫描版.pdf")
    assert baotou["台账问题"].startswith("错误 1 处，警告 0 处：\nJ6：统一社会信用代码校验位错误")
    assert baotou["改正时限"] == "请改正上述 1 处错误，在下周报送台账时一并报送。"
    assert baotou["与上周比较"].startswith("与 2022-W37 相比：")
    assert "排第" in baotou["本周进展"] and "完成率" in baotou["本周进展"]
    hohhot = feedback(folder, "呼和浩特市")
    assert hohhot["台账问题"] == "未发现问题。" and hohhot["改正时限"] == "请按时报送下周台账，并补报加盖公章的扫描版。"
    alxa = feedback(folder, "阿拉善盟")
    assert (alxa["报送情况"], alxa["台账问题"], alxa["通报点名"]) == (
        "电子版：本周未收到\n盖章扫描版：未收到", "本周未收到台账。", "本周未报送台账")
    form = openpyxl.load_workbook(folder / "包头市" / "包头市反馈单_2022-W38.xlsx")["反馈单"]
    setup = form.page_setup
    pages_high = 1 if setup.fitToHeight is None else setup.fitToHeight  # 1 is the file format's default
    assert (setup.orientation, pages_high, form.sheet_properties.pageSetUpPr.fitToPage) == ("portrait", 1, True)


def test_without_stored_bytes_the_inbox_file_is_annotated_and_without_either_the_feedback_says_so(stored):
    with sqlite3.connect(stored["db"]) as conn:
        conn.execute("DELETE FROM file_content")
    assert pack(stored).exit_code == 0
    assert (stored["pack"] / "包头市" / "包头市.校验.xlsx").is_file()  # from the inbox, unchanged since the merge
    (stored["inbox"] / "包头市.xlsx").write_bytes(b"changed since")
    (stored["inbox"] / "乌海市.xlsx").unlink()
    done = pack(stored, "--force")
    assert done.exit_code == 0
    reason = "数据库中没有该文件的原件，收件文件夹中也没有汇总时的原样文件"
    assert done.output.splitlines()[1:] == [f"未能生成 {city}.xlsx 的标注副本：{reason}（反馈单中已注明）"
                                            for city in ("包头市", "乌海市")]
    assert feedback(stored["pack"], "乌海市")["标注副本"] == f"乌海市.xlsx：未能生成标注副本（{reason}）"
    assert not (stored["pack"] / "乌海市" / "乌海市.校验.xlsx").exists()


def test_an_existing_pack_is_replaced_only_with_force(stored, monkeypatch, capfd):
    assert pack(stored).exit_code == 0
    (stored["pack"] / "旧文件.txt").write_text("old", encoding="utf-8")
    code, _, _ = run_kq(monkeypatch, capfd, "pack", "--week", "38", "--db", str(stored["db"]), "--out",
                        str(stored["pack"]))
    assert code == 2 and (stored["pack"] / "旧文件.txt").is_file()
    assert pack(stored, "--force").exit_code == 0
    assert not (stored["pack"] / "旧文件.txt").exists()
    assert not [p for p in stored["pack"].parent.iterdir() if p.name.startswith(".kq-")]


def test_a_week_not_stored_or_an_existing_folder_stops_with_one_line(stored, tmp_path, monkeypatch, capfd):
    code, out, err = run_kq(monkeypatch, capfd, "pack", "--week", "39", "--db", str(stored["db"]))
    assert (code, out) == (2, "")
    assert err == f"错误：数据库 {stored['db']} 中没有 2022-W39 的汇总；请先用 kq merge 汇总该周台账\n"
    stored["pack"].mkdir()
    code, _, err = run_kq(monkeypatch, capfd, "pack", "--week", "38", "--db", str(stored["db"]), "--out",
                          str(stored["pack"]))
    assert (code, err) == (2, f"错误：输出文件夹已存在：{stored['pack']}（如需覆盖请加 --force）\n")


@pytest.mark.slow
@needs_soffice
def test_a_feedback_prints_on_one_page(stored, tmp_path):
    assert pack(stored).exit_code == 0
    pdf = convert(stored["pack"] / "包头市" / "包头市反馈单_2022-W38.xlsx", "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
