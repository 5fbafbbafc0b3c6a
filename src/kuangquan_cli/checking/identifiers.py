"""Checks of the ledger's identifiers: credit codes, licence numbers, phone numbers.

The rules are those of docs/rules.md#许可证号, docs/rules.md#统一社会信用代码 and docs/rules.md#联系电话;
each check returns the problems it found (empty when the value is fine).
"""

from __future__ import annotations

import re

from kuangquan_cli.checking.findings import Problem, problem
from kuangquan_cli.reference.vocabulary import EXPLORATION, MINING
from kuangquan_cli.text import clean

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
#: Seventeen or eighteen characters of the alphabet: the shape tested in one step.
_CREDIT_SHAPE = re.compile(f"[{CREDIT_ALPHABET}]{{17,18}}")
_ORG_SHAPE = re.compile("[0-9A-Z]{8}")

# Both check characters are weighted sums that run on every row of a ledger, so they are worked
# out by ``int`` in C rather than a loop. The credit code's weights are 3^i mod 31, and
# Σ vᵢ·3^i ≡ Σ vᵢ·34^i (mod 31): the reversed characters, each written as the digit of its value,
# are a base-34 number. The organisation code's weights (3 7 9 10 5 8 4 2) are 3·6^i mod 11, and
# 6 ≡ 17 (mod 11): with each value taken mod 11 first, they are a base-17 number.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_AS_BASE34 = bytes.maketrans(CREDIT_ALPHABET.encode(), _DIGITS[:31].encode())
_AS_BASE17 = bytes.maketrans(_DIGITS.encode(), bytes(ord(_DIGITS[v % 11]) for v in range(36)))
_ORG_CHECK = {10: "X", 11: "0"}


def credit_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015) for its first 17."""
    if len(first17) != 17 or not _CREDIT_SHAPE.fullmatch(first17):
        raise ValueError(f"not 17 characters of the credit-code alphabet: {first17!r}")
    return _credit_check(first17)


def org_check_char(body8: str) -> str:
    """The check character of a GB 11714 organisation code (positions 9–16 → 17)."""
    if not _ORG_SHAPE.fullmatch(body8):
        raise ValueError(f"not 8 characters 0-9/A-Z: {body8!r}")
    return _org_check(body8)


def _credit_check(first17: str) -> str:
    """``credit_check_char`` of characters already known to be of the alphabet."""
    total = int(first17.encode("ascii").translate(_AS_BASE34)[::-1], 34)
    return CREDIT_ALPHABET[-total % 31]


def _org_check(body8: str) -> str:
    """``org_check_char`` of characters already known to be 0-9/A-Z."""
    remainder = 11 - 3 * int(body8.encode("ascii").translate(_AS_BASE17)[::-1], 17) % 11
    return _ORG_CHECK.get(remainder) or str(remainder)


def check_credit_code(code: str) -> list[Problem]:
    """Length, alphabet, check character, then the organisation code's own check character.

    Runs on every row: once the whole code is known to be of the alphabet, the check characters
    are worked out without testing their input again."""
    if len(code) != 18:
        return [problem("credit_code.shape", "credit_code", reason=f"应为 18 位，现为 {len(code)} 位")]
    if not _CREDIT_SHAPE.fullmatch(code):  # 18 long, so a character is not of the alphabet
        bad = sorted({c for c in code if c not in _CREDIT_VALUE})
        hint = "（字母 I、O、S、V、Z 不会出现）" if set(bad) & set("IOSVZ") else ""
        return [problem("credit_code.shape", "credit_code", reason=f"含有不允许的字符 {''.join(bad)}{hint}")]
    expected = _credit_check(code[:17])
    if code[17] != expected:
        return [problem("credit_code.check", "credit_code", expected=expected)]
    inner = _org_check(code[8:16])
    if code[16] != inner:
        return [problem("credit_code.inner_check", "credit_code", expected=inner)]
    return []


_LICENCE_SHAPES = {"C": (22,), "T": (17, 22)}
_LETTER_OF_TYPE = {MINING: "C", EXPLORATION: "T"}


def _yyyymm_problem(yyyymm: str, max_year: int) -> Problem | None:
    year, month = int(yyyymm[:4]), int(yyyymm[4:])
    if not 1998 <= year <= max_year:
        reason = f"年份应在 1998–{max_year} 之间"
    elif not 1 <= month <= 12:
        reason = "月份应为 01–12"
    else:
        return None
    return problem("licence.date", "licence_no", yyyymm=yyyymm, reason=reason)


def check_licence(number: str, right_type: str | None, max_year: int) -> list[Problem]:
    """Shape, prefix letter, issue year/month and issuing region of a 许可证号.

    ``number`` is already cleaned (NFKC, no spaces, leading letter upper-cased).
    """
    wanted_letter = _LETTER_OF_TYPE.get(right_type or "")
    if number.isdigit() and len(number) in (17, 22):
        letter = wanted_letter or ("T" if len(number) == 17 else "C")
        return [problem("licence.prefix_missing", "licence_no", letter=letter, expected=letter + number)]
    letter, digits = number[:1], number[1:]
    if letter not in _LICENCE_SHAPES:
        return [problem("licence.shape", "licence_no", reason="应以 C（采矿）或 T（勘查）开头")]
    if not digits.isdigit() or len(digits) not in _LICENCE_SHAPES[letter]:
        lengths = "或".join(str(n) for n in _LICENCE_SHAPES[letter])
        return [problem("licence.shape", "licence_no", reason=f"{letter} 后应为 {lengths} 位数字")]
    found: list[Problem] = []
    if wanted_letter and letter != wanted_letter:
        found.append(problem("licence.type_mismatch", "licence_no", right_type=right_type, letter=wanted_letter))
    if letter == "T" and len(digits) == 17:
        if digits[2] not in "12345":
            found.append(problem("licence.shape", "licence_no", reason="第 4 位出让方式应为 1–5"))
        if digits[9:11] not in ("01", "02", "03", "04"):
            found.append(problem("licence.shape", "licence_no", reason="第 11–12 位矿种分类应为 01–04"))
        yyyymm, authority, home = digits[3:9], digits[:2], ("15", "01")
    else:
        yyyymm, authority, home = digits[6:12], digits[:6], ("15", "100000")
    if letter == "C" or len(digits) == 17:
        date_problem = _yyyymm_problem(yyyymm, max_year)
        if date_problem:
            found.append(date_problem)
    if not authority.startswith(home):
        found.append(problem("licence.region", "licence_no", authority=authority))
    return found


_PHONE_SPLIT = re.compile(r"[、/,;，；]+")
_MOBILE = re.compile(r"1[3-9]\d(?:[- ]?\d{4}){2}")  # 13912345678, 139 1234 5678, 139-1234-5678
_LANDLINE = re.compile(r"[(]?0\d{2,3}[)]?[- ]?\d{7,8}(?:(?:转|-|分机|ext\.?)\d{1,6})?", re.IGNORECASE)


def _phone_reason(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10 and digits.startswith("4"):
        return "区号前的 0 丢失了（单元格可能被存成数字），应为 0" + digits
    if len(digits) in (7, 8) and not number.startswith("0"):
        return "固定电话缺少区号，应写成如 0471-6612345"
    if digits.startswith("1"):
        return "手机号应为 11 位，以 13–19 开头"
    return "应为 11 位手机号或 区号-号码 形式的固定电话"


def check_phone(text: str) -> list[Problem]:
    """One or more numbers separated by 、/,; each a mobile or a landline with area code.

    ``text`` is the cell as written: nearly always one plain number, which needs no cleaning;
    anything else is cleaned (full-width digits, stray spaces) before it is split and read.
    """
    if _MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text):  # one number, nothing to split
        return []
    for number in filter(None, (p.strip() for p in _PHONE_SPLIT.split(clean(text)))):
        if not (_MOBILE.fullmatch(number) or _LANDLINE.fullmatch(number)):
            return [problem("phone.shape", "phone", reason=_phone_reason(number))]
    return []
