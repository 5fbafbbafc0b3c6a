"""``kq validate`` and ``kq schema`` from the command line: output formats and exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest
from click.testing import CliRunner

from kuangquan_cli.checking.validate import validate_files
from kuangquan_cli.cli.app import cli
from support import AS_OF, invoke, kq, row, write_ledger


def test_json_equals_the_library_result(tmp_path, plan):
    second = row(seq=2, licence_no="C1502002009051120016227", credit_code="91150602MA0MYGRT5X")
    path = write_ledger(tmp_path / "包头市台账.xlsx", [row(), second])
    result = invoke("validate", str(path), "--format", "json", "--week", "38")
    assert result.exit_code == 1
    expected = validate_files([path], plan, AS_OF).to_dict()
    assert json.loads(result.output) == json.loads(json.dumps(expected, ensure_ascii=False, default=str))
    data = json.loads(result.output)
    assert set(data) >= {"files", "summary", "reconciliation"}
    assert data["files"][0]["findings"][0] | {"message": None} == {
        "code": "credit_code.check", "severity": "error", "file": "包头市台账.xlsx", "sheet": "台账", "row": 5,
        "column": "J", "cell": "J5", "field": "credit_code", "value": "91150602MA0MYGRT5X", "message": None,
    }
    assert data["reconciliation"][0] == {"task": 1, "reason": None, "plan": 107, "ledger": 0, "diff": -107}


def test_clean_file_exits_0_and_warnings_fail_only_when_strict(tmp_path):
    clean = write_ledger(tmp_path / "a.xlsx", [row()])
    assert invoke("validate", str(clean)).exit_code == 0
    warned = write_ledger(tmp_path / "b.xlsx", [row(deadline="2023-06-30")])
    assert invoke("validate", str(warned)).exit_code == 0
    assert invoke("validate", str(warned), "--strict").exit_code == 1


def test_text_output_names_file_cell_and_code(tmp_path):
    path = write_ledger(tmp_path / "包头市台账.xlsx", [row(credit_code="91150602MA0MYGRT5X")])
    out = invoke("validate", str(path)).output
    assert "包头市台账.xlsx" in out and "J4" in out and "credit_code.check" in out and "最后一位应为 8" in out


def test_unreadable_file_alone_exits_2_with_one_chinese_line(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    proc = kq("validate", str(bad))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "坏文件.xlsx" in lines[0] and "Traceback" not in proc.stderr


def test_unreadable_file_among_others_is_a_finding(tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"")
    good = write_ledger(tmp_path / "好.xlsx", [row()])
    result = invoke("validate", str(bad), str(good), "--format", "json")
    assert result.exit_code == 1
    files = json.loads(result.output)["files"]
    assert files[0]["findings"][0]["code"] == "file.unreadable" and files[0]["findings"][0]["row"] is None
    assert files[1]["errors"] == 0


def test_bad_option_exits_2_in_chinese():
    proc = kq("validate", "--format", "xml", "x.xlsx")
    assert proc.returncode == 2 and proc.stderr.startswith("用法错误") and "Traceback" not in proc.stderr


def test_sheet_option_picks_the_sheet(tmp_path):
    path = write_ledger(tmp_path / "a.xlsx", [row()], extra_sheets=["说明"])
    assert invoke("validate", str(path), "--sheet", "台账").exit_code == 0
    missing = kq("validate", str(path), "--sheet", "不存在", "--format", "json")  # header.not_found: one line, exit 2
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == ("错误：a.xlsx：找不到台账表头行（没有名为「不存在」的工作表）；"
                              "表头应含 盟市、矿业权类型、许可证号 等列\n")


def test_bad_plan_file_exits_2(tmp_path):
    plan = tmp_path / "plan.toml"
    from kuangquan_cli.reference.resources import schema_file

    plan.write_text(schema_file("plan-2022.toml").read_text(encoding="utf-8").replace("rights = 107", "rights = 108"),
                    encoding="utf-8")
    path = write_ledger(tmp_path / "a.xlsx", [row()])
    proc = kq("validate", str(path), "--plan", str(plan))
    assert proc.returncode == 2 and "不自洽" in proc.stderr and "108" in proc.stderr


def test_schema_prints_fields_and_json_schema():
    table = invoke("schema")
    assert table.exit_code == 0 and "credit_code" in table.output and "许可证号" in table.output
    schema = json.loads(invoke("schema", "--json").output)
    assert "licence_no" in schema["properties"]
    assert "开采条件限制" in json.dumps(schema, ensure_ascii=False)


def test_limits_are_options_that_win_over_the_environment(tmp_path, monkeypatch):
    path = write_ledger(tmp_path / "包头市台账.xlsx", [row()])
    refused = kq("validate", str(path), "--max-file-mb", "0.001")
    assert refused.returncode == 2 and "--max-file-mb" in refused.stderr and "KQ_MAX_FILE_MB" in refused.stderr
    monkeypatch.setenv("KQ_MAX_CELLS", "10")
    assert kq("validate", str(path)).returncode == 2
    assert kq("validate", str(path), "--max-cells", "100000").returncode == 0


def test_merge_applies_the_limits_to_every_file(tmp_path):
    inbox = tmp_path / "2022-W38"
    inbox.mkdir()
    write_ledger(inbox / "包头市.xlsx", [row()])
    result = invoke("merge", str(inbox), "--max-cells", "10", "--format", "json",
                    "--db", str(tmp_path / "kq.db"), "--out", str(tmp_path / "汇总.xlsx"))
    [entry] = json.loads(result.output)["files"]
    assert entry["status"] == "rejected" and "上限" in entry["reason"]


def test_help_and_usage_errors_speak_chinese():
    help_text = kq("--help").stdout
    assert help_text.startswith("用法：") and "命令" in help_text and "显示本帮助并退出" in help_text
    assert "Show this message" not in kq("validate", "--help").stdout
    proc = kq("validate", "--bogus", "x.xlsx")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "用法错误：没有选项 --bogus（用 kq validate --help 查看用法）"


@pytest.mark.parametrize("command", ["", "validate", "merge", "history", "report", "schema", "template"])
def test_every_help_page_is_chinese_and_lined_up(command):
    """No click placeholder or note is left in English, and each option's text starts in one
    column as the terminal shows it (a Chinese placeholder is two columns a character)."""
    text = CliRunner().invoke(cli, [*filter(None, [command]), "--help"], terminal_width=200).output
    assert text.startswith("用法：") and "选项：" in text
    placeholders = r"\b(OPTIONS|COMMAND|ARGS|TEXT|INTEGER|FLOAT|FILE|DIRECTORY|PATH|RANGE|default|required)\b"
    assert not re.search(placeholders, text)
    options = [line for line in text.splitlines() if line.startswith("  -")]
    described = [line for line in options if re.search(r"\S\s{2,}\S", line)]
    starts = {_display_width(re.match(r"\s*\S.*?\s{2,}", line)[0]) for line in described}
    assert len(starts) == 1, text


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_a_console_without_a_character_neither_stops_kq_nor_spoils_json(tmp_path):
    """On a GBK console (Chinese Windows) neither ✘ nor a rare 汉字 such as 𬌗 can be encoded:
    the text report shows "?" for them and goes on; the JSON is UTF-8 whatever the console."""
    path = tmp_path / "包头市.xlsx"
    write_ledger(path, [row(phone="𬌗13812345678")])
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    text = subprocess.run([sys.executable, "-m", "kuangquan_cli", "validate", str(path)], capture_output=True, env=env)
    assert text.returncode == 1, text.stderr.decode("gbk", "replace")
    assert "[phone.shape]" in text.stdout.decode("gbk")
    found = subprocess.run([sys.executable, "-m", "kuangquan_cli", "validate", "--format", "json", str(path)],
                           capture_output=True, env=env)
    assert found.returncode == 1
    [finding] = json.loads(found.stdout.decode("utf-8"))["files"][0]["findings"]
    assert finding["value"] == "𬌗13812345678"
