"""``make bench``: kq's whole-process times against the floor and the other targets of issue 8.

Every figure is one fresh process, started and waited for here: its wall time, and its peak
memory from ``os.wait4`` (the resident set of that process alone). The floor is what reading
every cell costs in a bare Python process::

    python -c "CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()"

Times vary by ±40 % between runs and machines, so the targets are ratios measured in one run:
each kq run is paired with its reference run, and the best of ``repeat`` pairs is kept.
``--quick`` runs the 300- and 3,000-row ledgers only (a smoke test of a few seconds). The full
run also merges the sample W38 with and without the week-over-week comparison against W37, and
12 × 25,000 rows once, for the peak memory of a large merge (a few minutes).

Run from the repository root: ``python -m benchmarks.run [--quick] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.ledgers import CITY, WEEK, inbox, ledger, region_ledger

SIZES = (300, 3_000, 30_000, 300_000)
#: The region-wide ledger measured (all 12 盟市 in one file, like the office's own list).
REGION_ROWS = 30_000
QUICK_SIZES = (300, 3_000)
RESULTS = Path(__file__).resolve().parent / "results.md"
SAMPLES = Path(__file__).resolve().parents[1] / "sample_ledgers"
FLOOR = ("import sys; from python_calamine import CalamineWorkbook; "
         "CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()")
#: 300,000 rows are past kq's reading limits by design (the largest real ledger is ~500 rows).
LIMITS = {"KQ_MAX_FILE_MB": "1000", "KQ_MAX_UNZIPPED_MB": "4000", "KQ_MAX_CELLS": "50000000"}
LIBRARIES = ("kuangquan-cli", "python-calamine", "click", "rich", "pydantic", "openpyxl", "pandas", "jinja2")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def run(command: list[str], ok: tuple[int, ...] = (0,)) -> Run:
    """Run ``command`` in a fresh process; its wall time and its own peak resident memory.

    Python may write its bytecode cache, as it does for an installed kq (pip compiles it); in a
    checkout with PYTHONDONTWRITEBYTECODE set, kq would otherwise compile itself on every start.
    """
    env = {**os.environ, **LIMITS}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if code not in ok:
            stderr.seek(0)
            raise RuntimeError(f"{' '.join(command)} exited {code}: {stderr.read().decode(errors='replace')[-500:]}")
    return Run(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def best_pair(first: list[str], second: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> tuple[Run, Run]:
    """Alternate the two commands ``repeat`` times, after one unmeasured run of each (bytecode,
    disk cache) unless a single run is asked for; the fastest run of each. ``ok``: the exit
    statuses accepted (kq validate exits 1 when it finds errors)."""
    if repeat > 1:
        run(first, ok)
        run(second, ok)
    firsts, seconds = [], []
    for _ in range(repeat):
        firsts.append(run(first, ok))
        seconds.append(run(second, ok))
    return min(firsts, key=lambda r: r.seconds), min(seconds, key=lambda r: r.seconds)


def kq(*args: str) -> list[str]:
    """The ``kq`` script of this Python's environment (as users run it), else ``-m kuangquan_cli``."""
    script = Path(sys.executable).with_name("kq")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "kuangquan_cli", *args]


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def repeats(rows: int) -> int:
    return 5 if rows <= 3_000 else 3 if rows <= 30_000 else 1


def measure_size(rows: int, repeat: int | None = None, path: Path | None = None) -> dict[str, Any]:
    """``kq validate`` of an N-row ledger (default: the one-盟市 ledger) against the floor on the same file."""
    path = str(path or ledger(rows))
    mine, floor = best_pair(kq("validate", "--week", str(WEEK), path), python("-c", FLOOR, path),
                            repeat or repeats(rows), ok=(0, 1))
    return {
        "rows": rows,
        "kq_s": mine.seconds,
        "floor_s": floor.seconds,
        "ratio": mine.seconds / floor.seconds,
        "rows_per_s": rows / mine.seconds,
        "kq_peak_mb": mine.peak_mb,
        "floor_peak_mb": floor.peak_mb,
    }


PHASES = """
import json, sys, time
from datetime import date
from pathlib import Path
from kuangquan_cli.reading.limits import Limits
from kuangquan_cli.reading.xlsx_inspection import inspect_xlsx
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.reading.workbook import read_sheets
from kuangquan_cli.checking.validate import validate_file
path, plan, clock = Path(sys.argv[1]), load_plan(), time.perf_counter
start = clock()
with path.open("rb") as handle:
    inspect_xlsx(handle, Limits.from_env())
inspected = clock()
read_sheets(path)
read = clock()
validate_file(path, plan, date(2022, 9, 18))
print(json.dumps({"inspect_s": inspected - start, "read_s": read - inspected, "validate_s": clock() - read}))
"""


def measure_phases(rows: int) -> dict[str, Any]:
    """Where ``validate_file`` spends its time, in one process: the inspection of the
    workbook, ``read_sheets`` (inspection included) and the whole of ``validate_file``."""
    env = {**os.environ, **LIMITS}
    found = subprocess.run(python("-c", PHASES, str(ledger(rows))), capture_output=True, text=True, env=env,
                           check=True)
    phases = json.loads(found.stdout)
    phases["check_s"] = phases["validate_s"] - phases["read_s"]
    return {"rows": rows, **phases}


def comparison(name: str, mine: Run, reference: Run, target: float) -> dict[str, Any]:
    ratio = mine.seconds / reference.seconds
    return {"check": name, "kq_s": mine.seconds, "reference_s": reference.seconds, "ratio": ratio,
            "target": target, "met": ratio <= target}


def measure_startup(repeat: int = 5, rows: int = 300) -> list[dict[str, Any]]:
    """``kq --help`` against ``python -c pass``; ``kq validate`` of a weekly file against importing pandas."""
    helped, bare = best_pair(kq("--help"), python("-c", "pass"), repeat)
    small, pandas = best_pair(kq("validate", "--week", str(WEEK), str(ledger(rows))), python("-c", "import pandas"),
                              repeat, ok=(0, 1))
    return [comparison("kq --help ÷ python -c pass", helped, bare, 5.0),
            comparison(f"kq validate ({rows} rows) ÷ python -c 'import pandas'", small, pandas, 1.0)]


def measure_merge(files: int = 12, rows_each: int = 250, repeat: int = 3) -> list[dict[str, Any]]:
    """``kq merge`` of a week's inbox, and ``kq report`` on it, against ``kq validate`` of the same files."""
    folder = inbox(files, rows_each)
    ledgers = sorted(str(p) for p in folder.glob("*.xlsx"))
    label = f"{files}×{rows_each} rows"
    with tempfile.TemporaryDirectory() as scratch:
        db, workbook, page = (str(Path(scratch) / name) for name in ("kq.db", "merged.xlsx", "report.html"))
        merged, checked = best_pair(kq("merge", str(folder), "--week", str(WEEK), "--db", db, "--out", workbook),
                                    kq("validate", "--week", str(WEEK), *ledgers), repeat, ok=(0, 1))
        found = [comparison(f"kq merge ({label}) ÷ kq validate (same files)", merged, checked, 2.0)]
        reported, checked = best_pair(kq("report", "--week", str(WEEK), "--db", db, "--out", page),
                                      kq("validate", "--week", str(WEEK), *ledgers), repeat, ok=(0, 1))
        found.append(comparison(f"kq report ({label}) ÷ kq validate (same files)", reported, checked, 2.0))
    return found


#: The most the week-over-week comparison may add to a merge (issue 14).
COMPARISON_TARGET = 1.2


def measure_comparison(repeat: int = 3, samples: Path = SAMPLES) -> dict[str, Any]:
    """``kq merge`` of the sample W38 compared right by right with the stored W37, against the same
    merge into a store holding no earlier week (no comparison). Both replace a stored W38 each time
    after the first; the merge exits 1 (阿拉善盟 has not sent W38)."""
    w37, w38 = str(samples / "2022-W37"), str(samples / "2022-W38")
    with tempfile.TemporaryDirectory() as scratch:
        compared, alone, workbook = (str(Path(scratch) / name) for name in ("compared.db", "alone.db", "merged.xlsx"))
        run(kq("merge", w37, "--db", compared, "--out", workbook), ok=(0, 1))
        merged, plain = best_pair(kq("merge", w38, "--db", compared, "--out", workbook),
                                  kq("merge", w38, "--db", alone, "--out", workbook), repeat, ok=(0, 1))
    return comparison("kq merge (sample W38) compared with W37 ÷ without an earlier week", merged, plain,
                      COMPARISON_TARGET)


#: The merge whose peak memory is measured: a region of large ledgers (issue 15 measured 3.4 GB).
MEMORY_MERGE = (12, 25_000)
#: The most a merge of ``MEMORY_MERGE`` may take.
MEMORY_TARGET_MB = 1_500


def measure_merge_memory(files: int = MEMORY_MERGE[0], rows_each: int = MEMORY_MERGE[1]) -> dict[str, Any]:
    """One ``kq merge`` of ``files`` × ``rows_each`` rows (store and workbook written): its time,
    its peak memory, that peak per row, and what it wrote."""
    folder = inbox(files, rows_each)
    with tempfile.TemporaryDirectory() as scratch:
        db, workbook = Path(scratch) / "kq.db", Path(scratch) / "merged.xlsx"
        merged = run(kq("merge", str(folder), "--week", str(WEEK), "--db", str(db), "--out", str(workbook)), ok=(0, 1))
        rows = files * rows_each
        return {"rows": rows, "label": f"{files}×{rows_each:,}", "kq_s": merged.seconds, "peak_mb": merged.peak_mb,
                "kb_per_row": merged.peak_mb * 1024 / rows, "db_mb": db.stat().st_size / 2**20,
                "workbook_mb": workbook.stat().st_size / 2**20, "target_mb": MEMORY_TARGET_MB,
                "met": merged.peak_mb <= MEMORY_TARGET_MB}


#: The most an upload may take, sent to answered, on a warm ``kq serve`` (issue 18).
PORTAL_TARGET_S = 0.5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def portal(scratch: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``kq serve`` in a process of its own on 127.0.0.1, its tokens issued: its address and the
    tokens by holder (the office's as ``office``); stopped on leaving."""
    import httpx

    db = scratch / "kq.db"
    made = json.loads(subprocess.run(kq("tokens", "--db", str(db), "--format", "json"), capture_output=True,
                                     check=True).stdout)
    tokens = {"office": made["office"], **made["cities"]}
    port = free_port()
    server = subprocess.Popen(kq("serve", "--inbox", str(scratch / "inbox"), "--db", str(db), "--port", str(port),
                                 "--week", str(WEEK)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/status", headers={"Authorization": f"Bearer {tokens['office']}"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("kq serve did not start") from None
                time.sleep(0.1)
        yield base, tokens
    finally:
        server.terminate()
        server.wait(10)


def _upload(base: str, token: str, name: str, content: bytes) -> tuple[float, float]:
    """One ``POST /api/upload`` on a connection of its own: when it was sent and when its answer was read."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        started = time.perf_counter()
        answer = client.post("/api/upload", headers={"Authorization": f"Bearer {token}"},
                             files={"file": (name, content)})
        done = time.perf_counter()
    answer.raise_for_status()
    return started, done


def measure_portal(rows: int = 300, repeat: int = 5, files: int = 12, rows_each: int = 250) -> list[dict[str, Any]]:
    """Upload to answer through ``kq serve``, warm (one upload first): a ``rows``-row ledger,
    ``repeat`` times one after another; then ``files`` 盟市 uploading at the same moment (from
    the first sent to the last answered, and each one's own time)."""
    content = ledger(rows).read_bytes()
    folder = inbox(files, rows_each)
    ledgers = {path.stem: path.read_bytes() for path in sorted(folder.glob("*.xlsx"))}
    with tempfile.TemporaryDirectory() as scratch, portal(Path(scratch)) as (base, tokens):
        _upload(base, tokens[CITY], "warm-up.xlsx", content)
        single = [done - sent for sent, done in (_upload(base, tokens[CITY], "台账.xlsx", content)
                                                 for _ in range(repeat))]
        with ThreadPoolExecutor(max_workers=len(ledgers)) as pool:
            times = list(pool.map(lambda item: _upload(base, tokens[item[0]], "台账.xlsx", item[1]), ledgers.items()))
    each = [done - sent for sent, done in times]
    return [
        {"check": f"upload {rows} rows, one at a time (median of {repeat})", "seconds": statistics.median(single),
         "best": min(single), "worst": max(single), "target": PORTAL_TARGET_S,
         "met": statistics.median(single) <= PORTAL_TARGET_S},
        {"check": f"{len(ledgers)} 盟市 × {rows_each} rows at once (first sent to last answered)",
         "seconds": max(done for _, done in times) - min(sent for sent, _ in times),
         "best": min(each), "worst": max(each), "target": None, "met": None},
    ]


def portal_table(uploads: Sequence[dict[str, Any]]) -> list[str]:
    return markdown_table(
        ["upload to answer", "time", "fastest", "slowest", "target", "met"], "lrrrrc",
        ([u["check"], f"{u['seconds']:.3f} s", f"{u['best']:.3f} s", f"{u['worst']:.3f} s",
          f"≤ {u['target']:g} s" if u["target"] else "", {True: "yes", False: "no", None: ""}[u["met"]]]
         for u in uploads),
    )


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    versions = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": memory,
            "python": f"{platform.python_implementation()} {platform.python_version()}", "libraries": versions,
            "system": f"{platform.system()} {platform.release()}", "commit": _commit(),
            "date": datetime.now().strftime("%Y-%m-%d %H:%M")}


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "—"


def _commit() -> str:
    try:
        found = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "—"
    return found.stdout.strip()


def markdown_table(headers: Sequence[str], aligns: str, rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table's lines; ``aligns`` has one letter per column: ``r`` right, ``c`` centre, else left."""
    rule = {"r": "---:", "c": ":---:"}
    return [f"| {' | '.join(headers)} |", f"|{'|'.join(rule.get(a, '---') for a in aligns)}|",
            *(f"| {' | '.join(cells)} |" for cells in rows)]


def size_table(sizes: list[dict[str, Any]]) -> list[str]:
    return markdown_table(
        ["rows", "kq validate", "floor", "ratio (target ≤ 2)", "rows/s", "kq peak", "floor peak"], "rrrrrrr",
        ([f"{s['rows']:,}", f"{s['kq_s']:.2f} s", f"{s['floor_s']:.2f} s", f"{s['ratio']:.2f}×",
          f"{s['rows_per_s']:,.0f}", f"{s['kq_peak_mb']:,.0f} MB", f"{s['floor_peak_mb']:,.0f} MB"] for s in sizes),
    )


def check_table(checks: list[dict[str, Any]]) -> list[str]:
    return markdown_table(
        ["check", "kq", "reference", "ratio", "target", "met"], "lrrrrc",
        ([c["check"], f"{c['kq_s']:.3f} s", f"{c['reference_s']:.3f} s", f"{c['ratio']:.2f}×",
          f"≤ {c['target']:g}×", "yes" if c["met"] else "no"] for c in checks),
    )


def phase_table(phases: Sequence[dict[str, Any]]) -> list[str]:
    return markdown_table(
        ["rows", "validate_file", "read_sheets", "of which inspect_xlsx", "checking (the rest)"], "rrrrr",
        ([f"{p['rows']:,}", f"{p['validate_s']:.2f} s", f"{p['read_s']:.2f} s", f"{p['inspect_s']:.2f} s",
          f"{p['check_s']:.2f} s"] for p in phases),
    )


def memory_table(merges: Sequence[dict[str, Any]]) -> list[str]:
    return markdown_table(
        ["rows", "kq merge", "peak memory", "per row", "target", "met", "store", "workbook"], "rrrrrcrr",
        ([m["label"], f"{m['kq_s']:.1f} s", f"{m['peak_mb']:,.0f} MB", f"{m['kb_per_row']:.1f} KB",
          f"≤ {m['target_mb']:,} MB", "yes" if m["met"] else "no", f"{m['db_mb']:,.0f} MB",
          f"{m['workbook_mb']:,.0f} MB"] for m in merges),
    )


def report(sizes: list[dict[str, Any]], checks: list[dict[str, Any]], host: dict[str, str],
           phases: Sequence[dict[str, Any]] = (), merges: Sequence[dict[str, Any]] = (),
           regions: Sequence[dict[str, Any]] = (), uploads: Sequence[dict[str, Any]] = ()) -> str:
    """The figures as Markdown, with the machine they were measured on."""
    lines = ["# kq benchmarks", "",
             "Written by `make bench` (`python -m benchmarks.run`). Each figure is the best of a few fresh",
             "processes (one at 300,000 rows); peak memory is that process's own maximum resident set.",
             "The floor reads every cell of the same file with python-calamine in a bare Python process.",
             "Ratios are measured in one run: absolute times vary by ±40 % between runs.", "",
             "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in host.items()]
    lines += ["", "## `kq validate` against the floor", "", *size_table(sizes), ""]
    if regions:
        lines += ["A region-wide ledger (the rights of all 12 盟市 in one file, each row checked against its own",
                  "盟市):", "", *size_table(regions), ""]
    lines += ["## Start-up, merge and report", "", *check_table(checks), ""]
    if phases:
        lines += ["## Where the time goes (in one process, after imports)", "", *phase_table(phases), ""]
    if merges:
        lines += ["## Memory of a large merge (store and workbook written)", "", *memory_table(merges), ""]
    if uploads:
        lines += ["## The portal: upload to answer on a warm `kq serve` (`POST /api/upload`, this machine)", "",
                  *portal_table(uploads), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 and 3,000 rows only (a smoke test)")
    parser.add_argument("--out", type=Path, help=f"write the Markdown here (default: {RESULTS.name}, not with --quick)")
    args = parser.parse_args(argv)
    sizes = []
    for rows in QUICK_SIZES if args.quick else SIZES:
        sizes.append(measure_size(rows, 1 if args.quick else None))
        print(size_table(sizes)[-1], flush=True)
    regions = []
    if not args.quick:
        regions.append(measure_size(REGION_ROWS, path=region_ledger(REGION_ROWS)))
        print(size_table(regions)[-1], "(region-wide)", flush=True)
    checks = measure_startup(1 if args.quick else 5)
    uploads = measure_portal(repeat=1 if args.quick else 5)
    phases, merges = [], []
    if not args.quick:
        checks += measure_merge()
        checks.append(measure_comparison())
        phases = [measure_phases(rows) for rows in (30_000, 300_000)]
        merges = [measure_merge_memory()]
    text = report(sizes, checks, machine(), phases, merges, regions, uploads)
    print("\n".join(check_table(checks) + phase_table(phases) + memory_table(merges) + portal_table(uploads)))
    out = args.out or (None if args.quick else RESULTS)
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
