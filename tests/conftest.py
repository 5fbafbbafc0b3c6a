from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kuangquan_cli.checking.validate import FileResult, validate_file  # noqa: E402
from kuangquan_cli.reference.plan import Plan, load_plan  # noqa: E402
from ledger_factory import write_ledger  # noqa: E402

AS_OF = date(2022, 9, 25)  # Sunday of 2022-W38


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture
def check(tmp_path: Path, plan: Plan):
    """Write the given rows as a ledger and validate it."""

    def run(*rows: dict[str, Any], **layout: Any) -> FileResult:
        path = write_ledger(tmp_path / layout.pop("name", "包头市台账.xlsx"), rows, **layout)
        return validate_file(path, plan, AS_OF)

    return run
