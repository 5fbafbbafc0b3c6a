"""Sample ledgers for the whole region over two weeks, generated deterministically from a seed.

The office needs realistic ledgers to demonstrate ``kq`` and to test merging and reporting, but
the real ones cannot leave the building. These are made up, yet shaped like the real thing: the
12 盟市' workbooks as they are sent in (title row, 填报单位 line, header, rows, 填表人 footer),
real county names, valid licence numbers and credit codes, and — across all 12 files of
2022-W37 — exactly the plan's baseline figures. 2022-W38 is the same region one week later,
with one late 盟市 and two that made no progress. ``flawed/`` holds small workbooks with the
mistakes 盟市 really make, each listed in its README with the finding codes it produces.

Everything comes from one ``random.Random(seed)``, and the workbooks carry fixed timestamps, so
one seed always gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from kuangquan_cli.checking.identifiers import CREDIT_ALPHABET, credit_check_char, org_check_char
from kuangquan_cli.reading.addresses import column_letter
from kuangquan_cli.reference.plan import Plan, PlanTask, load_plan
from kuangquan_cli.reference.tables import divisions, field_by_name, fields, procedures
from kuangquan_cli.reference.weeks import week_label, week_range

Row = dict[str, Any]  # field name → value (str, int, date, tuple of str for list fields, None)

DEFAULT_SEED = 20220918
YEAR = 2022
FIRST_WEEK, SECOND_WEEK = 37, 38
#: 盟市 whose W38 rows are exactly their W37 rows (no progress at all).
STALLED_CITIES = ("乌兰察布市", "兴安盟")
#: The 盟市 whose W38 workbook has not arrived.
LATE_CITY = "阿拉善盟"
#: A 盟市 that leaves 原因分类 blank on its 勘查程度不足 rows, as the plan allows.
BLANK_STAGE_REASON_CITY = "赤峰市"
#: Of the 166 mines that cannot resume, how many are coal mines.
CANNOT_RESUME_COAL = 24
#: Written into every workbook's properties and zip entries, so equal content gives equal bytes.
FIXED_TIME = datetime(2022, 9, 25, 18, 0, 0)
TITLE_ROWS = 2  # title and 填报单位 line above the header
FLAWED_DIR = "flawed"

AREA_CODES = {
    "呼和浩特市": "0471", "包头市": "0472", "乌海市": "0473", "赤峰市": "0476", "通辽市": "0475",
    "鄂尔多斯市": "0477", "呼伦贝尔市": "0470", "巴彦淖尔市": "0478", "乌兰察布市": "0474",
    "兴安盟": "0482", "锡林郭勒盟": "0479", "阿拉善盟": "0483",
}
# Relative share of each 盟市 in the coal and non-coal tasks (coal is concentrated in the west
# and the north-east grasslands; non-coal mines and exploration are everywhere).
COAL_WEIGHTS = {
    "鄂尔多斯市": 40, "呼伦贝尔市": 12, "锡林郭勒盟": 12, "乌海市": 10, "通辽市": 8, "包头市": 6,
    "阿拉善盟": 6, "赤峰市": 4, "呼和浩特市": 2,
}
NONCOAL_WEIGHTS = {
    "赤峰市": 20, "包头市": 12, "巴彦淖尔市": 12, "锡林郭勒盟": 11, "呼伦贝尔市": 10, "乌兰察布市": 9,
    "阿拉善盟": 8, "通辽市": 6, "兴安盟": 6, "鄂尔多斯市": 5, "呼和浩特市": 5, "乌海市": 4,
}
COAL_COUNTIES = {
    "鄂尔多斯市": ("准格尔旗", "伊金霍洛旗", "东胜区", "达拉特旗", "鄂托克旗", "乌审旗", "鄂托克前旗", "杭锦旗"),
    "呼伦贝尔市": ("扎赉诺尔区", "陈巴尔虎旗", "鄂温克族自治旗", "牙克石市", "新巴尔虎左旗", "海拉尔区"),
    "锡林郭勒盟": ("锡林浩特市", "西乌珠穆沁旗", "东乌珠穆沁旗", "正蓝旗", "阿巴嘎旗"),
    "乌海市": ("海勃湾区", "海南区", "乌达区"),
    "通辽市": ("霍林郭勒市", "扎鲁特旗", "科尔沁左翼后旗"),
    "包头市": ("石拐区", "土默特右旗", "达尔罕茂明安联合旗"),
    "阿拉善盟": ("阿拉善左旗", "额济纳旗", "阿拉善右旗"),
    "赤峰市": ("元宝山区", "松山区", "克什克腾旗"),
    "呼和浩特市": ("清水河县",),
}
# Non-coal minerals and their 勘查许可证 矿种分类 (02 金属, 03 非金属).
MINERAL_CODES = {
    "铁矿": "02", "金矿": "02", "铜矿": "02", "铅锌矿": "02", "银矿": "02", "钼矿": "02", "稀土": "02",
    "萤石": "03", "石墨": "03", "水泥用灰岩": "03", "建筑用砂石": "03", "白云岩": "03", "硅石": "03",
    "膨润土": "03", "石膏": "03",
}
CITY_MINERALS = {
    "呼和浩特市": ("水泥用灰岩", "金矿", "建筑用砂石", "白云岩"),
    "包头市": ("铁矿", "稀土", "金矿", "建筑用砂石", "白云岩"),
    "乌海市": ("水泥用灰岩", "白云岩", "硅石"),
    "赤峰市": ("铅锌矿", "银矿", "金矿", "萤石", "铜矿", "钼矿"),
    "通辽市": ("铅锌矿", "硅石", "膨润土", "建筑用砂石"),
    "鄂尔多斯市": ("石膏", "水泥用灰岩", "建筑用砂石"),
    "呼伦贝尔市": ("铅锌矿", "银矿", "钼矿", "萤石"),
    "巴彦淖尔市": ("铜矿", "铅锌矿", "金矿", "铁矿", "石墨"),
    "乌兰察布市": ("石墨", "萤石", "铁矿", "建筑用砂石"),
    "兴安盟": ("铅锌矿", "铜矿", "钼矿", "金矿"),
    "锡林郭勒盟": ("萤石", "铅锌矿", "铁矿", "银矿"),
    "阿拉善盟": ("萤石", "金矿", "铁矿", "硅石"),
}
# Pending procedures that fit each (task, reason); coal-only procedures only in coal tasks.
MISSING_POOLS: dict[tuple[int, str], tuple[str, ...]] = {
    (1, "缺少手续"): ("安全生产许可证", "林草征占用手续", "用地手续", "复工复产批复", "产能核定", "采矿权（用矿）手续"),
    (1, "基建技改"): ("安全设施设计审查", "产能核定"),
    (2, "探转采"): ("煤炭矿区总体规划", "立项（核准）手续", "环评手续", "用地手续", "林草征占用手续"),
    (2, "整合边角资源"): ("矿业权整合手续", "采矿权（用矿）手续"),
    (4, "缺少手续"): ("安全生产许可证", "立项（核准）手续", "环评手续", "林草征占用手续", "用地手续", "复工复产批复", "矿业权整合手续"),
    (4, "基建技改"): ("安全设施设计审查",),
    (5, "缺少手续"): ("立项（核准）手续", "环评手续", "采矿权（用矿）手续", "用地手续", "林草征占用手续", "安全设施设计审查"),
}
#: Share of rows of an optional pool (基建技改) that still list a pending procedure.
OPTIONAL_MISSING_SHARE = 0.3
MINING_TERMS = (3, 5, 10, 15, 20, 30)  # years a 采矿许可证 runs
DEADLINES = (date(2022, 9, 30), date(2022, 10, 31), date(2022, 11, 30), date(2022, 12, 15), date(2022, 12, 31))
DEADLINE_WEIGHTS = (1, 3, 3, 2, 5)
# W38 movement: chance that a 未启动 right starts, a 推进中 one is finished, or sheds a procedure.
START_CHANCE, FINISH_CHANCE, PROCEDURE_DONE_CHANCE = 0.15, 0.06, 0.25

_PLACES = (
    "巴彦乌拉", "哈达图", "查干淖尔", "乌兰陶勒盖", "阿尔巴斯", "白音华", "敖包图", "朝克乌拉", "呼和乌素",
    "巴音温都尔", "塔然高勒", "哈拉沟", "察汗淖", "额尔登", "准布斯", "沙尔呼热", "毛登", "达来",
    "图古日格", "白乃庙", "赛汉", "乌力吉", "宝力格", "哈日朝鲁", "那仁宝力格", "希热", "阿木古楞",
)
_PLACE_HEADS = "大小东西南北红白黑黄青石马杨李王刘高新老上下前后长沙草柳榆营哈巴乌阿敖查塔"
_PLACE_TAILS = ("沟", "梁", "营", "湾", "滩", "台", "岭", "山", "河", "泉", "井", "峁", "壕", "图", "窑", "布", "素", "盖", "庙", "坝")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙段雷钱汤尹常武乔贺"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志海东亮红玉林峰宇浩凯鹏飞斌文利"
_MONGOLIAN_NAMES = ("巴特尔", "乌力吉", "额尔敦", "其其格", "萨仁", "阿拉坦", "苏和", "朝鲁", "那日苏", "图雅", "斯琴", "宝音")
_MOBILE_HEADS = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "158", "159",
                 "176", "177", "180", "181", "183", "185", "186", "187", "188", "189", "199")
_NUMERALS = "一二三四五六七八九十"
_SOE_COAL = ("内蒙古能源集团{place}煤业有限公司", "内蒙古能源集团有限公司")
_SOE_NONCOAL = ("内蒙古地质矿产（集团）有限责任公司", "内蒙古能源集团{place}矿业有限公司")
_SOE_SURVEY = ("内蒙古自治区第{n}地质矿产勘查开发院", "内蒙古自治区煤田地质局{team}勘探队")
_PRIVATE = {
    ("采矿权", "煤炭"): ("{region}{place}煤业有限责任公司", "{region}{place}煤炭有限责任公司", "{region}{place}矿业有限公司"),
    ("采矿权", "非煤"): ("{region}{place}矿业有限责任公司", "{region}{place}矿业有限公司", "{region}{place}资源开发有限公司"),
    ("探矿权", "煤炭"): ("{region}{place}能源有限责任公司", "{region}{place}矿业有限公司"),
    ("探矿权", "非煤"): ("{region}{place}矿业有限公司", "{region}{place}地质勘查有限责任公司", "{region}{place}资源勘查有限公司"),
}
_SOE_SHARE = {("采矿权", "煤炭"): 0.2, ("采矿权", "非煤"): 0.05, ("探矿权", "煤炭"): 0.25, ("探矿权", "非煤"): 0.15}
_HOLDER_REUSE = 0.12  # a company often holds several rights in one 盟市

_MEASURES = {
    "基建技改": ("督促企业加快基建工程进度，{month}月底前完成竣工验收", "协调{dept}加快组织技改项目验收，验收合格后恢复生产",
                 "工作专班每周调度基建技改进度，帮助企业解决施工用地和供电问题"),
    "采空区灾害治理": ("督促企业按批复的治理方案推进采空区灾害治理，治理完成后组织验收", "盟市工作专班驻矿督导采空区治理，{month}月底前完成治理工程"),
    "市场原因": ("跟踪{mineral}市场行情，指导企业做好复产准备，市场回暖后尽快复产", "帮助企业对接下游用户落实销售渠道，力争{month}月底前复产"),
    "缺少手续": ("协调{dept}加快办理{proc}，{city}自然资源局每周调度办理进度", "指导企业补齐{proc}申报材料，报{dept}审批，专人跟踪服务",
                 "建立手续办理清单，逐项对接{dept}，{month}月底前办结{proc}"),
    "探转采": ("组织编制煤炭矿区总体规划，加快履行报请自治区人民政府探转采程序", "督促企业完成资源储量评审备案，加快办理探转采手续"),
    "整合边角资源": ("督促企业与相邻煤矿签订整合协议，加快办理矿业权整合手续", "组织编制整合实施方案，{month}月底前报自治区自然资源厅审查"),
    "勘查程度不足": ("督促企业加大勘查投入，{month}月底前完成补充勘查工作", "指导企业优化勘查设计，尽快达到转采勘查程度要求"),
}
_OWN_MEASURES = {
    "涉法涉诉": "督促企业执行法院判决，依法化解矛盾纠纷后推进复产",
    "股东意见不统一": "约谈企业股东，协调统一意见，推动尽快恢复生产",
    "未按承诺缴纳价款": "督促企业按承诺缴纳矿业权出让收益，缴清后恢复生产",
    "企业破产": "配合法院推进破产重整，引入战略投资者盘活矿业权",
    "资金紧张": "协调金融机构为企业纾困，帮助企业落实复产资金",
    "违法": "依法查处违法行为，督促企业整改到位后恢复生产",
    "治理整改不到位": "督促企业完成矿山地质环境治理整改，验收合格后复产",
}
_OWN_WEIGHTS = {"资金紧张": 5, "涉法涉诉": 3, "股东意见不统一": 2, "未按承诺缴纳价款": 2, "企业破产": 1, "违法": 1, "治理整改不到位": 2}
_MEASURE_TAILS = ("", "，县级工作专班每周调度", "，确保年底前盘活", "，专人跟踪服务", "，进展情况每周报送联席会议办公室")
_NOT_STARTED = ("尚未启动", "已通知企业报送工作方案，暂未启动", "企业尚未提交相关材料", "已约谈企业负责人，待企业明确复产计划")
_UNDER_WAY = {
    "基建技改": "基建工程已完成约{pct}%", "采空区灾害治理": "采空区治理工程已完成约{pct}%",
    "市场原因": "企业正在开展复产前设备检修", "企业自身原因": "已约谈企业负责人，正在协调解决",
    "探转采": "矿区总体规划正在编制", "整合边角资源": "整合协议正在协商", "勘查程度不足": "补充勘查野外工作已完成约{pct}%",
}
_DONE = {1: "已于{m}月{d}日复工复产", 4: "已于{m}月{d}日复工复产", 2: "已于{m}月{d}日取得采矿许可证",
         5: "已于{m}月{d}日取得采矿许可证", 3: "已于{m}月{d}日通过储量评审，达到转采要求", 6: "已于{m}月{d}日通过储量评审，达到转采要求"}
_CANNOT_RESUME = ("位于生态保护红线内", "资源已基本枯竭", "水文地质条件复杂，无法安全开采", "与城镇规划区重叠", "位于自然保护区内")
_CANNOT_RESUME_PROGRESS = ("拟按程序注销采矿许可证", "正在研究关闭退出方案", "已停止开采，做好安全管护")
_COLUMN_WIDTHS = {"seq": 6, "licence_no": 26, "right_name": 30, "holder": 30, "credit_code": 21, "measures": 40,
                  "progress": 28, "missing": 24, "note": 20, "phone": 14}
_TEXT_FIELDS = ("licence_no", "credit_code", "phone")
DATE_FORMAT = "yyyy-mm-dd"


@dataclass
class CityBook:
    """One 盟市's ledger for one week, and the people who sign its footer."""

    city: str
    week: int
    rows: list[Row]
    filled_by: str
    reviewed_by: str
    office_phone: str


@dataclass
class SampleRegion:
    """The generated region: week → 盟市 → ledger (the late 盟市 is missing from W38)."""

    seed: int
    weeks: dict[int, dict[str, CityBook]] = field(default_factory=dict)

    def rows(self, week: int) -> list[Row]:
        return [row for book in self.weeks[week].values() for row in book.rows]


def _sunday(week: int) -> date:
    return week_range(YEAR, week)[1]


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` over the weights by largest remainder, so the parts add up exactly."""
    whole = sum(weights.values())
    shares = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(share) for key, share in shares.items()}
    short = total - sum(counts.values())
    for key in sorted(shares, key=lambda k: counts[k] - shares[k])[:short]:
        counts[key] += 1
    return counts


class _Generator:
    """Makes up plausible rights, companies, people and numbers from one random source."""

    def __init__(self, seed: int, plan: Plan) -> None:
        self.rng = random.Random(seed)
        self.plan = plan
        self.licences: set[str] = set()
        self.credit_codes: dict[str, str] = {}
        self.holders: dict[tuple[str, str, str], list[tuple[str, str]]] = {}

    # ---- small pieces -------------------------------------------------------------------------

    def day(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def place(self) -> str:
        if self.rng.random() < 0.4:
            return self.rng.choice(_PLACES)
        return self.rng.choice(_PLACE_HEADS) + self.rng.choice(_PLACE_TAILS)

    def person(self) -> str:
        if self.rng.random() < 0.15:
            return self.rng.choice(_MONGOLIAN_NAMES)
        return self.rng.choice(_SURNAMES) + "".join(self.rng.choices(_GIVEN, k=self.rng.choice((1, 2, 2))))

    def landline(self, city: str) -> str:
        return f"{AREA_CODES[city]}-{self.rng.choice('2345678')}{self.rng.randrange(10**6):06d}"

    def phone(self, city: str) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(_MOBILE_HEADS) + f"{self.rng.randrange(10**8):08d}"
        return self.landline(city)

    def credit_code(self, holder: str, authority: str, kind: str = "91") -> str:
        """One code per holder: registering authority, a 主体标识码 and both check characters."""
        if holder not in self.credit_codes:
            if kind == "91" and self.rng.random() < 0.7:
                body = "MA0" + "".join(self.rng.choices(CREDIT_ALPHABET, k=5))
            else:
                body = f"{self.rng.randrange(10**8):08d}"
            first17 = kind + authority + body + org_check_char(body)
            self.credit_codes[holder] = first17 + credit_check_char(first17)
        return self.credit_codes[holder]

    def unique(self, make: Callable[[], str]) -> str:
        number = make()
        while number in self.licences:
            number = make()
        self.licences.add(number)
        return number

    def mining_licence(self, city: str, issued: date) -> str:
        authority = "150000" if self.rng.random() < 0.3 else divisions().city_codes[city]
        return self.unique(lambda: f"C{authority}{issued:%Y%m}{self.rng.randrange(10**10):010d}")

    def exploration_licence(self, mineral_code: str, valid_from: date) -> str:
        """The old 17-digit shape (issued up to mid-2020) or, for half of the newer rights, the 22-digit one."""
        if valid_from >= date(2020, 8, 1) and self.rng.random() < 0.5:
            return self.unique(lambda: f"T150000{valid_from:%Y%m}{self.rng.randrange(10**10):010d}")
        issued = self.day(date(2008, 1, 1), min(valid_from, date(2020, 6, 30)))
        way = self.rng.randint(1, 5)
        return self.unique(lambda: f"T15{way}{issued:%Y%m}{mineral_code}{self.rng.randrange(10**6):06d}")

    # ---- one right ----------------------------------------------------------------------------

    def holder(self, city: str, county: str, right_type: str, mineral_class: str) -> tuple[str, str, str]:
        """(holder, credit code, 是否国有企业) — sometimes a company already holding a right here."""
        pool = self.holders.setdefault((city, right_type, mineral_class), [])
        if pool and self.rng.random() < _HOLDER_REUSE:
            name, soe = self.rng.choice(pool)
            return name, self.credit_codes[name], soe
        kind = (right_type, mineral_class)
        if self.rng.random() < _SOE_SHARE[kind]:
            name, soe, authority, code_kind = self._soe(right_type, mineral_class)
        else:
            region = self.rng.choice(("内蒙古", city, county))
            name = self.rng.choice(_PRIVATE[kind]).format(region=region, place=self.place())
            soe, authority, code_kind = "否", divisions().city_codes[city], "91"
        pool.append((name, soe))
        return name, self.credit_code(name, authority, code_kind), soe

    def _soe(self, right_type: str, mineral_class: str) -> tuple[str, str, str, str]:
        if right_type == "探矿权" and self.rng.random() < 0.6:
            name = self.rng.choice(_SOE_SURVEY).format(n=self.rng.choice(_NUMERALS), team=self.rng.randrange(101, 160, 4))
            return name, "是", "150000", "12"  # a geological survey institute: 事业单位
        templates = _SOE_COAL if mineral_class == "煤炭" else _SOE_NONCOAL
        return self.rng.choice(templates).format(place=self.place()), "是", "150000", "91"

    def right(self, city: str, task: PlanTask | None, reason: str, mineral_class: str) -> Row:
        """A right of a plan task (or, ``task`` None, a mine that cannot resume)."""
        rng = self.rng
        right_type = task.right_type if task else "采矿权"
        coal = mineral_class == "煤炭"
        counties = COAL_COUNTIES.get(city) if coal else None
        county = rng.choice(counties or divisions().counties[city])
        mineral = "煤" if coal else rng.choice(CITY_MINERALS[city])
        place = self.place()
        holder, credit, soe = self.holder(city, county, right_type, mineral_class)
        if right_type == "采矿权":
            valid_from = self.day(date(2006, 1, 1), date(2021, 12, 31))
            # a stopped mine still holds its licence: the term runs past the baseline
            term = rng.choice([t for t in MINING_TERMS if valid_from.year + t > YEAR])
            valid_to = valid_from.replace(year=valid_from.year + term, day=min(valid_from.day, 28))
            licence = self.mining_licence(city, valid_from)
            name = f"{county}{place}{'煤矿' if coal else mineral.removesuffix('矿') + '矿'}"
        else:
            valid_from = self.day(date(2018, 1, 1), date(2022, 6, 30))
            valid_to = valid_from.replace(year=valid_from.year + 5, day=min(valid_from.day, 28))
            licence = self.exploration_licence("01" if coal else MINERAL_CODES[mineral], valid_from)
            stage = "勘探" if task and task.stage_ok else rng.choice(("详查", "普查"))
            name = f"内蒙古自治区{county}{place}{'煤炭' if coal else mineral}{stage}"
        row: Row = dict.fromkeys(f.name for f in fields())
        row.update(
            city=city, county=county, right_type=right_type, mineral_class=mineral_class, mineral=mineral,
            licence_no=licence, right_name=name, holder=holder, credit_code=credit, valid_from=valid_from,
            valid_to=valid_to, soe=soe, contact=self.person(), phone=self.phone(city),
            missing=(), own_reason=(), deadline=rng.choices(DEADLINES, DEADLINE_WEIGHTS)[0],
        )
        if task is None:
            self._cannot_resume(row)
        else:
            self._plan_right(row, task, reason)
        return row

    def _cannot_resume(self, row: Row) -> None:
        row.update(reason=self.plan.cannot_resume_reason, status="不具备条件", deadline=self.plan.goal_date,
                   note=self.rng.choice(_CANNOT_RESUME), progress=self.rng.choice(_CANNOT_RESUME_PROGRESS))

    def _plan_right(self, row: Row, task: PlanTask, reason: str) -> None:
        rng = self.rng
        row.update(task=task.label, lead_dept=task.lead_dept, reason=reason)
        if task.stage_ok is not None:
            row["stage_ok"] = "是" if task.stage_ok else "否"
        if task.reason_optional and row["city"] == BLANK_STAGE_REASON_CITY:
            row["reason"] = None
        pool = MISSING_POOLS.get((task.number, reason), ())
        if pool and (reason == "缺少手续" or task.number == 2 or rng.random() < OPTIONAL_MISSING_SHARE):
            row["missing"] = tuple(rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 2, 3)))))
        if reason == "企业自身原因":
            allowed = task.own_reasons
            picks = rng.choices(allowed, [_OWN_WEIGHTS[o] for o in allowed], k=rng.choice((1, 1, 2)))
            row["own_reason"] = tuple(dict.fromkeys(picks))
        row["measures"] = self._measures_for(row, reason)
        weights = (35, 58, 7) if task.needs_measures else (50, 48, 2)
        row["status"] = rng.choices(("未启动", "推进中", "已完成"), weights)[0]
        if row["status"] == "已完成":
            row["done_date"] = self.day(self.plan.baseline_date + timedelta(days=1), _sunday(FIRST_WEEK))
        row["progress"] = self.progress(row, task.number)

    def _measures_for(self, row: Row, reason: str) -> str:
        if reason == "企业自身原因":
            return "；".join(_OWN_MEASURES[o] for o in row["own_reason"])
        proc = row["missing"][0] if row["missing"] else ""
        # without a pending procedure, the department that accepts the mine's safety works
        dept = procedures()[proc or "安全设施设计审查"].department(row["mineral_class"])
        text = self.rng.choice(_MEASURES[reason]).format(
            dept=dept, proc=proc, city=row["city"], mineral=row["mineral"], month=row["deadline"].month)
        return text + self.rng.choice(_MEASURE_TAILS)

    def progress(self, row: Row, task_number: int) -> str:
        status, reason = row["status"], row["reason"] or "勘查程度不足"
        if status == "未启动":
            return self.rng.choice(_NOT_STARTED)
        if status == "已完成":
            return _DONE[task_number].format(m=row["done_date"].month, d=row["done_date"].day)
        if row["missing"]:
            proc = row["missing"][0]
            return f"{proc}申请材料已报{procedures()[proc].department(row['mineral_class'])}，正在审查"
        return _UNDER_WAY.get(reason, "正在推进").format(pct=self.rng.randrange(20, 90, 5))

    # ---- one week later -----------------------------------------------------------------------

    def next_week(self, row: Row) -> Row:
        """The right a week later: perhaps started, finished, or one procedure fewer pending."""
        new = dict(row)
        task = _task_of(self.plan, row)
        if task is None:
            return new
        chance = self.rng.random()
        if row["status"] == "未启动" and chance < START_CHANCE:
            new["status"] = "推进中"
            new["progress"] = self.progress(new, task.number)
        elif row["status"] == "推进中" and chance < FINISH_CHANCE:
            new["status"] = "已完成"
            new["done_date"] = self.day(*week_range(YEAR, SECOND_WEEK))
            new["progress"] = self.progress(new, task.number)
        elif row["status"] == "推进中" and len(row["missing"]) > 1 and chance < PROCEDURE_DONE_CHANCE:
            done = self.rng.choice(row["missing"])
            new["missing"] = tuple(p for p in row["missing"] if p != done)
            new["progress"] = f"{done}已办结，正在办理{new['missing'][0]}"
        return new


def _task_of(plan: Plan, row: Row) -> PlanTask | None:
    """The plan task a generated row was made for; None for the mines that cannot resume."""
    return next((t for t in plan.tasks if t.label == row["task"]), None)


def _slots(gen: _Generator) -> dict[str, list[tuple[PlanTask | None, str, str]]]:
    """盟市 → its rights as (task, reason, mineral class), adding up exactly to the plan."""
    plan, rng = gen.plan, gen.rng
    slots: dict[str, list[tuple[PlanTask | None, str, str]]] = {city: [] for city in divisions().cities}

    def deal(total: int, weights: dict[str, int], items: list[tuple[PlanTask | None, str, str]]) -> None:
        jittered = {city: w * rng.uniform(0.85, 1.15) for city, w in weights.items()}
        start = 0
        for city, count in _apportion(total, jittered).items():
            slots[city] += items[start:start + count]
            start += count

    for task in plan.tasks:
        reasons = [reason for reason, count in task.reasons.items() for _ in range(count)]
        rng.shuffle(reasons)
        weights = COAL_WEIGHTS if task.mineral_class == "煤炭" else NONCOAL_WEIGHTS
        deal(task.rights, weights, [(task, reason, task.mineral_class) for reason in reasons])
    special = plan.cannot_resume_reason
    noncoal = plan.cannot_resume - CANNOT_RESUME_COAL
    deal(CANNOT_RESUME_COAL, COAL_WEIGHTS, [(None, special, "煤炭")] * CANNOT_RESUME_COAL)
    deal(noncoal, NONCOAL_WEIGHTS, [(None, special, "非煤")] * noncoal)
    return slots


def _ledger_order(plan: Plan) -> Callable[[Row], tuple[int, int]]:
    """Ledgers are grouped by task (the mines that cannot resume last), then by county."""

    def order(row: Row) -> tuple[int, int]:
        task = _task_of(plan, row)
        return (task.number if task else len(plan.tasks) + 1, divisions().counties[row["city"]].index(row["county"]))

    return order


def generate_region(seed: int = DEFAULT_SEED, plan: Plan | None = None) -> SampleRegion:
    """Both weeks of all 12 盟市' ledgers, reconciling exactly with the plan in W37."""
    gen = _Generator(seed, plan or load_plan())
    region = SampleRegion(seed, {FIRST_WEEK: {}, SECOND_WEEK: {}})
    for city, slots in _slots(gen).items():
        rows = sorted((gen.right(city, *slot) for slot in slots), key=_ledger_order(gen.plan))
        for seq, row in enumerate(rows, start=1):
            row["seq"] = seq
        book = CityBook(city, FIRST_WEEK, rows, gen.person(), gen.person(), gen.landline(city))
        region.weeks[FIRST_WEEK][city] = book
        if city == LATE_CITY:
            continue
        later = rows if city in STALLED_CITIES else [gen.next_week(row) for row in rows]
        region.weeks[SECOND_WEEK][city] = CityBook(city, SECOND_WEEK, later, book.filled_by, book.reviewed_by,
                                                   book.office_phone)
    return region


# ---- writing --------------------------------------------------------------------------------


def _stamped(archive: bytes) -> bytes:
    """The zip again with every entry dated ``FIXED_TIME``, so equal content gives equal bytes."""
    out = io.BytesIO()
    with ZipFile(io.BytesIO(archive)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for entry in source.infolist():
            stamped = ZipInfo(entry.filename, FIXED_TIME.timetuple()[:6])
            stamped.compress_type = ZIP_DEFLATED
            target.writestr(stamped, source.read(entry))
    return out.getvalue()


def _save(book: Any, path: Path) -> None:
    """Save without timestamps of "now" (``Workbook.save`` stamps the modified time, zip entries the clock)."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = FIXED_TIME
    book.properties.creator = "kq samples"
    buffer = io.BytesIO()
    ExcelWriter(book, ZipFile(buffer, "w", ZIP_DEFLATED)).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stamped(buffer.getvalue()))


def cell_value(value: Any) -> Any:
    """What goes into the cell: lists joined with 、 as the 盟市 write them, empty lists blank."""
    if isinstance(value, tuple):
        return "、".join(value) or None
    return value


def title_lines(city: str, week: int) -> tuple[str, str]:
    sunday = _sunday(week)
    return (f"{city}盘活矿业权工作台账（{YEAR}年第{week}周）",
            f"填报单位：{city}自然资源局　　填报日期：{sunday.year}年{sunday.month}月{sunday.day}日")


def write_workbook(path: Path, book: CityBook) -> Path:
    """The workbook as a 盟市 sends it: title, 填报单位 line, header, rows, signatures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    names = [f.name for f in fields()]
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    title, unit = title_lines(book.city, book.week)
    ws.append([title])
    ws.append([unit])
    ws.append([f.header for f in fields()])
    for row in book.rows:
        ws.append([cell_value(row[name]) for name in names])
    ws.append([])
    ws.append([f"填表人：{book.filled_by}　审核人：{book.reviewed_by}　联系电话：{book.office_phone}"])

    last = len(names)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[TITLE_ROWS + 1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    formats = {i: DATE_FORMAT for i, f in enumerate(fields(), start=1) if f.kind == "date"}
    formats.update({field_by_name()[n].letter_index + 1: "@" for n in _TEXT_FIELDS})
    for cells in ws.iter_rows(min_row=TITLE_ROWS + 2, max_row=TITLE_ROWS + 1 + len(book.rows)):
        for cell in cells:
            cell.border = border
            if cell.column in formats:
                cell.number_format = formats[cell.column]
    for f in fields():
        ws.column_dimensions[column_letter(f.letter_index)].width = _COLUMN_WIDTHS.get(f.name, 12)
    ws.freeze_panes = ws.cell(row=TITLE_ROWS + 2, column=1)
    _save(wb, path)
    return path


def ledger_path(out_dir: Path, week: int, city: str) -> Path:
    return out_dir / week_label(YEAR, week) / f"{city}.xlsx"


# ---- flawed samples -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flaw:
    """A small workbook showing one or two typical mistakes, and the codes ``kq validate`` gives."""

    file: str
    what: str
    codes: tuple[str, ...]


def _cell(field_name: str, index: int, first_data_row: int = TITLE_ROWS + 2) -> str:
    return f"{column_letter(field_by_name()[field_name].letter_index)}{first_data_row + index}"


def _pick(rows: list[Row], wanted: Iterable[Callable[[Row], bool]], size: int = 5) -> list[Row]:
    """A few rows of a 盟市 with at least one row meeting each wish, renumbered from 1."""
    chosen: list[Row] = []
    for wish in wanted:
        chosen.append(next(r for r in rows if wish(r) and r not in chosen))
    chosen += [r for r in rows if r not in chosen][: size - len(chosen)]
    return [{**r, "seq": seq} for seq, r in enumerate(chosen, start=1)]


def _is_mining(row: Row) -> bool:
    return row["right_type"] == "采矿权" and row["status"] != "不具备条件"


def _flaw_credit_code(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    good = picked[1]["credit_code"]
    bad = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(good[-1]) + 7) % len(CREDIT_ALPHABET)]
    picked[1]["credit_code"] = good[:-1] + bad
    return picked, f"{_cell('credit_code', 1)} 统一社会信用代码最后一位校验位抄错（写成 {bad}，应为 {good[-1]}）"


def _flaw_foreign_county(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    picked[2]["county"] = "科尔沁区"
    return picked, f"{_cell('county', 2)} 旗县填了通辽市的科尔沁区"


def _flaw_missing_lists(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [lambda r: r["reason"] == "缺少手续", lambda r: r["reason"] == "企业自身原因"])
    picked[0]["missing"], picked[1]["own_reason"] = (), ()
    return picked, (f"{_cell('missing', 0)} 原因为缺少手续却没列出所缺手续；"
                    f"{_cell('own_reason', 1)} 原因为企业自身原因却没写具体原因")


def _flaw_licence_prefix(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [_is_mining])
    picked[0]["licence_no"] = picked[0]["licence_no"].removeprefix("C")
    return picked, f"{_cell('licence_no', 0)} 采矿许可证号漏了开头的 C（只有 22 位数字）"


def _flaw_date_words(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [])
    picked[1]["deadline"], picked[3]["deadline"] = "九月底", "年底前"
    return picked, f"{_cell('deadline', 1)}、{_cell('deadline', 3)} 计划完成时限写成「九月底」「年底前」，不是日期"


def _flaw_phone_number(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [lambda r: "-" in r["phone"]])
    picked[0]["phone"] = int(picked[0]["phone"].replace("-", ""))
    return picked, f"{_cell('phone', 0)} 固定电话存成了数字，区号前的 0 丢了（{picked[0]['phone']}）"


def _flaw_duplicate_csv(rows: list[Row]) -> tuple[list[Row], str]:
    picked = _pick(rows, [], size=4)
    picked.append({**picked[1], "seq": 5})
    return picked, (f"GBK 编码的 CSV（WPS 另存为）；同一矿业权填了两遍（{_cell('licence_no', 1, 2)} 与 "
                    f"{_cell('licence_no', 4, 2)} 许可证号相同）")


_FLAWED: tuple[tuple[str, str, Callable[[list[Row]], tuple[list[Row], str]], tuple[str, ...]], ...] = (
    ("包头市_信用代码校验位错.xlsx", "包头市", _flaw_credit_code, ("credit_code.check",)),
    ("赤峰市_旗县填了外盟市.xlsx", "赤峰市", _flaw_foreign_county, ("county.not_in_city",)),
    ("鄂尔多斯市_手续和原因未列明.xlsx", "鄂尔多斯市", _flaw_missing_lists, ("missing.required", "own_reason.required")),
    ("乌海市_许可证号缺C.xlsx", "乌海市", _flaw_licence_prefix, ("licence.prefix_missing",)),
    ("呼伦贝尔市_日期写成文字.xlsx", "呼伦贝尔市", _flaw_date_words, ("value.date",)),
    ("通辽市_电话丢了0.xlsx", "通辽市", _flaw_phone_number, ("phone.shape",)),
    ("锡林郭勒盟_重复填报.csv", "锡林郭勒盟", _flaw_duplicate_csv, ("licence.duplicate",)),
)


def _write_csv(path: Path, rows: list[Row]) -> None:
    """A ledger saved as CSV by WPS on a Chinese Windows: GBK, header first, CRLF lines."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f.header for f in fields()])
    for row in rows:
        writer.writerow(["" if (v := cell_value(row[f.name])) is None else v for f in fields()])
    path.write_bytes(buffer.getvalue().encode("gbk"))


def write_flawed(out_dir: Path, region: SampleRegion) -> list[Flaw]:
    """The flawed workbooks and their README, built from W37 rows of the named 盟市."""
    out_dir.mkdir(parents=True, exist_ok=True)
    books = region.weeks[FIRST_WEEK]
    flaws = []
    for file, city, spoil, codes in _FLAWED:
        rows, what = spoil(books[city].rows)
        path = out_dir / file
        if path.suffix == ".csv":
            _write_csv(path, rows)
        else:
            original = books[city]
            write_workbook(path, CityBook(city, FIRST_WEEK, rows, original.filled_by, original.reviewed_by,
                                          original.office_phone))
        flaws.append(Flaw(file, what, codes))
    (out_dir / "README.md").write_text(flawed_readme(flaws), encoding="utf-8")
    return flaws


def flawed_readme(flaws: Iterable[Flaw]) -> str:
    lines = [
        "# 问题样例台账",
        "",
        "每个文件取自 2022-W37 样例中某盟市的几行，只故意改错一两处，演示 `kq validate` 能发现的常见错误。",
        "每行：文件名 — 错在哪里 → `kq validate` 给出的问题代码。",
        "",
    ]
    lines += [f"- `{f.file}`：{f.what} → {'、'.join(f'`{c}`' for c in f.codes)}" for f in flaws]
    return "\n".join(lines) + "\n"


# ---- everything -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplesWritten:
    region: SampleRegion
    ledgers: dict[int, list[Path]]
    flaws: list[Flaw]


def write_samples(out_dir: str | Path, seed: int = DEFAULT_SEED) -> SamplesWritten:
    """Write ``<out>/2022-W37/``, ``<out>/2022-W38/`` and ``<out>/flawed/``."""
    out = Path(out_dir)
    region = generate_region(seed)
    ledgers = {
        week: [write_workbook(ledger_path(out, week, city), book) for city, book in books.items()]
        for week, books in region.weeks.items()
    }
    return SamplesWritten(region, ledgers, write_flawed(out / FLAWED_DIR, region))
