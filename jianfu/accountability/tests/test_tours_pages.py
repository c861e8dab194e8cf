"""Tours' pages: who sees what (a contact its own unit's findings only, another unit's 404, the
tours pages for the office and the commission), the one-step action and the referral through the
page, the forms keeping what was typed, and the findings' import (a good file whole, a bad file
refused whole with its rows and columns named)."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from jianfu.accountability.tours import services
from jianfu.accountability.tours.models import Finding, Tour
from jianfu.core import clock
from jianfu.rectification.models import Problem

from .tours_helpers import TODAY, add, day, make_tour

pytestmark = pytest.mark.django_db


@pytest.fixture
def tour(people, units):
    t = make_tour(people, units)
    add(people, t, units["TA"], "甲县会议层层陪会")
    add(people, t, units["TB"], "乙县报表多", category="forms")
    return t


@pytest.mark.parametrize(
    ("who", "status"),
    [("office", 200), ("discipline", 200), ("leader", 403), ("contact_a", 404)],
)
def test_the_tour_page_is_for_the_office_and_the_commission(login, tour, who, status):
    assert login(who).get(reverse("tour_detail", args=[tour.pk])).status_code == status


@pytest.mark.parametrize(("who", "status"), [("office", 200), ("contact_a", 403)])
def test_the_tours_list_is_for_the_tour_managers(login, tour, who, status):
    assert login(who).get(reverse("tour_list")).status_code == status


def test_a_contact_sees_its_own_findings_only(login, tour, people):
    services.findings_to_problems(
        by=people["office"], tour=tour, finding_ids=list(tour.findings.values_list("pk", flat=True))
    )
    text = login("contact_a").get(reverse("tour_own_findings")).content.decode()
    assert "甲县会议层层陪会" in text and "乙县报表多" not in text
    assert "未制定措施" in text
    text = login("contact_b").get(reverse("tour_own_findings")).content.decode()
    assert "乙县报表多" in text and "甲县会议层层陪会" not in text
    assert login("office").get(reverse("tour_own_findings")).status_code == 403


def test_another_units_finding_is_404_and_an_own_one_403_for_a_contact(login, tour, units):
    a = Finding.objects.get(tour=tour, unit=units["TA"])
    b = Finding.objects.get(tour=tour, unit=units["TB"])
    client = login("contact_a")
    assert client.post(reverse("tour_finding_refer", args=[b.pk])).status_code == 404
    assert client.post(reverse("tour_finding_refer", args=[a.pk])).status_code == 403
    assert client.post(reverse("tour_to_problems", args=[tour.pk])).status_code == 404


def test_chosen_findings_go_on_the_lists_in_one_step_from_the_page(login, tour):
    ids = list(tour.findings.values_list("pk", flat=True))
    client = login("office")
    page = client.get(reverse("tour_detail", args=[tour.pk])).content.decode()
    assert 'name="findings"' in page
    response = client.post(reverse("tour_to_problems", args=[tour.pk]), {"findings": ids})
    assert response.status_code == 302
    assert Problem.objects.filter(source_kind="tour_finding", source="tour").count() == 2
    page = client.get(reverse("tour_detail", args=[tour.pk])).content.decode()
    assert 'name="findings"' not in page  # none left to choose
    assert (
        client.post(reverse("tour_to_problems", args=[tour.pk]), {"findings": ["x"]}).status_code
        == 302
    )


def test_a_finding_is_referred_from_the_page(login, tour, units):
    b = Finding.objects.get(tour=tour, unit=units["TB"])
    response = login("discipline").post(reverse("tour_finding_refer", args=[b.pk]))
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.clue is not None and b.clue.channel == "tour"


def test_the_finding_form_keeps_what_was_typed_on_a_refusal(login, tour, units):
    response = login("office").post(
        reverse("tour_finding_create", args=[tour.pk]),
        {"unit": units["TA"].pk, "category": "meetings", "text": "进驻前的问题",
         "found_on": day(200).isoformat()},
    )  # fmt: skip
    assert response.status_code == 400
    text = response.content.decode()
    assert "早于巡察进驻日期" in text and "进驻前的问题" in text
    assert not Finding.objects.filter(text="进驻前的问题").exists()


def test_the_tour_form_creates_and_refuses_dates_out_of_order(login, units):
    client = login("office")
    data = {
        "name": "第三轮巡察",
        "round": 3,
        "leader": "张三，组长",
        "members": "",
        "starts_on": "2025-06-01",
        "ends_on": "2025-05-01",
        "status": "in_progress",
        "targets": [units["TA"].pk, units["TD01"].pk],
    }
    response = client.post(reverse("tour_create"), data)
    assert response.status_code == 400 and "第三轮巡察" in response.content.decode()
    data["ends_on"] = "2025-07-01"
    response = client.post(reverse("tour_create"), data)
    assert response.status_code == 302
    tour = Tour.objects.get(name="第三轮巡察")
    assert set(tour.targets.values_list("code", flat=True)) == {"TA", "TD01"}


def _book(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["被巡察单位", "问题类别", "发现问题", "发现日期"])
    for r in rows:
        ws.append(r)
    f = io.BytesIO()
    wb.save(f)
    f.seek(0)
    f.name = "findings.xlsx"
    return f


def test_the_import_adds_a_good_file_and_refuses_a_bad_file_whole(login, people, units):
    tour = make_tour(people, units)
    client = login("office")
    assert client.get(reverse("tour_template")).status_code == 200
    found = day(60).isoformat()
    bad = _book(
        [
            ["甲县", "会海", "甲县陪会多", found],
            ["市教育局", "报表", "不是被巡察单位", found],
            ["乙县", "不知道", "类别不对", found],
        ]
    )
    with clock.frozen(TODAY):
        response = client.post(reverse("tour_import", args=[tour.pk]), {"file": bad})
    assert response.status_code == 400
    text = response.content.decode()
    assert "不是本轮巡察的被巡察单位" in text and "不知道" in text
    where = {(e.row, e.column) for e in response.context["errors"]}
    assert where == {(3, "被巡察单位"), (4, "问题类别")}
    assert not Finding.objects.filter(tour=tour).exists()
    good = _book([["甲县", "会海", "甲县陪会多", found], ["TB", "过度留痕", "乙县留痕多", found]])
    with clock.frozen(TODAY):
        response = client.post(reverse("tour_import", args=[tour.pk]), {"file": good})
    assert response.status_code == 302
    assert sorted(Finding.objects.filter(tour=tour).values_list("unit__code", "category")) == [
        ("TA", "meetings"),
        ("TB", "traces"),
    ]
