"""The README documents every finding code with its severity, and the Quick start."""

from __future__ import annotations

from pathlib import Path

from kuangquan_cli.checking.catalogue import CODES

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
SEVERITY = {"error": "错误", "warning": "警告"}


def test_every_code_is_in_the_readme_with_its_severity():
    for code in CODES:
        assert f"| `{code.code}` | {SEVERITY[code.severity]} | {code.title} |" in README, code.code


def test_quick_start_has_exactly_the_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.startswith("make ")]
    assert commands == ["make demo", "make test"]
