"""The demo's registry data: each planted pattern raises its signal with the right evidence, and
the clean units raise none — at the as-of date and at every month end before it.

Built once for the module: the tiny demo (two counties and three departments, the planted units
among them) beside the test city, whose units (and four more departments) get clean data too.
"""

import datetime as dt
import random
import re
from types import SimpleNamespace

import pytest
from django.db import transaction

from jianfu.core import clock
from jianfu.core.models import Unit
from jianfu.demo import generator
from jianfu.demo import registry as demo_data
from jianfu.registry.kinds import WHITE_KINDS
from jianfu.registry.models import Document, Inspection, Quota
from jianfu.signals import runner
from jianfu.signals.models import Signal
from jianfu.signals.rules import RULES, current_settings, registry_smooth

AS_OF = dt.date(2025, 9, 30)
EXTRA_DEPARTMENTS = ("市水利局", "市林业局", "市审计局", "市统计局")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _build() -> dict:
    counts = generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
    root = Unit.objects.get(code="410900")
    counties = list(Unit.objects.filter(kind="county", path__startswith=root.path).order_by("path"))
    departments = list(
        Unit.objects.filter(kind="department", depth=2, path__startswith=root.path).order_by("path")
    )
    planted = demo_data.choose_planted(counties, departments)
    # More clean units: the test city's own, and four more departments under it.
    city = Unit.objects.get(code="T")
    extra = []
    for i, name in enumerate(EXTRA_DEPARTMENTS, start=1):
        city = Unit.objects.get(pk=city.pk)
        extra.append(
            Unit.objects.add_child(city, {"code": f"TX{i}", "name": name, "kind": "department"})
        )
    ta, tb = Unit.objects.get(code="TA"), Unit.objects.get(code="TB")
    others = [Unit.objects.get(code="TD01"), *extra]
    issuers = [
        demo_data.Issuer(ta, "county", "甲", list(Unit.objects.filter(code="TA01")), []),
        demo_data.Issuer(tb, "county", "乙", list(Unit.objects.filter(code="TB01")), []),
        *[demo_data.Issuer(d, "department", "测", [ta, tb], others) for d in others],
    ]
    demo_data.build(SimpleNamespace(rng=random.Random(5), as_of=AS_OF), issuers)
    with clock.frozen(AS_OF):
        runner.run(as_of=AS_OF)
    planted_ids = {u.pk for u in planted.values()}
    clean = [u for u in counties + departments if u.pk not in planted_ids]
    clean += [i.unit for i in issuers]
    return {"counts": counts, "planted": planted, "clean": clean, "root": root}


@pytest.fixture
def planted(demo, db):
    return demo["planted"]


def figures(signal) -> dict:
    return {x["key"]: x["value"] for x in signal.evidence["figures"]}


def series(signal, key) -> dict:
    return next(s for s in signal.evidence["series"] if s["key"] == key)


def test_the_planted_units_are_the_named_ones(demo, db):
    names = {k: u.name for k, u in demo["planted"].items()}
    counties = Unit.objects.filter(kind="county", path__startswith=demo["root"].path)
    first, second = counties.order_by("path")[:2]
    assert names == {
        "pacing": first.name,
        "swap": second.name,
        "rising": "市教育局",
        "paper": "市发展和改革委员会",  # the tiny city has no 市生态环境局
    }
    labels = [k for k in demo["counts"] if k.startswith("埋设预警样例")]
    assert len(labels) == 4 and any("市教育局" in k for k in labels)


def test_the_county_burning_its_quota_early_raises_pacing(planted):
    unit = planted["pacing"]
    for subject in ("document", "meeting"):
        s = Signal.objects.get(rule="quota_pacing", unit=unit, subject=subject)
        assert s.period == "2025" and s.status == "open"
        assert "early" in s.evidence["conditions"] and s.severity >= 2
        fig = figures(s)
        assert fig["early_used"] > fig["limit"] / 2
        assert fig["early_share"] > 50
        rows = series(s, "counted")["rows"]
        assert [r["year"] for r in rows] == [2025, 2024]
        assert sum(rows[0]["values"][:5]) == fig["early_used"]


def test_the_county_swapping_red_for_white_headers_raises_gaming(planted):
    unit = planted["swap"]
    s = Signal.objects.get(rule="gaming", unit=unit, subject="white_header")
    fig = figures(s)
    assert fig["white_share_this"] - fig["white_share_last"] >= 10
    assert fig["red_this"] < fig["red_last"]
    assert 0.8 <= fig["total_this"] / fig["total_last"] <= 1.2  # roughly flat
    for key in ("red_header", "white_header"):
        assert [r["year"] for r in series(s, key)["rows"]] == [2025, 2024]
    records = s.evidence["records"]
    white = Document.objects.filter(
        unit=unit, kind__in=WHITE_KINDS, issued_on__range=(dt.date(2025, 1, 1), AS_OF)
    )
    assert records["model"] == "registry.document" and records["count"] == white.count()
    assert set(records["ids"]) <= set(white.values_list("pk", flat=True))
    # The swap keeps the counted documents down: no pacing, no rising for documents.
    assert not Signal.objects.filter(unit=unit, subject="document").exists()


def test_the_department_with_rising_meetings_raises_rising(planted):
    s = Signal.objects.get(rule="quota_rising", unit=planted["rising"], subject="meeting")
    fig = figures(s)
    assert fig["change_pct"] >= 10 and fig["change"] >= 3
    assert fig["months"] == 9
    rows = series(s, "counted")["rows"]
    assert [r["year"] for r in rows] == [2025, 2024]
    assert sum(rows[0]["values"]) == fig["this_ytd"] and sum(rows[1]["values"]) == fig["last_ytd"]


def test_the_department_turning_visits_into_paper_raises_gaming_and_outside_the_plan(planted):
    unit = planted["paper"]
    s = Signal.objects.get(rule="gaming", unit=unit, subject="remote_inspection")
    fig = figures(s)
    assert fig["remote_share_this"] - fig["remote_share_last"] >= 10
    assert fig["on_site_this"] < fig["on_site_last"]
    methods = set(
        Inspection.objects.filter(pk__in=s.evidence["records"]["ids"]).values_list(
            "method", flat=True
        )
    )
    assert methods <= {"phone", "materials"}
    plan = Signal.objects.get(rule="inspection_plan", unit=unit)
    outside = Inspection.objects.filter(unit=unit, in_plan=False)
    assert sorted(plan.evidence["records"]["ids"]) == sorted(outside.values_list("pk", flat=True))
    # Three of about twenty (15%) against a background well under 1%: beyond chance, and
    # medium at least (a third of them outside the plan would be high).
    assert figures(plan)["out_of_plan"] == 3 and plan.severity >= 2
    assert plan.evidence["against_chance"]["q"] <= 0.05


def _intake_signals(units):
    """Signals of the rules that judge what a unit registers and reports. The demo's supervision
    items and key projects are late or stalled on purpose at units whose registries are clean:
    those rules are tested by supervision's own demo tests."""
    judged = [code for code, rule in RULES.items() if rule.group not in ("supervision", "projects")]
    return Signal.objects.filter(unit__in=units, rule__in=judged)


def test_clean_units_raise_no_signal(demo, db):
    assert not _intake_signals(demo["clean"]).exists()


def test_clean_units_stay_clean_at_every_month_end(demo, db):
    for month in range(1, 10):
        day = dt.date(2025, month + 1, 1) - dt.timedelta(days=1)
        with clock.frozen(day):
            runner.run(as_of=day)
        assert not _intake_signals(demo["clean"]).exists(), day


def test_a_clean_units_quota_is_last_years_counted_minus_thirty_percent(demo, db):
    unit = demo["clean"][0]
    counted = Document.objects.filter(unit=unit, issued_on__year=2024, counted=True).count()
    limit = Quota.objects.get(unit=unit, year=2025, category="document").limit
    assert limit == int(counted * 0.7)


def test_records_read_like_a_chinese_registry(demo, db):
    red = Document.objects.filter(unit__path__startswith=demo["root"].path, kind="red_header")
    for doc in red[:50]:
        assert re.fullmatch(r".+〔20\d\d〕\d+号", doc.number), doc.number
        assert re.search(r"[\u4e00-\u9fff]", doc.title)
    assert not Document.objects.filter(issued_on__gt=AS_OF).exists()


def test_the_same_seed_gives_the_same_records(demo, db):
    units = [
        demo_data.Issuer(u, "county", "测", [], [])
        for u in Unit.objects.filter(code__in=["TA", "TB"]).order_by("code")
    ]

    def rows(seed):
        batch = demo_data.generate(units, random.Random(seed), AS_OF)
        return batch.documents + batch.meetings + batch.inspections

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


def test_the_demos_registered_counts_are_judged_against_their_peers_and_pass(demo, db):
    """The demo spreads each unit's year along a seasonal profile without noise: smoother than
    Poisson at a department's few records a month. registry_smooth tests them (enough peers)
    against their peers of that size, and none stands out."""
    data = registry_smooth.read(AS_OF)
    lines = registry_smooth.settings_of(current_settings())
    tested = 0
    for category in registry_smooth.CATEGORIES:
        t = registry_smooth.test(data["values"][category], data["years"], data["kinds"], lines)
        tested += int(t["tested"].sum())
        assert (t["p"][t["tested"]] == 1).all()  # none even near the line
    assert tested >= 20
    assert not Signal.objects.filter(rule="registry_smooth").exists()
