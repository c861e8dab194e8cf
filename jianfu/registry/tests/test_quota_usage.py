"""The quota status (one query over the quota usage, figures.quota_status) answers what the
records say, worked out the straightforward way (quota_reference.py): after the usage was rebuilt
from existing data (the migration's and refresh_all's path), and after every kind of write — a
record created, edited across units, months, years and out of the count, deleted, imported; a
quota set, edited, imported, derived from last year — for days at the start, middle and end of the
year, for earlier and later years, and for the subsets the pages ask for. Every consumer (the
dashboard's panels, the overview, the home page's watch list, the pacing rule) gives the same
answers on it as on the reference."""

import datetime as dt
import random

import pytest

from jianfu.core import clock, imports
from jianfu.core.models import Unit
from jianfu.registry import dashboard as quota_panel
from jianfu.registry import rollup
from jianfu.registry.models import Document, Inspection, Meeting, Quota, QuotaUsage
from jianfu.registry.quotas import figures, queries, status_views
from jianfu.registry.quotas import services as quota_services
from jianfu.registry.quotas.figures import State, quota_status
from jianfu.registry.records import services
from jianfu.registry.tests.quota_reference import assert_same_statuses, reference_status
from jianfu.registry.tests.test_import import DOC_HEADER, QUOTA_HEADER, doc, xlsx

YEAR = 2026
AS_OF = dt.date(YEAR, 6, 15)
DAYS = [dt.date(YEAR, 1, 31), AS_OF, dt.date(YEAR, 12, 31)]


def _records(unit, category: str, year: int, counts, counted: bool = True) -> list:
    """Records of `unit` in `year`, counts[m] of them in month m + 1 (written directly)."""
    out = []
    for m, n in enumerate(counts, start=1):
        for i in range(n):
            day = dt.date(year, m, 1 + (i * 3) % 28)
            common = {"unit": unit, "title": "关于做好有关工作的通知", "counted": counted}
            if category == "document":
                out.append(Document(issued_on=day, kind="white_header", **common))
            elif category == "meeting":
                out.append(Meeting(held_on=day, level="county", form="in_person", **common))
            else:
                out.append(
                    Inspection(
                        kind="supervision", method="on_site", starts_on=day, ends_on=day, **common
                    )
                )
    return out


@pytest.fixture
def city(units, people):
    """Records of four years for the test city's two counties and department with a planted
    case each, and four more units drawn at random: every state, and own, peers' and straight-
    line profiles. The rollup and the quota usage are rebuilt from them (refresh_all), as the
    migration does for the data there before it; half the quotas are set through the service."""
    top = units["T"]
    extra = [
        Unit.objects.add_child(top, {"code": f"TX{i}", "name": f"县{i}", "kind": kind})
        for i, kind in enumerate(["county", "county", "department", "department"])
    ]
    ta, tb, td = units["TA"], units["TB"], units["TD01"]
    rows = []
    for year in range(YEAR - 3, YEAR):
        # TA's documents rush in December; TD01's come early in the year; TB meets evenly.
        rows += _records(ta, "document", year, [10] * 11 + [40])
        rows += _records(td, "document", year, [20] * 5 + [2] * 7)
        rows += _records(tb, "meeting", year, [5] * 12)
    rows += _records(ta, "meeting", YEAR - 1, [1, 1, 1])  # too little: the peers' profile
    rows += _records(tb, "document", YEAR - 2, [2, 2])
    rows += _records(tb, "document", YEAR, [3, 0, 4], counted=False)  # out of the count
    plans = {
        (ta, "document"): (100, [12] * 6),  # at risk: December's rush is still to come
        (ta, "meeting"): (10, [2] * 6),  # exceeded
        (ta, "inspection"): (None, [1, 0, 2]),  # no quota, no history anywhere: a straight line
        (tb, "document"): (50, [10, 10, 10, 10, 5, 5]),  # used up
        (tb, "meeting"): (40, [2, 2, 2, 2, 1, 1]),  # on track
        (td, "document"): (30, [3, 3, 3, 3, 2, 2]),  # fast, but not to run out: use is early
        (td, "inspection"): (5, [1]),  # on track
    }
    rng = random.Random(14)
    for unit in extra:
        for category in ("document", "meeting"):
            scale = rng.uniform(1, 6)
            for year in range(YEAR - 3, YEAR):
                rows += _records(
                    unit, category, year, [round(scale * rng.uniform(0.2, 1.8)) for _m in range(12)]
                )
            this = [round(scale * rng.uniform(0.5, 2)) for _m in range(7)]
            plans[(unit, category)] = (round(scale * 12 * rng.uniform(0.4, 1.2)), this)
    by_service = []
    for i, ((unit, category), (limit, counts)) in enumerate(plans.items()):
        rows += _records(unit, category, YEAR, counts)
        if limit is None:
            continue
        if i % 2:
            by_service.append((unit, category, limit))
        else:
            Quota.objects.create(unit=unit, year=YEAR, category=category, limit=limit)
    for model in (Document, Meeting, Inspection):
        model.objects.bulk_create([r for r in rows if isinstance(r, model)])
    rollup.refresh_all()
    for unit, category, limit in by_service:
        quota_services.quota_set(
            by=people["office"], unit=unit, year=YEAR, category=category, limit=limit
        )
    return {"ta": ta, "tb": tb, "td": td, "extra": extra}


def _kept_rows() -> list[tuple]:
    fields = [f.attname for f in QuotaUsage._meta.concrete_fields if f.name != "id"]
    return sorted(QuotaUsage.objects.values_list(*fields))


def same_as_the_records() -> None:
    """Every status asked as the pages and jobs ask it, against the reference; and the quota
    usage the writes kept equals the one rebuilt from scratch."""
    for day in DAYS:
        assert_same_statuses(
            quota_status(year=YEAR, as_of=day), reference_status(year=YEAR, as_of=day)
        )
    for year in (YEAR - 1, YEAR + 1):  # a year gone by, a year not begun
        assert_same_statuses(
            quota_status(year=year, as_of=AS_OF), reference_status(year=year, as_of=AS_OF)
        )
    some = sorted(Unit.objects.filter(code__in=["TA", "TD01", "TX1"]).values_list("pk", flat=True))
    for asked in (
        {"unit_ids": some},
        {"categories": ["meeting"]},
        {"with_quota_only": True},
        {"unit_ids": some[:1], "categories": ["document", "inspection"]},
    ):
        assert_same_statuses(
            quota_status(year=YEAR, as_of=AS_OF, **asked),
            reference_status(year=YEAR, as_of=AS_OF, **asked),
        )
    assert quota_status(year=YEAR, as_of=AS_OF, unit_ids=[]) == []
    kept = _kept_rows()
    rollup.rebuild_quota_usage()
    assert _kept_rows() == kept


def _status_of(unit, category, day=AS_OF):
    return next(
        s for s in quota_status(year=YEAR, as_of=day, unit_ids=[unit.pk]) if s.category == category
    )


@pytest.mark.django_db
def test_the_status_is_what_the_records_say_after_every_kind_of_write(people, city, units):
    office = people["office"]
    ta, tb, td = city["ta"], city["tb"], city["td"]
    same_as_the_records()
    # Not a vacuous comparison: every state and every profile is there, where it was planted.
    statuses = {(s.unit_id, s.category): s for s in quota_status(year=YEAR, as_of=AS_OF)}
    assert {s.state for s in statuses.values()} == set(State.values)
    assert {s.profile for s in statuses.values()} == {"own", "peers", "linear"}
    assert statuses[(ta.pk, "document")].state == State.AT_RISK
    assert statuses[(ta.pk, "document")].profile == "own"
    assert statuses[(ta.pk, "meeting")].profile == "peers"
    assert statuses[(tb.pk, "document")].state == State.USED_UP
    assert statuses[(td.pk, "document")].state == State.FAST

    # Created: one more used this month.
    before = _status_of(ta, "document").used
    record = services.record_create(
        Document,
        by=office,
        unit=ta,
        title="补充通知",
        number="TA〔2026〕99号",
        issued_on=dt.date(YEAR, 6, 10),
        kind="red_header",
        addressed_levels=["township"],
        assigns_work=True,
        pages=2,
        characters=1000,
    )
    assert _status_of(ta, "document").used == before + 1
    same_as_the_records()
    # Edited into another unit and last December: this year's use, last year's months and the
    # earlier years' profile of both units move.
    services.record_update(record, by=office, unit=tb, issued_on=dt.date(YEAR - 1, 12, 20))
    assert _status_of(ta, "document").used == before
    assert _status_of(tb, "document").monthly_last[11] == 1
    same_as_the_records()
    # Edited into another month of this year, then out of the count.
    record = Document.objects.get(pk=record.pk)
    services.record_update(record, by=office, issued_on=dt.date(YEAR, 2, 3))
    same_as_the_records()
    services.record_update(record, by=office, kind="white_header", assigns_work=False)
    assert not Document.objects.get(pk=record.pk).counted
    same_as_the_records()
    # Deleted: a meeting of TB's history.
    services.record_delete(
        Meeting.objects.filter(unit=tb, held_on__year=YEAR - 2).first(), by=office
    )
    same_as_the_records()
    # Imported: this year and an earlier one.
    imports.run(
        "registry.document",
        by=office,
        filename="发文.xlsx",
        data=xlsx(
            [
                DOC_HEADER,
                doc("OA-91", "甲发〔2026〕91号", unit="甲县", kind="红头文件", day="2026-03-05"),
                doc("OA-92", "", "关于报送材料的通知", unit="TD01", assigns="是", day="2026-05-02"),
                doc("OA-93", "", "关于报送的通知", unit="乙县", assigns="是", day="2024-07-09"),
            ]
        ),
    )
    same_as_the_records()

    # Quotas: edited, created, imported, set from last year.
    quota_services.quota_set(by=office, unit=ta, year=YEAR, category="document", limit=60)
    assert _status_of(ta, "document").limit == 60
    quota_services.quota_set(by=office, unit=ta, year=YEAR, category="inspection", limit=2)
    same_as_the_records()
    imports.run(
        "registry.quota",
        by=office,
        filename="指标.xlsx",
        data=xlsx([QUOTA_HEADER, ["乙县", YEAR, "会议", 9], ["TD01", YEAR, "会议", 3]]),
    )
    assert _status_of(tb, "meeting").state == State.EXCEEDED
    same_as_the_records()
    counties = [ta, tb, *[u for u in city["extra"] if u.kind == "county"]]
    quota_services.quotas_from_last_year(
        by=office, units=counties, year=YEAR, categories=["document"], cut_pct=10
    )
    same_as_the_records()


@pytest.mark.django_db
def test_every_reader_of_the_status_answers_as_on_the_records(people, city, monkeypatch):
    """The dashboard's city and unit panels, the overview, the home page's watch list and the
    pacing rule, on the quota usage and on the reference."""
    from jianfu.signals.rules import current_settings, quota_pacing

    leader, office = people["leader"], people["office"]

    def answers():
        overview = queries.quota_overview(office, year=YEAR, as_of=AS_OF)
        watch = queries.quota_watch(office, AS_OF)
        findings = quota_pacing.evaluate(AS_OF, None, current_settings())
        return {
            "city": quota_panel.city(leader, AS_OF),
            "profile": quota_panel.profile(leader, city["ta"], AS_OF),
            "overview": [
                (s.unit_id, s.category, s.state, s.used, s.limit, s.exhaustion, s.change)
                for s in overview
            ],
            "watch": sorted(
                (s.unit_id, s.category, s.near, s.exhaustion, s.used, s.limit) for s in watch
            ),
            "rule": sorted((f.unit_id, f.subject, f.severity, f.conditions) for f in findings),
        }

    with clock.frozen(AS_OF):
        got = answers()
        with monkeypatch.context() as m:
            for module in (figures, queries, status_views, quota_panel):
                m.setattr(module, "quota_status", reference_status)
            expected = answers()
    assert got == expected
    assert got["overview"] and got["watch"] and got["rule"]  # something to compare
