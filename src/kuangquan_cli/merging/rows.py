"""The shape of a merged row, shared by the merge, the store and the workbook writer.

A merged row is the row's values (``RowValues``), the task it counts under, whether it cannot
resume, and where it came from. The merge builds it from a checked record; the store rebuilds the
same dict from what it saved, so the workbook's tables and the weekly report see one shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kuangquan_cli.checking.parse import RowValues
from kuangquan_cli.checking.rules import is_cannot_resume

if TYPE_CHECKING:
    import pandas as pd

#: Columns of a merged row besides the model's fields (``task`` is replaced by the task counted).
EXTRA_COLUMNS = ("source_file", "source_row", "source_city", "cannot_resume", "flagged", "counted")
ROW_COLUMNS = (*RowValues._fields, *EXTRA_COLUMNS)


def row_record(values: RowValues, task: int | None, **extra: Any) -> dict[str, Any]:
    """A merged row as a flat dict (``ROW_COLUMNS``): the row's values, the task it counts
    under, whether it cannot resume, and the ``EXTRA_COLUMNS`` given. The store rebuilds the
    same dict, so the workbook's tables and the weekly report see one shape."""
    record = values._asdict()
    record["task"] = task
    record["cannot_resume"] = is_cannot_resume(values)
    return record | extra


def rows_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a DataFrame with columns ``ROW_COLUMNS``: blank values stay ``None`` (object
    columns), task and seq are nullable integers, the flags booleans."""
    import pandas as pd

    frame = pd.DataFrame(records, columns=list(ROW_COLUMNS), dtype=object)
    return frame.astype({"task": "Int64", "seq": "Int64", "source_row": "int64",
                         "cannot_resume": "bool", "flagged": "bool", "counted": "bool"})
