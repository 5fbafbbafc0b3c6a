"""Where the bundled data files live.

In a wheel, ``schemas/`` and ``templates/`` are copied into the package; in a source checkout
(editable install, tests) they sit at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]


def data_dir(name: str) -> Path:
    """Return the directory ``name`` (``schemas`` or ``templates``) of the installed package."""
    bundled = _PACKAGE_DIR / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parents[1] / name


def schema_file(filename: str) -> Path:
    return data_dir("schemas") / filename
