"""The figures and the ranking: points are the adoptions' tier points plus instructions, a false
piece costs the penalty instead; ties share a rank; the ranking page, its Excel export and the
bulletin section show the same figures."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from jianfu.bulletins import sections
from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.models import RuntimeSetting
from jianfu.supervision.models import AdoptionTier
from jianfu.supervision.reporting import queries, services

from .reporting_setup import designate, send

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


@pytest.fixture
def scored(people, units):
    """TA: 3 pieces — one adopted at city and province with an instruction, one declined, one
    late in Q2 (not counted in Q1); TB: 2 pieces — one central, one false."""
    designate(people, units)
    office = people["office"]
    tiers = {t.code: t for t in AdoptionTier.objects.all()}
    a1 = send(people, "contact_a", "甲一", at=dt.date(2026, 2, 3))
    a2 = send(people, "contact_a", "甲二", at=dt.date(2026, 3, 3))
    send(people, "contact_a", "甲三", at=dt.date(2026, 4, 3))
    b1 = send(people, "contact_b", "乙一", at=dt.date(2026, 2, 10))
    b2 = send(people, "contact_b", "乙二", at=dt.date(2026, 3, 20))
    with clock.frozen(dt.date(2026, 3, 25)):
        services.adopt(by=office, submission_id=a1.pk, tier_id=tiers["city"].pk)
        services.adopt(by=office, submission_id=a1.pk, tier_id=tiers["province"].pk)
        services.instruct(by=office, submission_id=a1.pk, leader="市长", text="阅。")
        services.decline(by=office, submission_id=a2.pk)
        services.adopt(by=office, submission_id=b1.pk, tier_id=tiers["central"].pk)
        services.mark_false(by=office, submission_id=b2.pk, reason="编造")
    return tiers


def test_points_per_unit_and_quarter(people, units, scored):
    rows = {r.name: r for r in queries.figures(people["office"], *Q1)}
    ta, tb = rows["甲县"], rows["乙县"]
    got = (ta.submitted, ta.on_time, ta.adopted_total, ta.instructions, ta.false)
    assert got == (2, 2, 2, 1, 0)
    assert ta.adopted == {scored["city"].pk: 1, scored["province"].pk: 1}
    assert ta.points == 1 + 3 + 5
    assert (tb.submitted, tb.adopted_total, tb.false) == (2, 1, 1)
    assert tb.points == 10 - 10
    assert [r.name for r in queries.figures(people["office"], *Q1)] == ["甲县", "乙县"]
    assert ta.rank == 1 and tb.rank == 2


def test_the_penalty_and_tier_points_are_settings(people, units, scored):
    RuntimeSetting.objects.create(key=services.FALSE_PENALTY, value=2)
    RuntimeSetting.objects.create(key=services.INSTRUCTION_POINTS, value=0)
    from jianfu.core import runtime

    runtime.invalidate()
    rows = {r.name: r for r in queries.figures(people["office"], *Q1)}
    assert rows["乙县"].points == 8
    assert rows["甲县"].points == 9  # an instruction keeps the points it was recorded with


def test_equal_points_share_a_rank(people, units):
    designate(people, units)
    send(people, "contact_a", at=dt.date(2026, 2, 3))
    rows = queries.figures(people["office"], *Q1)
    assert [(r.name, r.points, r.rank) for r in rows] == [("甲县", 0, 1), ("乙县", 0, 1)]


def test_a_contact_sees_only_its_unit(people, units, scored):
    rows = queries.figures(people["contact_a"], *Q1)
    assert [r.name for r in rows] == ["甲县"]


def _page_rows(page: str) -> dict[str, str]:
    out = {}
    for chunk in page.split('<tr data-unit="')[1:]:
        name = chunk.split("</a>")[0].rsplit(">", 1)[1]
        out[name] = chunk.split('data-points="')[1].split('"')[0]
    return out


def test_the_ranking_page_and_its_export(login, people, units, scored):
    client = login("office")
    page = client.get(reverse("reporting_ranking") + "?period=2026-Q1").content.decode()
    assert _page_rows(page) == {"甲县": "9", "乙县": "0"}
    response = client.get(reverse("reporting_ranking") + "?period=2026-Q1&format=xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(response.content)).active
    values = list(ws.values)
    assert values[0][0] == "名次" and values[0][-1] == "得分"
    assert [(v[0], v[1], v[-1]) for v in values[1:]] == [(1, "甲县", 9), (2, "乙县", 0)]


def test_the_bulletin_section_equals_the_ranking_page(login, people, units, scored):
    section = sections.SECTIONS["reporting"]
    part = section.build(bs.Context(people["office"], *Q1, "1—3月"))
    figures = {f["label"]: f["value"] for f in part.figures}
    assert figures == {"报送信息": 4, "被采用": 3, "获领导批示": 1, "虚假信息": 1}
    page = login("office").get(part.url).content.decode()
    shown = _page_rows(page)
    for line in part.lines:
        unit = next(name for name in shown if name in line["text"])
        assert f"得分{shown[unit]}。" in line["text"]
    assert part.chart["labels"] == ["甲县", "乙县"] and part.chart["values"] == [9, 0]
    assert len(part.lines) == 2
