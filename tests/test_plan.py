"""The plan file: its figures, its own arithmetic, and the task derivation it drives."""

from __future__ import annotations

import pytest

from kuangquan_cli.errors import KqError
from kuangquan_cli.reference.plan import load_plan
from kuangquan_cli.reference.resources import schema_file


def test_bundled_plan_holds_the_programme_figures(plan):
    assert [t.rights for t in plan.tasks] == [107, 41, 119, 1276, 82, 1060]
    assert plan.task(4).reasons == {"基建技改": 186, "市场原因": 161, "缺少手续": 464, "企业自身原因": 465}
    assert (plan.stopped_mines, plan.exploration_rights, plan.cannot_resume) == (1383, 1302, 166)
    assert plan.arithmetic_errors() == []


@pytest.mark.parametrize("right_type, mineral_class, stage_ok, task", [
    ("采矿权", "煤炭", None, 1), ("探矿权", "煤炭", True, 2), ("探矿权", "煤炭", False, 3),
    ("采矿权", "非煤", None, 4), ("探矿权", "非煤", True, 5), ("探矿权", "非煤", False, 6),
])
def test_task_derivation(plan, right_type, mineral_class, stage_ok, task):
    assert plan.derive_task(right_type, mineral_class, stage_ok).number == task


def test_plan_with_broken_sums_is_refused(tmp_path):
    text = schema_file("plan-2022.toml").read_text(encoding="utf-8").replace('"市场原因" = 161', '"市场原因" = 160')
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KqError, match="各原因之和 1275 ≠ 总数 1276"):
        load_plan(path)
