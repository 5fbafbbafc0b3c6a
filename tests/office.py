"""Opening kq's workbooks in LibreOffice, where it is installed (apt: libreoffice-calc).

LibreOffice is the independent reader: if it converts a workbook without error, Excel/WPS users
get a file that opens; converting to .xlsx also recalculates every formula.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="未安装 LibreOffice（soffice），跳过用 LibreOffice 打开的检查")


def convert(source: Path, fmt: str, out_dir: Path) -> Path:
    """Convert with a private profile (parallel runs must not share one) and return the result."""
    profile = (out_dir / "lo-profile").resolve().as_uri()
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt, "--outdir", str(out_dir), str(source)],
        capture_output=True, text=True, timeout=180,
    )
    result = out_dir / f"{source.stem}.{fmt}"
    assert proc.returncode == 0 and result.exists(), proc.stderr
    return result
