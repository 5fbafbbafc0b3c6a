"""The sample ledgers: a whole region that reconciles with the plan, one week of progress, the
committed files equal to a fresh generation, and flawed workbooks that show what they promise."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kuangquan_cli.checking.validate import ValidationReport, validate_files
from kuangquan_cli.cli.app import cli
from kuangquan_cli.reading.workbook import read_sheets
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.samples import DEFAULT_SEED, FLAWED_DIR, SamplesWritten, write_samples
from kuangquan_cli.samples.generation import FIRST_WEEK, LATE_CITY, SECOND_WEEK, STALLED_CITIES
from kuangquan_cli.samples.pools import AREA_CODES
from kuangquan_cli.samples.writing import ledger_path

COMMITTED = Path(__file__).parents[1] / "sample_ledgers"
W37_SUNDAY, W38_SUNDAY = date(2022, 9, 18), date(2022, 9, 25)
REGION_ROWS = 2851


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SamplesWritten]:
    out = tmp_path_factory.mktemp("samples")
    return out, write_samples(out, DEFAULT_SEED)


def _validate(out: Path, week: int, plan: Plan, as_of: date) -> ValidationReport:
    return validate_files(sorted((out / f"2022-W{week}").glob("*.xlsx")), plan, as_of=as_of)


def _statuses(report: ValidationReport) -> Counter[str]:
    return Counter(rec.model.status for f in report.files for rec in f.records)


def test_w37_covers_the_region_and_reconciles_exactly_with_the_plan(generated, plan):
    out, _ = generated
    report = _validate(out, FIRST_WEEK, plan, W37_SUNDAY)

    assert (report.errors, report.warnings) == (0, 0), [f.message for r in report.files for f in r.findings][:5]
    assert sorted(f.city for f in report.files) == sorted(divisions().cities)
    assert sum(len(f.records) for f in report.files) == REGION_ROWS
    assert all(row.diff == 0 for row in report.reconciliation)
    ledger = {(row.task, row.reason): row.ledger for row in report.reconciliation}
    for task in plan.tasks:
        assert ledger[task.number, None] == task.rights
        for reason, count in task.reasons.items():
            assert ledger[task.number, reason] == count
    assert ledger[None, plan.cannot_resume_reason] == plan.cannot_resume == 166


def test_w38_is_one_week_of_progress_with_a_late_and_two_stalled_cities(generated, plan):
    out, written = generated
    w37 = _validate(out, FIRST_WEEK, plan, W37_SUNDAY)
    w38 = _validate(out, SECOND_WEEK, plan, W38_SUNDAY)

    assert (w38.errors, w38.warnings) == (0, 0)
    assert not ledger_path(out, SECOND_WEEK, LATE_CITY).exists()
    assert len(w38.files) == 11
    assert _statuses(w38)["已完成"] > _statuses(w37)["已完成"]
    books37, books38 = written.region.weeks[FIRST_WEEK], written.region.weeks[SECOND_WEEK]
    for city in STALLED_CITIES:
        rows37 = read_sheets(ledger_path(out, FIRST_WEEK, city))[0].rows
        rows38 = read_sheets(ledger_path(out, SECOND_WEEK, city))[0].rows
        assert rows37[2:] == rows38[2:]  # all but the title and the 填报日期 line
        assert rows37[:2] != rows38[:2]
    moving = [c for c in books38 if c not in STALLED_CITIES]
    assert all(books37[c].rows != books38[c].rows for c in moving)


def test_w38_done_dates_fall_inside_w38_and_fewer_procedures_are_pending(generated):
    _, written = generated
    region = written.region
    before = {r["licence_no"]: r for r in region.rows(FIRST_WEEK)}
    finished = [r for r in region.rows(SECOND_WEEK)
                if r["status"] == "已完成" and before[r["licence_no"]]["status"] != "已完成"]
    assert finished and all(date(2022, 9, 19) <= r["done_date"] <= W38_SUNDAY for r in finished)
    shed = [r for r in region.rows(SECOND_WEEK) if len(r["missing"]) < len(before[r["licence_no"]]["missing"])]
    assert shed and all(set(r["missing"]) < set(before[r["licence_no"]]["missing"]) for r in shed)


def test_kq_samples_writes_the_same_bytes_again_and_stays_out_of_help(generated, tmp_path):
    out, _ = generated
    result = CliRunner().invoke(cli, ["samples", "--out", str(tmp_path)])

    assert result.exit_code == 0, result.output
    assert f"共 {REGION_ROWS} 行" in result.output
    assert "samples" not in CliRunner().invoke(cli, ["--help"]).output
    assert _files(tmp_path) == _files(out)
    for name in _files(out):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_committed_samples_equal_a_fresh_generation(generated):
    """Bytes where possible; cell values where another openpyxl version packs the zip differently."""
    out, _ = generated
    for top in (p.name for p in out.iterdir()):  # other files beside them in sample_ledgers/ are not ours
        assert _files(COMMITTED / top) == _files(out / top), top
    for name in _files(out):
        fresh, committed = out / name, COMMITTED / name
        if fresh.read_bytes() != committed.read_bytes():
            assert fresh.suffix == ".xlsx", name
            assert _cells(fresh) == _cells(committed), name


def _flaw_expectations(readme: str) -> dict[str, set[str]]:
    """File → the codes its README line promises (the codes in backquotes after →)."""
    expected = {}
    for line in readme.splitlines():
        match = re.match(r"- `([^`]+)`：.*→ (.+)$", line)
        if match:
            expected[match[1]] = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", match[2]))
    return expected


def test_each_flawed_sample_produces_exactly_the_codes_its_readme_promises(generated, plan):
    out, written = generated
    flawed = out / FLAWED_DIR
    expected = _flaw_expectations((flawed / "README.md").read_text(encoding="utf-8"))

    assert 5 <= len(expected) <= 7
    assert set(expected) == {p.name for p in flawed.iterdir() if p.name != "README.md"}
    for name, codes in expected.items():
        report = validate_files([flawed / name], plan, as_of=W37_SUNDAY)
        assert {f.code for f in report.files[0].findings} == codes, name
        assert report.files[0].city == name.split("_")[0]


def test_the_csv_sample_is_gbk_as_wps_saves_it(generated):
    out, _ = generated
    csv_file = next((out / FLAWED_DIR).glob("*.csv"))
    with pytest.raises(UnicodeDecodeError):
        csv_file.read_bytes().decode("utf-8")
    assert csv_file.read_bytes().decode("gbk").startswith("序号,盟市,")


def test_identifiers_are_realistic(generated):
    _, written = generated
    rows = written.region.rows(FIRST_WEEK)
    licences = [r["licence_no"] for r in rows]
    assert len(set(licences)) == len(licences)
    assert {len(n) for n in licences if n.startswith("T")} == {18, 23}  # both 勘查 shapes
    assert any(n.startswith("C150000") for n in licences) and any(n.startswith("C150600") for n in licences)
    assert any(r["soe"] == "是" and r["holder"].startswith("内蒙古能源集团") for r in rows)
    landlines = [r for r in rows if r["phone"].startswith("0")]
    assert landlines and all(r["phone"].startswith(AREA_CODES[r["city"]] + "-") for r in landlines)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _cells(path: Path) -> list[tuple[str, list[list[object]]]]:
    return [(sheet.name, sheet.rows) for sheet in read_sheets(path)]
