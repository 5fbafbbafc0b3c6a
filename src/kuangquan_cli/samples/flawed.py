"""The flawed samples: small workbooks, each taken from a few W37 rows of one 盟市 with one or
two of the mistakes 盟市 really make, and a README listing the finding codes each produces."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kuangquan_cli.checking.identifiers import CREDIT_ALPHABET
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.tables import field_by_name
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, MINING, MISSING_PROCEDURES, OWN_REASONS
from kuangquan_cli.samples.generation import FIRST_WEEK, CityBook, Row, SampleRegion
from kuangquan_cli.samples.writing import TITLE_ROWS, write_csv, write_workbook

FLAWED_DIR = "flawed"


@dataclass(frozen=True)
class Flaw:
    """A small workbook showing one or two typical mistakes, and the codes ``kq validate`` gives."""

    file: str
    what: str
    codes: tuple[str, ...]


def _cell(field_name: str, index: int, first_data_row: int = TITLE_ROWS + 2) -> str:
    return f"{column_letter(field_by_name()[field_name].letter_index)}{first_data_row + index}"


def _pick(rows: list[Row], wanted: Iterable[Callable[[Row], bool]], size: int = 5) -> list[Row]:
    """A few rows of a 盟市 with at least one row meeting each wish, renumbered from 1."""
    chosen: list[Row] = []
    for wish in wanted:
        chosen.append(next(r for r in rows if wish(r) and r not in chosen))
    chosen += [r for r in rows if r not in chosen][: size - len(chosen)]
    return [{**r, "seq": seq} for seq, r in enumerate(chosen, start=1)]


def _is_mining(row: Row) -> bool:
    return row["right_type"] == MINING and row["status"] != CANNOT_RESUME


def _flaw_credit_code(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    good = picked[1]["credit_code"]
    bad = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(good[-1]) + 7) % len(CREDIT_ALPHABET)]
    picked[1]["credit_code"] = good[:-1] + bad
    return picked, f"{_cell('credit_code', 1)} 统一社会信用代码最后一位校验位抄错（写成 {bad}，应为 {good[-1]}）"


def _flaw_foreign_county(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    picked[2]["county"] = "科尔沁区"
    return picked, f"{_cell('county', 2)} 旗县填了通辽市的科尔沁区"


def _flaw_missing_lists(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [lambda r: r["reason"] == MISSING_PROCEDURES, lambda r: r["reason"] == OWN_REASONS])
    picked[0]["missing"], picked[1]["own_reason"] = (), ()
    return picked, (f"{_cell('missing', 0)} 原因为缺少手续却没列出所缺手续；"
                    f"{_cell('own_reason', 1)} 原因为企业自身原因却没写具体原因")


def _flaw_licence_prefix(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [_is_mining])
    picked[0]["licence_no"] = picked[0]["licence_no"].removeprefix("C")
    return picked, f"{_cell('licence_no', 0)} 采矿许可证号漏了开头的 C（只有 22 位数字）"


def _flaw_date_words(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    picked[1]["deadline"], picked[3]["deadline"] = "九月底", "年底前"
    return picked, f"{_cell('deadline', 1)}、{_cell('deadline', 3)} 计划完成时限写成「九月底」「年底前」，不是日期"


def _flaw_phone_number(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [lambda r: "-" in r["phone"]])
    picked[0]["phone"] = int(picked[0]["phone"].replace("-", ""))
    return picked, f"{_cell('phone', 0)} 固定电话存成了数字，区号前的 0 丢了（{picked[0]['phone']}）"


def _flaw_duplicate_csv(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [], size=4)
    picked.append({**picked[1], "seq": 5})
    return picked, (f"GBK 编码的 CSV（WPS 另存为）；同一矿业权填了两遍（{_cell('licence_no', 1, 2)} 与 "
                    f"{_cell('licence_no', 4, 2)} 许可证号相同）")


#: What spoils a few rows of a 盟市: the rows as spoilt, and what is wrong with them in Chinese.
Spoil = Callable[[list[Row]], tuple[list[Row], str]]

#: File, the 盟市 whose W37 rows it takes, how they are spoilt, the finding codes kq gives.
_FLAWED: tuple[tuple[str, str, Spoil, tuple[str, ...]], ...] = (
    ("包头市_信用代码校验位错.xlsx", "包头市", _flaw_credit_code, ("credit_code.check",)),
    ("赤峰市_旗县填了外盟市.xlsx", "赤峰市", _flaw_foreign_county, ("county.not_in_city",)),
    ("鄂尔多斯市_手续和原因未列明.xlsx", "鄂尔多斯市", _flaw_missing_lists,
     ("missing.required", "own_reason.required")),
    ("乌海市_许可证号缺C.xlsx", "乌海市", _flaw_licence_prefix, ("licence.prefix_missing",)),
    ("呼伦贝尔市_日期写成文字.xlsx", "呼伦贝尔市", _flaw_date_words, ("value.date",)),
    ("通辽市_电话丢了0.xlsx", "通辽市", _flaw_phone_number, ("phone.shape",)),
    ("锡林郭勒盟_重复填报.csv", "锡林郭勒盟", _flaw_duplicate_csv, ("licence.duplicate",)),
)


def write_flawed(out_dir: Path, region: SampleRegion) -> list[Flaw]:
    """The flawed workbooks and their README, built from W37 rows of the named 盟市."""
    out_dir.mkdir(parents=True, exist_ok=True)
    books = region.weeks[FIRST_WEEK]
    flaws = []
    for file, city, spoil, codes in _FLAWED:
        rows, what = spoil(books[city].rows)
        path = out_dir / file
        if path.suffix == ".csv":
            write_csv(path, rows)
        else:
            original = books[city]
            write_workbook(path, CityBook(city, FIRST_WEEK, rows, original.filled_by, original.reviewed_by,
                                          original.office_phone))
        flaws.append(Flaw(file, what, codes))
    (out_dir / "README.md").write_text(flawed_readme(flaws), encoding="utf-8")
    return flaws


def flawed_readme(flaws: Iterable[Flaw]) -> str:
    lines = [
        "# 问题样例台账",
        "",
        "每个文件取自 2022-W37 样例中某盟市的几行，只故意改错一两处，演示 `kq validate` 能发现的常见错误。",
        "每行：文件名 — 错在哪里 → `kq validate` 给出的问题代码。",
        "",
    ]
    lines += [f"- `{f.file}`：{f.what} → {'、'.join(f'`{c}`' for c in f.codes)}" for f in flaws]
    return "\n".join(lines) + "\n"

