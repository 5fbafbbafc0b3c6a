"""Findings (docs/rules.md#问题): every problem kq reports, with the cell it belongs to."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

from kuangquan_cli.checking.catalogue import CATALOGUE, Severity


@dataclass(frozen=True, slots=True)
class Problem:
    """What a rule found, before it is placed in a file: a code, the field, message context."""

    code: str
    field: str | None
    ctx: dict[str, Any]


def problem(code: str, field: str | None = None, **ctx: Any) -> Problem:
    if code not in CATALOGUE:
        raise KeyError(f"unknown finding code {code}")
    return Problem(code, field, ctx)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    cell: str | None
    field: str | None
    value: str | None
    message: str
    advice: str = dataclasses.field(default="", compare=False)
    """What to do about it, in a few words (the annotated copy's 建议); not part of the JSON."""

    def to_dict(self) -> dict[str, Any]:
        """The finding as docs/json.md#问题对象 spells it."""
        data = asdict(self)
        del data["advice"]
        return data

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def make_finding(
    code: str,
    *,
    file: str | None,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
    value: str | None = None,
    **ctx: Any,
) -> Finding:
    entry = CATALOGUE[code]
    return Finding(
        code=code,
        severity=entry.severity,
        file=file,
        sheet=sheet,
        row=row,
        column=column,
        cell=f"{column}{row}" if column and row else None,
        field=field,
        value=value,
        message=entry.message(value=value, **ctx),
        advice=entry.advice_for(value=value, **ctx),
    )


class FindingTally:
    """Error and warning counts, and the exit status they give, of anything holding findings."""

    @property
    def findings(self) -> list[Finding]:
        raise NotImplementedError

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(not f.is_error for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        """0 = no errors, 1 = errors (or, with ``strict``, warnings) found (README.md#退出码)."""
        return 1 if self.errors or (strict and self.warnings) else 0

