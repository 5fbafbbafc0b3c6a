"""Parsing a ledger's cells into typed values, one column at a time.

Each parser turns a raw cell into a value or reports a ``Problem`` at that field: the fields kq
classifies (enums, dates, identifiers) into their canonical form, free text as written. Checks
that need several fields (licence letter vs right type, reasons per task …) are in ``rules.py``.
A column is parsed as a whole: each distinct raw value once (enum, county and date cells repeat
endlessly, and a parser's outcome depends on nothing else), then the outcomes are spread back
over the rows. That keeps the per-cell work of a 300,000-row ledger to a dictionary look-up.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from kuangquan_cli.checking.findings import Problem, problem
from kuangquan_cli.checking.normalize import lost_precision, parse_date, split_list
from kuangquan_cli.reference.tables import Field, divisions, enumerations, fields
from kuangquan_cli.reference.vocabulary import TASK_LABELS
from kuangquan_cli.text import as_written, to_text

_DEV_ZONE_MARKERS = ("开发区", "管理区", "园区", "工业区", "示范区", "高新区")
_TASK_NUMBER = {label: n for n, label in enumerate(TASK_LABELS, start=1)}


class _Invalid(Exception):
    def __init__(self, found: Problem) -> None:
        self.problem = found


#: The fields a right's task follows from (``rules.derive_task``): a guess at one of them changes
#: the task the right is counted under, so the message asks the 盟市 to check it, not to take it.
_DECIDES_TASK = frozenset({"right_type", "mineral_class", "stage_ok", "task"})


def _suggested(value: str | None, decides_task: bool = False) -> dict[str, str | None]:
    """Message context for a did-you-mean: the sentence for the message, the value for advice.

    A guess is never taken for the value: the cell stays an error and the message offers it.
    """
    if value is None:
        return {"suggestion": "", "suggested": None, "confirm": None}
    if decides_task:
        return {"suggestion": f"。是否应为「{value}」？此项决定任务类别，请核实", "suggested": None, "confirm": value}
    return {"suggestion": f"。是否应为「{value}」？", "suggested": value, "confirm": None}


def _as_written(raw: Any) -> str:
    """A cell's text for quoting back in a message: as the 盟市 typed it (full-width brackets
    stay full-width), only its surrounding and repeated whitespace dropped."""
    return " ".join(raw.split()) if type(raw) is str else to_text(raw)


def _enum_value(f: Field, written: str) -> str:
    enum = enumerations()[f.enum or ""]
    value = enum.resolve(written)
    if value is None:
        suggestion = _suggested(enum.suggest(written), f.name in _DECIDES_TASK)
        raise _Invalid(problem("value.enum", f.name, label=f.header, given=written, allowed="、".join(enum.values),
                               **suggestion))
    return value


def _parse_text(f: Field, raw: Any, city: str | None) -> str | None:
    """Free text (names, measures, progress, phone …) is kept exactly as written; the rules
    that measure or match it clean it first (normalising is for checking, never for rewriting)."""
    return as_written(raw)


def _parse_code(f: Field, raw: Any, city: str | None) -> str | None:
    """Licence numbers and credit codes: no spaces, upper case, and no digits lost to Excel."""
    if type(raw) is not str and lost_precision(raw):
        raise _Invalid(problem("value.precision_lost", f.name, label=f.header))
    return to_text(raw).replace(" ", "").replace("-", "").upper() or None


#: The largest integer a cell may hold: Excel keeps 15 digits, and kq's tables hold 64-bit ones.
_MAX_INT = 10**15 - 1


def _parse_int(f: Field, raw: Any, city: str | None) -> int | None:
    if type(raw) is float and raw.is_integer() and 0 <= raw <= _MAX_INT:  # what Excel stores: no text needed
        return int(raw)
    text = to_text(raw)
    if not text:
        return None
    if not text.isdecimal():
        raise _Invalid(problem("value.number", f.name))
    if len(text.lstrip("0")) > len(str(_MAX_INT)):  # before int(), which refuses 4,300 digits
        raise _Invalid(problem("value.out_of_range", f.name))
    return int(text)


def _parse_date(f: Field, raw: Any, city: str | None) -> Any:
    if to_text(raw) == "":
        return None
    value = parse_date(raw)
    if value is None:
        raise _Invalid(problem("value.date", f.name))
    return value


def _parse_enum(f: Field, raw: Any, city: str | None) -> Any:
    if not to_text(raw):
        return None
    value = _enum_value(f, _as_written(raw))
    return _TASK_NUMBER[value] if f.enum == "task" else value


def _parse_list(f: Field, raw: Any, city: str | None) -> tuple[str, ...]:
    items: list[str] = []
    for written in split_list(_as_written(raw)):
        if not to_text(written):  # an item of zero-width characters only
            continue
        value = _enum_value(f, written)
        if value not in items:
            items.append(value)
    return tuple(items)


def _parse_city(f: Field, raw: Any, city: str | None) -> str | None:
    text = to_text(raw)
    if not text:
        return None
    candidates = divisions().city_candidates(text)
    if len(candidates) == 1:
        return candidates[0]
    if city in candidates:
        return city
    if candidates:
        raise _Invalid(problem("city.ambiguous", f.name, candidates="或".join(candidates)))
    best = difflib.get_close_matches(text, divisions().cities, n=1, cutoff=0.3)
    raise _Invalid(problem("value.enum", f.name, label=f.header, given=_as_written(raw),
                           allowed="、".join(divisions().cities), **_suggested(best[0] if best else None)))


def _parse_county(f: Field, raw: Any, city: str | None) -> str | None:
    text = to_text(raw)
    if not text:
        return None
    candidates = divisions().county_candidates(text)
    for candidate_city, county in candidates:
        if candidate_city == city or city is None:
            return county
    if candidates:
        other_city, county = candidates[0]
        raise _Invalid(problem("county.not_in_city", f.name, county=county, other_city=other_city, city=city))
    if any(marker in text for marker in _DEV_ZONE_MARKERS):
        raise _Invalid(problem("county.dev_zone", f.name))
    suggestion = divisions().suggest_county(text, city) if city else None
    raise _Invalid(problem("county.unknown", f.name, city=city or "本盟市", **_suggested(suggestion)))


_PARSERS: dict[str, Callable[[Field, Any, str | None], Any]] = {
    "text": _parse_text,
    "int": _parse_int,
    "date": _parse_date,
    "enum": _parse_enum,
    "list": _parse_list,
    "city": _parse_city,
    "county": _parse_county,
    "licence": _parse_code,
    "credit_code": _parse_code,
    "phone": _parse_text,
}

class RowValues(NamedTuple):
    """One parsed row: every field's value, None (or () for a list) where blank or invalid.

    A plain named tuple, read by field name like ``model.LedgerRow``: building and keeping a
    pydantic object per row would cost more than all the parsing (``Record.model`` builds one on
    demand). The fields are those of ``schemas/fields.toml``, in its order (a test holds them
    equal), written out so that type checkers see them.
    """

    seq: int | None = None
    city: str | None = None
    county: str | None = None
    right_type: str | None = None
    mineral_class: str | None = None
    mineral: str | None = None
    licence_no: str | None = None
    right_name: str | None = None
    holder: str | None = None
    credit_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    stage_ok: str | None = None
    task: int | None = None
    reason: str | None = None
    missing: tuple[str, ...] = ()
    own_reason: tuple[str, ...] = ()
    lead_dept: str | None = None
    measures: str | None = None
    deadline: date | None = None
    status: str | None = None
    done_date: date | None = None
    progress: str | None = None
    soe: str | None = None
    contact: str | None = None
    phone: str | None = None
    note: str | None = None


@dataclass
class ParsedRows:
    """A ledger's rows as values, and the problems of their cells by row index (in field order)."""

    rows: list[RowValues]
    problems: dict[int, list[Problem]]


def parse_columns(cells: Mapping[str, Sequence[Any]], count: int, file_city: str | None) -> ParsedRows:
    """Parse ``count`` rows given as field → raw cells; ``file_city`` settles ambiguous short names.

    The 盟市 column is parsed before the 旗县 column, whose names are read within each row's 盟市.
    """
    columns: list[list[Any]] = []
    problems: dict[int, list[Problem]] = {}
    cities: list[Any] = [file_city] * count
    for f in fields():
        raw = cells.get(f.name)
        if raw is None:
            columns.append([RowValues._field_defaults[f.name]] * count)
            continue
        keys = _keys(raw)
        city, by_city = file_city, False
        if f.kind == "county":
            row_cities = [c or file_city for c in cities]
            if len(set(row_cities)) == 1:  # one 盟市's file: no need to pair each cell with its 盟市
                city = row_cities[0]
            else:
                keys, by_city = list(zip(row_cities, keys, strict=True)), True
        outcome, bad = _outcomes(f, keys, city, by_city)
        values = list(map(outcome.__getitem__, keys))
        if f.kind == "city":
            cities = values
        columns.append(values)
        if bad:
            for index in [i for i, key in enumerate(keys) if key in bad]:
                problems.setdefault(index, []).append(bad[keys[index]])
    return ParsedRows(list(map(RowValues._make, zip(*columns, strict=True))), problems)


def filled(values: RowValues) -> dict[str, Any]:
    """The fields of a row that have a value (blank and invalid ones left out)."""
    pairs = zip(values._fields, values, strict=True)
    return {name: value for name, value in pairs if value is not None and value != ()}


def _keys(raw: Sequence[Any]) -> Sequence[Any]:
    """Memo keys of the cells: the cells themselves, except that ``True`` and ``False`` go with
    their type. Equal numbers such as ``1`` and ``1.0`` mean the same to every parser, but
    ``True == 1`` too, and ``True`` means 是."""
    if bool not in set(map(type, raw)):
        return raw
    return [(bool, cell) if type(cell) is bool else cell for cell in raw]


def _outcomes(
    f: Field, keys: Sequence[Any], city: str | None, by_city: bool
) -> tuple[dict[Any, Any], dict[Any, Problem]]:
    """Each distinct key's parsed value, and the problem of each bad key.

    ``by_city``: keys are (the row's 盟市, the cell's key); otherwise every cell is read within
    ``city``. Distinct keys are found in C (``dict.fromkeys``) and parsed in one plain loop: on
    columns where every cell differs (names, identifiers) this loop is the per-cell cost.
    """
    parser = _PARSERS[f.kind]
    default = RowValues._field_defaults[f.name]
    outcome: dict[Any, Any] = {}
    bad: dict[Any, Problem] = {}
    for key in dict.fromkeys(keys):
        cell_city, cell = key if by_city else (city, key)
        if type(cell) is tuple:  # a bool with its type
            cell = cell[1]
        try:
            outcome[key] = value = parser(f, cell, cell_city)
        except _Invalid as invalid:
            outcome[key], bad[key] = default, invalid.problem
            continue
        if value is None and f.required == "yes":
            bad[key] = problem("value.required", f.name, label=f.header, why="")
    return outcome, bad
