"""The sample ledgers: a whole region that reconciles with the plan, one week of progress, the
committed files equal to a fresh generation, and flawed workbooks that show what they promise."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from kuangquan_cli.checking.validate import ValidationReport, validate_files
from kuangquan_cli.reading.workbook import read_sheets
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.tables import divisions
from kuangquan_cli.samples import DEFAULT_SEED, FLAWED_DIR
from kuangquan_cli.samples.generation import (
    FIRST_WEEK,
    LATE_CITY,
    SECOND_WEEK,
    STALLED_CITIES,
    SampleRegion,
    generate_region,
)
from kuangquan_cli.samples.pools import AREA_CODES
from kuangquan_cli.samples.writing import ledger_path, write_workbook
from support import invoke

COMMITTED = Path(__file__).parents[1] / "sample_ledgers"
W37_SUNDAY, W38_SUNDAY = date(2022, 9, 18), date(2022, 9, 25)
REGION_ROWS = 2851
W38_ROWS = 2658  # all but 阿拉善盟, which sends late


@pytest.fixture(scope="module")
def region() -> SampleRegion:
    """The region ``kq samples`` wrote, generated again in memory (a fraction of a second)."""
    return generate_region(DEFAULT_SEED)


def _validate(out: Path, week: int, plan: Plan, as_of: date) -> ValidationReport:
    return validate_files(sorted((out / f"2022-W{week}").glob("*.xlsx")), plan, as_of=as_of)


def _statuses(report: ValidationReport) -> Counter[str]:
    return Counter(rec.model.status for f in report.files for rec in f.records)


@pytest.mark.slow
def test_w37_covers_the_region_and_reconciles_exactly_with_the_plan(generated_samples, plan):
    out = generated_samples.out
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


@pytest.mark.slow
def test_w38_is_one_week_of_progress_with_a_late_and_two_stalled_cities(generated_samples, region, plan):
    out = generated_samples.out
    w37 = _validate(out, FIRST_WEEK, plan, W37_SUNDAY)
    w38 = _validate(out, SECOND_WEEK, plan, W38_SUNDAY)

    assert (w38.errors, w38.warnings) == (0, 0)
    assert not ledger_path(out, SECOND_WEEK, LATE_CITY).exists()
    assert len(w38.files) == 11
    assert _statuses(w38)["已完成"] > _statuses(w37)["已完成"]
    books37, books38 = region.weeks[FIRST_WEEK], region.weeks[SECOND_WEEK]
    for city in STALLED_CITIES:
        rows37 = read_sheets(ledger_path(out, FIRST_WEEK, city))[0].rows
        rows38 = read_sheets(ledger_path(out, SECOND_WEEK, city))[0].rows
        assert rows37[2:] == rows38[2:]  # all but the title and the 填报日期 line
        assert rows37[:2] != rows38[:2]
    moving = [c for c in books38 if c not in STALLED_CITIES]
    assert all(books37[c].rows != books38[c].rows for c in moving)


def test_w38_done_dates_fall_inside_w38_and_fewer_procedures_are_pending(region):
    before = {r["licence_no"]: r for r in region.rows(FIRST_WEEK)}
    finished = [r for r in region.rows(SECOND_WEEK)
                if r["status"] == "已完成" and before[r["licence_no"]]["status"] != "已完成"]
    assert finished and all(date(2022, 9, 19) <= r["done_date"] <= W38_SUNDAY for r in finished)
    shed = [r for r in region.rows(SECOND_WEEK) if len(r["missing"]) < len(before[r["licence_no"]]["missing"])]
    assert shed and all(set(r["missing"]) < set(before[r["licence_no"]]["missing"]) for r in shed)


@pytest.mark.slow
def test_kq_samples_says_what_it_wrote_and_stays_out_of_help(generated_samples):
    out = generated_samples.out
    assert generated_samples.output.splitlines() == [
        f"{out / '2022-W37'}：12 个盟市台账，共 {REGION_ROWS} 行",
        f"{out / '2022-W38'}：11 个盟市台账，共 {W38_ROWS} 行",
        f"{out / FLAWED_DIR}：7 个问题样例（说明见 README.md）",
    ]
    assert "samples" not in invoke("--help").output


@pytest.mark.slow
def test_a_ledger_written_again_has_the_same_bytes(generated_samples, region, tmp_path):
    """Equal content gives equal bytes (no clock in the zip): the committed samples compare byte for byte."""
    book = min(region.weeks[SECOND_WEEK].values(), key=lambda b: len(b.rows))
    again = write_workbook(tmp_path / "again.xlsx", book)
    assert again.read_bytes() == ledger_path(generated_samples.out, SECOND_WEEK, book.city).read_bytes()


@pytest.mark.slow
def test_committed_samples_equal_a_fresh_generation(generated_samples):
    """Bytes where possible; cell values where another openpyxl version packs the zip differently."""
    out = generated_samples.out
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


@pytest.mark.slow
def test_each_flawed_sample_produces_exactly_the_codes_its_readme_promises(generated_samples, plan):
    flawed = generated_samples.out / FLAWED_DIR
    expected = _flaw_expectations((flawed / "README.md").read_text(encoding="utf-8"))

    assert 5 <= len(expected) <= 7
    assert set(expected) == {p.name for p in flawed.iterdir() if p.name != "README.md"}
    for name, codes in expected.items():
        report = validate_files([flawed / name], plan, as_of=W37_SUNDAY)
        assert {f.code for f in report.files[0].findings} == codes, name
        assert report.files[0].city == name.split("_")[0]


@pytest.mark.slow
def test_the_csv_sample_is_gbk_as_wps_saves_it(generated_samples):
    csv_file = next((generated_samples.out / FLAWED_DIR).glob("*.csv"))
    with pytest.raises(UnicodeDecodeError):
        csv_file.read_bytes().decode("utf-8")
    assert csv_file.read_bytes().decode("gbk").startswith("序号,盟市,")


def test_identifiers_are_realistic(region):
    rows = region.rows(FIRST_WEEK)
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
