"""No single cell or file name stops a merge, and nothing a ledger holds reaches a terminal, a
report or a workbook as a control character.

openpyxl refuses to write control characters; Excel stores them in a workbook as ``_xHHHH_``
escapes, which is how they arrive in a 盟市's file, so the fixtures write them that way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import AS_OF
from kuangquan_cli.checking.validate import validate_file
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.tables import divisions, fields
from support import city_rows, row, run_kq, write_city, write_inbox, write_ledger

ESC_CLEAR = "\x1b[2J\x1b[31m"
#: What a 盟市's workbook holds for ``ESC_CLEAR`` followed by a BEL and a NUL.
IN_WORKBOOK = "_x001B_[2J_x001B_[31m_x0007__x0000_"
SHOWN = r"\x1b[2J\x1b[31m\x07\x00"


def codes(result) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in result.findings]


# --- a 序号 of 10^19 ------------------------------------------------------------------------------

@pytest.mark.parametrize("seq", [10.0**19, "10000000000000000000", "1" * 5000])
def test_a_number_kq_cannot_store_is_a_finding_on_its_cell(seq, tmp_path, plan):
    result = validate_file(write_ledger(tmp_path / "包头市.xlsx", [row(seq=seq)]), plan, AS_OF)
    assert codes(result) == [("value.out_of_range", "A4")]
    written = seq if isinstance(seq, str) else "10000000000000000000"
    assert result.findings[0].message == f"「{written}」超出可处理的范围：应为不超过 15 位的整数"
    assert result.records[0].values.seq is None


def test_the_largest_sequence_number_is_kept(tmp_path, plan):
    result = validate_file(write_ledger(tmp_path / "包头市.xlsx", [row(seq=10**15 - 1)]), plan, AS_OF)
    assert codes(result) == [] and result.records[0].values.seq == 10**15 - 1


def test_a_huge_sequence_number_does_not_stop_the_merge(tmp_path, monkeypatch, capfd):
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=2)
    rows = city_rows("乌海市", 2, 1000)
    rows[1]["seq"] = 10.0**19
    write_city(inbox, "乌海市", rows)
    db, out = tmp_path / "kq.db", tmp_path / "汇总台账.xlsx"
    code, text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out),
                             "--format", "json")
    assert code == 1 and err == ""
    data = json.loads(text)
    assert (data["rows_in"], data["rows_flagged"]) == (24, 1)
    assert [f["status"] for f in data["files"]] == ["merged"] * 12
    with Store(db) as store:
        snapshot = store.load_snapshot(2022, 38)
    assert [(f["code"], f["file"], f["cell"]) for f in snapshot.findings if f["severity"] == "error"] == [
        ("value.out_of_range", "乌海市.xlsx", "A5")]
    assert snapshot.rows["seq"].isna().sum() == 1
    flagged = openpyxl.load_workbook(out)["待核实"]
    assert flagged.cell(2, 2).value == "乌海市.xlsx" and flagged.cell(2, 5).value == "10000000000000000000"


# --- a file name that is not UTF-8 ------------------------------------------------------------

GBK_NAME = os.fsdecode("乌海市".encode("gbk") + b".xlsx")


def shown(name: str) -> str:
    """The name as kq shows it: its bytes that are not UTF-8 as ``\\xNN``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def test_a_gbk_file_name_is_shown_escaped_and_the_file_is_merged(tmp_path, monkeypatch, capfd):
    inbox = tmp_path / "2022-W38"
    write_inbox(inbox, per_city=2, cities=["呼和浩特市", "包头市"])
    write_city(inbox, "乌海市", city_rows("乌海市", 2, 5000), name=GBK_NAME)
    name = shown(GBK_NAME)
    assert "\\x" in name and name.isprintable()
    db, out = tmp_path / "kq.db", tmp_path / "汇总台账.xlsx"

    code, text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out),
                             "--format", "json")
    assert code == 1 and err == ""
    files = {f["file"]: f for f in json.loads(text)["files"]}
    assert files[name] | {"errors": 0, "arrived": None} == {
        "file": name, "city": "乌海市", "rows": 2, "errors": 0, "warnings": 0, "status": "merged", "region_wide": False,
        "arrived": None, "on_time": None}
    with Store(db) as store:
        assert name in {f["file"] for f in store.load_snapshot(2022, 38).files}
    assert name in {c.value for c in openpyxl.load_workbook(out)["汇总台账"]["B"]}  # 来源文件

    code, text, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(out))
    assert code == 1 and name in text and err == ""
    code, text, err = run_kq(monkeypatch, capfd, "validate", str(inbox / GBK_NAME), "--format", "json")
    assert code == 0 and json.loads(text)["files"][0]["file"] == name


# --- control characters -------------------------------------------------------------------------

def hostile_inbox(folder: Path) -> Path:
    """The region, with 包头市's ledger named with an ESC sequence and holding a row that is
    overdue (so the report lists its name) whose name carries ESC, BEL and NUL, and a row whose
    进展状态 carries an ESC sequence (so a message quotes it)."""
    write_inbox(folder, per_city=2, cities=[c for c in divisions().cities if c != "包头市"])
    rows = city_rows("包头市", 2, 9000)
    rows[0].update(right_name=f"某铁矿{IN_WORKBOOK}", deadline="2022-09-01", status="推进中", done_date=None)
    rows[1].update(status="_x001B_[2J推进中")
    write_city(folder, "包头市", rows, name="包头市\x1b[31m.xlsx")
    return folder


def test_control_characters_are_a_warning_on_their_cell(tmp_path, plan):
    path = write_ledger(tmp_path / "包头市.xlsx", [row(right_name=f"某铁矿{IN_WORKBOOK}")])
    result = validate_file(path, plan, AS_OF)
    assert codes(result) == [("value.control_char", "H4")]
    finding = result.findings[0]
    assert finding.severity == "warning" and finding.field == "right_name"
    assert finding.message == ("含有不可见的控制字符 \\x1b、\\x07、\\x00（kq 显示为转义形式），"
                               "多为从其他系统复制时带入；请删除")
    assert result.records[0].values.right_name == f"某铁矿{ESC_CLEAR}\x07\x00"  # kept as written


def test_control_characters_never_reach_the_terminal(tmp_path, monkeypatch, capfd):
    inbox = hostile_inbox(tmp_path / "2022-W38")
    ledger = inbox / "包头市\x1b[31m.xlsx"
    monkeypatch.setenv("COLUMNS", "300")  # one finding a line
    code, out, err = run_kq(monkeypatch, capfd, "validate", str(ledger))
    assert code == 1 and err == ""
    assert not any(c in out for c in "\x1b\x07\x00")
    assert "包头市\\x1b[31m.xlsx" in out and "进展状态不能填「\\x1b[2J推进中」" in out
    code, out, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(tmp_path / "kq.db"),
                            "--out", str(tmp_path / "汇总台账.xlsx"))
    assert code == 1 and err == "" and not any(c in out for c in "\x1b\x07\x00")
    assert "包头市\\x1b[31m.xlsx" in out
    # an error naming the file: the one line on stderr is escaped too
    ledger.write_bytes(b"")
    code, out, err = run_kq(monkeypatch, capfd, "validate", str(ledger))
    assert code == 2 and "\x1b" not in err and "包头市\\x1b[31m.xlsx" in err


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_control_characters_never_reach_a_report(fmt, tmp_path, monkeypatch, capfd):
    inbox = hostile_inbox(tmp_path / "2022-W38")
    db = tmp_path / "kq.db"
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(db), "--out", str(tmp_path / "a.xlsx"))
    assert code == 1, err
    page = tmp_path / f"通报.{fmt}"
    code, _, err = run_kq(monkeypatch, capfd, "report", "--week", "38", "--db", str(db), "--out", str(page))
    assert code == 0, err
    text = page.read_text(encoding="utf-8")
    assert not any(c in text for c in "\x1b\x07\x00")
    if fmt == "html":
        right, file = r"某铁矿\x1b[2J\x1b[31m\x07\x00", r"包头市\x1b[31m.xlsx"
    else:  # and escaped for Markdown: each backslash and bracket
        right, file = r"某铁矿\\x1b\[2J\\x1b\[31m\\x07\\x00", r"包头市\\x1b\[31m.xlsx"
    assert right in text  # the overdue right, by its name as written, made visible
    assert file in text  # in the 报送情况


def test_control_characters_are_shown_escaped_in_the_merged_workbook(tmp_path, monkeypatch, capfd):
    inbox = hostile_inbox(tmp_path / "2022-W38")
    out = tmp_path / "汇总台账.xlsx"
    code, _, err = run_kq(monkeypatch, capfd, "merge", str(inbox), "--db", str(tmp_path / "kq.db"), "--out", str(out))
    assert code == 1, err
    book = openpyxl.load_workbook(out)
    name_column = 4 + [f.name for f in fields()].index("right_name")  # after 汇总序号, 来源文件, 来源行
    names = [r[name_column - 1].value for r in book["汇总台账"].iter_rows(min_row=3)]
    assert "某铁矿" + SHOWN in names
    everything = [c.value for ws in book.worksheets for line in ws.iter_rows() for c in line
                  if isinstance(c.value, str)]
    assert not any(ch in value for value in everything for ch in "\x1b\x07\x00")
    assert any("包头市\\x1b[31m.xlsx" == value for value in everything)


def test_an_annotated_copy_shows_control_characters_escaped(tmp_path, monkeypatch, capfd):
    path = write_ledger(tmp_path / "包头市.xlsx", [row(status="_x001B_[2J推进中")])
    code, _, err = run_kq(monkeypatch, capfd, "validate", str(path), "--annotate")
    assert code == 1, err
    comment = openpyxl.load_workbook(tmp_path / "包头市.校验.xlsx")["台账"]["U4"].comment.text
    assert "进展状态不能填「\\x1b[2J推进中」" in comment


# --- NUL in a CSV -------------------------------------------------------------------------------

def csv_ledger(path: Path, rows: list[dict], encoding: str = "utf-8") -> Path:
    lines = [",".join(f.header for f in fields())]
    lines += [",".join("" if r[f.name] is None else str(r[f.name]) for f in fields()) for r in rows]
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_nul_in_a_csv_is_a_finding_on_its_cell(encoding, tmp_path, plan):
    rows = [row(holder="包头某矿业\x00有限公司"), row(seq=2, licence_no="C1502002009051120016227")]
    path = csv_ledger(tmp_path / "包头市.csv", rows, encoding)
    result = validate_file(path, plan, AS_OF)
    assert result.readable and result.header_row == 1 and len(result.records) == 2
    assert codes(result) == [("value.control_char", "I2")]
    assert result.findings[0].message.startswith("含有不可见的控制字符 \\x00（")


def test_a_binary_file_named_csv_is_still_refused(tmp_path, plan):
    path = tmp_path / "包头市.csv"
    path.write_bytes(bytes(range(256)) * 64)
    result = validate_file(path, plan, AS_OF)
    assert [f.code for f in result.findings] in (["file.unsupported"], ["file.unreadable"])


# --- a text file without a ledger, alone ------------------------------------------------------------

def test_a_text_file_without_a_ledger_alone_exits_2_with_one_line(tmp_path):
    path = tmp_path / "说明.csv"
    path.write_text("各盟市：\n请于每周五前报送台账。\n联系人：王芳\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kuangquan_cli", "validate", str(path)],
                          capture_output=True, text=True)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == ("错误：说明.csv：找不到台账表头行（各工作表前 30 行中都没有台账表头）；"
                           "表头应含 盟市、矿业权类型、许可证号 等列\n")
