"""What the tests share: ledgers and inboxes built by code, kq run as a user runs it, the sheets of a
written workbook read back, and LibreOffice where it is installed.

Test modules import from here and never from one another or from ``conftest``; ``conftest`` holds the
fixtures only.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from kuangquan_cli.checking.identifiers import credit_check_char, org_check_char
from kuangquan_cli.cli.app import cli, main
from kuangquan_cli.reference.tables import divisions, fields
from kuangquan_cli.report.model import ReportData

AS_OF = date(2022, 9, 25)  # Sunday of 2022-W38
SAMPLES = Path(__file__).parents[1] / "sample_ledgers"
HEADERS = [f.header for f in fields()]

# ---- one ledger, the way a 盟市 office lays it out ------------------------------------------------


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


# ---- a week's inbox: one small valid ledger per 盟市 ---------------------------------------------

#: Overrides that turn the factory's task-(四) row into rows of other tasks and states.
VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"mineral_class": "煤炭", "mineral": "煤", "task": "（一）", "reason": "基建技改", "missing": None,
     "lead_dept": "自治区能源局", "measures": "督促企业加快基建技改工程建设进度"},
    {"right_type": "探矿权", "stage_ok": "否", "task": "（六）", "reason": None, "missing": None,
     "lead_dept": "自治区自然资源厅", "measures": None},
    {"status": "已完成", "done_date": "2022-09-10"},
    {"mineral_class": "煤炭", "mineral": "煤", "task": "（一）", "missing": "安全生产许可证",
     "lead_dept": "自治区能源局"},
)


def licence(city: str, right_type: str, number: int) -> str:
    """A licence number of the right shape, issued in the 盟市, unique by ``number``."""
    letter = "C" if right_type == "采矿权" else "T"
    return f"{letter}{divisions().city_codes[city]}200905{number:010d}"


def city_rows(city: str, count: int, first_number: int) -> list[dict[str, Any]]:
    """``count`` valid rows of ``city``, cycling through ``VARIANTS`` and the city's counties."""
    counties = divisions().counties[city]
    rows = []
    for i in range(count):
        variant = VARIANTS[i % len(VARIANTS)]
        county = counties[i % len(counties)]
        rows.append(row(
            **{"seq": i + 1, "city": city, "county": county, "right_name": f"{county}某矿{i + 1}",
               "licence_no": licence(city, variant.get("right_type", "采矿权"), first_number + i)} | variant
        ))
    return rows


def write_city(directory: Path, city: str, rows: Iterable[dict[str, Any]], name: str | None = None) -> Path:
    return write_ledger(directory / (name or f"{city}.xlsx"), rows, title=f"{city}盘活矿业权工作台账")


def write_inbox(directory: Path, per_city: int = 3, cities: Iterable[str] | None = None) -> dict[str, Path]:
    """One ledger per 盟市 (all 12 unless ``cities`` says otherwise); file name = 盟市."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for index, city in enumerate(cities or divisions().cities):
        paths[city] = write_city(directory, city, city_rows(city, per_city, index * 1000))
    return paths


# ---- two weeks with one change of each kind planted ---------------------------------------------


@dataclass(frozen=True)
class PlantedWeeks:
    """Two inboxes (W37, W38) of six 盟市 each, built so that W38 holds one change of every kind.

    ``planted`` is every change W38 must show, as (kind, licence number this week — last week's
    for ``vanished``), and nothing else: every other right is untouched. Two rights are
    reclassified: one by its reason (its procedure dropped), one by its 勘查程度 (so its task
    too). 通辽市 sent W37 only (its rights must not vanish), 锡林郭勒盟 W38 only (its rights are
    not new). ``rights`` names the planted rights by what was done to them.
    """

    inboxes: dict[int, Path]
    planted: frozenset[tuple[str, str]]
    rights: dict[str, str]


def _distinct(city: str, rows: list[dict[str, Any]], first: int) -> list[dict[str, Any]]:
    """Each right with a holder and credit code of its own (the factory's rows all share one)."""
    for i, values in enumerate(rows):
        values.update(holder=f"{city}第{i + 1}矿业有限公司", credit_code=credit_code(body=f"MA{first + i:06d}"))
    return rows


def planted_weeks(directory: Path) -> PlantedWeeks:
    """Write the two inboxes of :class:`PlantedWeeks` under ``directory``."""
    cities = ["呼和浩特市", "包头市", "赤峰市", "鄂尔多斯市", "乌兰察布市", "通辽市", "锡林郭勒盟"]
    w37 = {city: _distinct(city, city_rows(city, 6, i * 1000), i * 1000) for i, city in enumerate(cities[:6])}
    w37["包头市"][1]["status"] = "未启动"
    w38 = {city: [dict(values) for values in rows] for city, rows in w37.items() if city != "通辽市"}
    w38["锡林郭勒盟"] = _distinct("锡林郭勒盟", city_rows("锡林郭勒盟", 3, 6000), 6000)
    hohhot, baotou, chifeng, ordos, ulanqab = (w38[c] for c in cities[:5])

    moved = hohhot.pop(0)  # 呼和浩特市's first right is now in 乌兰察布市's ledger
    moved.update(city="乌兰察布市", county="集宁区")
    ulanqab.append(moved)
    hohhot[3].update(reason="企业自身原因", own_reason="资金紧张", missing=None)  # its procedure is not 办结
    hohhot[1].update(stage_ok="是", task="（五）", reason="缺少手续", missing="用地手续",  # 勘查程度 now 达到
                     measures="督促企业尽快补办用地手续，完成探矿权转采矿权")
    vanished = baotou.pop(0)
    renumbered_from = baotou[1]["licence_no"]
    baotou[1]["licence_no"] = licence("包头市", "探矿权", 1999)  # a corrected number: same credit code and name
    baotou[0]["status"] = "推进中"  # 未启动 last week
    chifeng[0].update(status="不具备条件", reason="开采条件限制", missing=None)
    chifeng[5]["missing"] = "用地手续"  # 安全生产许可证 cleared
    added = row(city="赤峰市", county="红山区", licence_no=licence("赤峰市", "采矿权", 2999),
                right_name="红山区新列入铁矿")
    chifeng.append(_distinct("赤峰市", [added], 2999)[0])
    ordos[0].update(status="已完成", done_date="2022-09-21")
    ordos[3].update(status="推进中", done_date=None)  # 已完成 last week: cancels the completion above
    ulanqab[3]["done_date"] = "2022-09-12"  # only a done date changed: no progress

    inboxes = {}
    for week, ledgers in ((37, w37), (38, w38)):
        inboxes[week] = directory / f"2022-W{week}"
        inboxes[week].mkdir(parents=True)
        for city, rows in ledgers.items():
            write_city(inboxes[week], city, rows)
    rights = {"moved": moved["licence_no"], "reclassified": hohhot[3]["licence_no"],
              "restaged": hohhot[1]["licence_no"], "vanished": vanished["licence_no"],
              "renumbered": baotou[1]["licence_no"], "renumbered_from": renumbered_from,
              "started": baotou[0]["licence_no"], "cannot_resume": chifeng[0]["licence_no"],
              "cleared": chifeng[5]["licence_no"], "new": chifeng[-1]["licence_no"], "done": ordos[0]["licence_no"],
              "regressed": ordos[3]["licence_no"], "redated": ulanqab[3]["licence_no"]}
    kinds = {name: name for name in rights} | {"restaged": "reclassified"}
    planted = frozenset((kinds[name], number) for name, number in rights.items() if name != "renumbered_from")
    return PlantedWeeks(inboxes, planted, rights)


# ---- running kq ---------------------------------------------------------------------------------


def kq(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m kuangquan_cli`` in a child process, to see exactly what reaches the terminal."""
    return subprocess.run([sys.executable, "-m", "kuangquan_cli", *args], capture_output=True, text=True, cwd=cwd)


def invoke(*args: str) -> Result:
    """kq in this process (quicker than :func:`kq`), on a terminal wide enough that no line wraps."""
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, list(args), catch_exceptions=False)


@dataclass(frozen=True)
class GeneratedSamples:
    """The sample ledgers ``kq samples`` wrote (the ``generated_samples`` fixture) and what it printed."""

    out: Path
    output: str


@dataclass(frozen=True)
class Region:
    """The sample region merged for W37 and W38 into one store (the ``region`` fixture): the store,
    each week's merged workbook, both weeks' report data, and the W38 通报 rendered as HTML."""

    db: Path
    workbooks: dict[int, Path]
    w37: ReportData
    w38: ReportData
    html: Path


# ---- reading back what kq wrote -----------------------------------------------------------------


def sheet(path: Path, title: str) -> list[dict[str, Any]]:
    """A sheet of a written workbook as header → value dicts (read-only mode drops trailing blanks);
    a title line above the header (one filled cell, as on 汇总台账) is skipped."""
    lines = list(openpyxl.load_workbook(path, read_only=True)[title].iter_rows(values_only=True))
    if lines and sum(v is not None for v in lines[0]) == 1 and len(lines) > 1:
        lines = lines[1:]
    header, *lines = lines
    return [dict(zip(header, values + (None,) * (len(header) - len(values)), strict=True)) for values in lines]


# ---- LibreOffice, the independent reader --------------------------------------------------------
# If LibreOffice (apt: libreoffice-calc) converts a workbook without error, Excel/WPS users get a file
# that opens; converting to .xlsx also recalculates every formula.

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None,
                                   reason="未安装 LibreOffice（soffice），跳过用 LibreOffice 打开的检查")
#: Writer, which opens a .docx (Debian packs it apart from Calc, with its ``lowriter`` command).
needs_writer = pytest.mark.skipif(SOFFICE is None or shutil.which("lowriter") is None,
                                  reason="未安装 LibreOffice Writer（libreoffice-writer），跳过 Word 通报转 PDF 的检查")


def convert(source: Path, fmt: str, out_dir: Path, env: dict[str, str] | None = None) -> Path:
    """Convert with a private profile (parallel runs must not share one) and return the result;
    ``env`` is added to the environment soffice runs in."""
    assert SOFFICE is not None
    profile = (out_dir / "lo-profile").resolve().as_uri()
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt, "--outdir", str(out_dir),
         str(source)],
        capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})},
    )
    result = out_dir / f"{source.stem}.{fmt}"
    assert proc.returncode == 0 and result.exists(), proc.stderr
    return result


#: The open fonts the 公文's fonts are drawn with here (an office has the named ones): serif for the
#: 宋/仿宋/楷 faces, sans for 黑体.
OFFICE_FONTS = {**dict.fromkeys(("方正小标宋简体", "仿宋_GB2312", "楷体_GB2312", "宋体"), "Noto Serif CJK SC"),
                "黑体": "Noto Sans CJK SC"}


def office_fonts(directory: Path) -> dict[str, str]:
    """The environment in which soffice draws ``OFFICE_FONTS`` with their open substitutes: a
    fontconfig file of the system's settings and one alias per font (without it every missing
    font falls back to one default face, and a PDF could not tell 黑体 from 仿宋)."""
    aliases = "".join(f'<alias binding="same"><family>{name}</family><prefer><family>{face}</family></prefer></alias>'
                      for name, face in OFFICE_FONTS.items())
    config = directory / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
                      f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{aliases}</fontconfig>',
                      encoding="utf-8")
    return {"FONTCONFIG_FILE": str(config)}


def run_kq(monkeypatch, capfd, *args: str) -> tuple[int, str, str]:
    """``kq`` through its real entry point, in this process: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["kq", *args])
    code = 0
    try:
        main()
    except SystemExit as stop:
        code = int(stop.code or 0)
    out, err = capfd.readouterr()
    return code, out, err


# ---- the portal (kq serve) --------------------------------------------------------------------

PORTAL_WEEK = (2022, 38)


@dataclass(frozen=True)
class PortalSite:
    """A portal's inbox and store with the 13 tokens issued, and its settings (week 2022-W38)."""

    inbox: Path
    db: Path
    tokens: dict[str, str]
    settings: Any

    def ledger_path(self, name: str) -> Path:
        return self.inbox / "2022-W38" / name


def portal_site(root: Path, max_file_mb: float = 1.0, workers: int = 2) -> PortalSite:
    from kuangquan_cli.merging.store import Store
    from kuangquan_cli.portal.records import issue_tokens
    from kuangquan_cli.portal.service import Settings
    from kuangquan_cli.reading.limits import Limits
    from kuangquan_cli.reference.plan import load_plan

    db = root / "kq.db"
    with Store(db, create=True) as store:
        tokens = issue_tokens(store)
    settings = Settings(root / "inbox", db, load_plan(), Limits(max_file_mb=max_file_mb), PORTAL_WEEK, workers)
    return PortalSite(root / "inbox", db, tokens, settings)


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found[1]


def sign_in(client: Any, token: str) -> str:
    """Open the access link as a browser does; the CSRF token of the page it leads to."""
    answer = client.get(f"/t/{token}")
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


def ledger_bytes(directory: Path, city: str, rows: Iterable[dict[str, Any]], title: str | None = "") -> bytes:
    """A ledger of ``city`` as the bytes a browser sends (title: the city's unless given; None: no title)."""
    path = write_ledger(directory / f"upload-{city}.xlsx", rows,
                        title=f"{city}盘活矿业权工作台账" if title == "" else title)
    return path.read_bytes()


# ---- Chromium, the browser the 通报 is looked at in ------------------------------------------------

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="未安装 chromium（Debian：apt-get install chromium），跳过浏览器中的通报检查")
_CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [CHROMIUM or "chromium", *_CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])
