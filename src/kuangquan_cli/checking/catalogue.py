"""The one catalogue of finding codes (docs/rules.md#问题).

Each code has a fixed severity, a Chinese message template that says what is wrong and what
would be right, and a short piece of advice (建议) for the annotated copy. Codes are stable:
scripts and the office's own spreadsheets filter on them. The README lists this table.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
#: How a severity reads wherever kq shows one to a user (terminal, annotated copy, merged workbook).
SEVERITY_TEXT: dict[Severity, str] = {"error": "错误", "warning": "警告"}
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str
    template: str
    advice: tuple[str, ...]
    """What to do, most specific first: the first template whose fields the finding has is used."""

    def message(self, **ctx: object) -> str:
        return self.template.format(**ctx)

    def advice_for(self, **ctx: object) -> str:
        for template in self.advice:
            wanted = {name for _, name, _, _ in _FORMATTER.parse(template) if name}
            if all(ctx.get(name) is not None for name in wanted):
                return template.format(**ctx)
        return "按问题说明改正"


_E: Severity = "error"
_W: Severity = "warning"


def _code(code: str, severity: Severity, title: str, template: str, *advice: str) -> Code:
    return Code(code, severity, title, template, advice)


CODES: tuple[Code, ...] = (
    # whole files
    _code("file.unreadable", _E, "文件无法读取", "文件无法读取：{reason}",
          "用 Excel/WPS 打开确认文件完好，另存为 .xlsx 后重新报送"),
    _code("file.encrypted", _E, "文件已加密", "文件设有打开密码，无法读取；请另存为不加密的 .xlsx 后重新报送",
          "取消打开密码，另存为 .xlsx 后重新报送"),
    _code("file.unsupported", _E, "不支持的文件格式", "不支持的文件格式（{kind}）；请报送 .xlsx、.xls 或 .csv",
          "另存为 .xlsx 后重新报送"),
    _code("file.too_large", _E, "文件超出读取上限", "文件超出读取上限：{reason}", "删除多余的空行空列后重新报送"),
    _code("file.stale", _W, "台账是以前某周的",
          "台账{named}，早于所汇总的 {label}（{period}）；可能是把以前的台账又报了一次",
          "核实后报送本周的台账"),
    _code("header.not_found", _E, "找不到表头行",
          "找不到台账表头行（{reason}）；表头应含 盟市、矿业权类型、许可证号 等列",
          "用 kq template 生成的模板填报，或把表头改成模板中的列名"),
    _code("header.missing_column", _E, "缺少必填列", "缺少必填列「{header}」", "按模板补上「{header}」列"),
    _code("header.duplicate_column", _E, "重复的列",
          "「{header}」列出现多次（{columns} 列），只读取 {used} 列；请删除多余的列", "删除多余的「{header}」列"),
    _code("header.unknown_column", _W, "无法识别的列", "无法识别的列「{header}」，其内容不参与校验",
          "如是台账字段，把列名改为模板中的名称；否则可删除"),
    # single cells
    _code("value.required", _E, "必填项为空", "{label}不能为空{why}", "填写「{label}」"),
    _code("value.date", _E, "日期无法识别", "「{value}」不是日期；请填写如 2022-09-20 或 2022年9月20日",
          "改为 2022-09-20 这样的日期"),
    _code("value.number", _E, "数字无法识别", "「{value}」不是整数", "只填整数"),
    _code("value.out_of_range", _E, "数字超出范围", "「{value}」超出可处理的范围：应为不超过 15 位的整数",
          "只填不超过 15 位的整数"),
    _code("value.control_char", _W, "含不可见的控制字符",
          "含有不可见的控制字符 {chars}（kq 显示为转义形式），多为从其他系统复制时带入；请删除",
          "删除单元格中的控制字符"),
    _code("value.enum", _E, "取值不在允许范围", "{label}不能填「{given}」；可选：{allowed}{suggestion}",
          "核实后改为「{confirm}」", "改为「{suggested}」", "从下拉列表中选择"),
    _code("value.precision_lost", _E, "数字格式丢失位数",
          "{label}被存成了数字（{value}），超过 15 位的部分已被 Excel 舍去；请将单元格设为文本后按原证照重新录入",
          "单元格设为文本，按证照原件重新录入"),
    _code("city.ambiguous", _E, "盟市简称有歧义", "「{value}」可指 {candidates}，请写全称", "填写盟市全称"),
    _code("city.mismatch", _E, "盟市与本表不一致",
          "本行盟市为{value}，而本表是{file_city}的台账；矿业权应报在所在盟市的台账中",
          "移到所属盟市的台账，或改正盟市"),
    _code("county.unknown", _E, "旗县名称无法识别", "「{value}」不是{city}的旗县（市、区）{suggestion}",
          "改为「{suggested}」", "填写本盟市所辖旗县（市、区）的全称"),
    _code("county.not_in_city", _E, "旗县不属于本盟市", "{county}属于{other_city}，不属于{city}",
          "改正旗县，或把本行移到所属盟市的台账"),
    _code("county.dev_zone", _W, "旗县栏填写了开发区",
          "「{value}」是开发区/管理区，不是旗县级行政区；请填写其所在旗县（市、区）", "改为其所在的旗县（市、区）"),
    _code("licence.shape", _E, "许可证号格式错误", "许可证号「{value}」格式不对：{reason}", "按许可证原件核对许可证号"),
    _code("licence.prefix_missing", _E, "许可证号缺少字母前缀",
          "许可证号缺少前缀 {letter}：应为 {expected}", "改为 {expected}"),
    _code("licence.type_mismatch", _E, "许可证号与矿业权类型不符",
          "{right_type}的许可证号应以 {letter} 开头，本行为「{value}」", "核对许可证号或矿业权类型"),
    _code("licence.date", _E, "许可证号中的年月不合理",
          "许可证号中的发证年月 {yyyymm} 不合理（{reason}）", "按许可证原件核对许可证号"),
    _code("licence.region", _W, "许可证号非本区发证",
          "许可证号的发证机关代码 {authority} 不是内蒙古（15）或部级；请核实", "核实许可证的发证机关"),
    _code("licence.duplicate", _E, "许可证号重复", "许可证号 {value} 出现 {count} 次：{places}；一个矿业权只能占一行",
          "核对后删除重复的行，一个矿业权只占一行"),
    _code("credit_code.shape", _E, "统一社会信用代码格式错误", "统一社会信用代码「{value}」格式不对：{reason}",
          "按营业执照核对统一社会信用代码"),
    _code("credit_code.check", _E, "统一社会信用代码校验位错误", "统一社会信用代码校验位错误：最后一位应为 {expected}",
          "按营业执照逐位核对（多为某一位录错）"),
    _code("credit_code.inner_check", _W, "组织机构代码校验位错误",
          "统一社会信用代码第 17 位（组织机构代码校验位）应为 {expected}；请核实", "按营业执照逐位核对"),
    _code("task.mismatch", _E, "任务类别与推导不符", "任务类别填为{value}，按{basis}应为{expected}",
          "改为{expected}，或核对矿业权类型、矿种类别、勘查程度"),
    _code("lead_dept.mismatch", _E, "牵头部门与任务不符",
          "任务{task}的牵头部门应为{expected}，本行为{value}", "改为{expected}，或留空"),
    _code("reason.not_allowed", _E, "原因不属于该任务", "任务{task}的原因不能是「{value}」；可选：{allowed}",
          "从本任务可选的原因中选择"),
    _code("reason.cannot_resume", _E, "开采条件限制与进展状态不符", "{detail}", "核对原因分类与进展状态"),
    _code("missing.required", _E, "缺少手续未列明",
          "原因为缺少手续，但未列出所缺手续；请填写如 安全生产许可证、用地手续", "列出所缺手续，多项用顿号分隔"),
    _code("missing.not_applicable", _E, "手续不适用于该矿种",
          "{mineral_class}矿业权没有「{item}」这项手续", "删去「{item}」"),
    _code("own_reason.required", _E, "企业自身原因未列明", "原因为企业自身原因，但未写明具体原因；可选：{allowed}",
          "写明具体的企业自身原因"),
    _code("own_reason.not_allowed", _E, "企业自身原因不属于该任务",
          "任务{task}的企业自身原因不能是「{item}」；可选：{allowed}", "从本任务可选的企业自身原因中选择"),
    _code("measures.too_short", _E, "推进措施过短",
          "推进措施只有 {length} 个字，应不少于 10 个字，写明一矿一策的具体措施",
          "写明一矿一策的具体措施，不少于 10 个字"),
    _code("status.done_without_date", _E, "已完成但无完成日期", "进展状态为已完成，但未填完成日期", "填写完成日期"),
    _code("status.date_without_done", _E, "有完成日期但未完成",
          "填写了完成日期 {value}，但进展状态是{status}；未完成的请清空完成日期",
          "进展状态改为已完成，或清空完成日期"),
    _code("date.future", _E, "完成日期晚于报送周", "完成日期 {value} 晚于本期截止日 {as_of}", "核对完成日期"),
    _code("validity.order", _E, "有效期止早于有效期起", "有效期止 {value} 早于有效期起 {valid_from}", "核对有效期起止"),
    _code("deadline.after_goal", _W, "计划完成时限晚于方案目标",
          "计划完成时限 {value} 晚于方案目标日期 {goal}", "核实完成时限"),
    _code("phone.shape", _E, "联系电话格式错误",
          "联系电话「{value}」格式不对：{reason}", "填写 11 位手机号或“区号-号码”"),
    # whole region
    _code("reconcile.diff", _W, "与方案底数不一致", "{label}：方案 {plan} 个，台账 {ledger} 个，差 {diff:+d}",
          "核实台账与方案底数的差异"),
    # merging a week's inbox
    _code("merge.missing_city", _E, "盟市未报送", "{city}本周没有可汇总的台账（未报送，或所报文件无法读取）",
          "督促{city}报送本周台账"),
    _code("merge.duplicate_city", _E, "盟市重复报送",
          "{city}报送了 {count} 份台账（{files}），按 {first} 统计；本文件各行已放入待核实，请确认以哪一份为准",
          "与{city}确认以哪一份为准，撤回另一份"),
    # against the stored baseline (docs/reconciliation.md#底数清单)
    _code("baseline.missing", _W, "底数中的矿业权台账中没有",
          "底数（第 {version} 版）中{city}的矿业权 {licence_no}{name}不在{city}的台账中",
          "核实是否漏报；确已注销、移交的，由办公室更新底数"),
    _code("baseline.outside", _W, "矿业权不在底数中", "许可证号 {value} 不在底数（第 {version} 版）中",
          "核实许可证号是否填错；确属新增的，由办公室更新底数"),
    _code("baseline.differs", _W, "与底数不一致",
          "{label}与底数（第 {version} 版）不一致：底数为{before}，台账为{after}",
          "核实后改正台账，或由办公室更新底数"),
    # week over week, right by right (merging/changes.py): the changes that are warnings
    _code("change.vanished", _W, "矿业权从台账中消失",
          "上周在{before_city}台账（{before_file} 第 {before_row} 行），本周台账中没有",
          "核实该矿业权为何从台账中删去；误删的请补回"),
    _code("change.new", _W, "台账新增矿业权", "上周台账中没有，本周列入{city}台账",
          "核实是否为新纳入的矿业权，并说明来由"),
    _code("change.moved", _W, "矿业权改报其他盟市",
          "上周在{before_city}台账（{before_file} 第 {before_row} 行），本周在{city}台账",
          "核实矿业权所在盟市，只在所属盟市的台账中填报"),
    _code("change.renumbered", _W, "许可证号变更",
          "上周许可证号为 {before_licence}，本周为 {value}（统一社会信用代码和{alike}相同），可能是更正了许可证号",
          "按许可证原件核实许可证号"),
    _code("change.regressed", _W, "由已完成退回",
          "上周已完成（完成日期 {before_done}），本周改为{status}", "核实是否确已完成；退回的请说明原因"),
    _code("change.redated", _W, "完成日期变更", "上周已完成（完成日期 {before_done}），本周完成日期改为 {done}",
          "核实完成日期"),
    _code("change.cannot_resume", _W, "转为不具备条件",
          "上周{before_status}，本周改为不具备条件，不再计入停产矿山的任务数", "核实不具备复产条件的依据"),
    _code("change.reclassified", _W, "任务或原因变更", "分类与上周不同：{what}", "核实任务类别、原因分类和勘查程度"),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in CODES}
