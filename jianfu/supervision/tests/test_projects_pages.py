"""Key projects' pages: the list, a project, the forms and the site-visit list render for the
office, a leader and a unit's contact; another unit's project answers 404; the contact records
money on its own project; the site-visit export opens with openpyxl and holds the chosen
projects."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jianfu.core import clock
from jianfu.supervision.projects.models import MonthlyMoney

from . import projects_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(units):
    a = f.clean(units["TA"], "甲县产业园", location="甲县开发区")
    b = f.clean(units["TB"], "乙县冷链物流", location="乙县物流园")
    return a, b


@pytest.mark.parametrize("who", ["office", "leader", "contact_a"])
def test_pages_render(who, two, login):
    a, _b = two
    client = login(who)
    with clock.frozen(f.AS_OF):
        for url in (
            reverse("project_list"),
            reverse("project_list") + f"?category={f.category().pk}&unit={a.unit_id}&health=clean",
            reverse("project_detail", args=[a.pk]),
            reverse("project_visit") + f"?ids={a.pk}",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "甲县产业园" in response.content.decode()
        assert client.get(reverse("project_list") + "?health=troubled").status_code == 200


def test_the_contact_sees_its_own_units_projects_only(two, login):
    a, b = two
    client = login("contact_a")
    page = client.get(reverse("project_list")).content.decode()
    assert "甲县产业园" in page and "乙县冷链物流" not in page
    assert client.get(reverse("project_detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("project_money", args=[b.pk])).status_code == 404
    assert (
        client.post(reverse("project_start", args=[b.pk]), {"started_on": "2025-01-01"}).status_code
        == 404
    )
    # Chosen for a visit, another unit's project is simply not there.
    page = client.get(reverse("project_visit") + f"?ids={b.pk}&ids={a.pk}").content.decode()
    assert "乙县冷链物流" not in page and "甲县产业园" in page


@pytest.mark.parametrize("who", ["office", "contact_a"])
def test_the_forms_render(who, two, login):
    a, _b = two
    client = login(who)
    names = [
        "project_start",
        "project_status",
        "project_money",
        "project_milestone_add",
        "project_deal_arrival",
    ]
    for name in names:
        assert client.get(reverse(name, args=[a.pk])).status_code == 200, name
    m = a.milestones.first()
    assert client.get(reverse("project_milestone_done", args=[a.pk, m.pk])).status_code == 200


def test_the_office_forms_are_the_offices(two, login):
    a, _b = two
    assert login("office").get(reverse("project_create")).status_code == 200
    assert login("office").get(reverse("project_deal", args=[a.pk])).status_code == 200
    assert login("office").get(reverse("project_import")).status_code == 200
    assert login("contact_a").get(reverse("project_create")).status_code == 403
    assert login("contact_a").get(reverse("project_import")).status_code == 403
    assert login("leader").get(reverse("project_money", args=[a.pk])).status_code == 403


def test_the_contact_records_the_months_money(two, login):
    a, _b = two
    client = login("contact_a")
    with clock.frozen(f.AS_OF):
        response = client.post(
            reverse("project_money", args=[a.pk]),
            {"month": "2025-11", "planned": "120", "arrived": "-3"},
        )
        assert response.status_code == 400
        assert "不能为负数" in response.content.decode()
        response = client.post(
            reverse("project_money", args=[a.pk]),
            {"month": "2025-11", "planned": "120", "arrived": "95.5"},
        )
    assert response.status_code == 302
    row = MonthlyMoney.objects.get(project=a, month="2025-11-01")
    assert float(row.arrived) == 95.5


def test_the_contact_marks_the_project_completed(two, login):
    a, _b = two
    client = login("contact_a")
    response = client.post(reverse("project_status", args=[a.pk]), {"status": "completed"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "completed"


def test_the_office_creates_a_project(units, login):
    client = login("office")
    with clock.frozen(f.AS_OF):
        response = client.post(
            reverse("project_create"),
            {
                "unit": units["TA"].pk,
                "category": f.category("rural").pk,
                "name": "和美乡村示范片",
                "location": "甲一镇",
                "total_investment": "800",
            },
        )
    assert response.status_code == 302
    assert "和美乡村示范片" in client.get(response["Location"]).content.decode()


def test_a_province_sized_scope_names_the_unit_by_code_instead_of_a_select(
    units, login, monkeypatch
):
    # A province's 35,000 units made a two-megabyte select; above the limit the form asks for the
    # unit's code or name, and refuses one outside the scope by name.
    from jianfu.rectification.problems import forms

    monkeypatch.setattr(forms, "SELECT_LIMIT", 1)
    client = login("office")
    page = client.get(reverse("project_create")).content.decode()
    assert '<select name="unit"' not in page and "填写单位代码或名称" in page
    data = {"category": f.category("rural").pk, "name": "和美乡村示范片", "location": "甲一镇"}
    with clock.frozen(f.AS_OF):
        refused = client.post(reverse("project_create"), {**data, "unit": "没有这个单位"})
        assert refused.status_code == 400 and "请选择您范围内的单位" in refused.content.decode()
        assert "和美乡村示范片" in refused.content.decode()  # what was typed stays
        made = client.post(reverse("project_create"), {**data, "unit": units["TA"].code})
    assert made.status_code == 302
    assert "和美乡村示范片" in client.get(made["Location"]).content.decode()


def test_the_site_visit_export_holds_the_chosen_projects(two, units, login):
    a, b = two
    c = f.clean(units["TA"], "不去观摩的项目", location="别处")
    client = login("office")
    response = client.get(reverse("project_visit_export") + f"?ids={b.pk}&ids={a.pk}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "项目名称", "责任单位")
    assert [r[1] for r in rows[1:]] == ["乙县冷链物流", "甲县产业园"]
    assert c.name not in {r[1] for r in rows}
    assert rows[1][2] == "乙县"


def test_the_navigation_offers_key_projects(login):
    page = login("leader").get(reverse("home")).content.decode()
    assert reverse("project_list") in page
