"""The reporting pages for the office, a leader and a unit's contact: what each may see and do,
404 outside the scope, the submit form keeping what was typed on an error, the home cards."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.supervision.models import (
    Adoption,
    AdoptionTier,
    ReportingContact,
    ReportingRequirement,
    Submission,
)

from .reporting_setup import DAY, commission, designate, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(people, units):
    designate(people, units)
    req = commission(people, units)
    a = send(people, "contact_a", "甲县的信息", requirement_id=req.pk)
    b = send(people, "contact_b", "乙县的信息")
    return {"req": req, "a": a, "b": b}


PAGES = [
    "reporting_submission_list",
    "reporting_requirement_list",
    "reporting_contact_list",
    "reporting_ranking",
]


@pytest.mark.parametrize("who", ["office", "leader", "contact_a"])
@pytest.mark.parametrize("name", PAGES)
def test_the_pages_open_for_office_leader_and_contact(login, city, who, name):
    with clock.frozen(DAY):
        assert login(who).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("who", ["sysadmin", "reporter"])
def test_the_pages_are_closed_to_others(login, city, who):
    assert login(who).get(reverse("reporting_submission_list")).status_code == 403


def test_a_contact_sees_its_own_and_404_for_another_units(login, city):
    client = login("contact_a")
    page = client.get(reverse("reporting_submission_list")).content.decode()
    assert "甲县的信息" in page and "乙县的信息" not in page
    url = reverse("reporting_submission_detail", args=[city["b"].pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("reporting_submission_detail", args=[city["a"].pk])).status_code == 200
    )


def test_a_contact_sees_the_commission_addressed_to_it(login, city):
    url = reverse("reporting_requirement_detail", args=[city["req"].pk])
    page = login("contact_a").get(url).content.decode()
    assert "优化营商环境经验做法" in page and "乙县" not in page


def test_a_requirement_not_addressed_to_the_unit_is_404(login, people, units, city):
    only_b = commission(people, units, targets=("TB",))
    url = reverse("reporting_requirement_detail", args=[only_b.pk])
    assert login("contact_a").get(url).status_code == 404


def test_the_office_adopts_instructs_and_marks_false_on_the_page(login, city):
    client = login("office")
    tier = AdoptionTier.objects.get(code="province")
    with clock.frozen(dt.date(2026, 3, 5)):
        url = reverse("reporting_submission_act", args=[city["a"].pk, "adopt"])
        r = client.post(url, {"tier": tier.pk, "adopted_on": "2026-03-04", "note": "第3期"})
        assert r.status_code == 302
        url = reverse("reporting_submission_act", args=[city["a"].pk, "instruction"])
        r = client.post(url, {"leader": "李市长", "text": "经验很好。", "given_on": "2026-03-05"})
        assert r.status_code == 302
        url = reverse("reporting_submission_act", args=[city["b"].pk, "false"])
        assert client.post(url, {"reason": "夸大成效"}).status_code == 302
        page = client.get(reverse("reporting_submission_detail", args=[city["a"].pk]))
    assert Adoption.objects.get().note == "第3期"
    assert 'id="points">8<' in page.content.decode()
    assert Submission.objects.get(pk=city["b"].pk).status == "false"


def test_a_bad_decision_stays_on_the_page_with_the_message(login, city):
    url = reverse("reporting_submission_act", args=[city["a"].pk, "adopt"])
    with clock.frozen(dt.date(2026, 3, 5)):
        r = login("office").post(
            url, {"tier": AdoptionTier.objects.first().pk, "adopted_on": "2027-01-01"}
        )
    assert r.status_code == 400 and "2027-01-01 晚于今天" in r.content.decode()
    assert not Adoption.objects.exists()


def test_a_leader_reads_but_cannot_decide(login, city):
    client = login("leader")
    page = client.get(reverse("reporting_submission_detail", args=[city["a"].pk])).content.decode()
    assert "记录采用" not in page
    url = reverse("reporting_submission_act", args=[city["a"].pk, "false"])
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_a_contact_cannot_act_on_another_units_piece(login, city):
    url = reverse("reporting_submission_act", args=[city["b"].pk, "adopt"])
    assert login("contact_a").post(url, {"tier": 1}).status_code == 404


def test_the_contacts_todo_and_submit_form(login, city, people, units):
    client = login("contact_b")
    with clock.frozen(DAY):
        page = client.get(reverse("reporting_todo")).content.decode()
        assert "优化营商环境经验做法" in page  # county B has not answered the commission
        url = reverse("reporting_submit")
        r = client.post(url, {"requirement": city["req"].pk, "title": "乙县约稿", "text": ""})
        assert r.status_code == 400
        body = r.content.decode()
        assert 'value="乙县约稿"' in body and "is-invalid" in body
        r = client.post(url, {"requirement": city["req"].pk, "title": "乙县约稿", "text": "内容"})
        assert r.status_code == 302
        page = client.get(reverse("reporting_todo")).content.decode()
    assert "没有待报送的约稿" in page and "乙县约稿" in page


def test_the_submit_form_refuses_a_commission_not_addressed_to_the_unit(login, people, units, city):
    only_b = commission(people, units, targets=("TB",))
    with clock.frozen(DAY):
        r = login("contact_a").post(
            reverse("reporting_submit"),
            {"requirement": only_b.pk, "title": "甲县", "text": "内容"},
        )
    assert r.status_code == 400 and not Submission.objects.filter(title="甲县").exists()


def test_the_office_publishes_a_commission_and_designates_a_contact(login, people, units):
    client = login("office")
    with clock.frozen(DAY):
        page = client.get(reverse("reporting_requirement_create"))
        assert page.status_code == 200
        r = client.post(
            reverse("reporting_requirement_create"),
            {
                "kind": "commission",
                "title": "一季度亮点",
                "deadline": "2026-03-20",
                "targets": [units["TA"].pk, units["TD01"].pk],
            },
        )
        assert r.status_code == 302
        bad = client.post(
            reverse("reporting_requirement_create"),
            {"kind": "commission", "title": "缺截止日期", "targets": [units["TA"].pk]},
        )
        assert bad.status_code == 400 and "约稿须填写截止日期" in bad.content.decode()
        assert 'value="缺截止日期"' in bad.content.decode()
    req = ReportingRequirement.objects.get()
    assert set(req.targets.values_list("code", flat=True)) == {"TA", "TD01"}
    r = client.post(
        reverse("reporting_contact_list"),
        {"unit": units["TA"].pk, "user": "contact_a", "since": "2026-01-05"},
    )
    assert r.status_code == 302 and ReportingContact.objects.get().user == people["contact_a"]
    r = client.post(reverse("reporting_contact_list"), {"unit": units["TA"].pk, "user": "office"})
    assert r.status_code == 400 and "不是甲县的在用账户" in r.content.decode()


def test_a_requirement_goes_to_groups_and_to_units_typed_by_name(login, people, units):
    """The office picks whole groups (the units with a contact, every county …) and adds units by
    name, short name or code in one box; a name it cannot place is refused with what was typed
    kept, and nothing is published."""
    designate(people, units)  # counties A and B have a contact
    client = login("office")
    url = reverse("reporting_requirement_create")
    with clock.frozen(DAY):
        page = client.get(url).content.decode()
        assert re.search(r'value="contacts"\s+checked', page)  # pre-filled
        assert "已指定信息员的单位（2 个）" in page and "全部乡镇（街道）（2 个）" in page
        assert '<datalist id="jf-requirement-units" data-multi-for="id_units">' in page
        assert '<option value="市教育局">' in page
        base = {"kind": "commission", "title": "上半年亮点", "deadline": "2026-03-20"}
        r = client.post(url, {**base, "groups": ["township"], "units": "教育局、乙县（TB）"})
        assert r.status_code == 302
        req = ReportingRequirement.objects.get(title="上半年亮点")
        assert set(req.targets.values_list("code", flat=True)) == {"TA01", "TB01", "TD01", "TB"}
        r = client.post(url, {**base, "title": "找不到", "units": "甲县、丙县"})
        body = r.content.decode()
        assert r.status_code == 400 and "在可选单位中找不到“丙县”" in body
        assert 'value="甲县、丙县"' in body
        r = client.post(url, {**base, "title": "没有单位"})
        assert r.status_code == 400 and "请选择报送单位" in r.content.decode()
    assert not ReportingRequirement.objects.filter(title__in=["找不到", "没有单位"]).exists()


def test_above_the_select_limit_the_contact_unit_is_typed_with_suggestions(
    login, people, monkeypatch
):
    """A province's units are a text box with a datalist, not a select of thousands: the unit is
    found by name or code among the designatable units only."""
    from jianfu.supervision.reporting import forms

    monkeypatch.setattr(forms, "SELECT_LIMIT", 1)
    client = login("office")
    url = reverse("reporting_contact_list")
    page = client.get(url).content.decode()
    assert '<select class="form-select" name="unit"' not in page
    assert '<datalist id="jf-contact-units" data-for="id_unit">' in page
    assert '<option value="乙县">TB</option>' in page and ">TA0101<" not in page  # no villages
    r = client.post(url, {"unit": "甲一村", "user": "contact_a"})
    assert r.status_code == 400 and "在可选单位中找不到“甲一村”" in r.content.decode()
    r = client.post(url, {"unit": "甲县", "user": "contact_a", "since": "2026-01-05"})
    assert r.status_code == 302
    assert ReportingContact.objects.get().unit.code == "TA"


def test_home_cards(login, city):
    with clock.frozen(DAY):
        home = login("contact_b").get(reverse("home")).content.decode()
        assert "约稿待报送" in home
        home = login("office").get(reverse("home")).content.decode()
        assert "报送信息待处理" in home


def test_navigation_shows_reporting(login, city):
    page = login("contact_a").get(reverse("reporting_todo")).content.decode()
    assert reverse("reporting_ranking") in page and reverse("reporting_todo") in page


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def test_a_file_sent_with_a_piece_is_served_in_scope_only(login, people, units, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    designate(people, units)
    with clock.frozen(DAY):
        r = login("contact_a").post(
            reverse("reporting_submit"),
            {"title": "带图", "text": "内容", "files": SimpleUploadedFile("现场.png", PNG)},
        )
    assert r.status_code == 302
    sub = Submission.objects.get(title="带图")
    f = sub.files.get()
    url = reverse("reporting_file", args=[sub.pk, f.pk])
    response = login("office").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert login("contact_b").get(url).status_code == 404
