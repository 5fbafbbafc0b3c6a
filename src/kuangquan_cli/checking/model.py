"""The ledger row model (docs/ledger.md#字段): the typed shape of one right after normalisation.

Every field is optional here because a row is checked even when some cells are blank or wrong:
which fields are required, and when, is a rule (``rules.py``) reported at the cell. The model
guarantees that whatever the parsers produced has the right types and allowed values, and its
JSON Schema is what ``kq schema --json`` prints.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from kuangquan_cli.reference.tables import divisions, enumerations

if TYPE_CHECKING:
    # The allowed values come from schemas/ at run time; to a type checker each is a string.
    City: TypeAlias = str
    RightType: TypeAlias = str
    MineralClass: TypeAlias = str
    YesNo: TypeAlias = str
    Reason: TypeAlias = str
    Procedure: TypeAlias = str
    OwnReason: TypeAlias = str
    Department: TypeAlias = str
    Status: TypeAlias = str
else:

    def _one_of(values: tuple[str, ...]) -> object:
        """A ``Literal`` of the allowed values, so the model follows ``schemas/`` rather than code."""
        return Literal[values]

    _enums = enumerations()
    City = _one_of(divisions().cities)
    RightType = _one_of(_enums["right_type"].values)
    MineralClass = _one_of(_enums["mineral_class"].values)
    YesNo = _one_of(_enums["yes_no"].values)
    Reason = _one_of(_enums["reason"].values)
    Procedure = _one_of(_enums["procedure"].values)
    OwnReason = _one_of(_enums["own_reason"].values)
    Department = _one_of(_enums["department"].values)
    Status = _one_of(_enums["status"].values)


class LedgerRow(BaseModel):
    """One right (逐矿权) as the ledger describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int | None = Field(None, title="序号")
    city: City | None = Field(None, title="盟市")
    county: str | None = Field(None, title="旗县（市、区）")
    right_type: RightType | None = Field(None, title="矿业权类型")
    mineral_class: MineralClass | None = Field(None, title="矿种类别")
    mineral: str | None = Field(None, title="主矿种")
    # no pattern: a malformed number is kept as written and reported as licence.shape
    licence_no: str | None = Field(None, title="许可证号")
    right_name: str | None = Field(None, title="矿业权名称")
    holder: str | None = Field(None, title="矿业权人")
    credit_code: str | None = Field(None, title="统一社会信用代码")
    valid_from: date | None = Field(None, title="有效期起")
    valid_to: date | None = Field(None, title="有效期止")
    stage_ok: YesNo | None = Field(None, title="勘查程度是否达到转采要求")
    task: int | None = Field(None, title="任务类别", ge=1, le=6)
    reason: Reason | None = Field(None, title="原因分类")
    missing: tuple[Procedure, ...] = Field((), title="缺少手续")
    own_reason: tuple[OwnReason, ...] = Field((), title="企业自身原因")
    lead_dept: Department | None = Field(None, title="牵头部门")
    measures: str | None = Field(None, title="推进措施")
    deadline: date | None = Field(None, title="计划完成时限")
    status: Status | None = Field(None, title="进展状态")
    done_date: date | None = Field(None, title="完成日期")
    progress: str | None = Field(None, title="进展情况")
    soe: YesNo | None = Field(None, title="是否国有企业")
    contact: str | None = Field(None, title="责任人")
    phone: str | None = Field(None, title="联系电话")
    note: str | None = Field(None, title="备注")
