"""Findings grouped the way a person reads them: one fault repeated down a column is one group.

A 盟市 that got every credit code wrong has one problem, not 475: the terminal and the portal show
such a fault once, with its count and first cells, and the scattered findings one by one. The
JSON, the annotated copy and the merged workbook keep every finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from kuangquan_cli.checking.findings import Finding

#: A fault found at least this often in one column is shown once, as a group.
GROUP_AT = 5


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one code in one column (or one field, where the column is absent)."""

    code: str
    findings: list[Finding]

    @property
    def rows(self) -> int:
        return len({f.row for f in self.findings})


def group_findings(findings: list[Finding]) -> tuple[list[FindingGroup], list[Finding]]:
    """The groups (largest first) of the findings that repeat down a column at least
    ``GROUP_AT`` times, and the scattered rest in their order."""
    by_place: dict[tuple[str, str | None], list[Finding]] = {}
    for finding in findings:
        by_place.setdefault((finding.code, finding.column or finding.field), []).append(finding)
    groups = [FindingGroup(code, members) for (code, _), members in by_place.items() if len(members) >= GROUP_AT]
    groups.sort(key=lambda g: len(g.findings), reverse=True)
    grouped = {id(f) for g in groups for f in g.findings}
    return groups, [f for f in findings if id(f) not in grouped]


def share(rows: int, total: int) -> str:
    """A share of the rows, rounded, but never 100% unless it is all of them nor 0% unless none."""
    if rows >= total:
        return "100%"
    percent = min(round(rows * 100 / total), 99)
    return f"{percent}%" if percent else "不到 1%"
