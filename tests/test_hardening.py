"""Every bad file gets a clear answer, nothing is lost, nothing runs away (issue 7).

The corpus is made here by code: broken files, hostile ones (zip and XML bombs, entities, far
cells that would make calamine allocate gigabytes) and merely unusual ones that must read normally
(merged cells, hidden rows, the 1904 date system, formulas, renamed formats, CSV encodings).
Alone, a bad file ends ``kq validate`` with exit 2 and one Chinese line; among others it is a
file-level finding; a fine file gives its rows with the right values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from kuangquan_cli.checking.catalogue import CATALOGUE
from kuangquan_cli.checking.validate import FileResult, validate_file, validate_files
from kuangquan_cli.cli.app import main
from kuangquan_cli.errors import KqError, UnreadableFile
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reading.workbook import read_sheets
from kuangquan_cli.reference.tables import fields
from support import AS_OF, HEADERS, row, write_ledger

ROWS = [row(seq=n, licence_no=f"C150200200905112001622{n}") for n in (6, 7, 8)]
NAMES = [f.name for f in fields()]
COLUMN = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(NAMES, start=1)}
DATA_ROWS = (4, 5, 6)  # write_ledger: title, 填报单位 line, header, then the rows
MB = 1 << 20
PEAK_RSS_MB = 300


# --- making the corpus -----------------------------------------------------------------------

def ledger_bytes() -> bytes:
    buffer = io.BytesIO()
    write_ledger(buffer, ROWS)  # type: ignore[arg-type]  # openpyxl saves to a file object too
    return buffer.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of the file, as when a download or a copy to a USB stick is cut off."""
    return data[: len(data) // 2]


def edit_ledger(edit: Callable[[Any], None], *, epoch: Any = None) -> bytes:
    """A ledger changed with openpyxl (which writes formulas without cached values)."""
    book = openpyxl.load_workbook(io.BytesIO(ledger_bytes()))
    if epoch is not None:
        book.epoch = epoch
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """The workbook with its parts rewritten by ``change(name, bytes)`` and ``extra`` parts added."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info)))
        for name, part in (extra or {}).items():
            target.writestr(name, part)
    return buffer.getvalue()


def in_sheet(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, part: change(part) if name == "xl/worksheets/sheet1.xml" else part


def with_doctype(doctype: str, entity: str) -> bytes:
    """A ledger whose sheet XML declares entities and uses one in the first title cell."""
    def change(part: bytes) -> bytes:
        part = part.replace(b"<worksheet", doctype.encode() + b"<worksheet", 1)
        # the title cell A1 as inline text (openpyxl keeps it in the shared strings, or inline, by writer)
        title = f'<c r="A1" t="inlineStr"><is><t>&{entity};</t></is></c>'.encode()
        return re.sub(rb'<c r="A1"[^>]*?(?:/>|>.*?</c>)', lambda _: title, part, count=1, flags=re.S)
    return rezip(ledger_bytes(), in_sheet(change))


BILLION_LAUGHS = "<!DOCTYPE worksheet [<!ENTITY lol0 \"lol\">" + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>"
EXTERNAL_ENTITY = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
SHEET_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def padded_sheet(megabytes: int) -> bytes:
    """A ledger whose sheet XML is mostly blanks: it compresses about 200 to 1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(ledger_bytes())) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info.filename, source.read(info))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD)
            for _ in range(megabytes):
                sheet.write(b" " * MB)
            sheet.write(SHEET_TAIL)
    return buffer.getvalue()


def understated(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s uncompressed size rewritten in both headers: a lying directory."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    central = bytes(patched).find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46: central + 46 + name_len].decode() == member:
            struct.pack_into("<I", patched, central + 24, size)
        central = bytes(patched).find(b"PK\x01\x02", central + 4)
    return bytes(patched)


def corrupted(data: bytes) -> bytes:
    """The ledger with bytes inside its sheet's compressed data overwritten."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    patched[start + 20: start + 60] = bytes(40)
    return bytes(patched)


def shared_strings_claiming(count: int) -> bytes:
    """A ledger with a shared-string table that claims ``count`` strings (calamine reserves them)."""
    sst = (f'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           f'count="1" uniqueCount="{count}"><si><t>包头市</t></si></sst>').encode()

    def change(name: str, part: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return part.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        if name == "xl/_rels/workbook.xml.rels":
            return part.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                b'</Relationships>')
        return part
    return rezip(ledger_bytes(), change, {"xl/sharedStrings.xml": sst})


def xls_bytes(cells: Callable[[Any], None]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    cells(book.add_sheet("台账"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xls_ledger(sheet: Any) -> None:
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for r, values in enumerate(ROWS, start=1):
        for col, name in enumerate(NAMES):
            if values[name] is not None:
                sheet.write(r, col, values[name])


def patched_biff(data: bytes, record: int, patch: Callable[[bytearray, int], None]) -> bytes:
    """The .xls with the first ``record`` of its workbook stream changed in place by ``patch(stream, at)``."""
    import olefile

    handle, name = tempfile.mkstemp(suffix=".xls")
    os.close(handle)
    path = Path(name)
    path.write_bytes(data)
    try:
        with olefile.OleFileIO(str(path), write_mode=True) as ole:
            stream = bytearray(ole.openstream("Workbook").read())
            at = 0
            while struct.unpack_from("<H", stream, at)[0] != record:
                at += 4 + struct.unpack_from("<H", stream, at + 2)[0]
            patch(stream, at)
            ole.write_stream("Workbook", bytes(stream))
        return path.read_bytes()
    finally:
        path.unlink()


def with_filepass(data: bytes) -> bytes:
    """An .xls whose globals carry FILEPASS, as Excel writes for a password to open (here in place
    of the 2-byte WINDOWPROTECT record, so the stream keeps its size)."""
    return patched_biff(data, 0x0019, lambda stream, at: struct.pack_into("<HHH", stream, at, 0x002F, 2, 1))


def encrypted_xlsx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    buffer = io.BytesIO()
    OOXMLFile(io.BytesIO(ledger_bytes())).encrypt("mima123", buffer)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def csv_text(newlines: tuple[str, ...] = ("\r\n",)) -> str:
    lines = [",".join(HEADERS)] + [",".join("" if r[n] is None else str(r[n]) for n in NAMES) for r in ROWS]
    return "".join(line + newlines[i % len(newlines)] for i, line in enumerate(lines))


def merged_down(book: Any) -> None:
    """盟市 and 旗县 typed once and merged down over the three rows, as many 盟市 do."""
    ws = book["台账"]
    for name in ("city", "county"):
        col = COLUMN[name]
        ws.merge_cells(f"{col}{DATA_ROWS[0]}:{col}{DATA_ROWS[-1]}")


def hidden_parts(book: Any) -> None:
    book["台账"].row_dimensions[DATA_ROWS[1]].hidden = True
    old = book.create_sheet("旧表")
    old["A1"] = "上周的说明"
    old.sheet_state = "hidden"


def dates_as_cells(book: Any) -> None:
    ws = book["台账"]
    for r in DATA_ROWS:
        for name, value in (("valid_from", dt.date(2019, 1, 1)), ("deadline", dt.date(2022, 12, 31))):
            ws[f"{COLUMN[name]}{r}"] = value
            ws[f"{COLUMN[name]}{r}"].number_format = "yyyy-mm-dd"


def formula_columns(book: Any) -> None:
    ws = book["台账"]
    for r in DATA_ROWS:
        ws[f"{COLUMN['seq']}{r}"] = "=ROW()-3"
        ws[f"{COLUMN['task']}{r}"] = f'=IF(D{r}="采矿权","（四）","")'
    ws[f"A{DATA_ROWS[-1] + 1}"] = "合计"
    ws[f"B{DATA_ROWS[-1] + 1}"] = f"=COUNTA(B{DATA_ROWS[0]}:B{DATA_ROWS[-1]})"


def formatted_to_the_last_row(book: Any) -> None:
    book["台账"]["XFD1048576"].fill = PatternFill("solid", fgColor="FFFF00")


def only_formulas(book: Any) -> None:
    ws = book.create_sheet("公式")
    for _ in range(4):
        ws.append([f"=ROW()*{c}" for c in range(1, 6)])
    book.remove(book["台账"])


@dataclass(frozen=True)
class Bad:
    """A file that must be refused with this finding code."""

    code: str
    make: Callable[[], bytes]


@dataclass(frozen=True)
class Fine:
    """A file that must read normally: three rows, no findings, and ``check`` on the result."""

    make: Callable[[], bytes]
    check: Callable[[FileResult], None] | None = None


def all_in_baotou(result: FileResult) -> None:
    assert [(r.model.city, r.model.county) for r in result.records] == [("包头市", "固阳县")] * 3


def dates_read_in_1904(result: FileResult) -> None:
    dates = {(r.model.valid_from, r.model.deadline) for r in result.records}
    assert dates == {(dt.date(2019, 1, 1), dt.date(2022, 12, 31))}


def licences_kept(result: FileResult) -> None:
    assert [r.model.licence_no for r in result.records] == [r["licence_no"] for r in ROWS]


CORPUS: dict[str, Bad | Fine] = {
    # broken
    "空文件.csv": Bad("file.unreadable", lambda: b""),
    "零字节.xlsx": Bad("file.unreadable", lambda: b""),
    "文本改名.xlsx": Bad("file.unreadable", lambda: "这是一段说明文字，不是表格\n".encode()),
    "截断.xlsx": Bad("file.unreadable", lambda: truncated(ledger_bytes())),
    "损坏.xlsx": Bad("file.unreadable", lambda: corrupted(ledger_bytes())),
    "加密.xlsx": Bad("file.encrypted", encrypted_xlsx),
    "加密.xls": Bad("file.encrypted", lambda: with_filepass(xls_bytes(write_xls_ledger))),
    "Word文档.xlsx": Bad("file.unsupported", docx_bytes),
    "空工作表.xlsx": Bad("header.not_found", lambda: edit_ledger(lambda b: b["台账"].delete_rows(1, 10))),
    "全是公式.xlsx": Bad("file.unreadable", lambda: edit_ledger(only_formulas)),
    # hostile
    "远处有值.xlsx": Bad("file.too_large", lambda: edit_ledger(lambda b: b["台账"].cell(1048576, 16384, "x"))),
    "远处有值.xls": Bad("file.too_large", lambda: xls_bytes(lambda s: (s.write(0, 0, "x"), s.write(65535, 255, "y")))),
    "压缩炸弹.xlsx": Bad("file.too_large", lambda: padded_sheet(210)),
    "压缩比.xlsx": Bad("file.too_large", lambda: padded_sheet(8)),
    "谎报大小.xlsx": Bad("file.unreadable", lambda: understated(padded_sheet(8), "xl/worksheets/sheet1.xml", 4096)),
    "XML炸弹.xlsx": Bad("file.unsupported", lambda: with_doctype(BILLION_LAUGHS, "lol9")),
    "外部实体.xlsx": Bad("file.unsupported", lambda: with_doctype(EXTERNAL_ENTITY, "x")),
    "共享字符串.xlsx": Bad("file.too_large", lambda: shared_strings_claiming(4_000_000_000)),
    # unusual but fine
    "旧版改名.xlsx": Fine(lambda: xls_bytes(write_xls_ledger), licences_kept),
    "新版改名.xls": Fine(ledger_bytes, licences_kept),
    "格式到末行.xlsx": Fine(lambda: rezip(edit_ledger(formatted_to_the_last_row), in_sheet(
        lambda p: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', p)))),
    "合并单元格.xlsx": Fine(lambda: edit_ledger(merged_down), all_in_baotou),
    "隐藏行和表.xlsx": Fine(lambda: edit_ledger(hidden_parts)),
    "1904日期.xlsx": Fine(lambda: edit_ledger(dates_as_cells, epoch=CALENDAR_MAC_1904), dates_read_in_1904),
    "公式列.xlsx": Fine(lambda: edit_ledger(formula_columns)),
    "GBK.csv": Fine(lambda: csv_text().encode("gbk")),
    "UTF16.csv": Fine(lambda: csv_text().encode("utf-16")),
    "UTF16无BOM.csv": Fine(lambda: csv_text().encode("utf-16-le")),
    "混合换行.csv": Fine(lambda: csv_text(("\r\n", "\n", "\r")).encode("utf-8")),
}
BAD = sorted(n for n, e in CORPUS.items() if isinstance(e, Bad))
FINE = sorted(n for n, e in CORPUS.items() if isinstance(e, Fine))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "2022-W38"
    folder.mkdir()
    for name, entry in CORPUS.items():
        (folder / name).write_bytes(entry.make())
    return folder


def test_the_corpus_is_what_it_claims(corpus: Path) -> None:
    with zipfile.ZipFile(corpus / "压缩炸弹.xlsx") as bomb:
        assert bomb.getinfo("xl/worksheets/sheet1.xml").file_size > 200 * MB
    assert (corpus / "压缩炸弹.xlsx").stat().st_size < 2 * MB
    with zipfile.ZipFile(corpus / "格式到末行.xlsx") as book:
        assert b'<dimension ref="A1:XFD1048576"' in book.read("xl/worksheets/sheet1.xml")
    assert (corpus / "旧版改名.xlsx").read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert b"EncryptedPackage".decode().encode("utf-16-le") in (corpus / "加密.xlsx").read_bytes()


# --- each file alone -------------------------------------------------------------------------

def run_kq(monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``kq`` through its real entry point, in this process: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["kq", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    out, err = capfd.readouterr()
    return int(stop.value.code or 0), out, err


@pytest.mark.parametrize("name", BAD)
def test_a_bad_file_alone_gets_one_chinese_line_and_exit_2(name, corpus, monkeypatch, capfd):
    code, out, err = run_kq(monkeypatch, capfd, "validate", str(corpus / name))
    expected = CORPUS[name]
    assert isinstance(expected, Bad)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    message_start = CATALOGUE[expected.code].template.split("{")[0]
    assert lines[0].startswith(f"错误：{name}：{message_start}"), lines[0]


@pytest.mark.parametrize("name", FINE)
def test_an_unusual_but_fine_file_reads_normally(name, corpus, plan):
    result = validate_file(corpus / name, plan, AS_OF)
    assert result.readable and result.findings == [], [f.message for f in result.findings]
    assert [r.model.licence_no for r in result.records] == [r["licence_no"] for r in ROWS]
    expected = CORPUS[name]
    assert isinstance(expected, Fine)
    if expected.check:
        expected.check(result)


def test_reasons_name_what_to_do(corpus, plan):
    """The refusals a user can act on say how: which cell, which setting, which program."""
    def message(name: str) -> str:
        return validate_file(corpus / name, plan, AS_OF).file_findings[0].message

    assert "XFD1048576" in message("远处有值.xlsx") and "Ctrl+End" in message("远处有值.xlsx")
    assert "IV65536" in message("远处有值.xls")
    assert "KQ_MAX_UNZIPPED_MB" in message("压缩炸弹.xlsx") and "KQ_MAX_RATIO" in message("压缩比.xlsx")
    assert "篡改" in message("谎报大小.xlsx")
    assert "DTD" in message("XML炸弹.xlsx") and "/etc/passwd" not in message("外部实体.xlsx")
    assert "公式" in message("全是公式.xlsx") and "保存" in message("全是公式.xlsx")
    assert "Word" in message("Word文档.xlsx")


# --- the whole corpus in one run -------------------------------------------------------------

def sha256_of(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def kq_child(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], int, float]:
    return python_child(["-m", "kuangquan_cli", *args], cwd)


def kq_child_script(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], int, float]:
    return python_child(["-c", *args], cwd)


def python_child(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], int, float]:
    """Run Python in a child process: its result, its own peak RSS in MB, and the seconds it took.

    The child's address space is capped at 3 GB and its time at 120 s, so a regression fails
    fast instead of swapping or hanging the suite.
    """
    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    out_path, err_path = cwd / "kq.stdout", cwd / "kq.stderr"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        child = subprocess.Popen([sys.executable, *args], cwd=cwd, stdout=out, stderr=err,
                                 preexec_fn=cap_memory)
        watchdog = threading.Timer(120, child.kill)
        watchdog.start()
        _, status, usage = os.wait4(child.pid, 0)
        watchdog.cancel()
        elapsed = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    result = subprocess.CompletedProcess(args, child.returncode, out_path.read_text(), err_path.read_text())
    out_path.unlink()
    err_path.unlink()
    return result, usage.ru_maxrss // 1024, elapsed


@pytest.fixture(scope="module")
def corpus_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    before = sha256_of(corpus)
    files = [str(corpus / name) for name in CORPUS]
    proc, peak, elapsed = kq_child(["validate", *files, "--format", "json", "--week", "38"],
                                   tmp_path_factory.mktemp("run"))
    return {"proc": proc, "peak_mb": peak, "seconds": elapsed, "before": before, "after": sha256_of(corpus)}


def test_every_file_of_a_run_is_answered(corpus_run):
    proc = corpus_run["proc"]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    files = {f["file"]: f for f in json.loads(proc.stdout)["files"]}
    assert set(files) == set(CORPUS)
    for name in BAD:
        [finding] = files[name]["findings"]
        assert finding["code"] == CORPUS[name].code and finding["row"] is None and finding["file"] == name
    for name in FINE:
        assert files[name]["rows"] == 3 and files[name]["errors"] == 0, name


def test_inputs_are_byte_for_byte_unchanged(corpus_run):
    assert corpus_run["after"] == corpus_run["before"]


def test_bombs_are_refused_by_the_limits_not_by_running_out_of_memory(corpus_run):
    assert corpus_run["peak_mb"] < PEAK_RSS_MB, corpus_run["peak_mb"]
    assert corpus_run["seconds"] < 60


def test_inputs_are_only_opened_for_reading(corpus, plan, monkeypatch):
    opened: list[str] = []
    real_open = io.open

    def watching_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if Path(str(file)).parent == corpus:
            opened.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", watching_open)
    monkeypatch.setattr("builtins.open", watching_open)
    validate_files([corpus / name for name in CORPUS], plan, AS_OF)
    assert opened and set(opened) <= {"r", "rb"}


def test_kq_merge_answers_every_file_of_the_corpus(corpus, tmp_path):
    inbox = tmp_path / "2022-W38"
    shutil.copytree(corpus, inbox)
    proc, peak, elapsed = kq_child(["merge", str(inbox), "--format", "json", "--out", str(tmp_path / "汇总.xlsx"),
                                    "--db", str(tmp_path / "kq.db")], tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    result = json.loads(proc.stdout)
    files = {f["file"]: f for f in result["files"]}
    assert set(files) == set(CORPUS)
    for name in BAD:
        assert files[name]["status"] == "rejected" and files[name]["reason"], name
    assert all(files[name]["status"] != "rejected" and files[name]["rows"] == 3 for name in FINE)
    assert result["rows_in"] == 3 * len(FINE) == result["rows_merged"] + result["rows_flagged"]
    assert (tmp_path / "汇总.xlsx").exists() and sha256_of(inbox) == sha256_of(corpus)
    assert peak < PEAK_RSS_MB and elapsed < 60


@pytest.mark.parametrize(("record", "patch", "code"), [
    # DIMENSIONS with its rows reversed
    (0x0200, lambda stream, at: struct.pack_into("<II", stream, at + 4, 100, 5), "file.unreadable"),
    (0x00FC, lambda stream, at: struct.pack_into("<I", stream, at + 8, 0x7FFFFFFF), "file.too_large"),  # SST count
], ids=["dimensions-reversed", "sst-count"])
def test_xls_records_that_would_make_calamine_abort_are_refused(tmp_path, record, patch, code):
    """Found by fuzzing: calamine reserves memory by these counts and aborts the process."""
    path = tmp_path / "旧版.xls"
    path.write_bytes(patched_biff(xls_bytes(write_xls_ledger), record, patch))
    with pytest.raises(UnreadableFile) as refused:
        read_sheets(path)
    assert refused.value.code == code


def mutations(source: bytes, kind: str, count: int) -> Iterator[bytes]:
    """Damaged copies of a workbook: bytes overwritten in an .xls, XML text garbled inside an .xlsx."""
    for seed in range(count):
        rng = random.Random(seed)
        if kind == "xls":
            data = bytearray(source)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            yield bytes(data)
            continue
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            part = rng.choice([n for n in archive.namelist() if n.endswith(".xml")])
        def garble(name: str, data: bytes, part: str = part, rng: random.Random = rng) -> bytes:
            if name != part:
                return data
            garbled = bytearray(data)
            for _ in range(rng.randint(1, 6)):
                garbled[rng.randrange(len(garbled))] = rng.choice(b'<>"/=0123456789AZ &;')
            return bytes(garbled)
        yield rezip(source, garble)


def read_mutations(source: str, kind: str, count: str, scratch: str) -> None:
    """Child process: read every mutation and print what became of it; a crash ends the output."""
    target = Path(scratch)
    for seed, data in enumerate(mutations(Path(source).read_bytes(), kind, int(count))):
        target.write_bytes(data)
        try:
            read_sheets(target)
            print(seed, "read", flush=True)
        except UnreadableFile as exc:
            print(seed, exc.code, flush=True)


@pytest.mark.parametrize(("kind", "count"), [("xls", 150), ("xlsx", 100)])
def test_damaged_workbooks_never_crash_the_reader(tmp_path, kind, count):
    source = tmp_path / f"台账.{kind}"
    source.write_bytes(xls_bytes(write_xls_ledger) if kind == "xls" else edit_ledger(merged_down))
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from test_hardening import read_mutations; "
              "read_mutations(*sys.argv[2:])")
    proc, peak, _ = kq_child_script([script, str(Path(__file__).parent), str(source), kind, str(count),
                                     str(tmp_path / f"损坏.{kind}")], tmp_path)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and len(lines) == count, (lines[-1:], proc.stderr[-500:])
    assert {line.split()[1] for line in lines} <= {"read", "file.unreadable", "file.too_large", "file.encrypted",
                                                   "file.unsupported", "header.not_found"}
    assert peak < PEAK_RSS_MB


# --- limits ----------------------------------------------------------------------------------

def test_limits_come_from_the_environment():
    limits = Limits.from_env({"KQ_MAX_FILE_MB": "0.5", "KQ_MAX_CELLS": "100", "PATH": "/bin"})
    assert limits == Limits(max_file_mb=0.5, max_cells=100)
    assert Limits.from_env({}) == Limits()
    with pytest.raises(KqError, match="KQ_MAX_RATIO.*正数"):
        Limits.from_env({"KQ_MAX_RATIO": "很多"})


def test_a_lowered_limit_refuses_a_normal_ledger_and_says_how_to_raise_it(tmp_path, monkeypatch, capfd):
    path = write_ledger(tmp_path / "包头市.xlsx", ROWS)
    assert len(read_sheets(path, Limits(max_cells=200))[0].rows) == 6
    monkeypatch.setenv("KQ_MAX_CELLS", "100")
    code, _, err = run_kq(monkeypatch, capfd, "validate", str(path))
    assert code == 2 and "KQ_MAX_CELLS" in err and "上限 100 个" in err
    monkeypatch.setenv("KQ_MAX_CELLS", "0")
    code, _, err = run_kq(monkeypatch, capfd, "validate", str(path))
    assert code == 2 and "KQ_MAX_CELLS" in err


def test_a_file_over_the_size_limit_is_not_even_opened(tmp_path, monkeypatch):
    path = write_ledger(tmp_path / "包头市.xlsx", ROWS)
    monkeypatch.setattr("kuangquan_cli.reading.workbook.sniff_kind", lambda p: pytest.fail("opened"))
    with pytest.raises(UnreadableFile) as refused:
        read_sheets(path, Limits(max_file_mb=0.001))
    assert refused.value.code == "file.too_large" and "KQ_MAX_FILE_MB" in refused.value.ctx["reason"]


def test_calamine_alone_does_not_expand_entities(corpus):
    """Found out: python-calamine refuses unknown entities itself, so kq's DTD check is for a
    clear message (and for whatever parser comes next), not the only defence."""
    import python_calamine

    with pytest.raises(python_calamine.XmlError, match="lol9"):
        book = python_calamine.CalamineWorkbook.from_path(str(corpus / "XML炸弹.xlsx"))
        book.get_sheet_by_name("台账").to_python()


def test_special_files_do_not_make_kq_wait(tmp_path, plan):
    fifo = tmp_path / "管道.csv"
    os.mkfifo(fifo)
    result = validate_file(fifo, plan, AS_OF)
    assert [f.code for f in result.findings] == ["file.unreadable"] and "普通文件" in result.findings[0].message
    missing = validate_file(tmp_path / "不存在.xlsx", plan, AS_OF)
    assert "文件不存在" in missing.findings[0].message


# --- internal errors, Ctrl-C and interrupted writes ------------------------------------------

def test_internal_error_is_one_line_unless_debug(tmp_path, monkeypatch, capfd):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("内部故障演示")

    monkeypatch.setattr("kuangquan_cli.checking.validate.validate_files", broken)
    path = str(write_ledger(tmp_path / "a.xlsx", ROWS))
    code, out, err = run_kq(monkeypatch, capfd, "validate", path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.strip().splitlines() == ["内部错误：RuntimeError: 内部故障演示（请加 --debug 重新运行并报告）"]
    code, _, err = run_kq(monkeypatch, capfd, "--debug", "validate", path)
    assert code == 2 and "Traceback" in err and "内部故障演示" in err
    monkeypatch.setenv("KQ_DEBUG", "1")
    code, _, err = run_kq(monkeypatch, capfd, "validate", path)
    assert code == 2 and "Traceback" in err


def test_ctrl_c_ends_with_one_line_and_exit_130(tmp_path, monkeypatch, capfd):
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("kuangquan_cli.checking.validate.validate_files", interrupted)
    code, out, err = run_kq(monkeypatch, capfd, "validate", str(write_ledger(tmp_path / "a.xlsx", ROWS)))
    assert code == 130 and "已中断" in err and "Traceback" not in err


def test_an_interrupted_write_leaves_the_old_file_and_no_half_file(tmp_path):
    from kuangquan_cli.atomic import atomic_write

    target = tmp_path / "汇总台账.xlsx"
    target.write_bytes(b"last week")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as temp:
            temp.write_bytes(b"half of this w")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"last week" and [p.name for p in tmp_path.iterdir()] == [target.name]
    with atomic_write(target) as temp:
        temp.write_bytes(b"this week")
    assert target.read_bytes() == b"this week" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_killed_writer_leaves_no_file_under_the_real_name(tmp_path):
    """SIGKILL skips every cleanup: the target still never holds a partial workbook."""
    target = tmp_path / "标注副本.xlsx"
    script = ("import sys, time\nfrom pathlib import Path\nfrom kuangquan_cli.atomic import atomic_write\n"
              "with atomic_write(Path(sys.argv[1])) as temp:\n    temp.write_bytes(b'PK' * 1000)\n"
              "    print('writing', flush=True)\n    time.sleep(60)\n")
    with subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
    assert not target.exists()
    assert all(p.name.startswith(".") and ".tmp" in p.name for p in tmp_path.iterdir())  # hidden leftovers only
