"""The generated region: every 盟市's rights for 2022-W37, adding up exactly to the plan, and the
same rights one week later (W38), all from one ``random.Random(seed)``."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kuangquan_cli.checking.identifiers import CREDIT_ALPHABET, credit_check_char, org_check_char
from kuangquan_cli.reference.plan import Plan, PlanTask, load_plan
from kuangquan_cli.reference.tables import divisions, fields, procedures
from kuangquan_cli.reference.vocabulary import (
    CANNOT_RESUME,
    COAL,
    DONE,
    EXPLORATION,
    EXPLORATION_SHORT,
    IN_PROGRESS,
    MINING,
    MISSING_PROCEDURES,
    NO,
    NON_COAL,
    NOT_STARTED,
    OWN_REASONS,
    YES,
)
from kuangquan_cli.reference.weeks import week_range
from kuangquan_cli.samples.pools import (
    AREA_CODES,
    CANNOT_RESUME_NOTES,
    CANNOT_RESUME_PROGRESS,
    CITY_MINERALS,
    COAL_COUNTIES,
    COAL_WEIGHTS,
    DEADLINE_WEIGHTS,
    DEADLINES,
    DONE_PROGRESS,
    GIVEN_NAME_CHARS,
    MEASURE_TAILS,
    MEASURES,
    MINERAL_CODES,
    MINING_TERMS,
    MISSING_POOLS,
    MOBILE_HEADS,
    MONGOLIAN_NAMES,
    NONCOAL_WEIGHTS,
    NOT_STARTED_PROGRESS,
    NUMERALS,
    OWN_MEASURES,
    OWN_WEIGHTS,
    PLACE_HEADS,
    PLACE_TAILS,
    PLACES,
    PRIVATE_COMPANIES,
    SOE_COAL,
    SOE_NONCOAL,
    SOE_SURVEY,
    SURNAMES,
    UNDER_WAY_PROGRESS,
)

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
#: Share of rows of an optional pool (基建技改) that still list a pending procedure.
OPTIONAL_MISSING_SHARE = 0.3
# W38 movement: chance that a 未启动 right starts, a 推进中 one is finished, or sheds a procedure.
START_CHANCE, FINISH_CHANCE, PROCEDURE_DONE_CHANCE = 0.15, 0.06, 0.25
#: Share of state-owned holders by (right type, mineral class).
SOE_SHARE = {(MINING, COAL): 0.2, (MINING, NON_COAL): 0.05, (EXPLORATION, COAL): 0.25, (EXPLORATION, NON_COAL): 0.15}
HOLDER_REUSE = 0.12  # a company often holds several rights in one 盟市


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


def week_sunday(week: int) -> date:
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
            return self.rng.choice(PLACES)
        return self.rng.choice(PLACE_HEADS) + self.rng.choice(PLACE_TAILS)

    def person(self) -> str:
        if self.rng.random() < 0.15:
            return self.rng.choice(MONGOLIAN_NAMES)
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN_NAME_CHARS, k=self.rng.choice((1, 2, 2))))

    def landline(self, city: str) -> str:
        return f"{AREA_CODES[city]}-{self.rng.choice('2345678')}{self.rng.randrange(10**6):06d}"

    def phone(self, city: str) -> str:
        if self.rng.random() < 0.6:
            return self.rng.choice(MOBILE_HEADS) + f"{self.rng.randrange(10**8):08d}"
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
        if pool and self.rng.random() < HOLDER_REUSE:
            name, soe = self.rng.choice(pool)
            return name, self.credit_codes[name], soe
        kind = (right_type, mineral_class)
        if self.rng.random() < SOE_SHARE[kind]:
            name, soe, authority, code_kind = self._soe(right_type, mineral_class)
        else:
            region = self.rng.choice(("内蒙古", city, county))
            name = self.rng.choice(PRIVATE_COMPANIES[kind]).format(region=region, place=self.place())
            soe, authority, code_kind = NO, divisions().city_codes[city], "91"
        pool.append((name, soe))
        return name, self.credit_code(name, authority, code_kind), soe

    def _soe(self, right_type: str, mineral_class: str) -> tuple[str, str, str, str]:
        if right_type == EXPLORATION and self.rng.random() < 0.6:
            name = self.rng.choice(SOE_SURVEY).format(n=self.rng.choice(NUMERALS), team=self.rng.randrange(101, 160, 4))
            return name, YES, "150000", "12"  # a geological survey institute: 事业单位
        templates = SOE_COAL if mineral_class == COAL else SOE_NONCOAL
        return self.rng.choice(templates).format(place=self.place()), YES, "150000", "91"

    def right(self, city: str, task: PlanTask | None, reason: str, mineral_class: str) -> Row:
        """A right of a plan task (or, ``task`` None, a mine that cannot resume)."""
        rng = self.rng
        right_type = task.right_type if task else MINING
        coal = mineral_class == COAL
        counties = COAL_COUNTIES.get(city) if coal else None
        county = rng.choice(counties or divisions().counties[city])
        mineral = "煤" if coal else rng.choice(CITY_MINERALS[city])
        place = self.place()
        holder, credit, soe = self.holder(city, county, right_type, mineral_class)
        if right_type == MINING:
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
        row.update(reason=self.plan.cannot_resume_reason, status=CANNOT_RESUME, deadline=self.plan.goal_date,
                   note=self.rng.choice(CANNOT_RESUME_NOTES), progress=self.rng.choice(CANNOT_RESUME_PROGRESS))

    def _plan_right(self, row: Row, task: PlanTask, reason: str) -> None:
        rng = self.rng
        row.update(task=task.label, lead_dept=task.lead_dept, reason=reason)
        if task.stage_ok is not None:
            row["stage_ok"] = YES if task.stage_ok else NO
        if task.reason_optional and row["city"] == BLANK_STAGE_REASON_CITY:
            row["reason"] = None
        pool = MISSING_POOLS.get((task.number, reason), ())
        if pool and (reason == MISSING_PROCEDURES or task.number == 2 or rng.random() < OPTIONAL_MISSING_SHARE):
            row["missing"] = tuple(rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 2, 3)))))
        if reason == OWN_REASONS:
            allowed = task.own_reasons
            picks = rng.choices(allowed, [OWN_WEIGHTS[o] for o in allowed], k=rng.choice((1, 1, 2)))
            row["own_reason"] = tuple(dict.fromkeys(picks))
        row["measures"] = self._measures_for(row, reason)
        weights = (35, 58, 7) if task.needs_measures else (50, 48, 2)
        row["status"] = rng.choices((NOT_STARTED, IN_PROGRESS, DONE), weights)[0]
        if row["status"] == DONE:
            row["done_date"] = self.day(self.plan.baseline_date + timedelta(days=1), week_sunday(FIRST_WEEK))
        row["progress"] = self.progress(row, task.number)

    def _measures_for(self, row: Row, reason: str) -> str:
        if reason == OWN_REASONS:
            return "；".join(OWN_MEASURES[o] for o in row["own_reason"])
        proc = row["missing"][0] if row["missing"] else ""
        # without a pending procedure, the department that accepts the mine's safety works
        dept = procedures()[proc or "安全设施设计审查"].department(row["mineral_class"])
        text = self.rng.choice(MEASURES[reason]).format(
            dept=dept, proc=proc, city=row["city"], mineral=row["mineral"], month=row["deadline"].month)
        return text + self.rng.choice(MEASURE_TAILS)

    def progress(self, row: Row, task_number: int) -> str:
        status, reason = row["status"], row["reason"] or EXPLORATION_SHORT
        if status == NOT_STARTED:
            return self.rng.choice(NOT_STARTED_PROGRESS)
        if status == DONE:
            return DONE_PROGRESS[task_number].format(m=row["done_date"].month, d=row["done_date"].day)
        if row["missing"]:
            proc = row["missing"][0]
            return f"{proc}申请材料已报{procedures()[proc].department(row['mineral_class'])}，正在审查"
        return UNDER_WAY_PROGRESS.get(reason, "正在推进").format(pct=self.rng.randrange(20, 90, 5))

    # ---- one week later -----------------------------------------------------------------------

    def next_week(self, row: Row) -> Row:
        """The right a week later: perhaps started, finished, or one procedure fewer pending."""
        new = dict(row)
        task = _task_of(self.plan, row)
        if task is None:
            return new
        chance = self.rng.random()
        if row["status"] == NOT_STARTED and chance < START_CHANCE:
            new["status"] = IN_PROGRESS
            new["progress"] = self.progress(new, task.number)
        elif row["status"] == IN_PROGRESS and chance < FINISH_CHANCE:
            new["status"] = DONE
            new["done_date"] = self.day(*week_range(YEAR, SECOND_WEEK))
            new["progress"] = self.progress(new, task.number)
        elif row["status"] == IN_PROGRESS and len(row["missing"]) > 1 and chance < PROCEDURE_DONE_CHANCE:
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
        weights = COAL_WEIGHTS if task.mineral_class == COAL else NONCOAL_WEIGHTS
        deal(task.rights, weights, [(task, reason, task.mineral_class) for reason in reasons])
    special = plan.cannot_resume_reason
    noncoal = plan.cannot_resume - CANNOT_RESUME_COAL
    deal(CANNOT_RESUME_COAL, COAL_WEIGHTS, [(None, special, COAL)] * CANNOT_RESUME_COAL)
    deal(noncoal, NONCOAL_WEIGHTS, [(None, special, NON_COAL)] * noncoal)
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
