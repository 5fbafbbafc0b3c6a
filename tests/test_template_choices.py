"""The template's drop-downs offer only what kq accepts: each list is checked against the rules,
and the lists that depend on the row's task (牵头部门, 原因分类) offer exactly the task's values."""

from __future__ import annotations

import re

import openpyxl
import pytest

from kuangquan_cli.outputs.template import FIRST_DATA_ROW, LAST_DATA_ROW, LEDGER_SHEET, write_template
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.plan import PlanTask
from kuangquan_cli.reference.tables import divisions, enumerations, field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, EXPLORATION, MISSING_PROCEDURES, OWN_REASONS, YES
from support import convert, licence, needs_soffice, row

#: A list that follows another cell: INDIRECT of a name made from that cell (see outputs.template).
BY_TASK = re.compile(r'INDIRECT\("(?P<name>[^"]+)"&MID\(\$(?P<col>[A-Z]+)(?P<row>\d+),2,1\)\)')
BY_CITY = re.compile(r"INDIRECT\(\$(?P<col>[A-Z]+)(?P<row>\d+)\)")


def letter(name: str) -> str:
    return column_letter(field_by_name()[name].letter_index)


@pytest.fixture(scope="module", params=["包头市", None], ids=["city", "no-city"])
def book(request, tmp_path_factory, plan):
    path = write_template(plan, request.param, tmp_path_factory.mktemp("tpl") / "模板.xlsx")
    return openpyxl.load_workbook(path)


def cells(book, reference: str) -> list[str]:
    """The values of a range such as ``'下拉选项'!$B$2:$B$3`` or of a defined name."""
    if reference in book.defined_names:
        reference = book.defined_names[reference].attr_text
    sheet, area = reference.rsplit("!", 1)
    return [c.value for line in book[sheet.strip("'")][area.replace("$", "")] for c in line]


def sources(book) -> dict[str, str]:
    """Field name → the list formula of its drop-down (each covering the field's data cells)."""
    by_letter = {letter(f.name): f.name for f in fields()}
    found = {}
    for rule in book[LEDGER_SHEET].data_validations.dataValidation:
        (area,) = rule.sqref.ranges
        assert (area.min_row, area.max_row) == (FIRST_DATA_ROW, LAST_DATA_ROW) and area.min_col == area.max_col
        assert rule.type == "list" and rule.showErrorMessage and rule.errorStyle == "stop"
        found[by_letter[column_letter(area.min_col - 1)]] = rule.formula1
    return found


def offered(book, formula: str, *, task: str = "", city: str = "") -> list[str]:
    """What a drop-down lists in a row whose 任务类别 is ``task`` and 盟市 is ``city``, as Excel
    works it out: MID(…,2,1) is the second character of the task cell."""
    if match := BY_TASK.fullmatch(formula):
        assert (match["col"], int(match["row"])) == (letter("task"), FIRST_DATA_ROW)
        return cells(book, match["name"] + task[1:2])
    if match := BY_CITY.fullmatch(formula):
        assert (match["col"], int(match["row"])) == (letter("city"), FIRST_DATA_ROW)
        return cells(book, city)
    return cells(book, formula)


def test_every_enumerated_column_has_a_drop_down(book):
    assert set(sources(book)) == {f.name for f in fields() if f.kind in ("enum", "city", "county")}


def test_every_plain_list_holds_exactly_the_values_kq_reads(book):
    for name, formula in sources(book).items():
        f = field_by_name()[name]
        if name in ("lead_dept", "reason"):
            continue
        if f.kind == "city":
            assert offered(book, formula) == list(divisions().cities)
        elif f.kind == "county":
            for city, counties in divisions().counties.items():
                if BY_CITY.fullmatch(formula) or city == "包头市":
                    assert offered(book, formula, city=city) == list(counties)
        else:
            assert offered(book, formula) == list(enumerations()[f.enum].values), name


def task_row(task: PlanTask, number: int, **overrides) -> dict:
    """A valid row of ``task`` in 包头市, with ``overrides`` and what they need beside them."""
    values = row(
        seq=number, right_type=task.right_type, mineral_class=task.mineral_class, task=task.label,
        stage_ok=None if task.stage_ok is None else (YES if task.stage_ok else "否"),
        licence_no=licence("包头市", task.right_type, number), lead_dept=task.lead_dept,
        reason=next(iter(task.reasons)), missing=None,
    ) | overrides
    if values["reason"] == MISSING_PROCEDURES:
        values["missing"] = "用地手续"
    if values["reason"] == OWN_REASONS:
        values["own_reason"] = task.own_reasons[0] if task.own_reasons else "资金紧张"
    if values["reason"] == "开采条件限制":
        values.update(status=CANNOT_RESUME, measures=None)
    return values


def accepted(check, task: PlanTask, name: str, values: list[str]) -> list[str]:
    """Those of ``values`` that kq accepts in the ``name`` cell of a row of ``task``."""
    result = check(*(task_row(task, n, **{name: v}) for n, v in enumerate(values, start=1)),
                   name="包头市台账.xlsx", title="包头市盘活矿业权工作台账")
    assert len(result.records) == len(values)
    return [v for v, record in zip(values, result.records, strict=True) if not record.findings]


@pytest.mark.parametrize("name", ["lead_dept", "reason"])
def test_a_list_that_follows_the_task_offers_exactly_what_kq_accepts_for_it(book, check, plan, name):
    formula = sources(book)[name]
    every = list(enumerations()[field_by_name()[name].enum].values)
    anytask = offered(book, formula)
    for task in plan.tasks:
        offers = offered(book, formula, task=task.label)
        assert offers == accepted(check, task, name, every), (task.label, offers)
        assert set(offers) <= set(anytask)
    assert set(anytask) == {v for t in plan.tasks for v in offered(book, formula, task=t.label)}


def test_the_lead_department_of_each_task_is_its_only_choice(book, plan):
    formula = sources(book)["lead_dept"]
    assert {t.label: offered(book, formula, task=t.label) for t in plan.tasks} == {
        "（一）": ["自治区能源局"], "（二）": ["自治区自然资源厅"], "（三）": ["自治区自然资源厅"],
        "（四）": ["自治区发改委、工信厅"], "（五）": ["自治区自然资源厅"], "（六）": ["自治区自然资源厅"]}
    assert offered(book, formula) == ["自治区能源局", "自治区自然资源厅", "自治区发改委、工信厅"]


def test_a_long_task_name_picks_the_same_list(book, plan):
    """MID(…,2,1) reads the numeral of 「（四）已取得采矿许可证非煤矿山」 as of 「（四）」: kq accepts both."""
    formula = sources(book)["reason"]
    for task in plan.tasks:
        assert offered(book, formula, task=task.name) == offered(book, formula, task=task.label)


def test_exploration_tasks_offer_no_reason_of_a_mine(book, plan):
    formula = sources(book)["reason"]
    for task in plan.tasks:
        if task.right_type == EXPLORATION:
            assert "开采条件限制" not in offered(book, formula, task=task.label)


@pytest.mark.slow
@needs_soffice
def test_libreoffice_keeps_the_dependent_lists(tmp_path, plan):
    """LibreOffice opens the file and writes the lists that follow the task back unchanged."""
    path = write_template(plan, None, tmp_path / "模板.xlsx")
    converted = openpyxl.load_workbook(convert(path, "xlsx", tmp_path / "lo"))
    formulas = {rule.formula1 for rule in converted[LEDGER_SHEET].data_validations.dataValidation}
    wanted = sources(openpyxl.load_workbook(path))
    assert {wanted["lead_dept"], wanted["reason"]} <= formulas
    assert all(name in converted.defined_names for name in ("牵头部门", "牵头部门四", "原因分类", "原因分类六"))
