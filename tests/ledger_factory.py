"""Builds ledger workbooks in tests, the way a 盟市 office lays them out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from kuangquan_cli.checking.identifiers import credit_check_char, org_check_char
from kuangquan_cli.reference.tables import fields

HEADERS = [f.header for f in fields()]


def credit_code(prefix: str = "91150602", body: str = "MA0MYGRT", inner: str | None = None) -> str:
    """A credit code whose final check character is right; the inner one too unless ``inner`` is given."""
    first17 = prefix + body + (inner or org_check_char(body))
    return first17 + credit_check_char(first17)


def row(**overrides: Any) -> dict[str, Any]:
    """A valid task-(四) row of 包头市, as field name → cell value."""
    base: dict[str, Any] = {
        "seq": 1,
        "city": "包头市",
        "county": "固阳县",
        "right_type": "采矿权",
        "mineral_class": "非煤",
        "mineral": "铁矿",
        "licence_no": "C1502002009051120016226",
        "right_name": "固阳县某铁矿",
        "holder": "包头某矿业有限公司",
        "credit_code": credit_code(),
        "valid_from": "2019-01-01",
        "valid_to": "2029-01-01",
        "stage_ok": None,
        "task": "（四）",
        "reason": "缺少手续",
        "missing": "安全生产许可证、用地手续",
        "own_reason": None,
        "lead_dept": "自治区发改委、工信厅",
        "measures": "督促企业尽快补办安全生产许可证和用地手续",
        "deadline": "2022-12-31",
        "status": "推进中",
        "done_date": None,
        "progress": "已提交材料",
        "soe": "否",
        "contact": "张三",
        "phone": "13912345678",
        "note": None,
    }
    base.update(overrides)
    return base


def write_ledger(
    path: Path,
    rows: Iterable[dict[str, Any]],
    *,
    title: str | None = "包头市盘活矿业权工作台账",
    headers: Sequence[str] | None = None,
    field_order: Sequence[str] | None = None,
    footer: Sequence[Sequence[Any]] = (),
    sheet: str = "台账",
    extra_sheets: Sequence[str] = (),
) -> Path:
    """Write a ledger: optional merged title row and 填报单位 line, header, rows, footer lines.

    ``field_order`` picks and orders the columns (default: all, in the template's order);
    ``headers`` gives the header text written for them (default: the canonical headers).
    """
    names = list(field_order or [f.name for f in fields()])
    by_name = {f.name: f.header for f in fields()}
    header_texts = list(headers or [by_name[n] for n in names])
    book = openpyxl.Workbook()
    for name in extra_sheets:
        book.create_sheet(name).append(["填报说明：请按模板填写"])
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(names))
        ws.append(["填报单位：（盖章）", None, None, "填报日期：2022年9月20日"])
    ws.append(header_texts)
    for values in rows:
        ws.append([values.get(n) for n in names])
    for line in footer:
        ws.append(list(line))
    if extra_sheets:
        book.move_sheet(ws, offset=-len(extra_sheets))
    book.save(path)
    return path
