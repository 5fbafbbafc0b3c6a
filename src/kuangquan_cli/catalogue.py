"""The one catalogue of finding codes (SPEC §7).

Each code has a fixed severity and a Chinese message template that says what is wrong and what
would be right. Codes are stable: scripts and the office's own spreadsheets filter on them.
The README's finding table is generated from this list (``kq codes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    template: str

    def message(self, **ctx: object) -> str:
        return self.template.format(**ctx)


_E: Severity = "error"
_W: Severity = "warning"

CODES: tuple[Code, ...] = (
    # whole files
    Code("file.unreadable", _E, "文件无法读取", "文件无法读取：{reason}"),
    Code("file.encrypted", _E, "文件已加密", "文件设有打开密码，无法读取；请另存为不加密的 .xlsx 后重新报送"),
    Code("file.unsupported", _E, "不支持的文件格式", "不支持的文件格式（{kind}）；请报送 .xlsx、.xls 或 .csv"),
    Code("file.too_large", _E, "文件超出读取上限", "文件超出读取上限：{reason}"),
    Code("header.not_found", _E, "找不到表头行", "找不到台账表头行（{reason}）；表头应含 盟市、矿业权类型、许可证号 等列"),
    Code("header.missing_column", _E, "缺少必填列", "缺少必填列「{header}」"),
    Code("header.duplicate_column", _E, "重复的列", "「{header}」列出现多次（{columns} 列），只读取 {used} 列；请删除多余的列"),
    Code("header.unknown_column", _W, "无法识别的列", "无法识别的列「{header}」，其内容不参与校验"),
    # single cells
    Code("value.required", _E, "必填项为空", "{label}不能为空{why}"),
    Code("value.date", _E, "日期无法识别", "「{value}」不是日期；请填写如 2022-09-20 或 2022年9月20日"),
    Code("value.number", _E, "数字无法识别", "「{value}」不是整数"),
    Code("value.enum", _E, "取值不在允许范围", "「{value}」不是允许的{label}{suggestion}"),
    Code("value.precision_lost", _E, "数字格式丢失位数", "{label}被存成了数字（{value}），超过 15 位的部分已被 Excel 舍去；请将单元格设为文本后按原证照重新录入"),
    Code("city.ambiguous", _E, "盟市简称有歧义", "「{value}」可指 {candidates}，请写全称"),
    Code("city.mismatch", _E, "盟市与本表不一致", "本行盟市为{value}，而本表是{file_city}的台账；矿业权应报在所在盟市的台账中"),
    Code("county.unknown", _E, "旗县名称无法识别", "「{value}」不是{city}的旗县（市、区）{suggestion}"),
    Code("county.not_in_city", _E, "旗县不属于本盟市", "{county}属于{other_city}，不属于{city}"),
    Code("county.dev_zone", _W, "旗县栏填写了开发区", "「{value}」是开发区/管理区，不是旗县级行政区；请填写其所在旗县（市、区）"),
    Code("licence.shape", _E, "许可证号格式错误", "许可证号「{value}」格式不对：{reason}"),
    Code("licence.prefix_missing", _E, "许可证号缺少字母前缀", "许可证号缺少前缀 {letter}：应为 {expected}"),
    Code("licence.type_mismatch", _E, "许可证号与矿业权类型不符", "{right_type}的许可证号应以 {letter} 开头，本行为「{value}」"),
    Code("licence.date", _E, "许可证号中的年月不合理", "许可证号中的发证年月 {yyyymm} 不合理（{reason}）"),
    Code("licence.region", _W, "许可证号非本区发证", "许可证号的发证机关代码 {authority} 不是内蒙古（15）或部级；请核实"),
    Code("licence.duplicate", _E, "许可证号重复", "许可证号 {value} 出现 {count} 次：{places}；一个矿业权只能占一行"),
    Code("credit_code.shape", _E, "统一社会信用代码格式错误", "统一社会信用代码「{value}」格式不对：{reason}"),
    Code("credit_code.check", _E, "统一社会信用代码校验位错误", "统一社会信用代码校验位错误：最后一位应为 {expected}"),
    Code("credit_code.inner_check", _W, "组织机构代码校验位错误", "统一社会信用代码第 17 位（组织机构代码校验位）应为 {expected}；请核实"),
    Code("task.mismatch", _E, "任务类别与推导不符", "任务类别填为{value}，按{basis}应为{expected}"),
    Code("lead_dept.mismatch", _E, "牵头部门与任务不符", "任务{task}的牵头部门应为{expected}，本行为{value}"),
    Code("reason.not_allowed", _E, "原因不属于该任务", "任务{task}的原因不能是「{value}」；可选：{allowed}"),
    Code("reason.cannot_resume", _E, "开采条件限制与进展状态不符", "{detail}"),
    Code("missing.required", _E, "缺少手续未列明", "原因为缺少手续，但未列出所缺手续；请填写如 安全生产许可证、用地手续"),
    Code("missing.not_applicable", _E, "手续不适用于该矿种", "{mineral_class}矿业权没有「{item}」这项手续"),
    Code("own_reason.required", _E, "企业自身原因未列明", "原因为企业自身原因，但未写明具体原因；可选：{allowed}"),
    Code("own_reason.not_allowed", _E, "企业自身原因不属于该任务", "任务{task}的企业自身原因不能是「{item}」；可选：{allowed}"),
    Code("measures.too_short", _E, "推进措施过短", "推进措施只有 {length} 个字，应不少于 10 个字，写明一矿一策的具体措施"),
    Code("status.done_without_date", _E, "已完成但无完成日期", "进展状态为已完成，但未填完成日期"),
    Code("status.date_without_done", _E, "有完成日期但未完成", "填写了完成日期 {value}，但进展状态是{status}；未完成的请清空完成日期"),
    Code("date.future", _E, "完成日期晚于报送周", "完成日期 {value} 晚于本期截止日 {as_of}"),
    Code("validity.order", _E, "有效期止早于有效期起", "有效期止 {value} 早于有效期起 {valid_from}"),
    Code("deadline.after_goal", _W, "计划完成时限晚于方案目标", "计划完成时限 {value} 晚于方案目标日期 {goal}"),
    Code("phone.shape", _E, "联系电话格式错误", "联系电话「{value}」格式不对：{reason}"),
    # whole region
    Code("reconcile.diff", _W, "与方案底数不一致", "{label}：方案 {plan} 个，台账 {ledger} 个，差 {diff:+d}"),
    # merging a week's inbox
    Code("merge.missing_city", _E, "盟市未报送", "{city}本周没有可汇总的台账（未报送，或所报文件无法读取）"),
    Code("merge.duplicate_city", _E, "盟市重复报送",
         "{city}报送了 {count} 份台账（{files}），按 {first} 统计；本文件各行已放入待核实，请确认以哪一份为准"),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in CODES}
