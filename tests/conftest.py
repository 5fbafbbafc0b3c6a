"""The fixtures the tests share; helpers live in ``support``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kuangquan_cli.checking.validate import FileResult, validate_file
from kuangquan_cli.jobs import merge_and_store
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.plan import Plan, load_plan
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.render import render_report
from support import AS_OF, SAMPLES, GeneratedSamples, Region, invoke, write_ledger


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


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory, plan: Plan) -> Region:
    """The sample region merged for W37 and W38 into one store (once a session: it takes a few seconds)."""
    tmp = tmp_path_factory.mktemp("region")
    db = tmp / "kq.db"
    workbooks = {}
    for week in (37, 38):
        workbooks[week] = tmp / f"汇总台账_{week}.xlsx"
        merge_and_store(SAMPLES / f"2022-W{week}", plan, 2022, week, out=workbooks[week], db=db)
    with Store(db) as store:
        w37, w38 = build_report(store, plan, 2022, 37), build_report(store, plan, 2022, 38)
    html = tmp / "通报.html"
    html.write_text(render_report(w38, "html"), encoding="utf-8")
    return Region(db, workbooks, w37, w38, html)
