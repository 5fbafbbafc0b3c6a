"""Identifier checks against the verified examples of identifiers.md, and their properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuangquan_cli.checking.identifiers import (
    CREDIT_ALPHABET,
    check_credit_code,
    check_licence,
    check_phone,
    credit_check_char,
)


@pytest.mark.parametrize("code", ["91150781MA0RRY87XR", "91150602MA0MYGRT58", "91110000101623741K",
                                  "911101066976941872"])
def test_verified_credit_codes_pass(code):
    assert check_credit_code(code) == []


def test_failing_example_names_the_expected_character():
    [found] = check_credit_code("91350211M0000XUF46")
    assert found.code == "credit_code.check" and found.ctx["expected"] == "R"


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17), st.integers(0, 17),
       st.sampled_from(CREDIT_ALPHABET))
def test_any_single_character_change_breaks_the_check(first17, position, replacement):
    code = first17 + credit_check_char(first17)
    changed = code[:position] + replacement + code[position + 1:]
    codes = {p.code for p in check_credit_code(code)}
    assert "credit_code.check" not in codes and "credit_code.shape" not in codes
    if changed != code:
        assert "credit_code.check" in {p.code for p in check_credit_code(changed)}


@pytest.mark.parametrize("number", ["C1500002009051120016226", "C1505002009067120023852", "C1506002010117230079084"])
def test_real_mining_licences_pass(number):
    assert check_licence(number, "采矿权", 2022) == []


def test_dropped_c_is_explained():
    [found] = check_licence("1506002009067120024121", "采矿权", 2022)
    assert found.code == "licence.prefix_missing" and found.ctx["expected"] == "C1506002009067120024121"


@pytest.mark.parametrize("number", ["T15120080801012345", "T1500002021041050056395"])
def test_exploration_licences_of_both_shapes_pass(number):
    assert check_licence(number, "探矿权", 2022) == []


def test_ministry_licences_are_not_flagged():
    assert check_licence("C1000002010117230079084", "采矿权", 2022) == []
    assert check_licence("T01120080801012345", "探矿权", 2022) == []


@pytest.mark.parametrize("phone", ["13912345678", "0471-6612345", "0477 85812345", "(0472)5123456", "0471-6612345-801"])
def test_valid_phones(phone):
    assert check_phone(phone) == []


@pytest.mark.parametrize("phone", ["1391234567", "6612345", "4716612345", "12345678901", "0471-661"])
def test_invalid_phones(phone):
    assert [p.code for p in check_phone(phone)] == ["phone.shape"]


@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17),
       st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=8))
def test_check_characters_are_the_weighted_sums_of_the_standards(first17, body8):
    """The fast base-34 / base-17 forms give the check characters of GB 32100 and GB 11714."""
    from kuangquan_cli.checking.identifiers import org_check_char

    total = sum(CREDIT_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    assert credit_check_char(first17) == CREDIT_ALPHABET[(31 - total % 31) % 31]
    remainder = 11 - sum(int(c, 36) * w for c, w in zip(body8, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    assert org_check_char(body8) == {10: "X", 11: "0"}.get(remainder, str(remainder))
