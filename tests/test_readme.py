"""The README and ``docs/`` say what the code does.

The finding table is the catalogue, column for column; every command and every option is
documented; the field table of ``docs/ledger.md`` is ``schemas/fields.toml``; every key the JSON
outputs carry is in ``docs/json.md`` and nothing more; every link between the documents (and
every ``docs/…#anchor`` cited in ``src/`` and ``schemas/``) reaches a heading; the Quick start and the Python
example are what they claim to be.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from kuangquan_cli.checking.catalogue import CODES, Code
from kuangquan_cli.cli.app import cli
from support import city_rows, licence, planted_weeks, write_city, write_inbox

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = sorted((ROOT / "docs").glob("*.md"))
SEVERITY = {"error": "错误", "warning": "警告"}


# ---- reading markdown -------------------------------------------------------------------------


def section(text: str, heading: str, level: int = 2) -> str:
    """The text under ``heading`` (a heading of ``level``) up to the next heading of that level or above."""
    marks = "#" * level
    match = re.search(rf"^{marks} {re.escape(heading)}\n(.*?)(?=^#{{1,{level}}} |\Z)", text, re.M | re.S)
    assert match, f"no heading {marks} {heading}"
    return match[1]


def subsections(text: str, level: int = 3) -> dict[str, str]:
    """Heading → text of every heading of ``level`` in ``text``."""
    marks = "#" * level
    found = re.finditer(rf"^{marks} ([^\n]+)\n(.*?)(?=^#{{1,{level}}} |\Z)", text, re.M | re.S)
    return {m[1]: m[2] for m in found}


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table in ``text``: its header cells and its rows' cells."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1]):
            header, rows = _cells(lines[i]), []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            found.append((header, rows))
        else:
            i += 1
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {slug(m[1]) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


# ---- the finding table ------------------------------------------------------------------------


def catalogue_row(code: Code) -> list[str]:
    return [f"`{code.code}`", SEVERITY[code.severity], code.title, code.template, " / ".join(code.advice)]


def finding_table() -> str:
    """The README's finding table as the catalogue gives it (paste it in when this test fails)."""
    lines = ["| 代码 | 级别 | 含义 | 消息模板 | 建议 |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in catalogue_row(code)) + " |" for code in CODES]
    return "\n".join(lines)


def test_the_finding_table_is_the_catalogue_in_all_five_columns():
    [(header, rows)] = tables(section(README, "问题代码一览"))
    assert header == ["代码", "级别", "含义", "消息模板", "建议"]
    assert rows == [catalogue_row(code) for code in CODES], "README 的问题代码表应为：\n" + finding_table()


# ---- commands and options ---------------------------------------------------------------------


def command_sections() -> dict[str, str]:
    """Command name → the headings and text of its ``### `kq NAME …``` sections in the README's 命令."""
    found: dict[str, str] = {}
    for heading, text in subsections(section(README, "命令")).items():
        match = re.fullmatch(r"`kq (\w+)[^`]*`", heading)
        assert match, f"命令 下的小节标题应为 `kq 命令 …`：{heading}"
        found[match[1]] = found.get(match[1], "") + heading + "\n" + text
    return found


def test_every_command_has_its_section_and_every_section_a_command():
    visible = {name for name, command in cli.commands.items() if not command.hidden}
    assert set(command_sections()) == visible


def test_hidden_commands_are_at_least_mentioned():
    """``kq samples`` is for maintainers: no section of its own, but the README names it."""
    for name, command in cli.commands.items():
        if command.hidden:
            assert f"`kq {name}" in README, name


def _long_flags(command: click.Command) -> Iterator[str]:
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            yield from (flag for flag in param.opts if flag.startswith("--") and flag != "--help")


def test_every_option_is_documented_with_its_command():
    """Shared options may be described once, in 命令's opening paragraph or the limits table."""
    shared = section(README, "命令").split("\n### ", 1)[0] + section(README, "读取上限与异常文件")
    sections = command_sections()
    undocumented = {
        f"kq {name} {flag}"
        for name, text in sections.items()
        for flag in _long_flags(cli.commands[name])
        if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text + shared)
    }
    assert not undocumented
    assert "`--debug`" in shared and "kq --version" in README


# ---- docs/ledger.md: the field table ----------------------------------------------------------

REQUIRED = {"必填": "yes", "选填": "no", "条件必填": "conditional"}


def test_the_field_table_is_fields_toml():
    with (ROOT / "schemas" / "fields.toml").open("rb") as handle:
        wanted = [
            [f"`{f['name']}`", f["header"], "、".join(f.get("aliases", [])), f["required"]]
            for f in tomllib.load(handle)["fields"]
        ]
    [(header, rows)] = tables(section((ROOT / "docs" / "ledger.md").read_text(encoding="utf-8"), "字段"))
    assert header == ["字段", "表头", "别名", "类型", "必填"]
    documented = [[name, text, aliases, REQUIRED[required.split("：")[0]]] for name, text, aliases, _, required in rows]
    assert documented == wanted


# ---- docs/json.md: every key -------------------------------------------------------------------


def keys(data: Any) -> set[str]:
    """Every key of every object in ``data``, at any depth."""
    if isinstance(data, dict):
        return set(data) | {k for value in data.values() for k in keys(value)}
    if isinstance(data, list):
        return {k for item in data for k in keys(item)}
    return set()


def documented_keys() -> set[str]:
    """The first column of every key table (header 键) of docs/json.md."""
    text = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    return {row[0].strip("`") for header, rows in tables(text) if header[0] == "键" for row in rows}


def kq_json(*args: str) -> dict[str, Any]:
    done = CliRunner().invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    return json.loads(done.stdout)


def test_docs_json_lists_exactly_the_keys_the_commands_emit(tmp_path: Path):
    """A baseline stored from a whole week, then an inbox with every kind of entry: a rejected file,
    an ignored one, a 盟市 sent twice, a licence in two files (and in the baseline under another
    盟市), a 盟市 missing, so that every object of the outputs has its keys."""
    db = tmp_path / "kq.db"
    write_inbox(tmp_path / "2022-W37", per_city=2)
    kq_json("merge", str(tmp_path / "2022-W37"), "--db", str(db), "--out", str(tmp_path / "w37.xlsx"))
    stored = kq_json("baseline", "--week", "37", "--note", "核实结果", "--db", str(db))
    inbox = tmp_path / "2022-W38"
    paths = write_inbox(inbox, per_city=2, cities=["呼和浩特市", "包头市", "乌海市"])
    write_city(inbox, "乌海市", city_rows("乌海市", 2, 5000), name="乌海市（更正）.xlsx")
    shared = city_rows("包头市", 2, 7000)
    shared[0]["licence_no"] = licence("呼和浩特市", "采矿权", 0)
    write_city(inbox, "包头市", shared)
    (inbox / "损坏.xlsx").write_bytes(b"not a workbook")
    (inbox / "说明.txt").write_text("本周台账", encoding="utf-8")

    validated = kq_json("validate", "--week", "38", str(paths["包头市"]), str(inbox / "损坏.xlsx"), "--db", str(db))
    merged = kq_json("merge", str(inbox), "--db", str(db), "--out", str(tmp_path / "汇总.xlsx"))
    history = kq_json("history", "--db", str(db))
    inputs = kq_json("history", "--week", "38", "--restore", str(tmp_path / "恢复"), "--db", str(db))
    baselines = kq_json("baseline", "--db", str(db))
    weeks, changed = planted_weeks(tmp_path / "planted"), str(tmp_path / "changes.db")  # one change of each kind
    for week in (37, 38):
        compared = kq_json("merge", str(weeks.inboxes[week]), "--db", changed, "--out", str(tmp_path / "w.xlsx"))
    changes = kq_json("changes", "--db", changed)

    assert merged["duplicate_licences"] and merged["duplicate_cities"] and merged["missing_cities"]
    assert {f["status"] for f in merged["files"]} == {"merged", "duplicate", "rejected"}
    assert {d["kind"] for d in merged["baseline"]["differences"]} == {"missing", "outside", "differs"}
    assert stored == baselines["baselines"][0] and validated["baseline"]
    assert {c["kind"] for c in changes["changes"]} == {kind for kind, _ in weeks.planted}
    emitted = [validated, merged, history, inputs, baselines, compared, changes]
    assert set().union(*map(keys, emitted)) == documented_keys()


# ---- links and citations ----------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+?\.md)(?:#([^)\s]+))?\)")
#: ``docs/ledger.md#任务类别`` or ``README.md#退出码`` in code or data; an anchor is word characters and hyphens.
_CITATION = re.compile(r"(?<![\w/.-])((?:docs/)?[\w-]+\.md)(?:#([\w-]+))?")


def _reaches(target: Path, anchor: str | None) -> bool:
    return target.is_file() and (anchor is None or anchor in anchors(target.read_text(encoding="utf-8")))


@pytest.mark.parametrize("document", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_every_link_between_the_documents_reaches_a_heading(document: Path):
    text = document.read_text(encoding="utf-8")
    broken = [
        f"{path}#{anchor}" if anchor else path
        for path, anchor in _LINK.findall(text)
        if not path.startswith("http") and not _reaches((document.parent / path).resolve(), anchor or None)
    ]
    assert not broken


def test_every_document_cited_in_the_code_and_data_reaches_a_heading():
    sources = [*(ROOT / "src").rglob("*.py"), *(ROOT / "schemas").glob("*.toml")]
    cited = {
        (source.relative_to(ROOT).as_posix(), path, anchor)
        for source in sources
        for path, anchor in _CITATION.findall(source.read_text(encoding="utf-8"))
    }
    assert not [c for c in cited if not _reaches(ROOT / c[1], c[2] or None)]


def test_the_documents_stand_on_their_own():
    """No document, module or data file points outside the repository for the contract."""
    sources = [*(ROOT / "src").rglob("*.py"), *(ROOT / "schemas").iterdir(), *(ROOT / "templates").iterdir()]
    for document in [ROOT / "README.md", *DOCS, *sources]:
        text = document.read_text(encoding="utf-8")
        assert "SPEC §" not in text and "shared/spec" not in text and "../shared" not in text, document.name


def test_the_slug_is_githubs():
    assert slug("任务类别") == "任务类别"
    assert slug("`kq validate`") == "kq-validate"
    assert slug("读取上限与异常文件") == "读取上限与异常文件"
    assert slug("数据文件（`schemas/`）") == "数据文件schemas"


# ---- Quick start and the Python example -------------------------------------------------------


def test_quick_start_has_exactly_the_two_commands():
    quick = section(README, "Quick start")
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.startswith("make ")]
    assert commands == ["make demo", "make test"]


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    [code] = re.findall(r"```python\n(.*?)```", section(README, "架构"), re.S)
    assert "from kuangquan_cli import " in code
    (tmp_path / "sample_ledgers").symlink_to(ROOT / "sample_ledgers")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == [
        "{'files': 1, 'rows': 282, 'errors': 0, 'warnings': 0}", "2851 0",
    ]
    assert (tmp_path / "out" / "汇总台账_2022-W37.xlsx").is_file() and (tmp_path / "out" / "kq.db").is_file()
