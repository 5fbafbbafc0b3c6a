"""The fixtures the tests share; helpers live in ``support``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kuangquan_cli.checking.validate import FileResult, validate_file
from kuangquan_cli.reference.plan import Plan, load_plan
from support import AS_OF, GeneratedSamples, invoke, write_ledger


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture
def check(tmp_path: Path, plan: Plan) -> Callable[..., FileResult]:
    """Write the given rows as a ledger and validate it."""

    def run(*rows: dict[str, Any], **layout: Any) -> FileResult:
        path = write_ledger(tmp_path / layout.pop("name", "包头市台账.xlsx"), rows, **layout)
        return validate_file(path, plan, AS_OF)

    return run


@pytest.fixture(scope="session")
def generated_samples(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSamples:
    """``kq samples`` run once a session: writing the region's 23 ledgers takes about ten seconds."""
    out = tmp_path_factory.mktemp("samples")
    result = invoke("samples", "--out", str(out))
    assert result.exit_code == 0, result.output
    return GeneratedSamples(out, result.output)
