"""``kq report``: the weekly 通报 rendered from the stored snapshots, as HTML, Markdown or Word.

The data comes from ``assemble`` (one ``ReportData``, testable without rendering); this module
turns it into a file of the format asked for: text with the Jinja templates in ``templates/``,
or a Word document laid out as a 公文 (``report.docx``). The HTML is one self-contained
file (inline CSS and SVG, no script, a Content-Security-Policy that forbids anything else) that
prints on A4 and reads on a phone; the Markdown carries the same tables for pasting into
messages. Ledger text is escaped in both: by Jinja's autoescaping in HTML, by backslashes in
Markdown (``_md_escape``, applied to every ``{{ … }}`` as autoescaping would); in both, control
characters are shown as escapes such as ``\x1b`` (``text.visible``, applied to every ``{{ … }}``).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuangquan_cli.atomic import atomic_write, check_target
from kuangquan_cli.errors import KqError
from kuangquan_cli.merging.store import Store
from kuangquan_cli.reference.plan import Plan
from kuangquan_cli.reference.resources import data_dir
from kuangquan_cli.reference.weeks import week_label
from kuangquan_cli.report.assemble import build_report
from kuangquan_cli.report.figures import Figures, figures
from kuangquan_cli.report.formats import cn_date, num, pct, pp, signed
from kuangquan_cli.report.model import ReportData
from kuangquan_cli.text import visible

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

SUFFIXES = {"html": ".html", "md": ".md", "docx": ".docx"}
REPORT_PREFIX = "全区盘活矿业权工作进展通报_"
#: Characters Markdown could read as markup inside a table cell or a list item.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")


def default_report_path(year: int, week: int, fmt: str) -> Path:
    """``out/全区盘活矿业权工作进展通报_2022-W38.html`` (or ``.md``, ``.docx``)."""
    return Path("out") / f"{REPORT_PREFIX}{week_label(year, week)}{SUFFIXES[fmt]}"


def report_format(fmt: str | None, out: Path | None) -> str:
    """``--format``, else the one ``--out`` names by its suffix, else HTML; they must agree."""
    named = next((f for f, suffix in SUFFIXES.items() if out and out.suffix.lower() == suffix), None)
    if out is not None and named is None:
        raise KqError(f"通报应保存为 .html、.md 或 .docx 文件：{out}")
    if fmt and named and fmt != named:
        raise KqError(f"--format {fmt} 与输出文件 {out} 的类型不一致")
    return fmt or named or "html"


def _md_escape(value: Any) -> Any:
    """Every value a Markdown template prints: ledger text cannot become markup or break a table."""
    if not isinstance(value, str):
        return value
    return _MD_SPECIAL.sub(r"\\\1", " ".join(visible(value).split()))


def _html_visible(value: Any) -> Any:
    """Every value an HTML template prints, before autoescaping: control characters shown as
    escapes. kq's own markup (the charts) is left as it is."""
    from markupsafe import Markup

    return visible(value) if isinstance(value, str) and not isinstance(value, Markup) else value


@cache
def _environment(fmt: str) -> jinja2.Environment:
    import jinja2

    options: dict[str, Any] = {"autoescape": True, "finalize": _html_visible}
    if fmt == "md":
        options = {"autoescape": False, "finalize": _md_escape}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("templates")), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, **options,
    )
    env.filters.update(num=num, pct=pct, signed=signed, pp=pp, cn_date=cn_date)
    return env


def _charts(shown: Figures) -> dict[str, Markup | None]:
    """The HTML's pictures as inline SVG."""
    from kuangquan_cli.report.charts import bar_chart, line_chart

    return {"trend": line_chart(shown.trend) if shown.trend else None, "tasks": bar_chart(shown.tasks),
            "cities": bar_chart(shown.cities)}


def render_report(data: ReportData, fmt: str) -> str:
    """The report as an HTML page or a Markdown text."""
    from kuangquan_cli.report.sentences import sentences

    shown = figures(data)
    charts = _charts(shown) if fmt == "html" else {}
    template = _environment(fmt).get_template(f"report{SUFFIXES[fmt]}.j2")
    return template.render(d=data, text=sentences(data), charts=charts, figures=shown)


def report_content(data: ReportData, fmt: str) -> bytes:
    """The report file's content in ``fmt``: the Word document, or the page or text in UTF-8."""
    if fmt == "docx":
        from kuangquan_cli.report.docx import render_docx  # python-docx and matplotlib: for Word only

        return render_docx(data)
    return render_report(data, fmt).encode("utf-8")


def write_report(db: Path, plan: Plan, year: int | None = None, week: int | None = None, fmt: str | None = None,
                 out: Path | None = None) -> tuple[ReportData, Path]:
    """``kq report``: build a week's report from the store and write it atomically.

    Without ``week`` the latest stored week is reported. An existing report of the week is
    replaced, as ``kq merge`` replaces its workbook: both are derived from the store.
    """
    fmt = report_format(fmt, out)
    with Store(db) as store, store.reading():  # both weeks from one state of the store
        data = build_report(store, plan, *store.week_asked(plan.year, year, week))
    target = out or default_report_path(data.year, data.week, fmt)
    check_target(target)
    content = report_content(data, fmt)
    with atomic_write(target) as temp:
        temp.write_bytes(content)
    return data, target
