"""Registry demo stage: three years (as_of.year-2 … as_of, the clock's today by default) of
documents, meetings and inspections for every county and city department, the quotas, and the
monthly rollup — with four patterns planted in named units for the signal rules to find.

Clean units follow the campaign: each year they keep 55–62% of last year's records (the quota is
last year's counted records minus 30%, so they stay within about 85% of it), month by month along
their own seasonal profile (a quiet Spring Festival, a year-end rush). Kinds, forms and methods are
spread over the year evenly (every stretch of the year holds its share to within one record), so
no share jumps by chance and, with the default thresholds, clean units raise no signal at all.

Planted (in the first city of the build; units by position, or by name where the city has it):
- 1st county (tree order) — burns its quota early: in the as-of year it plans 110% of its document
  and meeting quotas with 60% of it in January–May → pacing (over half by May; later exceeded).
- 2nd county — swaps red-header for white-header documents: documents roughly flat (95% of last
  year), the red-header share halved, the extra white-header ones marked as not assigning work (so
  they do not count) → gaming, white_header.
- 市教育局 (else the 3rd department) — meetings doubled on last year → rising (and pacing for
  meetings: its quota is last year's minus 30%).
- 市生态环境局 (else the 2nd department) — on-site inspections turned into written-material
  ones (on site 62% → 22%) and three inspections outside the annual plan → gaming,
  remote_inspection; inspections outside the plan.
All other counties and departments are clean.
"""

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from jianfu.core import clock
from jianfu.demo.generator import DemoContext, register
from jianfu.registry import counting, rollup
from jianfu.registry.models import (
    GRASSROOTS_LEVELS,
    Category,
    Document,
    DocumentKind,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Level,
    Meeting,
    MeetingLevel,
    Quota,
)

YEARS = 3
# January … December: Spring Festival quiet, deployment in spring, summer lull, year-end rush.
SEASON = (0.85, 0.55, 1.10, 1.10, 1.05, 1.10, 0.90, 0.80, 1.00, 0.95, 1.15, 1.45)
BASE = {
    "county": {"document": (220, 320), "meeting": (140, 200), "inspection": (60, 90)},
    "department": {"document": (100, 180), "meeting": (60, 110), "inspection": (24, 40)},
}
KEEP = (0.55, 0.62)  # share of last year's records a clean unit keeps
QUOTA_CUT = 0.30  # the quota: last year's counted records minus 30%
QUOTA_MARGIN = 0.85  # a clean unit stays within this share of its quota
FIRST_YEAR_USE = 0.90  # the first year's quota had been used to this share

# Variants per category: what a record is, with its weight in the mix.
DOC_MIX = {
    "county": {
        ("red_header", True): 0.40,
        ("joint", True): 0.05,
        ("white_header", True): 0.14,
        ("white_header", False): 0.06,
        ("notice", True): 0.14,
        ("notice", False): 0.09,
        ("workgroup", True): 0.07,
        ("workgroup", False): 0.05,
    },
    "department": {
        ("red_header", True): 0.35,
        ("joint", True): 0.08,
        ("white_header", True): 0.15,
        ("white_header", False): 0.07,
        ("notice", True): 0.15,
        ("notice", False): 0.10,
        ("workgroup", True): 0.06,
        ("workgroup", False): 0.04,
    },
}
# The county that swaps: the masthead dropped, the extra white-header documents "assign no work".
SWAP_MIX = {
    ("red_header", True): 0.18,
    ("joint", True): 0.03,
    ("white_header", True): 0.08,
    ("white_header", False): 0.34,
    ("notice", True): 0.12,
    ("notice", False): 0.12,
    ("workgroup", True): 0.06,
    ("workgroup", False): 0.07,
}
MEETING_MIX = {
    "county": {
        ("in_person", True): 0.45,
        ("in_person", False): 0.15,
        ("video", True): 0.15,
        ("video", False): 0.15,
        ("merged", True): 0.10,
    },
    "department": {
        ("in_person", True): 0.25,
        ("in_person", False): 0.35,
        ("video", True): 0.10,
        ("video", False): 0.22,
        ("merged", False): 0.08,
    },
}
INSPECTION_MIX = {
    ("on_site", True): 0.62,
    ("phone", True): 0.08,
    ("materials", True): 0.12,
    ("online", True): 0.18,
}
PAPER_MIX = {
    ("on_site", True): 0.22,
    ("phone", True): 0.15,
    ("materials", True): 0.45,
    ("online", True): 0.18,
}
OUT_OF_PLAN = 3

TOPICS = (
    "安全生产",
    "森林防火",
    "防汛抗旱",
    "乡村振兴",
    "耕地保护",
    "生态环境保护",
    "信访维稳",
    "优化营商环境",
    "民生实事",
    "秸秆禁烧",
    "文明城市创建",
    "社会治安综合治理",
    "农村人居环境整治",
    "河湖长制",
    "消防安全",
    "食品安全",
    "校园安全",
    "城镇燃气安全",
    "招商引资",
    "重点项目建设",
    "巩固拓展脱贫攻坚成果",
    "高标准农田建设",
    "基层党建",
    "党风廉政建设",
    "意识形态工作",
    "统计数据质量",
    "安全生产治本攻坚",
    "粮食生产",
    "疫病防控",
    "防范电信网络诈骗",
    "食品药品监管",
    "医疗保障",
    "就业创业",
    "养老服务",
    "困难群众救助",
    "退役军人服务保障",
    "国土绿化",
    "大气污染防治",
    "老旧小区改造",
    "政务服务",
    "数字政府建设",
    "整治形式主义为基层减负",
)
DOC_TITLES = {
    "red_header": (
        "关于做好{y}年{t}工作的通知",
        "关于印发《{t}工作实施方案》的通知",
        "关于进一步加强{t}工作的意见",
        "关于开展{t}专项行动的通知",
        "关于调整{t}工作领导小组成员的通知",
    ),
    "joint": ("关于联合开展{t}工作的通知", "关于印发《{t}联合工作机制》的通知"),
    "white_header": ("关于报送{t}有关材料的通知", "关于做好{t}工作的通知", "关于{t}工作的提示"),
    "notice": ("关于召开{t}工作会议的通知", "关于报送{t}工作进展情况的通知"),
    "workgroup": ("请各单位于本周五前报送{t}工作台账", "关于{t}工作的温馨提醒"),
}
MEETING_TITLES = (
    "{t}工作推进会",
    "{t}工作部署会",
    "{t}专题会议",
    "{y}年{t}工作会议",
    "{t}工作调度会",
)
INSPECTION_TITLES = {
    "supervision": ("{y}年{t}工作督查", "{t}工作“回头看”督查"),
    "check": ("{t}专项检查", "{y}年{t}工作检查"),
    "assessment": ("{y}年度{t}工作考核", "{t}目标责任考核"),
}
NUMBER_SUFFIXES = ("发", "政发", "办发", "政办发")


@dataclass
class Issuer:
    """A unit that gets registry data, and what is planted in it."""

    unit: object
    kind: str  # "county" | "department"
    prefix: str  # the masthead abbreviation of its document numbers
    targets: list  # the units its inspections visit
    co_issuers: list  # the units it issues joint documents with
    patterns: set[str] = field(default_factory=set)


PATTERN_LABELS = {
    "pacing": "前5个月指标用量过半",
    "swap": "白头文件代替红头文件",
    "rising": "会议不降反升",
    "paper": "实地督查改为书面督查、计划外督查",
}


def _under(units, path: str) -> list:
    return [u for u in units if u.path.startswith(path)]


def _pick_department(departments, wanted: str, fallback: int, taken: set[int]):
    for d in departments:
        if d.name.endswith(wanted) and d.pk not in taken:
            return d
    rest = [d for d in departments if d.pk not in taken]
    return rest[min(fallback, len(rest) - 1)] if rest else None


def choose_planted(counties: list, departments: list) -> dict[str, object]:
    """The units that carry the planted patterns (see the module docstring), or fewer when the
    tree is too small."""
    planted: dict[str, object] = {}
    if counties:
        planted["pacing"] = counties[0]
    if len(counties) > 1:
        planted["swap"] = counties[1]
    # The city office itself is never a culprit.
    others = [d for d in departments if not d.name.endswith("市委办公室")]
    taken: set[int] = set()
    rising = _pick_department(others, "教育局", 1, taken)
    if rising is not None:
        planted["rising"] = rising
        taken.add(rising.pk)
    paper = _pick_department(others, "生态环境局", 0, taken)
    if paper is not None:
        planted["paper"] = paper
    return planted


def _prefix(unit, kind: str, city_stem: str) -> str:
    """The masthead abbreviation of a unit's document numbers: 青山发, 青教发, 青发改发 …"""
    if kind == "county":
        return unit.name[:-1] if len(unit.name) > 2 else unit.name
    name = unit.short_name or unit.name
    name = name.split("市", 1)[1] if "市" in name[:3] else name
    name = name.removeprefix("委")
    for tail in ("委员会", "办公室", "局", "委", "办", "部", "院", "会", "社"):
        name = name.removesuffix(tail)
    return city_stem[:1] + ((name if unit.short_name else name[:1])[:2] or "办")


def plan_units(ctx: DemoContext) -> list[Issuer]:
    """The counties and city departments that get registry data, with their planted patterns."""
    units = []
    cities = ctx.units["city"]
    first_city = cities[0] if cities else ctx.root
    for city in cities or [ctx.root]:
        counties = _under(ctx.units["county"], city.path)
        departments = [
            u for u in _under(ctx.units["department"], city.path) if u.depth == city.depth + 1
        ]
        townships = ctx.units["township"]
        county_departments = ctx.units["county_department"]
        planted = choose_planted(counties, departments) if city.pk == first_city.pk else {}
        by_unit: dict[int, set[str]] = {}
        for pattern, unit in planted.items():
            by_unit.setdefault(unit.pk, set()).add(pattern)
        stem = city.short_name or city.name[:2]
        for c in counties:
            units.append(
                Issuer(
                    c,
                    "county",
                    _prefix(c, "county", stem),
                    _under(townships, c.path),
                    _under(county_departments, c.path),
                    by_unit.get(c.pk, set()),
                )
            )
        for d in departments:
            units.append(
                Issuer(
                    d,
                    "department",
                    _prefix(d, "department", stem),
                    counties,
                    [o for o in departments if o.pk != d.pk],
                    by_unit.get(d.pk, set()),
                )
            )
    return units


# --- Spreading records over the year --------------------------------------------------------------


def spread(n: int, weights) -> list[int]:
    """n split along weights, exactly (largest remainders)."""
    total = sum(weights)
    raw = [n * w / total for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: n - sum(out)]:
        out[i] += 1
    return out


def evenly(mix: dict, n: int) -> list:
    """n keys of `mix` in its proportions, spread so that every stretch of the sequence holds each
    key's share to within one record (the key with the largest accumulated credit goes next)."""
    total = sum(mix.values())
    keys = list(mix)
    credit = dict.fromkeys(keys, 0.0)
    out = []
    for _ in range(n):
        for k in keys:
            credit[k] += mix[k] / total
        pick = max(keys, key=lambda k: credit[k])
        credit[pick] -= 1
        out.append(pick)
    return out


def evenly_grouped(mix: dict, group_of, n: int) -> list:
    """As `evenly`, but the groups the rules compare (red- vs white-header, on-site vs remote …)
    are spread first, so that each group, not only each variant, holds its share."""
    groups: dict = {}
    for variant, weight in mix.items():
        groups.setdefault(group_of(variant), {})[variant] = weight
    order = evenly({g: sum(m.values()) for g, m in groups.items()}, n)
    within = {g: iter(evenly(m, order.count(g))) for g, m in groups.items()}
    return [next(within[g]) for g in order]


GROUP_OF = {
    Category.DOCUMENT: lambda v: v[0] in ("red_header", "joint"),
    Category.MEETING: lambda v: v if v[0] == "video" else "other",
    Category.INSPECTION: lambda v: {"phone": "remote", "materials": "remote"}.get(v[0], v[0]),
}


def _workday(year: int, month: int, day: int) -> dt.date:
    days = calendar.monthrange(year, month)[1]
    date = dt.date(year, month, min(max(day, 1), days))
    if date.weekday() == 5:
        date = date - dt.timedelta(days=1) if date.day > 1 else date + dt.timedelta(days=2)
    elif date.weekday() == 6:
        date = date + dt.timedelta(days=1) if date.day < days else date - dt.timedelta(days=2)
    return date


def dates(rng: random.Random, year: int, per_month: list[int]) -> list[dt.date]:
    """Dates in each month, stratified over the month (so a part-month holds its share)."""
    out = []
    for month, k in enumerate(per_month, start=1):
        days = calendar.monthrange(year, month)[1]
        for i in range(k):
            out.append(_workday(year, month, int((i + rng.random()) * days / k) + 1))
    return sorted(out)


def _counted_share(category: str, mix: dict, rules: counting.Rules) -> float:
    counted = sum(w for v, w in mix.items() if _is_counted(category, v, rules))
    return counted / sum(mix.values())


def _jitter(rng: random.Random, mix: dict) -> dict:
    return {k: w * rng.uniform(0.85, 1.15) for k, w in mix.items()}


# --- The build ------------------------------------------------------------------------------------


@dataclass
class Batch:
    documents: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    inspections: list = field(default_factory=list)
    quotas: list = field(default_factory=list)
    co_issuers: list = field(default_factory=list)  # (document index, unit)
    targets: list = field(default_factory=list)  # (inspection index, [units])
    numbers: dict = field(default_factory=dict)  # (unit id, year) → last document number


def generate(units: list[Issuer], rng: random.Random, as_of: dt.date) -> Batch:
    """Every record and quota for `units`, in memory (ready for bulk_create)."""
    rules = counting.Rules.current()
    years = list(range(as_of.year - YEARS + 1, as_of.year + 1))
    batch = Batch()
    for u in units:
        for category in BASE[u.kind]:  # the kinds the demo makes records of (a new one: add it)
            _unit_category(batch, u, category, years, as_of, rng, rules)
    return batch


def _mix_for(u: Issuer, category: str, rng: random.Random) -> dict:
    if category == Category.DOCUMENT:
        return _jitter(rng, DOC_MIX[u.kind])
    if category == Category.MEETING:
        return _jitter(rng, MEETING_MIX[u.kind])
    return _jitter(rng, INSPECTION_MIX)


def _is_counted(category: str, variant, rules: counting.Rules) -> bool:
    if category == Category.DOCUMENT:
        return counting.document_counts(variant[0], variant[1], rules)
    if category == Category.MEETING:
        return counting.meeting_counts(variant[0], False, rules)
    return counting.inspection_counts()


def _unit_category(batch, u: Issuer, category, years, as_of, rng, rules) -> None:
    low, high = BASE[u.kind][category]
    if "paper" in u.patterns and category == Category.INSPECTION:
        low, high = 70, 100  # enough inspections for their shares to be compared
    profile = [s * rng.uniform(0.85, 1.15) for s in SEASON]
    mix = _mix_for(u, category, rng)
    share = _counted_share(category, mix, rules)
    total = counted_last = None
    for year in years:
        this_mix, this_profile = mix, profile
        if total is None:
            total = rng.randint(low, high)
            quota = math.ceil(total * share / FIRST_YEAR_USE)
        else:
            quota = int(counted_last * (1 - QUOTA_CUT))
            last = total
            # A clean unit keeps 55–62% of last year, within a margin of its quota.
            total = min(round(last * rng.uniform(*KEEP)), int(QUOTA_MARGIN * quota / share))
            if year == as_of.year:
                total, this_mix, this_profile = _planted(
                    u, category, total, last, quota, mix, profile, rng, rules
                )
        batch.quotas.append(Quota(unit=u.unit, year=year, category=category, limit=quota))
        days = dates(rng, year, spread(total, this_profile))
        variants = evenly_grouped(this_mix, GROUP_OF[category], len(days))
        # The quota of the next year follows the whole year's counted records.
        counted_last = sum(_is_counted(category, v, rules) for v in variants)
        out_of_plan = _out_of_plan(u, category, year, as_of, days, rng)
        for i, (day, variant) in enumerate(zip(days, variants, strict=True)):
            if day > as_of:
                break
            _add(batch, u, category, day, variant, i in out_of_plan, rng, rules)


def _planted(u: Issuer, category, total, last, quota, mix, profile, rng, rules):
    """This year's total, mix and profile for a planted unit (unchanged for a clean one)."""
    if "pacing" in u.patterns and category in (Category.DOCUMENT, Category.MEETING):
        share = _counted_share(category, mix, rules)
        total = math.ceil(quota * 1.10 / share)
        early, late = sum(profile[:5]), sum(profile[5:])
        # 60% of the year's plan in January–May.
        profile = [p * 0.60 / early for p in profile[:5]] + [p * 0.40 / late for p in profile[5:]]
    elif "swap" in u.patterns and category == Category.DOCUMENT:
        return round(last * 0.95), _jitter(rng, SWAP_MIX), profile
    elif "rising" in u.patterns and category == Category.MEETING:
        total = round(last * 2.0)  # clearly beyond chance at a department's size
    elif "paper" in u.patterns and category == Category.INSPECTION:
        mix = PAPER_MIX
    return total, mix, profile


def _out_of_plan(u: Issuer, category, year, as_of, days, rng) -> set[int]:
    if "paper" not in u.patterns or category != Category.INSPECTION or year != as_of.year:
        return set()
    before = [i for i, d in enumerate(days) if d <= as_of]
    return set(rng.sample(before, min(OUT_OF_PLAN, len(before))))


def _title(rng, templates, year) -> str:
    return rng.choice(templates).format(y=year, t=rng.choice(TOPICS))


def _add(batch, u: Issuer, category, day, variant, out_of_plan, rng, rules) -> bool:
    if category == Category.DOCUMENT:
        return _document(batch, u, day, variant, rng, rules)
    if category == Category.MEETING:
        return _meeting(batch, u, day, variant, rng, rules)
    return _inspection(batch, u, day, variant, out_of_plan, rng)


def _document(batch, u: Issuer, day, variant, rng, rules) -> bool:
    kind, assigns = variant
    number = ""
    if kind in (DocumentKind.RED_HEADER, DocumentKind.JOINT):
        key = (u.unit.pk, day.year)
        batch.numbers[key] = batch.numbers.get(key, 0) + 1
        number = f"{u.prefix}{rng.choice(NUMBER_SUFFIXES)}〔{day.year}〕{batch.numbers[key]}号"
    if kind == DocumentKind.WORKGROUP:
        pages, characters = 1, rng.randint(80, 400)
    else:
        pages = rng.randint(3, 12) if kind in ("red_header", "joint") else rng.randint(1, 5)
        characters = pages * rng.randint(600, 900)
    if u.kind == "county":
        levels = (Level.TOWNSHIP, Level.VILLAGE) if assigns else (Level.TOWNSHIP,)
    else:
        levels = (Level.COUNTY, Level.DEPARTMENT) + ((Level.TOWNSHIP,) if assigns else ())
    counted = counting.document_counts(kind, assigns, rules)
    batch.documents.append(
        {
            "unit_id": u.unit.pk,
            "number": number,
            "title": _title(rng, DOC_TITLES[kind], day.year),
            "issued_on": day,
            "kind": kind,
            "addressed_levels": tuple(str(x) for x in levels),
            "reaches_grassroots": bool(set(levels) & GRASSROOTS_LEVELS),
            "assigns_work": assigns,
            "pages": pages,
            "characters": characters,
            "counted": counted,
        }
    )
    if kind == DocumentKind.JOINT and u.co_issuers:
        batch.co_issuers.append((len(batch.documents) - 1, rng.choice(u.co_issuers)))
    return counted


START_TIMES = (dt.time(8, 30), dt.time(9, 0), dt.time(10, 0), dt.time(14, 30), dt.time(15, 0))


def _meeting(batch, u: Issuer, day, variant, rng, rules) -> bool:
    form, grassroots = variant
    if u.kind == "county":
        level = MeetingLevel.COUNTY
        levels = (Level.TOWNSHIP, Level.VILLAGE) if grassroots else (Level.COUNTY,)
    else:
        level = MeetingLevel.DEPARTMENT
        levels = (Level.COUNTY, Level.TOWNSHIP) if grassroots else (Level.COUNTY,)
    start = rng.choice(START_TIMES)
    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=rng.choice((60, 90, 120)))).time()
    counted = counting.meeting_counts(form, False, rules)
    attendees = rng.randint(10, 60) if grassroots else 0
    batch.meetings.append(
        {
            "unit_id": u.unit.pk,
            "title": _title(rng, MEETING_TITLES, day.year),
            "held_on": day,
            "starts_at": start,
            "ends_at": end,
            "level": level,
            "form": form,
            "attend_levels": tuple(str(x) for x in levels),
            "grassroots_required": bool(set(levels) & GRASSROOTS_LEVELS) or attendees > 0,
            "grassroots_attendees": attendees,
            "counted": counted,
        }
    )
    return counted


FORMS_DEMANDED = {
    InspectionMethod.ON_SITE: (0, 3),
    InspectionMethod.PHONE: (0, 2),
    InspectionMethod.MATERIALS: (3, 12),
    InspectionMethod.ONLINE: (1, 5),
}
INSPECTION_KINDS = (InspectionKind.SUPERVISION, InspectionKind.CHECK, InspectionKind.ASSESSMENT)


def _inspection(batch, u: Issuer, day, variant, out_of_plan, rng) -> bool:
    method, _in_plan = variant
    kind = rng.choices(INSPECTION_KINDS, (4, 4, 2))[0]
    batch.inspections.append(
        {
            "unit_id": u.unit.pk,
            "title": _title(rng, INSPECTION_TITLES[kind], day.year),
            "kind": kind,
            "method": method,
            "starts_on": day,
            "ends_on": day + dt.timedelta(days=rng.choice((0, 0, 1, 2, 3, 5, 7))),
            "in_plan": not out_of_plan,
            "forms_demanded": rng.randint(*FORMS_DEMANDED[method]),
            "counted": counting.inspection_counts(),
        }
    )
    if u.targets:
        picked = rng.sample(u.targets, min(len(u.targets), rng.randint(1, 3)))
        batch.targets.append((len(batch.inspections) - 1, picked))
    return True


# --- Writing --------------------------------------------------------------------------------------
# Raw multi-row inserts: building tens of thousands of model instances and letting bulk_create
# prepare every field costs four times the insert itself. Ids are assigned here (after the highest
# one in the table) so the joint-document and inspection-target links can be written too; the
# PostgreSQL sequences are moved on afterwards.


def _converter(field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    if isinstance(field, models.JSONField):
        cache: dict = {}

        def json_value(value, field=field):
            if value not in cache:
                cache[value] = field.get_db_prep_save(list(value), connection)
            return cache[value]

        return json_value
    return None


def _insert(model, rows: list[dict], defaults: dict, first_id: int | None = None) -> None:
    """INSERT the rows (dicts of attnames) in batches; fields not given take `defaults`."""
    if not rows:
        return
    fields = [
        f
        for f in model._meta.concrete_fields
        if (f.attname in rows[0] or f.attname in defaults or (f.primary_key and first_id))
    ]
    convert = [_converter(f) for f in fields]
    qn = connection.ops.quote_name
    # Table and column names come from the model's own metadata, quoted; the values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    values = []
    for i, row in enumerate(rows):
        out = []
        for f, conv in zip(fields, convert, strict=True):
            if f.primary_key:
                value = first_id + i
            else:
                value = row[f.attname] if f.attname in row else defaults[f.attname]
            out.append(conv(value) if conv is not None and value is not None else value)
        values.append(out)
    with connection.cursor() as cursor:
        for i in range(0, len(values), 2000):
            cursor.executemany(sql, values[i : i + 2000])


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def write(batch: Batch) -> dict[str, int]:
    now = clock.now()
    common = {
        "external_id": "",
        "import_record_id": None,
        "created_by_id": None,
        "created_at": now,
        "updated_at": now,
    }
    ids = {}
    for model, rows, extra in (
        (Document, batch.documents, {"full_text": ""}),
        (Meeting, batch.meetings, {"merged_with_id": None}),
        (Inspection, batch.inspections, {}),
    ):
        ids[model] = _next_id(model)
        _insert(model, rows, {**common, **extra}, ids[model])
    Quota.objects.bulk_create(batch.quotas, batch_size=2000)
    _insert(
        Document.co_issuers.through,
        [{"document_id": ids[Document] + i, "unit_id": u.pk} for i, u in batch.co_issuers],
        {},
    )
    _insert(
        Inspection.targets.through,
        [
            {"inspection_id": ids[Inspection] + i, "unit_id": t.pk}
            for i, units in batch.targets
            for t in units
        ],
        {},
    )
    statements = connection.ops.sequence_reset_sql(no_style(), [Document, Meeting, Inspection])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return {
        "documents": len(batch.documents),
        "meetings": len(batch.meetings),
        "inspections": len(batch.inspections),
        "quotas": len(batch.quotas),
    }


def refresh_rollup(unit_ids: list[int], as_of: dt.date) -> None:
    years = range(as_of.year - YEARS + 1, as_of.year + 1)
    for category in Category.values:
        rollup.refresh(category, unit_ids, years)


def build(ctx: DemoContext, units: list[Issuer] | None = None) -> dict[str, int]:
    units = plan_units(ctx) if units is None else units
    written = write(generate(units, ctx.rng, ctx.as_of))
    refresh_rollup([u.unit.pk for u in units], ctx.as_of)
    counts = {
        "发文登记": written["documents"],
        "会议登记": written["meetings"],
        "督查检查考核登记": written["inspections"],
        "硬性指标": written["quotas"],
    }
    for u in units:
        for pattern in sorted(u.patterns):
            counts[f"埋设预警样例：{u.unit.name}（{PATTERN_LABELS[pattern]}）"] = 1
    return counts


def _count() -> dict[str, int]:
    return {
        "发文登记": Document.objects.count(),
        "会议登记": Meeting.objects.count(),
        "督查检查考核登记": Inspection.objects.count(),
        "硬性指标": Quota.objects.count(),
    }


@register(count=_count, name="jianfu.registry.demo_data.registry")
def registry(ctx: DemoContext) -> dict[str, int]:
    return build(ctx)
