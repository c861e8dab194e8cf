"""Rectification demo stage: the province's negative list (last year's version, and this year's
loaded from the province's spreadsheet), one self-examination round, problems from the planted
signals of the earlier stages and from an inspection tour, a complaint and the office, and ledgers
in every state — with five cases planted for the ledger's own signals.

Everything is written through the services, as the people would: the office (`office`) loads and
publishes the lists, opens the round, confirms signals, registers problems, verifies, returns and
reviews; each unit's contact (`contact-<code>`; a township's is its county's) answers the round and
keeps the ledger. Every step runs with the clock set to the moment it happened (weeks or months
before as_of), all in time order, so the problem pages and the audit log read as a real history.
Each write announces itself to the rectification rules; one queued run covers them all
(signals.tasks.Coalesced), and the rules run once here at the end.

The round: every county and city department of the (first) city — in a province build, every
county of the province — opened five weeks before as_of, due a few days after it. About one unit in
eight has not submitted (half of those saved a draft); half of the others found one or two items
present or partly present, each a problem. The earliest found get measures in the early states
(verified, returned once, submitted, in progress with progress notes, draft), some more in progress.

Confirmed on as_of (the office triaging the earlier issues' planted signals in the first city):
white-header documents (2nd county), meetings rising (市教育局), paper inspections (市生态环境局 or
its stand-in), felt against registered (3rd county; city builds). Each becomes a problem carrying
its frozen evidence; two get draft measures. Pacing and the sample-point checks stay in the inbox.

Planted (first city; counties in tree order, departments by name where the city has them):
- last county — an inspection tour's problem whose measure was due "10 working days" from 24
  September, across Mid-Autumn and National Day, still in progress → rect_overdue;
- 市农业农村局 (else the last department) — a measure drafted and never started, 8 working days
  past its deadline → rect_overdue;
- the first township of the last-but-one county — a complaint; the measure was submitted,
  returned and not resubmitted, 2 working days late → rect_overdue;
- 市卫生健康委员会 (else the first department but the office) — returned twice, in progress again
  before its deadline → rect_returned;
- last-but-one county — a long-term item verified last year that relapsed at its review a few
  weeks ago, in progress again to the new deadline the office set → rect_relapse.
Clean besides: a long-term item whose review held (1st county), one awaiting its review (a
department), and the self-examination ledgers. No other rectification signal is raised.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils import timezone

from jianfu.core import clock, workdays
from jianfu.core.models import User
from jianfu.demo import names
from jianfu.demo.generator import STEPLEN, DemoContext, register
from jianfu.rectification.models import (
    Answer,
    Measure,
    MeasureKind,
    NegativeList,
    NegativeListItem,
    Problem,
)
from jianfu.rectification.problems import measures, services
from jianfu.rectification.problems.reminders import overdue_reminders
from jianfu.rectification.selfexam import services as exams
from jianfu.signals import runner
from jianfu.signals import services as signals
from jianfu.signals.models import Signal, SignalStatus
from jianfu.signals.problems import problem_for

from .rectification_cases import (
    PLANTED,
    awaiting_review,
    review_held,
    submitted_case,
    verified_immediate,
)
from .rectification_texts import MEASURES, NEGATIVE_LIST, NEW

PATTERN_LABELS = {
    "overdue_holiday": "整改逾期：按工作日计算的时限跨国庆假期",
    "overdue_draft": "整改逾期：措施制定后未启动",
    "overdue_returned": "整改逾期：退回后未重新提交",
    "returned_twice": "整改两次被退回",
    "relapse": "回头看发现问题反弹",
}
RULE_OF = {
    "overdue_holiday": "rect_overdue",
    "overdue_draft": "rect_overdue",
    "overdue_returned": "rect_overdue",
    "returned_twice": "rect_returned",
    "relapse": "rect_relapse",
}
# The earlier stages' planted signals the office confirms: (rule, subject, note).
CONFIRM = (
    ("gaming", "white_header", "经核实，{unit}以白头文件、工作群通知代替正式发文的情况属实。"),
    ("quota_rising", "meeting", "经核实，{unit}会议数量不降反升属实。"),
    ("gaming", "remote_inspection", "经核实，{unit}以书面材料督查代替实地检查的情况属实。"),
    ("felt_registered", "documents", "样本点反映的收文负担与{unit}登记的发文数量明显不符，属实。"),
)
# Self-examination: the share of units that has not submitted (half of it with a draft saved), and
# how many items a submitting unit finds present or partly present, with their chances.
NOT_SUBMITTED = 0.12
FOUND_ITEMS = ((0, 0.5), (1, 0.35), (2, 0.15))
# The states the earliest-found problems are taken to, and the days each needs before as_of.
EARLY_STATES = ("verified", "returned_once", "submitted", "in_progress", "in_progress", "draft")
NEEDS = {"verified": 14, "returned_once": 12, "submitted": 6, "in_progress": 5, "draft": 3}
OFFICE_ACTIONS = ("verify", "return", "review")


def _count() -> dict[str, int]:
    published = NegativeList.objects.filter(published_at__isnull=False)
    latest = published.order_by("-year", "-version").first()
    return {
        "负面清单事项": NegativeListItem.objects.filter(negative_list=latest).count()
        if latest
        else 0,
        "问题清单": Problem.objects.count(),
        "整改措施": Measure.objects.count(),
    }


@register(count=_count, name="jianfu.rectification.demo_data.rectification")
def rectification(ctx: DemoContext) -> dict[str, int]:
    return build(ctx)


# --- Whom and when ------------------------------------------------------------------------------


def _under(units, path: str) -> list:
    return [u for u in units if u.path.startswith(path)]


def first_city(units: dict, root) -> tuple:
    """The city that carries the planted cases, its counties and its own departments."""
    city = (units["city"] or [root])[0]
    counties = _under(units["county"], city.path)
    departments = [d for d in _under(units["department"], city.path) if d.depth == city.depth + 1]
    return city, counties, departments


def _named(departments: list, wanted: str, fallback: int):
    return next((d for d in departments if d.name.endswith(wanted)), departments[fallback])


def choose_planted(counties: list, departments: list, townships: list) -> dict[str, object]:
    """The units that carry the planted rectification cases (see the module docstring). The city
    office itself is never a culprit."""
    others = [d for d in departments if not d.name.endswith("市委办公室")]
    planted: dict[str, object] = {}
    if counties:
        planted["overdue_holiday"] = counties[-1]
        second = counties[-2] if len(counties) > 1 else counties[-1]
        planted["relapse"] = second
        town = next((t for t in townships if t.path.startswith(second.path)), None)
        if town is not None:
            planted["overdue_returned"] = town
    if others:
        planted["overdue_draft"] = _named(others, "农业农村局", -1)
        planted["returned_twice"] = _named(others, "卫生健康委员会", 0)
    return planted


class Days:
    """Working days around as_of (people act on working days) and moments within them."""

    def __init__(self, as_of: dt.date, rng):
        self.as_of, self.rng = as_of, rng
        self.cal = workdays.load(as_of - dt.timedelta(days=480), as_of + dt.timedelta(days=400))

    def on_or_before(self, day: dt.date) -> dt.date:
        while not self.cal.is_workday(day):
            day -= dt.timedelta(days=1)
        return day

    def on_or_after(self, day: dt.date) -> dt.date:
        while not self.cal.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def back(self, n: int) -> dt.date:
        return self.on_or_before(self.as_of - dt.timedelta(days=n))

    def ahead(self, n: int) -> dt.date:
        return self.on_or_after(self.as_of + dt.timedelta(days=n))

    def after(self, day: dt.date, n: int) -> dt.date:
        """n days after `day`, on a working day, and never later than the day before as_of."""
        return min(self.on_or_after(day + dt.timedelta(days=n)), self.back(1))

    def workdays_back(self, n: int) -> dt.date:
        """The day n working days before as_of."""
        day = self.as_of
        while n:
            day -= dt.timedelta(days=1)
            n -= self.cal.is_workday(day)
        return day

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        minute = self.rng.randrange(0, 50)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@dataclass
class Agenda:
    """Every write of the demo with the moment it happened, run in time order with the clock set
    to that moment, so the steps and the audit log read in order."""

    items: list[tuple[dt.datetime, int, Callable[[], None]]] = field(default_factory=list)

    def add(self, at: dt.datetime, fn: Callable[[], None]) -> None:
        self.items.append((at, len(self.items), fn))

    def run(self) -> None:
        for at, _, fn in sorted(self.items, key=lambda x: (x[0], x[1])):
            with clock.frozen(at):
                fn()


class Demo:
    """The build's state: who acts, the calendar, the agenda, what was written."""

    def __init__(self, ctx: DemoContext):
        self.ctx, self.rng, self.as_of = ctx, ctx.rng, ctx.as_of
        self.days = Days(ctx.as_of, ctx.rng)
        self.agenda = Agenda()
        prefix = ctx.username_prefix
        self.office = User.objects.select_related("home_unit").get(username=f"{prefix}office")
        contacts = User.objects.filter(username__startswith=f"{prefix}contact-")
        self.contacts = {u.home_unit_id: u for u in contacts.select_related("home_unit")}
        self.contact_paths = {u.home_unit.path: u for u in self.contacts.values()}
        self.lists = SimpleNamespace(previous=None, current=None, published_on=None)
        self.round = None
        self.counts: dict[str, int] = {}

    def contact_for(self, unit) -> User:
        """The unit's own contact, or the nearest one above it (a township's: its county's)."""
        path = unit.path
        while path:
            if path in self.contact_paths:
                return self.contact_paths[path]
            path = path[:-STEPLEN]
        return self.office

    def sequence(self, steps: list[tuple[dt.date, Callable[[], None]]]) -> None:
        """One case's steps, in order: a step falling on the day of the one before comes an hour
        after it (a holiday can fold several days into one working day)."""
        last, hour = None, 9
        for day, fn in steps:
            day = min(day, self.days.back(1))
            if last is not None and day <= last:
                day, hour = last, min(hour + 1, 17)
            else:
                hour = 9 + self.rng.randrange(0, 3)
            last = day
            self.agenda.add(self.days.at(day, hour), fn)

    def person(self) -> str:
        return names.person_name(self.rng)

    def act(self, by, case, action: str, note: str = "", **kwargs) -> None:
        version = Measure.objects.values_list("version", flat=True).get(pk=case.measure.pk)
        case.measure = measures.measure_act(
            by=by, measure_id=case.measure.pk, version=version, action=action, note=note, **kwargs
        )


# --- The negative list and the round ----------------------------------------------------------


def _rows(include_new: bool) -> list[dict]:
    rows = []
    for category, items in NEGATIVE_LIST:
        for title, explanation, _finding, mark in items:
            if mark != NEW or include_new:
                number = str(len(rows) + 1)
                rows.append(
                    {
                        "number": number,
                        "category": category,
                        "title": title,
                        "explanation": explanation,
                    }
                )
    return rows


def plan_lists(d: Demo) -> None:
    """Last year's list typed in and published; this year's copied from it, replaced by the
    province's spreadsheet and published three weeks before the round."""
    year, office, days = d.as_of.year, d.office, d.days
    root = d.ctx.root
    province = root.name if root.kind == "province" else names.province_stem(d.rng) + "省"
    title = "形式主义官僚主义突出问题负面清单"

    def previous():
        nl = exams.list_create(
            by=office, title=title, issued_by=f"中共{province}委办公厅", year=year - 1
        )
        for row in _rows(include_new=False):
            exams.item_save(by=office, negative_list=nl, data=row)
        d.lists.previous = nl

    def current():
        d.lists.current = exams.list_new_version(
            by=office, source=d.lists.previous, year=year, title=f"{title}（{year}年版）"
        )

    def load_current():
        rows = _rows(include_new=True)
        extra = {"file": f"{title}（{year}年版）.xlsx", "rows": len(rows)}
        exams.items_replace(by=office, negative_list=d.lists.current, rows=rows, import_extra=extra)

    def publish(which: str):
        def publish_list():
            nl = exams.list_publish(by=office, negative_list=getattr(d.lists, which))
            setattr(d.lists, which, nl)

        return publish_list

    d.lists.published_on = days.back(55)
    d.sequence(
        [
            (days.back(430), previous),
            (days.back(425), publish("previous")),
            (days.back(62), current),
            (days.back(60), load_current),
            (d.lists.published_on, publish("current")),
        ]
    )


def plan_round(d: Demo, scope_unit, kinds: list[str], units: list) -> None:
    """The round, every unit's answers, and measures on some of the problems found (the earliest
    found get the later states: a verification takes days)."""
    days = d.days
    opened, deadline = days.back(35), days.ahead(3)

    def open_round():
        d.round = exams.round_open(
            by=d.office,
            negative_list=d.lists.current,
            title=f"{d.as_of.year}年度对照负面清单自查",
            scope_unit_id=scope_unit.pk,
            deadline=deadline,
            unit_kinds=kinds,
        )

    d.sequence([(opened, open_round)])
    span = max(3, (d.as_of - opened).days - 2)
    catalogue = [(category, item) for category, items in NEGATIVE_LIST for item in items]
    submissions = []
    answering = [u for u in units if u.pk in d.contacts]
    rolls = [d.rng.random() for _ in answering]
    if rolls and min(rolls) >= NOT_SUBMITTED:  # some have always not finished
        rolls[-1] = 0.0
    for unit, roll in zip(answering, rolls, strict=True):
        contact = d.contacts[unit.pk]
        day = days.after(opened, 2 + int(span * d.rng.random() ** 0.6))
        if roll < NOT_SUBMITTED:
            if roll < NOT_SUBMITTED / 2:
                d.agenda.add(days.at(day, 11), _exam_save(d, unit, contact))
            continue
        found = _found(d, catalogue)
        cases = [
            SimpleNamespace(unit=unit, problem=None, measure=None, person="", category=c)
            for c in (catalogue[i][0] for i in found)
        ]
        d.agenda.add(days.at(day, 9), _exam_submit(d, unit, contact, found, cases))
        submissions.append((day, unit.path, cases))
    d.counts["自查单位（应参加）"] = len(units)
    d.counts["自查单位（已提交）"] = len(submissions)
    wanted = list(EARLY_STATES)
    for day, _path, cases in sorted(submissions, key=lambda x: (x[0], x[1])):
        gap = (d.as_of - day).days
        for case in cases:
            state = next((s for s in wanted if gap >= NEEDS[s]), None)
            if state is not None:
                wanted.remove(state)
            elif gap >= NEEDS["in_progress"] and d.rng.random() < 0.4:
                state = "in_progress"
            if state is not None:
                case.person = d.person()
                plan_early(d, case, day, state)


def _found(d: Demo, catalogue) -> dict[int, tuple[str, str]]:
    """What a unit finds: {position in the list: (answer, explanation)}."""
    roll, k = d.rng.random(), 0
    for n, chance in FOUND_ITEMS:
        if roll < chance:
            k = n
            break
        roll -= chance
    out = {}
    for pos in sorted(d.rng.sample(range(len(catalogue)), k)):
        answer = Answer.PRESENT if d.rng.random() < 0.3 else Answer.PARTLY
        out[pos] = (answer, catalogue[pos][1][2].format(n=d.rng.randint(2, 6)))
    return out


def _answers(d: Demo, found: dict, upto: int | None = None) -> dict:
    items = list(d.lists.current.items.order_by("position"))[:upto]
    return {item.pk: found.get(i, (Answer.ABSENT, "")) for i, item in enumerate(items)}


def _participation(d: Demo, unit) -> int:
    return d.round.participations.get(unit=unit).pk


def _exam_save(d: Demo, unit, contact):
    def save():
        answers = _answers(d, {}, upto=12)
        exams.exam_save(by=contact, participation_id=_participation(d, unit), answers=answers)

    return save


def _exam_submit(d: Demo, unit, contact, found: dict, cases: list):
    def submit():
        problems = exams.exam_submit(
            by=contact, participation_id=_participation(d, unit), answers=_answers(d, found)
        )
        # Problems come back in the list's order, as `found` and `cases` are.
        for case, problem in zip(cases, problems, strict=True):
            case.problem = problem

    return submit


# --- Ledgers ---------------------------------------------------------------------------------


def _new_measure(d: Demo, case, by, *, content, kind=MeasureKind.IMMEDIATE, **extra) -> None:
    data = {
        "content": content,
        "kind": kind,
        "responsible_unit_id": case.unit.pk,
        "responsible_person": case.person,
        **extra,
    }
    case.measure = measures.measure_create(by=by, problem=case.problem, data=data)


def plan_early(d: Demo, case, found: dt.date, state: str) -> None:
    """A self-examination problem's measure, taken as far as `state`; never late."""
    days, office = d.days, d.office
    contact = d.contact_for(case.unit)
    content, notes, done = MEASURES[case.category]
    n = d.rng.randint(3, 12)
    if state == "verified":
        deadline = days.on_or_after(found + dt.timedelta(days=20))
    else:
        deadline = days.ahead(d.rng.randint(15, 45))
    steps = [
        (found, lambda: None),  # the submission, at 9 that morning
        (
            days.after(found, 1),
            lambda: _new_measure(d, case, contact, content=content, deadline=deadline),
        ),
    ]
    if state != "draft":
        steps += [
            (days.after(found, 2), lambda: d.act(contact, case, "start")),
            (days.after(found, 4), lambda: d.act(contact, case, "progress", notes[0].format(n=n))),
        ]
    if state == "in_progress" and (d.as_of - found).days >= 12:
        steps.append(
            (days.after(found, 10), lambda: d.act(contact, case, "progress", notes[1].format(n=n)))
        )
    if state in ("verified", "returned_once", "submitted"):
        on = days.back(2) if state == "submitted" else days.after(found, 8)
        steps.append((on, lambda: d.act(contact, case, "submit", done.format(n=n))))
    if state == "verified":
        note = "经抽查核实，整改到位，同意销号。"
        steps.append((days.after(found, 10), lambda: d.act(office, case, "verify", note)))
    elif state == "returned_once":
        note = "整改情况说明较笼统，请补充清理前后的对比清单后重新提交。"
        steps.append((days.after(found, 9), lambda: d.act(office, case, "return", note)))
    d.sequence(steps)


def plan_case(d: Demo, unit, spec: dict) -> None:
    """A named case: the problem the office registers, the unit's measure and what followed.
    spec: source, found, description, item (a list item's first words), severity, measure (the
    measure's data), steps [(day or days before as_of, action, note, extra)]; the actions are the
    ledger's, plus "create" (the measure)."""
    days, office = d.days, d.office
    case = SimpleNamespace(unit=unit, problem=None, measure=None, person=d.person())
    contact = d.contact_for(unit)

    def register_problem():
        found = spec["found"]
        nl = d.lists.current if found >= d.lists.published_on else d.lists.previous
        item = nl.items.filter(title__startswith=spec["item"]).first() if spec.get("item") else None
        case.problem = services.problem_create(
            by=office,
            unit_id=unit.pk,
            source=spec["source"],
            description=spec["description"],
            severity=spec.get("severity", 2),
            found_on=found,
            item=item,
        )

    steps = [(spec["found"], register_problem)]
    for when, action, note, extra in spec["steps"]:
        day = days.back(when) if isinstance(when, int) else days.on_or_after(when)
        if action == "create":
            fn = lambda: _new_measure(d, case, contact, **spec["measure"])  # noqa: E731
        else:
            who = office if action in OFFICE_ACTIONS else contact
            fn = lambda who=who, action=action, note=note, extra=extra: d.act(  # noqa: E731
                who, case, action, note, **extra
            )
        steps.append((day, fn))
    d.sequence(steps)


def confirm_signals(d: Demo, city) -> int:
    """The office confirms the earlier stages' planted signals; two of the problems get draft
    measures the same afternoon."""
    confirmed = 0
    for rule, subject, note in CONFIRM:
        s = (
            Signal.objects.filter(
                rule=rule,
                subject=subject,
                status=SignalStatus.OPEN,
                unit__path__startswith=city.path,
            )
            .select_related("unit")
            .order_by("unit__path", "period")
            .first()
        )
        if s is None:
            continue
        note = note.format(unit=s.unit.name) + "转入问题清单整改。"
        signals.signal_confirm(by=d.office, signal=s, note=note)
        confirmed += 1
        problem = problem_for(s)
        case = SimpleNamespace(unit=s.unit, problem=problem, measure=None, person=d.person())
        contact = d.contact_for(s.unit)
        if subject == "white_header":
            content = (
                "以工作群通知、便函形式布置工作的一律纳入发文统计，修订发文管理办法，"
                "严禁以白头文件规避发文数量控制"
            )
            _new_measure(d, case, contact, content=content, deadline=d.days.ahead(30))
        elif subject == "remote_inspection":
            _new_measure(
                d,
                case,
                contact,
                content="修订督查检查年度计划管理办法，实地核查比例不低于六成，计划外检查一律报批",
                kind=MeasureKind.LONG_TERM,
                deadline=d.days.ahead(45),
                mechanism="督查检查年度计划管理办法（修订）",
                review_on=d.days.ahead(180),
            )
    return confirmed


# --- The build -----------------------------------------------------------------------------------


def build(ctx: DemoContext) -> dict[str, int]:
    d = Demo(ctx)
    city, counties, departments = first_city(ctx.units, ctx.root)
    townships = _under(ctx.units["township"], city.path)
    planted = choose_planted(counties, departments, townships)
    plan_lists(d)
    if ctx.root.kind == "province":  # the province's office asks its counties
        plan_round(d, ctx.root, ["county"], ctx.units["county"])
    else:
        plan_round(d, city, ["county", "department"], counties + departments)
    for pattern, unit in planted.items():
        plan_case(d, unit, PLANTED[pattern](d, unit))
    others = [u for u in departments if not u.name.endswith("市委办公室")]
    # The clean cases beside them: every state of the ledger, whatever the round found.
    if counties:
        plan_case(d, counties[0], review_held(d, counties[0]))
        town = next((t for t in townships if t.path.startswith(counties[0].path)), None)
        if town is not None:
            plan_case(d, town, submitted_case(d, town))
    if others:
        unit = others[len(others) // 2]
        plan_case(d, unit, awaiting_review(d, unit))
        unit = others[len(others) // 3]
        plan_case(d, unit, verified_immediate(d, unit))
    d.agenda.run()
    # As the office would on as_of: triage the inbox, then the ledger's own rules run.
    with clock.frozen(ctx.now):
        confirmed = confirm_signals(d, city)
        raised = runner.run_rules(as_of=ctx.as_of, group="rectification").summary()["raised"]
        # The morning job: the responsible units of overdue measures find a reminder in their inbox.
        reminded = overdue_reminders(ctx.as_of)
    under = {"unit__path__startswith": ctx.root.path}
    counts = {
        "负面清单事项": d.lists.current.items.count(),
        **d.counts,
        "问题清单": Problem.objects.filter(**under).count(),
        "整改措施": Measure.objects.filter(problem__in=Problem.objects.filter(**under)).count(),
        # Added to the signals extension's count, so the summary says what the inbox holds.
        "预警（待研判）": raised - confirmed,
        "整改逾期提醒": reminded,
    }
    for pattern, unit in planted.items():
        counts[f"埋设整改预警样例：{unit.name}（{PATTERN_LABELS[pattern]}）"] = 1
    return counts
