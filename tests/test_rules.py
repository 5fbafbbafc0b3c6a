"""Every row rule: a row breaking it is caught at the right cell; untidy but valid spellings pass."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from support import credit_code, row

LETTER = {name: chr(65 + i) for i, name in enumerate(row())}  # the factory writes every field in order
DATA_ROW = 4  # title row, 填报单位 line, header, then data


def test_a_clean_row_has_no_findings(check):
    result = check(row())
    assert result.findings == []
    assert result.records[0].task == 4


BROKEN = [
    ("required city blank", {"city": None}, "value.required", "city"),
    ("required phone blank", {"phone": "  "}, "value.required", "phone"),
    ("unknown status", {"status": "在办"}, "value.enum", "status"),
    ("unknown right type", {"right_type": "采砂权"}, "value.enum", "right_type"),
    ("bad date", {"deadline": "九月底"}, "value.date", "deadline"),
    ("impossible date", {"deadline": "2022-02-30"}, "value.date", "deadline"),
    ("bad seq", {"seq": "一"}, "value.number", "seq"),
    ("county of another 盟市", {"county": "准格尔旗"}, "county.not_in_city", "county"),
    ("unknown county", {"county": "某某县"}, "county.unknown", "county"),
    ("development zone as county", {"county": "包头稀土高新区"}, "county.dev_zone", "county"),
    ("row names another 盟市", {"city": "赤峰市", "county": "林西县"}, "city.mismatch", "city"),
    ("licence without C", {"licence_no": "1502002009051120016226"}, "licence.prefix_missing", "licence_no"),
    ("licence wrong length", {"licence_no": "C15020020090511200162"}, "licence.shape", "licence_no"),
    ("licence with a slash", {"licence_no": "C150200200905/1120016226"}, "licence.shape", "licence_no"),
    ("licence with a remark", {"licence_no": "C1502002009051120016226（已注销）"}, "licence.shape", "licence_no"),
    ("licence T on a mining right", {"licence_no": "T15120080801012345"}, "licence.type_mismatch", "licence_no"),
    ("licence month 13", {"licence_no": "C1502002009131120016226"}, "licence.date", "licence_no"),
    ("licence outside the region", {"licence_no": "C3706002009051120016226"}, "licence.region", "licence_no"),
    ("licence typed as a number", {"licence_no": 1502002009051120016226}, "value.precision_lost", "licence_no"),
    ("credit code short", {"credit_code": "91150602MA0MYGRT5"}, "credit_code.shape", "credit_code"),
    ("credit code with O", {"credit_code": "91150602MA0MYGOT58"}, "credit_code.shape", "credit_code"),
    ("credit code check", {"credit_code": "91150602MA0MYGRT5X"}, "credit_code.check", "credit_code"),
    ("credit code inner check", {"credit_code": credit_code(inner="0")}, "credit_code.inner_check", "credit_code"),
    ("task disagrees", {"task": "（一）"}, "task.mismatch", "task"),
    ("lead dept disagrees", {"lead_dept": "自治区能源局"}, "lead_dept.mismatch", "lead_dept"),
    ("reason of another task", {"reason": "探转采", "missing": None}, "reason.not_allowed", "reason"),
    ("reason blank for task 4", {"reason": None, "missing": None}, "value.required", "reason"),
    ("缺少手续 without procedures", {"missing": None}, "missing.required", "missing"),
    ("coal-only procedure on non-coal", {"missing": "产能核定"}, "missing.not_applicable", "missing"),
    ("企业自身原因 without detail", {"reason": "企业自身原因", "missing": None}, "own_reason.required", "own_reason"),
    ("own reason of task 4 on task 1", {"mineral_class": "煤炭", "mineral": "煤", "task": None, "lead_dept": None,
                                        "reason": "企业自身原因", "missing": None, "own_reason": "违法"},
     "own_reason.not_allowed", "own_reason"),
    ("measures blank", {"measures": None}, "value.required", "measures"),
    ("measures too short", {"measures": "加快推进"}, "measures.too_short", "measures"),
    ("完成 without date", {"status": "已完成"}, "status.done_without_date", "done_date"),
    ("date without 完成", {"done_date": "2022-09-20"}, "status.date_without_done", "done_date"),
    ("done in the future", {"status": "已完成", "done_date": "2022-10-08"}, "date.future", "done_date"),
    ("valid_to before valid_from", {"valid_to": "2018-12-31"}, "validity.order", "valid_to"),
    ("deadline after the goal", {"deadline": "2023-03-31"}, "deadline.after_goal", "deadline"),
    ("mobile too short", {"phone": "1391234567"}, "phone.shape", "phone"),
    ("landline lost its 0", {"phone": 4726612345}, "phone.shape", "phone"),
    ("stage blank on an exploration right", {"right_type": "探矿权", "licence_no": "T15120080802012345",
                                              "task": None, "lead_dept": None, "reason": None, "missing": None},
     "value.required", "stage_ok"),
    ("开采条件限制 on a working right", {"reason": "开采条件限制", "missing": None}, "reason.cannot_resume", "reason"),
    ("不具备条件 with another reason", {"status": "不具备条件", "missing": None, "reason": "基建技改"},
     "reason.cannot_resume", "reason"),
]


@pytest.mark.parametrize("overrides, code, field", [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_broken_rule_is_reported_at_its_cell(check, overrides, code, field):
    """Exactly one finding: the broken rule, and no other rule tripping over the same value."""
    result = check(row(**overrides))
    assert [(f.code, f.cell) for f in result.findings] == [(code, f"{LETTER[field]}{DATA_ROW}")]
    finding = result.findings[0]
    assert finding.field == field and finding.row == DATA_ROW and finding.sheet == "台账"
    assert finding.message and not finding.message.isascii()


UNTIDY = [
    ("full-width date", {"deadline": "２０２２年９月２０日"}),
    ("dotted date", {"deadline": "2022.9.20"}),
    ("slashed date", {"deadline": "2022/9/20"}),
    ("compact date", {"deadline": "20220920"}),
    ("date as a number", {"deadline": 20220920}),
    ("date as an Excel date", {"deadline": datetime(2022, 9, 20)}),
    ("Excel serial", {"deadline": 44824}),
    ("full-width licence", {"licence_no": "Ｃ１５０２００２００９０５１１２００１６２２６"}),
    ("lower-case licence letter", {"licence_no": "c1502002009051120016226"}),
    ("spaces in the licence", {"licence_no": "C 150200 200905 1120016226"}),
    ("long reason", {"reason": "正在开展基建或技改", "missing": None}),
    ("short procedure names", {"missing": "安许证；用林用草/用地"}),
    ("ideographic space and zero width", {"holder": "\u3000包头某矿业\u200b有限公司 "}),
    ("short city name", {"city": "包头"}),
    ("short county name", {"county": "达茂旗"}),
    ("county without suffix", {"county": "固阳"}),
    ("task as a digit", {"task": "4"}),
    ("task as a numeral", {"task": "四"}),
    ("yes as a tick", {"soe": "√"}),
    ("phone as a number", {"phone": 13912345678}),
    ("landline with extension", {"phone": "0472-5123456转123"}),
    ("two phones", {"phone": "13912345678、0472-5123456"}),
    ("status synonym", {"status": "已复产", "done_date": date(2022, 9, 20)}),
    ("lower-case credit code", {"credit_code": credit_code().lower()}),
    ("short department", {"lead_dept": "发改委、工信厅"}),
]


@pytest.mark.parametrize("overrides", [c[1] for c in UNTIDY], ids=[c[0] for c in UNTIDY])
def test_untidy_but_valid_spellings_pass(check, overrides):
    result = check(row(**overrides))
    assert result.findings == []


def test_unknown_enum_suggests_the_closest_value(check):
    finding = check(row(status="已完")).findings[0]
    assert "是否应为「已完成」" in finding.message


def test_ambiguous_short_county_is_resolved_by_the_city(check):
    result = check(row(city="通辽市", county="扎旗", licence_no="C1505002009051120016226"), title="通辽市台账")
    assert result.findings == []
    assert result.records[0].model.county == "扎鲁特旗"


def test_ambiguous_short_city_follows_the_file(check):
    result = check(row(city="乌市", county="海勃湾区"), title="乌海市盘活矿业权台账")
    assert result.records[0].model.city == "乌海市"
    assert result.findings == []


def test_credit_code_message_names_the_expected_character(check):
    finding = check(row(credit_code="91150602MA0MYGRT5X")).findings[0]
    assert finding.message == "统一社会信用代码校验位错误：最后一位应为 8"
    assert finding.value == "91150602MA0MYGRT5X"


def test_cannot_resume_rows_need_no_measures_and_count_apart(check):
    result = check(row(status="不具备条件", reason="开采条件限制", missing=None, measures=None))
    assert result.findings == []
    assert result.records[0].cannot_resume


def test_exploration_right_derives_its_task(check):
    result = check(row(right_type="探矿权", licence_no="T15120080802012345", stage_ok="否", task=None,
                       lead_dept="自治区自然资源厅", reason=None, missing=None, measures=None))
    assert result.findings == []
    assert result.records[0].task == 6


def test_duplicate_licence_names_every_place(check):
    result = check(row(), row(seq=2), row(seq=3, licence_no="C1502002009051120016227"), row(seq=4))
    assert [(f.code, f.cell) for f in result.findings] == [
        ("licence.duplicate", "G4"), ("licence.duplicate", "G5"), ("licence.duplicate", "G7")]
    assert all("G4、G5、G7" in f.message for f in result.findings)


def test_a_ticked_cell_and_the_number_1_are_told_apart(check):
    """``True == 1`` in Python, but a TRUE cell means 是 and the number 1 means nothing here."""
    result = check(row(soe=True), row(seq=2, licence_no="C1502002009051120016227", soe=1))
    assert [(f.code, f.cell) for f in result.findings] == [("value.enum", f"{LETTER['soe']}{DATA_ROW + 1}")]
    assert result.records[0].model.soe == "是"


def test_parsed_rows_have_the_fields_and_defaults_of_the_model():
    from kuangquan_cli.checking.model import LedgerRow
    from kuangquan_cli.checking.parse import RowValues

    assert RowValues._fields == tuple(LedgerRow.model_fields)
    assert RowValues() == tuple(f.default for f in LedgerRow.model_fields.values())


def test_advice_names_the_value_to_write(check):
    by_code = {f.code: f.advice for f in check(row(status="已完"), row(seq=2, licence_no="1502002009051120016227",
                                                                    county="固阳", phone=None)).findings}
    assert by_code == {
        "value.enum": "改为「已完成」",
        "licence.prefix_missing": "改为 C1502002009051120016227",
        "value.required": "填写「联系电话」",
    }
