"""Split inspections (拆分督查检查考核): found in a filed plan (same organiser, kind, a target and a
month in common), not found when targets, months or kinds differ; the gate_split signal for the
split unit only; the bulletin's section equals the overview page; the review panels on proposals."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.gate import review
from jianfu.gate.plans import queries, services
from jianfu.gate.proposals.models import Proposal
from jianfu.registry.models import Inspection
from jianfu.registry.quotas.services import quota_set
from jianfu.signals import runner
from jianfu.signals.models import Signal

from .plans_helpers import TODAY, YEAR, doc, filed_plan, inspection, plan_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def test_a_split_is_flagged_and_different_inspections_are_not(people, units):
    ta01, tb01 = units["TA01"], units["TB01"]
    filed_plan(
        people,
        units["TA"],
        [
            inspection("安全生产检查（上）", [ta01], [3, 4]),
            inspection("安全生产检查（下）", [ta01, tb01], [4, 5]),
            # Another kind, other months, other targets: not part of it.
            inspection("年度考核", [ta01], [4], kind="assessment"),
            inspection("消防检查", [ta01], [10]),
            inspection("乙镇检查", [tb01], [11]),
        ],
    )
    filed_plan(
        people,
        units["TB"],
        [inspection("防汛检查", [tb01], [6]), inspection("森林防火检查", [tb01], [2])],
        contact="contact_b",
    )
    groups = queries.splits(YEAR)
    assert len(groups) == 1
    g = groups[0]
    assert g.unit_id == units["TA"].pk
    assert [e.title for e in g.entries] == ["安全生产检查（上）", "安全生产检查（下）"]
    assert "疑似一项拆分为2项" in g.sentence()


def test_a_submitted_plans_split_shows_on_its_page_but_raises_no_signal(login, people, units):
    ta01 = units["TA01"]
    plan = plan_with_items(
        people["contact_a"],
        units["TA"],
        [inspection("检查一", [ta01], [8]), inspection("检查二", [ta01], [8])],
    )
    services.plan_submit(by=people["contact_a"], plan=plan)
    assert queries.splits(YEAR) == []
    page = login("office").get(reverse("gate_plan_detail", args=[plan.pk]))
    assert page.content.decode().count("疑似拆分") == 2


def test_gate_split_raises_for_the_split_unit_only(people, units):
    ta01, tb01 = units["TA01"], units["TB01"]
    filed_plan(
        people,
        units["TA"],
        [inspection("检查一", [ta01], [8]), inspection("检查二", [ta01], [8, 9])],
    )
    filed_plan(
        people,
        units["TB"],
        [inspection("检查甲", [tb01], [8]), inspection("督查乙", [tb01], [8], kind="supervision")],
        contact="contact_b",
    )
    runner.run(as_of=TODAY, rules=["gate_split"])
    signals = list(Signal.objects.filter(rule="gate_split"))
    assert [s.unit_id for s in signals] == [units["TA"].pk]


def test_registered_inspections_that_split_are_found_when_asked(people, units):
    ta01 = units["TA01"]
    for title, start, end in (("检查一", (3, 1), (3, 20)), ("检查二", (3, 25), (4, 10))):
        rec = Inspection.objects.create(
            unit=units["TA"],
            title=title,
            kind="check",
            method="on_site",
            starts_on=dt.date(YEAR, *start),
            ends_on=dt.date(YEAR, *end),
        )
        rec.targets.set([ta01])
    groups = queries.splits(YEAR, registry=True)
    assert [(g.source, len(g.entries)) for g in groups] == [("registry", 2)]
    assert queries.splits(YEAR) == []


def test_the_bulletin_section_equals_the_overview_page(login, people, units):
    ta01 = units["TA01"]
    filed_plan(
        people,
        units["TA"],
        [inspection("检查一", [ta01], [8]), inspection("检查二", [ta01], [8])],
    )
    office = people["office"]
    part = bs.SECTIONS["gate_plans"].build(bs.Context(office, dt.date(YEAR, 1, 1), TODAY, "1—6月"))
    figures = {f["label"]: f["value"] for f in part.figures}
    page = login("office").get(reverse("gate_plan_list") + f"?year={YEAR}")
    ov = page.context["ov"]
    assert figures["已备案"] == ov.counts["filed"] == 1
    assert figures["未报备"] == len(ov.missing) == 2  # 乙县 and 市教育局
    assert figures["疑似拆分的督查检查考核"] == len(page.context["groups"]) == 1
    text = page.content.decode()
    for line in part.lines:
        if "疑似" in line["text"]:
            assert line["text"] in text
    assert any("乙县" in line["text"] and "市教育局" in line["text"] for line in part.lines)


def _proposal(unit, category, **kw):
    return Proposal.objects.create(unit=unit, category=category, title="拟办事项", **kw)


def test_the_plan_panel_shows_the_item_or_the_out_of_plan_reason_and_the_quota(people, units):
    ta, ta01 = units["TA"], units["TA01"]
    plan = filed_plan(people, ta, [doc(10), inspection("安全检查", [ta01], [7])])
    quota_set(by=people["office"], unit=ta, year=YEAR, category="meeting", limit=2)
    item = plan.items.get(category="inspection")
    p = _proposal(ta, "inspection", plan_item=item, starts_on=dt.date(YEAR, 7, 3))
    built = dict((panel.code, ctx) for panel, ctx in review.build(p, people["office"]))
    ctx = built["plan"]
    assert ctx["item"] == item and ctx["months"] == "7月" and not ctx["warnings"]
    assert ctx["status"].limit == 1 and ctx["status"].left == 1
    # Out of plan without a reason: warned; with its reason: shown.
    bare = _proposal(ta, "meeting", planned_on=dt.date(YEAR, 7, 3))
    ctx = dict((pn.code, c) for pn, c in review.build(bare, people["office"]))["plan"]
    assert ctx["out_of_plan"] and any("一事一报" in w for w in ctx["warnings"])
    assert ctx["status"].limit == 2
    told = _proposal(
        ta, "meeting", planned_on=dt.date(YEAR, 7, 3), out_of_plan_reason="上级临时部署"
    )
    ctx = dict((pn.code, c) for pn, c in review.build(told, people["office"]))["plan"]
    assert ctx["reason"] == "上级临时部署" and not ctx["warnings"]
    # In a month the plan does not name: warned.
    late = _proposal(ta, "inspection", plan_item=item, starts_on=dt.date(YEAR, 9, 1))
    ctx = dict((pn.code, c) for pn, c in review.build(late, people["office"]))["plan"]
    assert any("9月" in w for w in ctx["warnings"])


def test_the_same_targets_panel_warns_of_inspections_planned_or_registered(people, units):
    ta, tb, ta01 = units["TA"], units["TB"], units["TA01"]
    filed_plan(people, tb, [inspection("乙县对甲一镇的检查", [ta01], [7])], contact="contact_b")
    rec = Inspection.objects.create(
        unit=units["TD01"],
        title="教育局专项督查",
        kind="supervision",
        method="on_site",
        starts_on=dt.date(YEAR, 7, 10),
        ends_on=dt.date(YEAR, 7, 12),
    )
    rec.targets.set([ta01])
    p = _proposal(ta, "inspection", starts_on=dt.date(YEAR, 7, 1), ends_on=dt.date(YEAR, 7, 15))
    p.targets.set([ta01])
    ctx = dict((pn.code, c) for pn, c in review.build(p, people["office"]))["same_targets"]
    text = " ".join(ctx["warnings"])
    assert "乙县对甲一镇的检查" in text and "教育局专项督查" in text
    # Other months: nothing.
    q = _proposal(ta, "inspection", starts_on=dt.date(YEAR, 11, 1), ends_on=dt.date(YEAR, 11, 2))
    q.targets.set([ta01])
    ctx = dict((pn.code, c) for pn, c in review.build(q, people["office"]))["same_targets"]
    assert ctx["warnings"] == []
    # A meeting has no such panel.
    m = _proposal(ta, "meeting", planned_on=dt.date(YEAR, 7, 1))
    assert "same_targets" not in [pn.code for pn, _c in review.build(m, people["office"])]


def test_a_year_without_any_plan_leaves_the_section_empty(people):
    part = bs.SECTIONS["gate_plans"].build(
        bs.Context(people["office"], dt.date(2019, 1, 1), dt.date(2019, 1, 31), "2019年1月")
    )
    assert part.empty


def test_the_split_signals_page_and_the_rules_page_read_it(login, people, units):
    ta01 = units["TA01"]
    filed_plan(
        people,
        units["TA"],
        [inspection("秋季检查一", [ta01], [8]), inspection("秋季检查二", [ta01], [8, 9])],
    )
    runner.run(as_of=TODAY, rules=["gate_split"])
    signal = Signal.objects.get(rule="gate_split")
    client = login("office")
    page = client.get(reverse("signal_detail", args=[signal.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "秋季检查一" in text and "拆分后的项数" in text
    rules = client.get(reverse("signal_rules")).content.decode()
    assert "拆分督查检查考核" in rules
