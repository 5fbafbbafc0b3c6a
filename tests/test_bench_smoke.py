"""The benchmark runner (``make bench``) works: its quick mode's measurements, on a tiny ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import ledgers, run


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(ledgers, "CACHE", tmp_path)
    return tmp_path


def test_a_size_is_measured_against_the_floor(cache: Path) -> None:
    result = run.measure_size(40, repeat=1)
    assert set(result) == {"rows", "kq_s", "floor_s", "ratio", "rows_per_s", "kq_peak_mb", "floor_peak_mb"}
    assert result["rows"] == 40
    assert all(value > 0 for value in result.values())
    assert (cache / f"ledger-v{ledgers.VERSION}-40.xlsx").is_file()


def test_start_up_is_measured_against_its_references(cache: Path) -> None:
    checks = run.measure_startup(repeat=1, rows=40)
    assert [c["check"].split(" ")[:2] for c in checks] == [["kq", "--help"], ["kq", "validate"]]
    for check in checks:
        assert set(check) == {"check", "kq_s", "reference_s", "ratio", "target", "met"}
        assert check["kq_s"] > 0 and check["reference_s"] > 0 and check["ratio"] > 0


def test_the_comparison_is_measured_against_a_merge_without_one(tmp_path: Path) -> None:
    """On a copy of two weeks of three 盟市 (the sample region would take half a minute here)."""
    samples = tmp_path / "samples"
    for week in ("2022-W37", "2022-W38"):
        (samples / week).mkdir(parents=True)
        for city in ("包头市", "乌海市", "兴安盟"):
            (samples / week / f"{city}.xlsx").write_bytes((run.SAMPLES / week / f"{city}.xlsx").read_bytes())
    check = run.measure_comparison(repeat=1, samples=samples)
    assert check["check"].startswith("kq merge (sample W38) compared with W37") and check["target"] == 1.2
    assert check["kq_s"] > 0 and check["reference_s"] > 0


def test_the_memory_of_a_merge_is_measured(cache: Path) -> None:
    merged = run.measure_merge_memory(2, 40)
    assert (merged["rows"], merged["label"], merged["target_mb"]) == (80, "2×40", run.MEMORY_TARGET_MB)
    assert merged["peak_mb"] > 0 and merged["db_mb"] > 0 and merged["workbook_mb"] > 0 and merged["met"]
    assert run.memory_table([merged])[2].startswith("| 2×40 | ")


def test_generated_rows_are_distinct_rights() -> None:
    rows = list(ledgers.ledger_rows(ledgers.region_rows(), 6000, ledgers.CITY))
    assert len({r["licence_no"] for r in rows}) == 6000
    assert {r["city"] for r in rows} == {ledgers.CITY}
    assert [r["seq"] for r in rows[:3]] == [1, 2, 3]


def test_the_report_names_the_machine() -> None:
    size = {"rows": 300, "kq_s": 0.2, "floor_s": 0.02, "ratio": 10.0, "rows_per_s": 1500.0,
            "kq_peak_mb": 40.0, "floor_peak_mb": 30.0}
    check = {"check": "kq --help ÷ python -c pass", "kq_s": 0.04, "reference_s": 0.01, "ratio": 4.0,
             "target": 5.0, "met": True}
    text = run.report([size], [check], run.machine())
    assert "| 300 | 0.20 s | 0.02 s | 10.00× |" in text and "python-calamine" in text and "cpu:" in text


@pytest.mark.slow
def test_uploads_to_a_warm_portal_are_timed(cache: Path) -> None:
    uploads = run.measure_portal(rows=40, repeat=1, files=2, rows_each=20)
    assert [u["check"] for u in uploads] == ["upload 40 rows, one at a time (median of 1)",
                                             "2 盟市 × 20 rows at once (first sent to last answered)"]
    assert all(0 < u["best"] <= u["worst"] for u in uploads) and uploads[0]["target"] == run.PORTAL_TARGET_S
    assert run.portal_table(uploads)[2].startswith("| upload 40 rows, one at a time (median of 1) | ")
