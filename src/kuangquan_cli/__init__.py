"""kq — 盘活矿业权台账校验、汇总与周报。

The library's public functions can be imported from the package itself::

    from kuangquan_cli import load_plan, validate_files, merge_and_store, write_report

They are loaded on first use (PEP 562), so ``import kuangquan_cli`` — which every ``kq`` start
does — costs nothing: ``kq --help`` must not import pandas, pydantic or openpyxl. The layers
live in subpackages (``reading``, ``checking``, ``merging``, ``outputs``, ``report``, ``cli``
over ``reference``); the README's architecture section maps them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name → the module that defines it.
_PUBLIC = {
    "load_plan": "kuangquan_cli.reference.plan",
    "validate_file": "kuangquan_cli.checking.validate",
    "validate_files": "kuangquan_cli.checking.validate",
    "merge_inbox": "kuangquan_cli.merging.merge",
    "merge_and_store": "kuangquan_cli.jobs",
    "annotate_files": "kuangquan_cli.outputs.annotate",
    "write_template": "kuangquan_cli.outputs.template",
    "write_report": "kuangquan_cli.report.render",
    "Store": "kuangquan_cli.merging.store",
    "KqError": "kuangquan_cli.errors",
}
__all__ = [
    "KqError", "Store", "annotate_files", "load_plan", "merge_and_store", "merge_inbox", "validate_file",
    "validate_files", "write_report", "write_template",
]

if TYPE_CHECKING:
    from kuangquan_cli.checking.validate import validate_file, validate_files
    from kuangquan_cli.errors import KqError
    from kuangquan_cli.jobs import merge_and_store
    from kuangquan_cli.merging.merge import merge_inbox
    from kuangquan_cli.merging.store import Store
    from kuangquan_cli.outputs.annotate import annotate_files
    from kuangquan_cli.outputs.template import write_template
    from kuangquan_cli.reference.plan import load_plan
    from kuangquan_cli.report.render import write_report


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'kuangquan_cli' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
