"""盟市 and 旗县 short names from ``schemas/``: an ambiguous one is settled by the file's 盟市."""

from __future__ import annotations

from kuangquan_cli.reference.tables import city_named_in, divisions
from support import row


def test_wushi_may_mean_either_city_and_names_no_file():
    assert divisions().city_candidates("乌市") == ("乌海市", "乌兰察布市")
    assert city_named_in("乌市盘活矿业权台账") is None


def test_wushi_in_a_wulanchabu_ledger_is_wulanchabu(check):
    result = check(row(city="乌市", county="集宁区", licence_no="C1509002009051120016226"),
                   title="乌兰察布市盘活矿业权台账")
    assert result.records[0].model.city == "乌兰察布市"
    assert result.findings == []


def test_wushi_in_another_citys_ledger_asks_for_the_full_name(check):
    findings = check(row(city="乌市")).findings
    assert [(f.code, f.message) for f in findings] == [
        ("city.ambiguous", "「乌市」可指 乌海市或乌兰察布市，请写全称"),
    ]
