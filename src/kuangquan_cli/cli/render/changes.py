"""Terminal rendering of the week-over-week changes, right by right (data in, text out).

``kq merge`` shows a short block per 盟市 (how many of each kind, the first few warnings, each
right named); ``kq changes`` lists every change. Licence numbers, names and file names come from
the ledgers: they go through ``text.visible`` into ``Text``, never markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from kuangquan_cli.merging.changes import KIND_TEXT, Change, LedgerChanges
from kuangquan_cli.merging.summary_tables import UNKNOWN_CITY
from kuangquan_cli.text import visible

#: Warnings a 盟市's block in ``kq merge`` names; the rest are in the workbook and ``kq changes``.
MERGE_LISTED = 5


def _change_line(change: Change) -> Text:
    text = Text("    ")
    text.append(KIND_TEXT[change.kind], style="yellow" if change.is_warning else "green")
    name = change.right.right_name
    text.append(f" {visible(change.licence_no)}" + (f"（{visible(name)}）" if name else "") + "：")
    text.append(visible(change.message))
    return text


def render_changes(console: Console, changes: LedgerChanges, label: str, listed: int | None = None) -> None:
    """The changes of week ``label`` per 盟市: with ``listed``, that many warnings per 盟市 and
    the progress only counted (``kq merge``); without, every change (``kq changes``)."""
    if changes.compared_with is None:
        console.print(f"数据库中没有 {label} 之前的汇总，未作逐矿权比较", style="dim")
        return
    if not changes.changes:
        console.print(Text(f"与 {changes.compared_with} 逐矿权比较：各盟市台账没有变动", style="bold"))
        return
    console.print(Text(f"与 {changes.compared_with} 逐矿权比较（按许可证号）：", style="bold"))
    for city, found in changes.by_city().items():
        line = Text(f"  {city or UNKNOWN_CITY}：", style="bold")
        line.append(changes.summary(found), style="")
        console.print(line)
        shown = found if listed is None else [c for c in found if c.is_warning][:listed]
        for change in shown:
            console.print(_change_line(change))
        hidden = len([c for c in found if c.is_warning]) - len(shown) if listed is not None else 0
        if hidden > 0:
            console.print(f"    ……另有 {hidden} 项，见汇总台账的「台账变动」工作表或 kq changes", style="dim")
    unchanged = changes.unchanged_cities()
    if unchanged:
        console.print(Text(f"  无变动：{'、'.join(unchanged)}", style="dim"))
