"""A plain ``pip install .`` must carry the top-level data the tool reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_ships_schemas_templates_and_the_portals_pages(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True,
    )
    [wheel] = tmp_path.glob("kuangquan_cli-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("schemas", "templates"):
        shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).iterdir() if p.is_file()}
        assert {f"kuangquan_cli/{name}" for name in shipped} <= names, folder
    portal = ROOT / "src" / "kuangquan_cli" / "portal"
    pages = {p.relative_to(portal.parents[1]).as_posix() for folder in ("templates", "static")
             for p in (portal / folder).iterdir()}
    assert pages and pages <= names
