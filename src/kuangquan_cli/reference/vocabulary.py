"""The enumeration values kq's rules rely on, by name.

``schemas/enums.toml`` is data an office may edit (new spellings, a new procedure). A few of its
values, though, carry meaning in code: a 采矿权 with status 不具备条件 is one of the 166, a reason
of 缺少手续 needs procedures, and so on. They are named here once; code uses these names, never
the Chinese literal, and ``check_vocabulary`` makes a renamed value fail when the data loads
(with a Chinese message naming the file and the value) instead of silently matching nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kuangquan_cli.errors import KqError

# task: the plan's task n is written TASK_LABELS[n - 1]
TASK_LABELS = ("（一）", "（二）", "（三）", "（四）", "（五）", "（六）")
# right_type
MINING, EXPLORATION = "采矿权", "探矿权"
# mineral_class
COAL, NON_COAL = "煤炭", "非煤"
# yes_no
YES, NO = "是", "否"
# status
NOT_STARTED, IN_PROGRESS, DONE, CANNOT_RESUME = "未启动", "推进中", "已完成", "不具备条件"
# reason
MISSING_PROCEDURES = "缺少手续"
OWN_REASONS = "企业自身原因"
MINING_CONDITIONS = "开采条件限制"
EXPLORATION_SHORT = "勘查程度不足"

#: Enumeration name → the values of it that code relies on.
RELIED_ON: Mapping[str, tuple[str, ...]] = {
    "task": TASK_LABELS,
    "right_type": (MINING, EXPLORATION),
    "mineral_class": (COAL, NON_COAL),
    "yes_no": (YES, NO),
    "status": (NOT_STARTED, IN_PROGRESS, DONE, CANNOT_RESUME),
    "reason": (MISSING_PROCEDURES, OWN_REASONS, MINING_CONDITIONS, EXPLORATION_SHORT),
}


def check_vocabulary(values: Mapping[str, Sequence[str]], source: str) -> None:
    """Refuse enumeration data (read from ``source``) that lacks a value kq's rules rely on."""
    for name, needed in RELIED_ON.items():
        have = values.get(name, ())
        lost = [value for value in needed if value not in have]
        if lost:
            raise KqError(
                f"{source} 中枚举 {name} 缺少 kq 规则所依赖的取值「{'」「'.join(lost)}」；"
                "这些取值不能改名或删除（可在 synonyms 中增加其他写法）"
            )
