"""The enumeration values kq's rules rely on (``reference/vocabulary.py``) against ``enums.toml``:
the bundled file has them all, and an edited file that renames one is refused with one Chinese
line naming the file, at load and at the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kuangquan_cli.errors import KqError
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.reference.resources import schema_file
from kuangquan_cli.reference.tables import load_enumerations
from kuangquan_cli.reference.vocabulary import RELIED_ON
from support import row, write_ledger

PACKAGE = Path(__file__).parents[1] / "src" / "kuangquan_cli"
RENAMED = "缺少 kq 规则所依赖的取值「不具备条件」；这些取值不能改名或删除（可在 synonyms 中增加其他写法）"


def _edited_enums(folder: Path, old: str, new: str) -> Path:
    """A copy of the bundled enums.toml in ``folder`` with every ``"old"`` written ``"new"``."""
    text = schema_file("enums.toml").read_text(encoding="utf-8")
    assert f'"{old}"' in text
    path = folder / "enums.toml"
    path.write_text(text.replace(f'"{old}"', f'"{new}"'), encoding="utf-8")
    return path


def test_every_relied_on_value_is_in_the_bundled_enums():
    with schema_file("enums.toml").open("rb") as handle:
        data = tomllib.load(handle)
    for name, needed in RELIED_ON.items():
        assert set(needed) <= set(data[name]["values"]), name


def test_the_bundled_enums_load():
    assert load_enumerations(schema_file("enums.toml"))["status"].resolve("不具备") == "不具备条件"


def test_a_renamed_relied_on_value_is_refused_naming_the_file(tmp_path):
    path = _edited_enums(tmp_path, "不具备条件", "不具备复产条件")
    with pytest.raises(KqError) as refused:
        load_enumerations(path)
    assert str(refused.value) == f"{path} 中枚举 status {RENAMED}"


def test_a_synonym_meaning_no_allowed_value_is_refused_naming_the_file(tmp_path):
    text = schema_file("enums.toml").read_text(encoding="utf-8").replace('"缺手续" = "缺少手续"', '"缺手续" = "缺少"')
    path = tmp_path / "enums.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KqError) as refused:
        load_enumerations(path)
    assert str(refused.value) == f"{path} 中枚举 reason 的写法「缺手续」对应「缺少」，但「缺少」不在 values 中"


def test_kq_validate_with_a_renamed_value_exits_2_with_one_chinese_line(tmp_path):
    """kq installed as a wheel lays it out (``schemas/`` inside the package), the office having
    edited the installed enums.toml."""
    site = tmp_path / "site"
    package = site / "kuangquan_cli"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(schema_file("enums.toml").parent, package / "schemas")
    enums = _edited_enums(package / "schemas", "不具备条件", "不具备复产条件")
    ledger = write_ledger(tmp_path / "包头市台账.xlsx", [row()])

    proc = subprocess.run([sys.executable, "-m", "kuangquan_cli", "validate", str(ledger)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(site)})

    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"错误：{enums} 中枚举 status {RENAMED}\n")


def test_the_plans_tasks_are_written_with_the_task_labels(plan):
    assert [task.label for task in plan.tasks] == list(RELIED_ON["task"])


def test_a_plan_task_no_ledger_can_write_is_refused(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(schema_file("plan-2022.toml").read_text(encoding="utf-8").replace("number = 6", "number = 7"),
                    encoding="utf-8")
    with pytest.raises(KqError) as refused:
        load_plan(path)
    assert str(refused.value) == f"方案文件数字不自洽：{path}：任务编号 7 应在 1–6 之间"
