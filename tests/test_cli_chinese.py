"""Every usage mistake a user can make is answered in one Chinese line (exit 2), never in click's
English; plain ``kq`` is a request for help."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kuangquan_cli.cli.app import cli, main
from kuangquan_cli.cli.options import Integer, Number, OneOf, PathType

#: Three ASCII words in a row, such as "is a directory" or "No such command".
ASCII_SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,'.]+[A-Za-z]{2,}){2,}")
COMMANDS = dict(cli.commands)


@pytest.fixture
def run(capsys, monkeypatch):
    """``kq`` in this process, as the console script runs it: exit status, stdout, stderr."""

    def kq(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["kq", *args])
        try:
            main()
            code = 0
        except SystemExit as done:
            code = int(done.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return kq


@pytest.fixture
def places(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "文件夹"
    folder.mkdir()
    ledger = tmp_path / "包头市.xlsx"
    ledger.write_bytes(b"")
    return {"folder": folder, "file": ledger}


def refused(run, *args: str) -> str:
    """The one line kq answers a usage mistake with."""
    code, out, err = run(*args)
    assert (code, out) == (2, ""), err
    [line] = err.splitlines()
    assert line.startswith("用法错误：") and not ASCII_SENTENCE.search(line), line
    return line


def help_of(command: str) -> str:
    return f"（用 kq {command} --help 查看用法）" if command else "（用 kq --help 查看用法）"


def test_the_mistakes_the_clerks_made(run, places):
    folder, ledger = places["folder"], places["file"]
    assert refused(run, "validate", str(folder)) == (
        f"用法错误：{folder} 是文件夹，不是文件；要汇总一个文件夹中各盟市的台账，请用 kq merge {folder}"
        + help_of("validate"))
    assert refused(run, "validate", "x.xlsx", "--week", "99") == (
        "用法错误：--week 应为 1–53 之间的整数，现为 99" + help_of("validate"))
    assert refused(run, "validate", "x.xlsx", "--format", "xml") == (
        "用法错误：--format 应为 text、json 之一，现为 xml" + help_of("validate"))
    assert refused(run, "validat", "x.xlsx") == "用法错误：没有命令 validat；是否应为 kq validate？" + help_of("")
    assert refused(run, "merge", str(ledger)) == (
        f"用法错误：{ledger} 是文件，不是文件夹；要校验一个台账文件，请用 kq validate {ledger}" + help_of("merge"))


@pytest.mark.parametrize(("args", "message"), [
    (["validate"], "缺少参数 台账文件..."),
    (["merge"], "缺少参数 文件夹"),
    (["merge", "{folder}", "第二个"], "多余的参数：第二个"),
    (["merge", "{folder}/没有"], "找不到文件夹 {folder}/没有"),
    (["validate", "x.xlsx", "--stric"], "没有选项 --stric；是否应为 --strict？"),
    (["validate", "x.xlsx", "--bogus"], "没有选项 --bogus"),
    (["validate", "x.xlsx", "--week"], "选项 --week 后面缺少值"),
    (["validate", "x.xlsx", "--strict=yes"], "选项 --strict 不带值"),
    (["validate", "x.xlsx", "--year", "今年"], "--year 应为整数，现为 今年"),
    (["validate", "x.xlsx", "--max-file-mb", "0"], "--max-file-mb 应为大于0的数，现为 0"),
    (["history", "--db", "{folder}"], "{folder} 是文件夹，不是文件"),
    (["frobnicate"],
     "没有命令 frobnicate；可用的命令：validate、schema、template、merge、history、baseline、report、changes、pack、"
     "tokens、serve"),
])
def test_the_other_usual_mistakes(run, places, args, message):
    folder = str(places["folder"])
    command = args[0] if args[0] in COMMANDS else ""
    line = refused(run, *(a.format(folder=folder) for a in args))
    assert line == f"用法错误：{message.format(folder=folder)}{help_of(command)}"


def _mistakes(command: click.Command, places: dict[str, Path]) -> Iterator[list[str]]:
    """Each kind of mistake each of the command's parameters allows, after valid arguments."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    given = [str(places["folder"] if isinstance(p.type, PathType) and not p.type.file_okay else "x.xlsx")
             for p in arguments]
    yield [*given, "--no-such-option"]
    if not any(p.nargs == -1 for p in arguments):
        yield [*given, "多余"]
    if any(p.required for p in arguments):
        yield []  # the argument missing
    for p in command.params:
        if not isinstance(p, click.Option) or p.hidden:
            continue
        flag = next(o for o in p.opts if o.startswith("--"))
        if p.is_flag:
            yield [*given, f"{flag}=1"]
            continue
        yield [*given, flag]  # no value after it
        if isinstance(p.type, Integer | Number):
            yield [*given, flag, "九"]
        if isinstance(p.type, Integer | Number) and p.type.min is not None:
            yield [*given, flag, "-99999"]
        if isinstance(p.type, OneOf):
            yield [*given, flag, "xml"]
        if isinstance(p.type, PathType) and not p.type.dir_okay:
            yield [*given, flag, str(places["folder"])]
        if isinstance(p.type, PathType) and not p.type.file_okay:
            yield [*given, flag, str(places["file"])]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_mistake_with_every_command_is_one_chinese_line(run, places, name):
    for case in _mistakes(COMMANDS[name], places):
        refused(run, name, *case)


def test_every_parameter_has_a_type_that_refuses_in_chinese():
    chinese = (Integer, Number, OneOf, PathType)
    loose = [
        f"kq {name} {p.name}" for name, command in [("", cli), *COMMANDS.items()] for p in command.params
        if not (isinstance(p.type, chinese) or p.type is click.STRING or getattr(p, "is_flag", False))
    ]
    assert loose == []


def test_plain_kq_shows_the_help_and_succeeds(run):
    code, out, err = run()
    assert (code, err) == (0, "") and out.startswith("用法：kq [选项] 命令 [参数]...") and "validate" in out
    assert run("--debug")[:2] == (0, out)


def test_ranges_in_the_help_are_written_the_chinese_way(run):
    code, out, _ = run("validate", "--help")
    assert code == 0 and "[1–53]" in out and "[大于0]" in out and "[不小于1]" in out and "<=" not in out
