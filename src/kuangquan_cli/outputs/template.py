"""``kq template``: the blank ledger workbook the 盟市 fill in.

Most findings kq reports are typing mistakes a good form prevents: drop-down lists for every
enumeration (the county list follows the chosen 盟市), text format on licence numbers and credit
codes so Excel never rounds them, date formats, a note on every header saying what belongs
there, and a ``统计`` sheet whose COUNTIFS formulas count the rows per task and reason, so that
nobody types totals by hand. Everything comes from ``schemas/`` and the plan file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kuangquan_cli.atomic import refuse_overwrite, save_workbook_atomically
from kuangquan_cli.errors import KqError
from kuangquan_cli.outputs.styles import (
    DATE_FORMAT,
    HEADER_FILL,
    PAPER_A3,
    PAPER_A4,
    lines_height,
    set_up_printing,
    wrapped_lines,
)
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.plan import Plan, PlanTask
from kuangquan_cli.reference.tables import Field, divisions, enumerations, field_by_name, fields
from kuangquan_cli.reference.vocabulary import CANNOT_RESUME, DONE, MINING, NO, YES
from kuangquan_cli.text import display_width

LEDGER_SHEET = "台账"
STATS_SHEET = "统计"
LISTS_SHEET = "下拉选项"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
LAST_DATA_ROW = 2000
TEXT_FORMAT = "@"
TEXT_KINDS = frozenset({"licence", "credit_code", "phone"})
REQUIRED_LABEL = {"yes": "必填", "no": "选填", "conditional": "条件必填"}
WIDTH_BY_KIND = {"date": 12, "licence": 26, "credit_code": 22, "phone": 15, "list": 24, "text": 20, "int": 6}
WIDE_TEXT = frozenset({"measures", "progress", "right_name", "holder"})
STATS_COLUMNS = (("任务类别", 34), ("原因分类", 16), ("本表行数", 10), ("其中已完成", 10), ("方案底数（全区）", 16))
STATS_FIRST_ROW = 5
REQUIRED_FONT = "C00000"


def resolve_city(raw: str) -> str:
    """The full name of a 盟市 as typed (包头, 包头市, 锡盟 …); a one-line error otherwise."""
    candidates = divisions().city_candidates(raw)
    if len(candidates) != 1:
        raise KqError(f"「{raw}」不是盟市名称；可选：{'、'.join(divisions().cities)}")
    return candidates[0]


def template_path(out: Path | None, city: str | None) -> Path:
    """``--out`` as given, inside it when it is a folder, else ``[<盟市>]台账模板.xlsx`` here."""
    name = f"{city or ''}台账模板.xlsx"
    if out is None:
        return Path(name)
    if out.is_dir():
        return out / name
    if out.suffix.lower() != ".xlsx":
        raise KqError(f"模板须保存为 .xlsx 文件：{out}")
    return out


def write_template(plan: Plan, city: str | None = None, out: Path | None = None, force: bool = False) -> Path:
    """Write the template workbook and return where it went."""
    full_city = resolve_city(city) if city else None
    target = template_path(out, full_city)
    refuse_overwrite(target, force)
    save_workbook_atomically(build_template(plan, full_city), target)
    return target


def build_template(plan: Plan, city: str | None) -> Any:
    """The workbook: 台账 (the form), 统计 (formulas), and the hidden sheet of list values."""
    import openpyxl

    book = openpyxl.Workbook()
    ledger = book.active
    ledger.title = LEDGER_SHEET
    _title_rows(ledger, plan, city)
    _header(ledger, plan)
    _formats(ledger)
    _page_setup(ledger)
    _statistics(book.create_sheet(STATS_SHEET), plan, city)
    _drop_downs(book, ledger, plan, city)
    return book


def letter(name: str) -> str:
    """The template's column letter of a field."""
    return column_letter(field_by_name()[name].letter_index)


def data_range(name: str) -> str:
    """The absolute range of a field's data cells, e.g. ``'台账'!$D$4:$D$2000``."""
    col = letter(name)
    return f"'{LEDGER_SHEET}'!${col}${FIRST_DATA_ROW}:${col}${LAST_DATA_ROW}"


# --- the 台账 sheet -------------------------------------------------------------------------


def _title_rows(ws: Any, plan: Plan, city: str | None) -> None:
    from openpyxl.styles import Alignment, Font

    width = len(fields())
    ws.cell(1, 1, f"{city or ''}盘活矿业权工作台账（{plan.year}年）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.cell(2, 1, "填报单位：（盖章）")
    ws.cell(2, field_by_name()["licence_no"].letter_index + 1, "填报日期：　　年　　月　　日")
    ws.cell(2, field_by_name()["valid_to"].letter_index + 1,
            "红色列名为必填项；鼠标移到列名上可看填写说明。各项合计见“统计”表，自动计算，无需手填。")


def _header(ws: Any, plan: Plan) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="808080")
    for f in fields():
        cell = ws.cell(HEADER_ROW, f.letter_index + 1, f.header)
        cell.font = Font(bold=True, color=REQUIRED_FONT if f.required == "yes" else None)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        note = header_note(f, plan)
        cell.comment = Comment(note, "kq", width=320, height=24 + 18 * (len(note) // 20 + note.count("\n") + 1))
        ws.column_dimensions[column_letter(f.letter_index)].width = _width(f)
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)


def header_note(f: Field, plan: Plan) -> str:
    """What goes in a column: required or not, the schema's hint, and the allowed values."""
    lines = [f"{f.header}（{REQUIRED_LABEL[f.required]}）"]
    if f.hint:
        lines.append(f.hint)
    if f.kind == "list":
        lines.append(f"可填：{'、'.join(enumerations()[f.enum or ''].values)}；多项用顿号（、）分隔")
    elif f.name in ("lead_dept", "reason"):
        lines.append("请从下拉列表中选择；填了任务类别的行只列该任务可选的")
    elif f.kind in ("enum", "city", "county"):
        lines.append("请从下拉列表中选择")
    if f.name == "reason":
        lines += [f"{t.label}：{'、'.join(t.reasons)}" for t in plan.tasks]
        lines.append(f"不具备条件的采矿权：{plan.cannot_resume_reason}")
    if f.name == "own_reason":
        lines += [f"{t.label}：{'、'.join(t.own_reasons)}" for t in plan.tasks if t.own_reasons]
    if f.name == "lead_dept":
        lines += [f"{t.label}：{t.lead_dept}" for t in plan.tasks]
    return "\n".join(lines)


def _width(f: Field) -> float:
    if f.name in WIDE_TEXT:
        return 30
    return max(WIDTH_BY_KIND.get(f.kind, 12), min(display_width(f.header) + 2, 14))


def _formats(ws: Any) -> None:
    """Date format on date columns, text format where Excel would turn digits into numbers."""
    for f in fields():
        number_format = DATE_FORMAT if f.kind == "date" else TEXT_FORMAT if f.kind in TEXT_KINDS else None
        if number_format is None:
            continue
        ws.column_dimensions[column_letter(f.letter_index)].number_format = number_format
        for row in range(FIRST_DATA_ROW, LAST_DATA_ROW + 1):
            ws.cell(row, f.letter_index + 1).number_format = number_format


def _page_setup(ws: Any) -> None:
    set_up_printing(ws, PAPER_A3, HEADER_ROW)


# --- drop-down lists --------------------------------------------------------------------------


def _drop_downs(book: Any, ledger: Any, plan: Plan, city: str | None) -> None:
    """One validation per enum column, each a range on the hidden list sheet.

    Lists live on a sheet because Excel caps an inline list at 255 characters. The county list
    is the chosen 盟市's, or — without ``--city`` — the named range of whatever 盟市 the row's
    盟市 cell holds (INDIRECT), one name per 盟市. The lead department and the reason follow
    the row's task in the same way (``_by_task``): each list offers only what kq accepts.
    """
    from openpyxl.workbook.defined_name import DefinedName

    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    cities = divisions()
    column = _ListWriter(lists)
    _validate(ledger, "city", column.add("盟市", cities.cities))
    by_task = _by_task(plan)
    for name, enum_fields in _enum_columns().items():
        plain = [f for f in enum_fields if f.name not in by_task]
        if plain:
            source = column.add("、".join(f.header for f in plain), enumerations()[name].values)
            for f in plain:
                _validate(ledger, f.name, source)
    task_cell = f"${letter('task')}{FIRST_DATA_ROW}"
    for name, (anytask, per_task) in by_task.items():
        header = field_by_name()[name].header
        book.defined_names[header] = DefinedName(header, attr_text=column.add(header, anytask))
        for task in plan.tasks:
            named = header + task.label[1]  # 牵头部门四: the numeral of （四）
            book.defined_names[named] = DefinedName(named, attr_text=column.add(named, per_task[task.number]))
        # a blank task gives the name alone, the list for any task; MID(…,2,1) is the numeral of （四）
        _validate(ledger, name, f'INDIRECT("{header}"&MID({task_cell},2,1))')
    if city:
        _validate(ledger, "county", column.add(city, cities.counties[city]))
        return
    for name in cities.cities:
        book.defined_names[name] = DefinedName(name, attr_text=column.add(name, cities.counties[name]))
    _validate(ledger, "county", f"INDIRECT(${letter('city')}{FIRST_DATA_ROW})")


def _by_task(plan: Plan) -> dict[str, tuple[tuple[str, ...], dict[int, tuple[str, ...]]]]:
    """The fields whose allowed values follow the task: each one's values for a row whose task is
    blank (those of every task) and for each task. A 采矿权 that cannot resume has the plan's
    reason for it (开采条件限制), so a mining task offers that reason too."""
    special = (plan.cannot_resume_reason,)
    reasons = {t.number: (*t.reasons, *(special if t.is_mining else ())) for t in plan.tasks}
    return {
        "lead_dept": (tuple(dict.fromkeys(t.lead_dept for t in plan.tasks)),
                      {t.number: (t.lead_dept,) for t in plan.tasks}),
        "reason": (tuple(dict.fromkeys(r for t in plan.tasks for r in reasons[t.number])), reasons),
    }


def _enum_columns() -> dict[str, list[Field]]:
    """Enum name → the single-valued fields that use it (是/否 serves two columns)."""
    grouped: dict[str, list[Field]] = {}
    for f in fields():
        if f.kind == "enum" and f.enum:
            grouped.setdefault(f.enum, []).append(f)
    return grouped


class _ListWriter:
    """Writes list columns side by side on the list sheet; returns each one's absolute range."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_column = 0

    def add(self, title: str, values: tuple[str, ...]) -> str:
        col = self.next_column
        self.next_column += 1
        self.ws.cell(1, col + 1, title)
        for row, value in enumerate(values, start=2):
            self.ws.cell(row, col + 1, value)
        name = column_letter(col)
        return f"'{self.ws.title}'!${name}$2:${name}${len(values) + 1}"


def _validate(ws: Any, name: str, source: str) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    header = field_by_name()[name].header
    rule = DataValidation(
        type="list", formula1=source, allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle=f"{header}填写有误", error=f"请从下拉列表中选择{header}",
    )
    col = letter(name)
    rule.add(f"{col}{FIRST_DATA_ROW}:{col}{LAST_DATA_ROW}")
    ws.add_data_validation(rule)


# --- the 统计 sheet -------------------------------------------------------------------------


def _statistics(ws: Any, plan: Plan, city: str | None) -> None:
    """Rows per task and reason, counted by COUNTIFS, beside the plan's region-wide figures."""
    _stat_heading(ws, city)
    row = STATS_FIRST_ROW
    total_rows = []
    for task in plan.tasks:
        total_rows.append(row)
        _stat_row(ws, row, (task.name, "合计"), [_task_criteria(task)], task.rights, bold=True)
        row += 1
        for reason, figure in task.reasons.items():
            _stat_row(ws, row, ("", reason), _reason_criteria(task, reason), figure)
            row += 1
    total_rows.append(row)
    cannot = {"right_type": MINING, "status": CANNOT_RESUME}
    _stat_row(ws, row, ("不具备条件的采矿权", plan.cannot_resume_reason), [cannot], plan.cannot_resume,
              bold=True, done=False)
    _stat_totals(ws, row + 1, total_rows, plan.stopped_mines + plan.exploration_rights + plan.cannot_resume)


def _stat_heading(ws: Any, city: str | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws.cell(1, 1, f"{city or ''}台账统计（公式自动计算，请勿手填）").font = Font(bold=True, size=14)
    ws.cell(2, 1, (
        f"按“{LEDGER_SHEET}”表第 {FIRST_DATA_ROW}–{LAST_DATA_ROW} 行统计。任务由矿业权类型、矿种类别和"
        "勘查程度是否达到转采要求确定；进展状态为不具备条件的采矿权单列。方案底数为全区数字。"
    ))
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(STATS_COLUMNS))
    ws.cell(2, 1).alignment = Alignment(wrap_text=True, vertical="top")
    _fit_height(ws, 2, sum(width for _, width in STATS_COLUMNS))
    for col, (title, width) in enumerate(STATS_COLUMNS, start=1):
        head = ws.cell(STATS_FIRST_ROW - 1, col, title)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor=HEADER_FILL)
        ws.column_dimensions[column_letter(col - 1)].width = width
    ws.freeze_panes = ws.cell(STATS_FIRST_ROW, 1)
    set_up_printing(ws, PAPER_A4, STATS_FIRST_ROW - 1)
    ws.page_setup.fitToHeight = 1  # a page: the note and the table whole


def _fit_height(ws: Any, row: int, width: float) -> None:
    """Make ``row`` as tall as the wrapped text of its first cell, ``width`` characters wide."""
    ws.row_dimensions[row].height = lines_height(wrapped_lines(str(ws.cell(row, 1).value), width - 1))


def _stat_totals(ws: Any, row: int, total_rows: list[int], plan_total: int) -> None:
    """The grand total, and the filled rows it should equal (a row kq cannot place shows here)."""
    from openpyxl.styles import Alignment, Font

    ws.cell(row, 1, "合计").font = Font(bold=True)
    ws.cell(row, 3, "=" + "+".join(f"C{r}" for r in total_rows))
    ws.cell(row, 4, "=" + "+".join(f"D{r}" for r in total_rows))
    ws.cell(row, 5, plan_total)
    ws.cell(row + 1, 1, "已填许可证号的行数（与合计不同，说明有的行矿业权类型、矿种类别或勘查程度未填）")
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=2)
    ws.cell(row + 1, 1).alignment = Alignment(wrap_text=True, vertical="top")
    _fit_height(ws, row + 1, STATS_COLUMNS[0][1] + STATS_COLUMNS[1][1])
    ws.cell(row + 1, 3, f"=COUNTA({data_range('licence_no')})")


def _task_criteria(task: PlanTask) -> dict[str, str]:
    """COUNTIFS criteria that pick a task's rows the way kq derives the task (docs/ledger.md#任务类别)."""
    criteria = {"right_type": task.right_type, "mineral_class": task.mineral_class}
    if task.stage_ok is not None:
        criteria["stage_ok"] = YES if task.stage_ok else NO
    if task.is_mining:
        criteria["status"] = f"<>{CANNOT_RESUME}"  # the mines that cannot resume are counted apart
    return criteria


def _reason_criteria(task: PlanTask, reason: str) -> list[dict[str, str]]:
    """The rows of one reason; a blank reason counts too where it may be left blank (tasks 3, 6)."""
    selections = [{**_task_criteria(task), "reason": reason}]
    if task.reason_optional and list(task.reasons) == [reason]:
        selections.append({**_task_criteria(task), "reason": ""})
    return selections


def _countifs(criteria: dict[str, str]) -> str:
    return "COUNTIFS(" + ",".join(f'{data_range(name)},"{value}"' for name, value in criteria.items()) + ")"


def _stat_row(ws: Any, row: int, labels: tuple[str, str], selections: list[dict[str, str]], figure: int, *,
              bold: bool = False, done: bool = True) -> None:
    """One line of 统计: the rows matching any of ``selections``, those already done, the plan."""
    from openpyxl.styles import Font

    ws.cell(row, 1, labels[0])
    ws.cell(row, 2, labels[1])
    ws.cell(row, 3, "=" + "+".join(_countifs(s) for s in selections))
    if done:
        ws.cell(row, 4, "=" + "+".join(_countifs({**s, "status": DONE}) for s in selections))
    ws.cell(row, 5, figure)
    if bold:
        for col in range(1, 6):
            ws.cell(row, col).font = Font(bold=True)
