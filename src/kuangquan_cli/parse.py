"""Parsing one ledger row's cells into typed values, one field kind at a time.

Each parser turns a raw cell into a clean value or reports a ``Problem`` at that field. Checks
that need several fields (licence letter vs right type, reasons per task …) are in ``rules.py``.
Enum-like cells repeat endlessly in a ledger, so their outcomes are memoised by raw value.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from kuangquan_cli.findings import Problem, problem
from kuangquan_cli.normalize import lost_precision, parse_date, split_list, to_text
from kuangquan_cli.reference import Field, divisions, enumerations, fields

_DEV_ZONE_MARKERS = ("开发区", "管理区", "园区", "工业区", "示范区", "高新区")
_TASK_NUMBER = {label: n for n, label in enumerate(enumerations()["task"].values, start=1)}


class _Invalid(Exception):
    def __init__(self, found: Problem) -> None:
        self.problem = found


def _suggestion(value: str | None) -> str:
    return f"，是否应为「{value}」？" if value else ""


def _enum_value(f: Field, text: str) -> str:
    enum = enumerations()[f.enum or ""]
    value = enum.resolve(text)
    if value is None:
        raise _Invalid(problem("value.enum", f.name, label=f.header, suggestion=_suggestion(enum.suggest(text))))
    return value


def _parse_text(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> str | None:
    return to_text(raw) or None


def _parse_code(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> str | None:
    """Licence numbers and credit codes: no spaces, upper case, and no digits lost to Excel."""
    if lost_precision(raw):
        raise _Invalid(problem("value.precision_lost", f.name, label=f.header))
    return to_text(raw).replace(" ", "").replace("-", "").upper() or None


def _parse_int(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> int | None:
    text = to_text(raw)
    if not text:
        return None
    if not text.isdigit():
        raise _Invalid(problem("value.number", f.name))
    return int(text)


def _parse_date(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> Any:
    if to_text(raw) == "":
        return None
    value = parse_date(raw)
    if value is None:
        raise _Invalid(problem("value.date", f.name))
    return value


def _parse_enum(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> Any:
    text = to_text(raw)
    if not text:
        return None
    value = _enum_value(f, text)
    return _TASK_NUMBER[value] if f.enum == "task" else value


def _parse_list(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> tuple[str, ...]:
    items: list[str] = []
    for text in split_list(to_text(raw)):
        value = _enum_value(f, text)
        if value not in items:
            items.append(value)
    return tuple(items)


def _parse_city(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> str | None:
    text = to_text(raw)
    if not text:
        return None
    candidates = divisions().city_candidates(text)
    if len(candidates) == 1:
        return candidates[0]
    if file_city in candidates:
        return file_city
    if candidates:
        raise _Invalid(problem("city.ambiguous", f.name, candidates="或".join(candidates)))
    best = difflib.get_close_matches(text, divisions().cities, n=1, cutoff=0.3)
    raise _Invalid(problem("value.enum", f.name, label="盟市", suggestion=_suggestion(best[0] if best else None)))


def _parse_county(f: Field, raw: Any, row: dict[str, Any], file_city: str | None) -> str | None:
    text = to_text(raw)
    if not text:
        return None
    city = row.get("city") or file_city
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
    raise _Invalid(problem("county.unknown", f.name, city=city or "本盟市", suggestion=_suggestion(suggestion)))


_PARSERS: dict[str, Callable[[Field, Any, dict[str, Any], str | None], Any]] = {
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

_MEMO_KINDS = frozenset({"enum", "list", "date"})


class RowParser:
    """Parses the cells of one file's rows; ``file_city`` settles ambiguous short names."""

    def __init__(self, file_city: str | None, present: frozenset[str]) -> None:
        self.file_city = file_city
        self.present = present
        self._plan = [(f, _PARSERS[f.kind]) for f in fields() if f.name in present]
        self._memo: dict[tuple[str, Any], tuple[Any, Problem | None]] = {}

    def parse(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        values: dict[str, Any] = {}
        found: list[Problem] = []
        for f, parser in self._plan:
            cell = raw.get(f.name)
            if f.kind in _MEMO_KINDS and isinstance(cell, (str, int, float)):
                memo_key = (f.name, cell)
                outcome = self._memo.get(memo_key)
                if outcome is None:
                    outcome = self._memo[memo_key] = self._run(f, parser, cell, values)
            else:
                outcome = self._run(f, parser, cell, values)
            value, issue = outcome
            if issue is not None:
                found.append(issue)
            elif value is None and f.required == "yes":
                found.append(problem("value.required", f.name, label=f.header, why=""))
            if value is not None and value != ():
                values[f.name] = value
        return values, found

    def _run(self, f: Field, parser: Callable[..., Any], cell: Any, values: dict[str, Any]) -> tuple[Any, Problem | None]:
        try:
            return parser(f, cell, values, self.file_city), None
        except _Invalid as invalid:
            return None, invalid.problem
