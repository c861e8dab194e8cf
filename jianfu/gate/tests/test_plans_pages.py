"""The plans' pages: the office's overview, a plan's page, the editor keeping what was typed, the
change form refusing a past month, the office's pending changes; scope (another county's plan is
404, a contact filing is 403); query counts that do not grow with the units."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from jianfu.core import clock
from jianfu.gate.plans import services
from jianfu.gate.plans.models import AnnualPlan, PlanChange, PlanStatus

from .plans_helpers import TODAY, YEAR, doc, filed_plan, inspection, meeting, plan_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def test_the_office_sees_every_units_state_and_files_a_plan(login, people, units):
    plan = plan_with_items(people["contact_a"], units["TA"], [doc(10), meeting(2)])
    services.plan_submit(by=people["contact_a"], plan=plan)
    client = login("office")
    page = client.get(reverse("gate_plan_list") + f"?year={YEAR}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "甲县" in text and "乙县" in text and "未编报" in text
    response = client.post(reverse("gate_plan_act", args=[plan.pk, "file"]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.FILED
    detail = client.get(reverse("gate_plan_detail", args=[plan.pk]))
    assert "已备案" in detail.content.decode()


def test_the_overview_lists_the_units_of_one_state_a_page_at_a_time(
    login, people, units, monkeypatch
):
    from jianfu.gate.plans import views

    plan = plan_with_items(people["contact_a"], units["TA"], [doc(10)])
    services.plan_submit(by=people["contact_a"], plan=plan)
    client = login("office")
    url = reverse("gate_plan_list")
    submitted = client.get(url, {"year": YEAR, "state": "submitted"}).content.decode()
    assert "甲县" in submitted and "乙县" not in submitted
    missing = client.get(url, {"year": YEAR, "state": "missing"}).content.decode()
    assert "乙县" in missing and ">甲县<" not in missing
    monkeypatch.setattr(views, "PER_PAGE", 1)
    first = client.get(url, {"year": YEAR}).content.decode()
    assert "第 1–1 条" in first and 'rel="next"' in first


def test_another_countys_plan_answers_404_and_a_contact_cannot_file(login, people, units):
    plan = plan_with_items(people["contact_b"], units["TB"], [doc(3)])
    services.plan_submit(by=people["contact_b"], plan=plan)
    client = login("contact_a")
    assert client.get(reverse("gate_plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("gate_plan_edit", args=[plan.pk])).status_code == 404
    own = plan_with_items(people["contact_a"], units["TA"], [doc(3)])
    services.plan_submit(by=people["contact_a"], plan=own)
    response = client.post(reverse("gate_plan_act", args=[own.pk, "file"]))
    assert response.status_code == 403
    assert "备案" in response.content.decode()
    assert client.get(reverse("gate_plan_list")).status_code == 403
    own.refresh_from_db()
    assert own.status == PlanStatus.SUBMITTED


def test_the_editor_keeps_what_was_typed_on_error(login, people, units):
    client = login("contact_a")
    response = client.post(reverse("gate_plan_mine") + f"?year={YEAR}")
    plan = AnnualPlan.objects.get(unit=units["TA"], year=YEAR)
    assert response.status_code == 302
    url = reverse("gate_plan_edit", args=[plan.pk])
    response = client.post(
        url,
        {
            "category": "inspection",
            "title": "春季安全大检查",
            "inspection_kind": "check",
            "months": ["3"],
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "请选择检查对象" in text and "春季安全大检查" in text
    assert plan.items.count() == 0
    response = client.post(
        url,
        {
            "category": "inspection",
            "title": "春季安全大检查",
            "inspection_kind": "check",
            "months": ["3"],
            "targets": [str(units["TA01"].pk)],
        },
    )
    assert response.status_code == 302 and plan.items.count() == 1
    response = client.post(reverse("gate_plan_act", args=[plan.pk, "submit"]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_the_change_form_refuses_a_past_month_and_keeps_the_reason(login, people, units):
    plan = filed_plan(people, units["TA"], [doc(10)])
    item = plan.items.get()
    client = login("contact_a")
    response = client.post(
        reverse("gate_plan_change_new", args=[plan.pk]),
        {"action": "drop", "month": "3", "item": str(item.pk), "reason": "工作调整取消"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "2026年3月已经过去" in text and "工作调整取消" in text
    assert not PlanChange.objects.exists()
    response = client.post(
        reverse("gate_plan_change_new", args=[plan.pk]),
        {"action": "drop", "month": "7", "item": str(item.pk), "reason": "工作调整取消"},
    )
    assert response.status_code == 302
    change = PlanChange.objects.get()
    office = login("office")
    page = office.get(reverse("gate_plan_changes"))
    assert "工作调整取消" in page.content.decode()
    office.post(reverse("gate_plan_change_act", args=[change.pk, "approve"]))
    item.refresh_from_db()
    assert item.dropped


def test_pages_answer_in_a_bounded_number_of_queries(login, people, units):
    filed_plan(
        people,
        units["TA"],
        [
            doc(3),
            inspection("检查一", [units["TA01"]], [8]),
            inspection("检查二", [units["TA01"]], [8]),
        ],
    )
    plan = AnnualPlan.objects.get(unit=units["TA"])
    client = login("office")
    client.get(reverse("gate_plan_list"))  # warm the session and caches
    for url in (
        reverse("gate_plan_list") + f"?year={YEAR}",
        reverse("gate_plan_detail", args=[plan.pk]),
        reverse("gate_plan_changes"),
    ):
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200
        assert len(q) <= 25, (url, len(q))


def _book(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "类别",
            "名称",
            "数量",
            "文件类型",
            "会议类型",
            "会议层级",
            "督查检查考核类别",
            "检查对象",
            "计划月份",
            "备注",
        ]
    )
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, plan, data):
    f = io.BytesIO(data)
    f.name = "plan.xlsx"
    return client.post(reverse("gate_plan_import", args=[plan.pk]), {"file": f})


def test_the_import_adds_a_good_files_items_and_refuses_a_bad_file_whole(login, people, units):
    plan = services.plan_draft(by=people["contact_a"], unit=units["TA"], year=YEAR)
    client = login("contact_a")
    assert client.get(reverse("gate_plan_template")).status_code == 200
    bad = _book(
        [
            ["发文", "", 12, "红头文件", "", "", "", "", "", ""],
            ["会议", "", 2, "", "工作会议（部署、推进、总结）", "不存在的层级", "", "", "", ""],
            ["督查检查考核", "安全检查", "", "", "", "", "检查", "火星镇", "3", ""],
        ]
    )
    response = _upload(client, plan, bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert "不存在的层级" in text and "火星镇" in text
    assert "第 3 行" in text or ">3<" in text
    assert plan.items.count() == 0
    good = _book(
        [
            ["发文", "", 12, "红头文件", "", "", "", "", "", ""],
            ["会议", "", 2, "", "工作会议（部署、推进、总结）", "县级", "", "", "", ""],
            ["督查检查考核", "安全检查", "", "", "", "", "检查", "甲一镇", "3、9", ""],
        ]
    )
    response = _upload(client, plan, good)
    assert response.status_code == 302
    assert plan.items.count() == 3
    insp = plan.items.get(category="inspection")
    assert insp.months == [3, 9] and list(insp.targets.all()) == [units["TA01"]]


def test_home_cards_tell_the_office_and_the_unit_what_to_do(login, people, units):
    plan = plan_with_items(people["contact_a"], units["TA"], [doc(3)])
    services.plan_submit(by=people["contact_a"], plan=plan)
    office = login("office").get(reverse("home")).content.decode()
    assert "年度计划待备案" in office and reverse("gate_plan_list") in office
    services.plan_return(by=people["office"], plan=plan, reason="请补充会议计划")
    page = login("contact_a").get(reverse("home")).content.decode()
    assert "年度计划被退回" in page and reverse("gate_plan_detail", args=[plan.pk]) in page
    # Next year's plan is asked for in the filing season only (乙县 has none).
    assert "报备2027年度计划" not in login("contact_b").get(reverse("home")).content.decode()
    with clock.frozen(dt.date(YEAR, 10, 9)):
        contact = login("contact_b").get(reverse("home")).content.decode()
    assert "报备2027年度计划" in contact


def test_the_office_starts_a_units_plan_and_a_contact_cannot_for_another_county(
    login, people, units
):
    url = reverse("gate_plan_start") + f"?year={YEAR}"
    refused = login("contact_a").post(url, {"unit": units["TB"].pk})
    assert refused.status_code == 404
    response = login("office").post(url, {"unit": units["TB"].pk})
    plan = AnnualPlan.objects.get(unit=units["TB"], year=YEAR)
    assert response.status_code == 302 and response.url == reverse("gate_plan_edit", args=[plan.pk])
    assert plan.created_by == people["office"] and plan.status == PlanStatus.DRAFT
