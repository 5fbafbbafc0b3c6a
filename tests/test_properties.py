"""Properties of the normalisers: every accepted way of writing a date means the same date, no
input makes them raise, and numbers typed into text columns keep exactly their digits.

The credit-code check's own properties (any valid code passes, any single change fails) are in
test_identifiers.py; here only that the identifier checks never raise on anything typed.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuangquan_cli.checking.identifiers import check_credit_code, check_licence, check_phone
from kuangquan_cli.checking.normalize import parse_date
from kuangquan_cli.checking.parse import parse_columns
from kuangquan_cli.text import to_text

EXCEL_EPOCH = dt.date(1899, 12, 30)
FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")
#: Excel's serials are right from 1900-03-01 on (it believes in a 1900-02-29).
dates = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31))


def written(day: dt.date, form: str) -> str:
    y, m, d = day.year, day.month, day.day
    return {
        "iso": f"{y:04d}-{m:02d}-{d:02d}",
        "slash": f"{y}/{m}/{d}",
        "dot": f"{y}.{m}.{d}",
        "chinese": f"{y}年{m}月{d}日",
        "compact": f"{y:04d}{m:02d}{d:02d}",
        "spaced": f" {y} 年 {m} 月 {d} 日\u3000",
        "with_time": f"{y}-{m}-{d} 00:00:00",
    }[form]


FORMS = ("iso", "slash", "dot", "chinese", "compact", "spaced", "with_time")


@given(dates, st.sampled_from(FORMS), st.booleans())
def test_every_written_form_of_a_date_parses_to_it(day, form, full_width):
    text = written(day, form)
    assert parse_date(text.translate(FULL_WIDTH) if full_width else text) == day


@given(dates)
def test_date_cells_serials_and_typed_numbers_parse_to_the_date(day):
    serial = (day - EXCEL_EPOCH).days
    assert parse_date(day) == day
    assert parse_date(dt.datetime.combine(day, dt.time(13, 45))) == day
    assert parse_date(serial) == day and parse_date(float(serial)) == day
    assert parse_date(int(day.strftime("%Y%m%d"))) == day  # 20220920 typed as a number


@pytest.mark.slow
@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_parse_date_never_raises(value):
    result = parse_date(value)
    assert result is None or isinstance(result, dt.date)


@given(st.integers(1, 12), st.integers(29, 40))
def test_impossible_days_are_not_dates(month, day):
    try:
        dt.date(2022, month, day)
    except ValueError:
        assert parse_date(f"2022-{month}-{day}") is None and parse_date(f"2022年{month}月{day}日") is None


@given(st.integers(0, 10**15 - 1))
def test_a_number_of_up_to_15_digits_keeps_its_digits(number):
    """A phone or licence typed as a number: Excel keeps 15 digits, and so must the text."""
    assert to_text(number) == str(number)
    assert to_text(float(number)) == str(number)


@given(st.integers(10**15, 10**25))
def test_a_licence_number_past_15_digits_is_reported_as_truncated(number):
    cells = [number, float(number)]
    parsed = parse_columns({"licence_no": cells, "credit_code": cells}, 2, "包头市")
    for index, values in enumerate(parsed.rows):
        assert {(p.code, p.field) for p in parsed.problems[index]} == {("value.precision_lost", "licence_no"),
                                                                       ("value.precision_lost", "credit_code")}
        assert values.licence_no is None


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_mobile_typed_as_a_number_stays_valid(mobile):
    parsed = parse_columns({"phone": [int(mobile), float(mobile)]}, 2, "包头市")
    assert parsed.problems == {}
    for values in parsed.rows:
        assert values.phone == mobile and check_phone(values.phone) == []


@given(st.text(max_size=40))
def test_identifier_checks_never_raise(text):
    for found in (check_credit_code(text), check_licence(text, "采矿权", 2022), check_licence(text, None, 2022),
                  check_phone(text)):
        assert all(p.code for p in found)
