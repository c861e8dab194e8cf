"""The problem list and ledger pages for every role: outside one's units 404, without the code 403;
the ledger's order; the edit conflict through two browsers; errors that keep what was typed;
bounded queries. Data is built through the services, so their audits run too."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jianfu.core import clock
from jianfu.rectification.models import Attachment, Measure, MeasureStatus, Problem, Step
from jianfu.rectification.problems import evidence_files, measures, services

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 15)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


def problem(by, unit, description, *, found_on=dt.date(2026, 8, 1), **kwargs) -> Problem:
    return services.problem_create(
        by=by,
        unit_id=unit.pk,
        source=kwargs.pop("source", "office"),
        description=description,
        found_on=found_on,
        **kwargs,
    )


def measure(by, p: Problem, content: str, deadline: dt.date, **data) -> Measure:
    return measures.measure_create(
        by=by,
        problem=p,
        data={
            "content": content,
            "kind": data.pop("kind", "immediate"),
            "responsible_unit_id": data.pop("responsible_unit_id", p.unit_id),
            "responsible_person": data.pop("responsible_person", "张三"),
            "deadline": deadline,
            **data,
        },
    )


def act(by, m: Measure, action: str, note: str = "", **kwargs) -> Measure:
    m.refresh_from_db()
    return measures.measure_act(
        by=by, measure_id=m.pk, version=m.version, action=action, note=note, **kwargs
    )


@pytest.fixture
def ledger(units, people):
    """甲县's ledger in every state on 15 Sep 2026; a problem of 甲一镇 below it; one of 乙县."""
    office, a, b = people["office"], people["contact_a"], people["contact_b"]
    p1 = problem(a, units["TA"], "甲县会议过多，层层陪会")
    p2 = problem(office, units["TA01"], "甲一镇要求村里每天打卡")
    p3 = problem(b, units["TB"], "乙县材料报送重复")
    ms = {
        "late10": measure(a, p1, "压减会议：逾期十天", dt.date(2026, 9, 5)),
        "late2": measure(a, p1, "合并会议：逾期两天", dt.date(2026, 9, 13)),
        "soon": measure(a, p1, "清理工作群：三天后到期", dt.date(2026, 9, 18)),
        "later": measure(a, p1, "建立会议计划：十月底", dt.date(2026, 10, 30)),
        "done": measure(a, p1, "取消陪会：已核验", dt.date(2026, 9, 1)),
        "township": measure(office, p2, "取消打卡：十一月底", dt.date(2026, 11, 30)),
        "b": measure(b, p3, "乙县统一报送口径", dt.date(2026, 9, 30)),
    }
    act(a, ms["late10"], "start")
    act(a, ms["done"], "start")
    act(a, ms["done"], "submit", "已取消陪会", uploads=[("通知.pdf", PDF)])
    act(office, ms["done"], "verify", "核验属实")
    act(b, ms["b"], "start")
    act(b, ms["b"], "submit", "已统一", uploads=[("乙县.pdf", PDF)])
    for m in ms.values():
        m.refresh_from_db()
    return {"p1": p1, "p2": p2, "p3": p3, **ms}


def _client(username: str) -> Client:
    from jianfu.core.models import User

    c = Client()
    c.force_login(User.objects.get(username=username))
    return c


# --- Every page renders ---------------------------------------------------------------------------


def _pages(d):
    m, p = d["later"], d["p1"]
    att = Attachment.objects.filter(problem=p).first()
    return [
        reverse("rect_overview"),
        reverse("rect_ledger", args=[p.unit_id]),
        reverse("problem_list"),
        reverse("problem_create"),
        reverse("problem_detail", args=[p.pk]),
        reverse("problem_edit", args=[p.pk]),
        reverse("measure_create", args=[p.pk]),
        reverse("measure_edit", args=[m.pk]),
        reverse("verify_queue"),
        reverse("attachment_download", args=[att.pk]),
    ]


def test_every_page_renders_for_the_office(ledger, login):
    client = login("office")
    for url in _pages(ledger):
        response = client.get(url)
        assert response.status_code == 200, url


ROLES = [
    "office",
    "leader",
    "discipline",
    "contact_a",
    "contact_b",
    "reporter",
    "sysadmin",
    "secadmin",
    "auditor",
]
ADMINS = {"sysadmin": 403, "secadmin": 403, "auditor": 403}
# On a record the administrators never see: 404, as for a missing id.
HIDDEN = {"sysadmin": 404, "secadmin": 404, "auditor": 404}
# Of 甲县's problem: 乙县's contact and 甲一村's reporter are outside (404).
OUTSIDE = {"contact_b": 404, "reporter": 404}
# (url builder, {role: status} where not 200)
TABLE = {
    "rect_overview": (lambda d: reverse("rect_overview"), {"reporter": 403, **ADMINS}),
    "rect_ledger": (
        lambda d: reverse("rect_ledger", args=[d["p1"].unit_id]),
        {**OUTSIDE, **HIDDEN},
    ),
    "problem_list": (lambda d: reverse("problem_list"), {"reporter": 403, **ADMINS}),
    "problem_create": (
        lambda d: reverse("problem_create"),
        {"leader": 403, "reporter": 403, **ADMINS},
    ),
    "problem_detail": (
        lambda d: reverse("problem_detail", args=[d["p1"].pk]),
        {**OUTSIDE, **HIDDEN},
    ),
    "problem_edit": (
        lambda d: reverse("problem_edit", args=[d["p1"].pk]),
        {"leader": 403, **OUTSIDE, **HIDDEN},
    ),
    "measure_create": (
        lambda d: reverse("measure_create", args=[d["p1"].pk]),
        {"leader": 403, "discipline": 403, **OUTSIDE, **HIDDEN},
    ),
    "measure_edit": (
        lambda d: reverse("measure_edit", args=[d["later"].pk]),
        {"leader": 403, "discipline": 403, **OUTSIDE, **HIDDEN},
    ),
    "measure_deadline": (
        lambda d: reverse("measure_deadline") + "?working_days=3",
        {"leader": 403, "discipline": 403, "reporter": 403, **ADMINS},
    ),
    "verify_queue": (lambda d: reverse("verify_queue"), {"reporter": 403, **ADMINS}),
    "attachment_download": (
        lambda d: reverse(
            "attachment_download", args=[Attachment.objects.filter(problem=d["p1"]).first().pk]
        ),
        {**OUTSIDE, **HIDDEN},
    ),
}
POST_ONLY = {"measure_act", "attachment_add", "measure_verifier", "measure_delete"}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_by_role(ledger, login, role):
    client = login(role)
    for name, (url_of, expected) in TABLE.items():
        response = client.get(url_of(ledger))
        assert response.status_code == expected.get(role, 200), (name, role)


def test_every_page_is_in_the_table():
    from jianfu.rectification.problems import views

    names = {p.name for p in views.urlpatterns}
    assert names - POST_ONLY == set(TABLE), sorted(names - POST_ONLY ^ set(TABLE))


def test_pages_answer_404_outside_scope_and_403_without_the_code(ledger, login):
    tb_attachment = Attachment.objects.get(problem=ledger["p3"])
    client = login("contact_a")
    assert client.get(reverse("problem_detail", args=[ledger["p3"].pk])).status_code == 404
    assert client.get(reverse("attachment_download", args=[tb_attachment.pk])).status_code == 404
    assert client.get(reverse("measure_edit", args=[ledger["b"].pk])).status_code == 404
    assert client.get(reverse("rect_ledger", args=[ledger["p3"].unit_id])).status_code == 404
    response = client.post(
        reverse("measure_act", args=[ledger["b"].pk, "verify"]),
        {"version": ledger["b"].version},
    )
    assert response.status_code == 404
    for name in ("auditor", "reporter"):
        c = login(name)
        assert c.get(reverse("problem_list")).status_code in (403, 404)
        assert c.get(reverse("rect_overview")).status_code == 403


def test_contact_sees_its_county_and_the_units_below(ledger, login):
    client = login("contact_a")
    page = client.get(reverse("problem_list")).content.decode()
    assert "甲县会议过多" in page and "甲一镇要求村里每天打卡" in page
    assert "乙县材料报送重复" not in page
    overview = client.get(reverse("rect_overview"))
    assert [r.name for r in overview.context["rows"]] == ["甲县", "甲一镇"]


def test_overview_counts_and_puts_overdue_first(ledger, login):
    rows = login("office").get(reverse("rect_overview")).context["rows"]
    assert [r.name for r in rows] == ["甲县", "乙县", "甲一镇"]
    ta = rows[0]
    assert (ta.open, ta.closed, ta.overdue, ta.due_soon, ta.unfinished) == (1, 0, 2, 1, 4)
    assert rows[1].submitted == 1
    only = login("office").get(reverse("rect_overview"), {"overdue": "1"}).context["rows"]
    assert [r.name for r in only] == ["甲县"]


def test_overview_pages_its_units_and_totals_them_all(ledger, login, monkeypatch):
    from jianfu.rectification.problems import views

    monkeypatch.setattr(views, "OVERVIEW_PER_PAGE", 2)
    client = login("office")
    first = client.get(reverse("rect_overview"))
    second = client.get(reverse("rect_overview"), {"page": "2"})
    assert [r.name for r in first.context["rows"]] == ["甲县", "乙县"]
    assert [r.name for r in second.context["rows"]] == ["甲一镇"]
    assert first.context["totals"] == second.context["totals"]
    assert first.context["totals"]["units"] == 3
    monkeypatch.setattr(views, "OVERVIEW_PER_PAGE", 1)
    counties = client.get(reverse("rect_overview"), {"kind": "county", "page": "2"})
    assert [r.name for r in counties.context["rows"]] == ["乙县"]
    assert "kind=county&amp;page=1" in counties.content.decode()


# --- The ledger -----------------------------------------------------------------------------------


def test_ledger_puts_overdue_first_then_due_soon_and_verified_last(ledger, login):
    response = login("contact_a").get(reverse("rect_ledger", args=[ledger["p1"].unit_id]))
    order = [m.pk for m in response.context["page"]]
    names = ["late10", "late2", "soon", "later", "township", "done"]
    assert order == [ledger[n].pk for n in names]
    html = response.content.decode()
    assert "已逾期 10 天" in html and "已逾期 2 天" in html
    # 15 Sep (Tue) → 18 Sep (Fri): the 16th, 17th and 18th.
    assert "还剩 3 个工作日" in html
    assert "乙县统一报送口径" not in html


def test_ledger_counts_working_days_across_national_day(ledger, login, people):
    m = measure(people["office"], ledger["p1"], "国庆后到期", dt.date(2026, 10, 9))
    response = login("office").get(reverse("rect_ledger", args=[ledger["p1"].unit_id]))
    row = next(r for r in response.context["page"] if r.pk == m.pk)
    # 16 Sep – 30 Sep: 11 working days (Sun 20 Sep is a make-up working day); 1–7 Oct off;
    # 8 and 9 Oct work: 13.
    assert row.due.text == "还剩 13 个工作日"


# --- Leader: reads, never acts --------------------------------------------------------------------


def test_leader_sees_everything_but_has_no_buttons_and_gets_403_on_actions(ledger, login):
    client = login("leader")
    html = client.get(reverse("problem_detail", args=[ledger["p1"].pk])).content.decode()
    assert "压减会议：逾期十天" in html
    assert "/start/" not in html and "/submit/" not in html and "/edit/" not in html
    assert reverse("attachment_add", args=[ledger["p1"].pk]) not in html
    for key, action in (("late2", "start"), ("late10", "progress"), ("b", "verify")):
        m = ledger[key]
        response = client.post(
            reverse("measure_act", args=[m.pk, action]), {"version": m.version, "note": "x"}
        )
        assert response.status_code == 403, action
    assert client.get(reverse("measure_edit", args=[ledger["later"].pk])).status_code == 403
    assert client.get(reverse("problem_create")).status_code == 403
    upload = {"files": [SimpleUploadedFile("a.pdf", PDF)]}
    response = client.post(reverse("attachment_add", args=[ledger["p1"].pk]), upload)
    assert response.status_code == 403
    m = Measure.objects.get(pk=ledger["late2"].pk)
    assert m.status == MeasureStatus.DRAFT


def test_buttons_follow_the_status_and_the_no_self_verification_rule(ledger, login):
    p3 = ledger["p3"]
    b = ledger["b"]
    office = login("office").get(reverse("problem_detail", args=[p3.pk])).content.decode()
    assert reverse("measure_act", args=[b.pk, "verify"]) in office
    assert reverse("measure_act", args=[b.pk, "return"]) in office
    contact = _client("contact_b").get(reverse("problem_detail", args=[p3.pk])).content.decode()
    assert reverse("measure_act", args=[b.pk, "verify"]) not in contact
    response = _client("contact_b").post(
        reverse("measure_act", args=[b.pk, "verify"]), {"version": b.version}
    )
    assert response.status_code == 403
    assert "整改单位不能核验自己的整改" in response.content.decode()


# --- Actions --------------------------------------------------------------------------------------


def test_rectifier_starts_reports_and_submits_through_the_page(ledger, login):
    client = login("contact_a")
    m = ledger["late2"]
    url = reverse("measure_act", args=[m.pk, "start"])
    assert client.post(url, {"version": m.version}).status_code == 302
    m.refresh_from_db()
    with clock.frozen(TODAY + dt.timedelta(days=1)):
        response = client.post(
            reverse("measure_act", args=[m.pk, "submit"]),
            {"version": m.version, "note": "两个会合并召开"},
        )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == MeasureStatus.SUBMITTED and m.completion == "两个会合并召开"
    # The longest waiting first.
    queue = login("office").get(reverse("verify_queue")).context["page"]
    assert [x.pk for x in queue] == [ledger["b"].pk, m.pk]


def test_an_assigned_verifier_finds_the_measure_and_verifies_it(ledger, login, people):
    m = ledger["late10"]
    url = reverse("measure_edit", args=[m.pk])
    office = login("office")
    form = _form_values(office.get(url).content.decode())
    assert office.post(url, {**form, "verifier": str(people["leader"].pk)}).status_code == 302
    act(people["contact_a"], m, "submit", "已压减")
    m.refresh_from_db()
    leader = _client("leader")
    assert [x.pk for x in leader.get(reverse("verify_queue")).context["page"]] == [m.pk]
    html = leader.get(reverse("problem_detail", args=[m.problem_id])).content.decode()
    assert reverse("measure_act", args=[m.pk, "verify"]) in html
    response = leader.post(
        reverse("measure_act", args=[m.pk, "verify"]), {"version": m.version, "note": "属实"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == MeasureStatus.VERIFIED and m.verified_by == people["leader"]
    # contact_a's own unit never verifies: nothing waits for it.
    assert list(_client("contact_a").get(reverse("verify_queue")).context["page"]) == []


def test_action_error_keeps_the_typed_note(ledger, login):
    m = ledger["soon"]  # a draft: it cannot be submitted yet
    response = login("contact_a").post(
        reverse("measure_act", args=[m.pk, "submit"]),
        {"version": m.version, "note": "材料已报送县委办"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "该措施当前为“草稿”，不能“提交核验”。" in html
    assert "材料已报送县委办</textarea>" in html
    m.refresh_from_db()
    assert m.status == MeasureStatus.DRAFT


def test_return_needs_a_reason_and_keeps_the_page(ledger, login):
    b = ledger["b"]
    response = login("office").post(
        reverse("measure_act", args=[b.pk, "return"]), {"version": b.version, "note": "  "}
    )
    assert response.status_code == 400
    assert "退回须写明理由。" in response.content.decode()


def test_review_relapse_reopens_the_problem(units, people, login):
    office, a = people["office"], people["contact_a"]
    p = problem(a, units["TA"], "考核过多")
    m = measure(
        a,
        p,
        "建立考核计划制度",
        dt.date(2026, 9, 10),
        kind="long_term",
        mechanism="《考核计划管理办法》",
        review_on=dt.date(2026, 9, 12),
    )
    act(a, m, "start")
    act(a, m, "submit", "已印发")
    act(office, m, "verify")
    m.refresh_from_db()
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert reverse("measure_act", args=[m.pk, "review"]) in html
    assert "已到回头看日期" in html
    assert 'name="working_days"' in html and 'name="deadline_mode"' in html  # no JS needed
    client = login("office")
    url = reverse("measure_act", args=[m.pk, "review"])
    response = client.post(url, {"version": m.version, "held": "no", "note": "又开始层层考核"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "问题反弹须重新确定完成时限" in html and "又开始层层考核" in html  # typed text kept
    response = client.post(
        url,
        {
            "version": m.version,
            "held": "no",
            "note": "又开始层层考核",
            "deadline_mode": "workdays",
            "working_days": "5",
        },
    )
    assert response.status_code == 302
    p.refresh_from_db()
    m.refresh_from_db()
    assert p.status == "open" and p.relapses == 1
    # Tue 15 Sep 2026 + 5 working days (Sun 20 Sep is a make-up working day): Mon 21 Sep; the
    # review two days after it, as before (10 → 12 Sep).
    assert (m.status, m.deadline, m.working_days) == ("in_progress", dt.date(2026, 9, 21), 5)
    assert m.review_on == dt.date(2026, 9, 23)
    html = client.get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "2026-09-21" in html and "已逾期" not in html


# --- Problems -------------------------------------------------------------------------------------


def test_problem_create_and_edit_through_the_form(units, login):
    client = login("contact_a")
    response = client.post(
        reverse("problem_create"),
        {
            "unit": str(units["TA01"].pk),
            "source": "complaint",
            "item": "",
            "description": "群众反映甲一镇填表过多",
            "severity": "3",
            "found_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    p = Problem.objects.get(description="群众反映甲一镇填表过多")
    assert (p.unit, p.source, p.severity) == (units["TA01"], "complaint", 3)
    response = client.post(
        reverse("problem_edit", args=[p.pk]),
        {
            "description": "群众反映甲一镇填表过多、重复",
            "severity": "2",
            "item": "",
            "version": p.version,
        },
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.description.endswith("重复") and p.severity == 2 and p.unit == units["TA01"]


def test_problem_form_errors_land_on_the_field_with_input_kept(units, login):
    client = login("contact_a")
    data = {
        "unit": str(units["TB"].pk),  # not contact_a's
        "source": "office",
        "description": "越权登记",
        "severity": "2",
        "found_on": "2026-09-01",
    }
    response = client.post(reverse("problem_create"), data)
    assert response.status_code == 400
    assert "请选择您范围内的单位。" in response.content.decode()
    data["unit"] = str(units["TA"].pk)
    data["found_on"] = "2026-12-01"
    response = client.post(reverse("problem_create"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "发现日期 2026-12-01 晚于今天" in html and "越权登记</textarea>" in html
    assert not Problem.objects.filter(description="越权登记").exists()


def test_problem_form_offers_published_list_items_grouped(units, people, login):
    from jianfu.rectification.selfexam import services as exams

    nl = exams.list_create(by=people["office"], title="省负面清单", year=2026)
    exams.item_save(
        by=people["office"],
        negative_list=nl,
        data={"number": "1", "category": "文山会海", "title": "以文件落实文件", "explanation": ""},
    )
    html = login("contact_a").get(reverse("problem_create")).content.decode()
    assert "以文件落实文件" not in html  # a draft list is not offered
    exams.list_publish(by=people["office"], negative_list=nl)
    html = login("contact_a").get(reverse("problem_create")).content.decode()
    assert re.search(r'<optgroup label="省负面清单[^"]*">', html)
    assert "【文山会海】以文件落实文件" in html


def test_problem_from_a_signal_shows_its_evidence_and_links_the_signal(units, people, login):
    from jianfu.signals import runner
    from jianfu.signals import services as signal_services
    from jianfu.signals.models import Signal
    from jianfu.signals.problems import problem_for
    from jianfu.signals.tests import factories as f

    ta = units["TA"]
    f.quota(ta, 2025, "document", 10)
    f.documents(ta, 2025, f.flat(4, 6))
    with clock.frozen(dt.date(2025, 6, 30)):
        runner.run()
        signal = Signal.objects.get(rule="quota_pacing", unit=ta)
        signal_services.signal_confirm(by=people["office"], signal=signal, note="属实")
    p = problem_for(signal)
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert reverse("signal_detail", args=[signal.pk]) in html
    # In words, through the renderer the signals app registered: the rule's label, the figures'
    # labels, the thresholds in force by their names; never a rule or setting code.
    assert "指标使用过快" in html and "全年指标" in html and "已用" in html
    assert "确认时适用的阈值" in html and "前几个月用量预警线" in html
    assert "quota_pacing" not in html and "signals.pacing" not in html
    assert "月度数据" in html or "按月" in html
    # English readers get the same sections in their language's labels (the renderer runs in
    # the request); at least the page renders.
    en = login("office").get(reverse("problem_detail", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 200


def test_evidence_no_renderer_knows_is_shown_without_codes(units, people, login):
    p = problem(people["office"], units["TA"], "旧规则确认的问题")
    Problem.objects.filter(pk=p.pk).update(
        evidence={
            "rule": "retired_rule",
            "period": "2025",
            "threshold": {"signals.pacing.early_share_pct": 50},
        }
    )
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "retired_rule" not in html and "signals.pacing" not in html
    assert "前几个月用量预警线" in html and "2025" in html


def test_problem_list_filters(ledger, login):
    client = login("office")
    page = client.get(reverse("problem_list"), {"overdue": "1"}).context["page"]
    assert [p.pk for p in page] == [ledger["p1"].pk]
    page = client.get(reverse("problem_list"), {"q": "打卡"}).context["page"]
    assert [p.pk for p in page] == [ledger["p2"].pk]
    page = client.get(reverse("problem_list"), {"q": "统一报送口径"}).context["page"]
    assert [p.pk for p in page] == [ledger["p3"].pk]  # found through its measure
    page = client.get(reverse("problem_list"), {"unit": ledger["p1"].unit_id}).context["page"]
    assert {p.pk for p in page} == {ledger["p1"].pk, ledger["p2"].pk}
    rows = client.get(
        reverse("problem_list"),
        {"source": "office"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="problem-rows",
    )
    assert "<html" not in rows.content.decode()


# --- Measures -------------------------------------------------------------------------------------


def _measure_post(**changes) -> dict:
    data = {
        "content": "清理微信工作群",
        "kind": "immediate",
        "responsible_unit": "",
        "responsible_person": "李四",
        "deadline_mode": "date",
        "deadline": "2026-09-30",
        "working_days": "",
        "deadline_from": "2026-09-15",
        "mechanism": "",
        "review_on": "",
    }
    data.update(changes)
    return data


def test_measure_deadline_in_working_days_across_national_day(ledger, login, units):
    client = login("contact_a")
    p = ledger["p1"]
    data = _measure_post(
        responsible_unit=str(units["TA"].pk),
        deadline_mode="workdays",
        deadline="",
        working_days="5",
        deadline_from="2026-09-28",
    )
    # Without JavaScript: "计算完成时限" shows the date, saves nothing and judges nothing else.
    preview = client.post(
        reverse("measure_create", args=[p.pk]), {**data, "content": "", "compute": "1"}
    )
    assert preview.status_code == 200
    assert "2026-10-10" in preview.content.decode()
    assert "is-invalid" not in preview.content.decode()
    assert not Measure.objects.filter(content="清理微信工作群").exists()
    response = client.post(reverse("measure_create", args=[p.pk]), data)
    assert response.status_code == 302
    m = Measure.objects.get(content="清理微信工作群")
    # 29, 30 Sep; 1–7 Oct off; 8, 9 Oct; Sat 10 Oct is a make-up working day.
    assert (m.deadline, m.working_days, m.deadline_from) == (
        dt.date(2026, 10, 10),
        5,
        dt.date(2026, 9, 28),
    )
    htmx = client.get(
        reverse("measure_deadline"), {"working_days": "5", "deadline_from": "2026-09-28"}
    )
    assert "2026-10-10" in htmx.content.decode()


def test_measure_deadline_in_an_unknown_year_warns(ledger, login):
    response = login("contact_a").get(
        reverse("measure_deadline"), {"working_days": "10", "deadline_from": "2031-03-02"}
    )
    assert "只按周末推算" in response.content.decode()


def test_measure_deadline_before_the_problem_was_found_is_refused(ledger, login, units):
    response = login("contact_a").post(
        reverse("measure_create", args=[ledger["p1"].pk]),
        _measure_post(responsible_unit=str(units["TA"].pk), deadline="2026-07-01"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "完成时限 2026-07-01 早于问题发现日期 2026-08-01" in html
    assert "清理微信工作群</textarea>" in html


def _form_values(html: str) -> dict:
    """The values a browser would send back from the measure form."""
    values = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        values.setdefault(name, value)
    for tag in re.findall(r"<input[^>]*checked[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)[1]
        values[name] = re.search(r'value="([^"]*)"', tag)[1]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = text.removeprefix("\n")  # as a browser reads it
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen[1] if chosen else ""
    values.pop("csrfmiddlewaretoken", None)
    return values


def test_edit_conflict_keeps_both_peoples_text(ledger):
    m = ledger["later"]
    url = reverse("measure_edit", args=[m.pk])
    first, second = _client("contact_a"), _client("office")
    form_1 = _form_values(first.get(url).content.decode())
    form_2 = _form_values(second.get(url).content.decode())
    assert form_1["version"] == form_2["version"] == str(m.version)

    assert first.post(url, {**form_1, "content": "建立会议年度计划（甲）"}).status_code == 302

    response = second.post(url, {**form_2, "content": "建立会议计划并公开（乙）"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "您的保存未生效" in html
    assert "建立会议计划并公开（乙）</textarea>" in html  # what the second person typed
    assert "最新内容" in html and "建立会议年度计划（甲）" in html  # what the first saved
    again = _form_values(html)
    m.refresh_from_db()
    assert again["version"] == str(m.version)
    assert m.content == "建立会议年度计划（甲）"

    response = second.post(url, again)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.content == "建立会议计划并公开（乙）"
    assert Step.objects.filter(measure=m, kind="edited").count() == 2


def test_problem_edit_conflict_keeps_both_peoples_text(ledger):
    p = ledger["p1"]
    url = reverse("problem_edit", args=[p.pk])
    first, second = _client("contact_a"), _client("office")
    form_1 = _form_values(first.get(url).content.decode())
    form_2 = _form_values(second.get(url).content.decode())
    assert form_1["version"] == form_2["version"] == str(p.version)

    response = first.post(url, {**form_1, "description": "甲县会议过多（甲改）", "severity": "3"})
    assert response.status_code == 302

    response = second.post(url, {**form_2, "description": "甲县会议过多、陪会（办公室改）"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "保存了这个问题，您的保存未生效" in html and "contact_a" in html
    assert "甲县会议过多、陪会（办公室改）</textarea>" in html  # what the second person typed
    assert "最新内容" in html and "甲县会议过多（甲改）" in html  # what the first saved
    assert "严重" in html  # the severity the first chose, beside the one the second kept
    again = _form_values(html)
    p.refresh_from_db()
    assert again["version"] == str(p.version)
    assert (p.description, p.severity) == ("甲县会议过多（甲改）", 3)

    response = second.post(url, again)
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.description == "甲县会议过多、陪会（办公室改）" and p.updated_by.username == "office"
    assert Step.objects.filter(problem=p, measure=None, kind="edited").count() == 2


# --- Files ----------------------------------------------------------------------------------------


def _evidence_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return sorted(root.rglob("*")) if root.exists() else []


def test_an_executable_renamed_pdf_is_refused_and_nothing_saved(ledger, login):
    p, m = ledger["p1"], ledger["late10"]
    before_files, before_steps = _evidence_files(), Step.objects.count()
    before = Attachment.objects.count()
    client = login("contact_a")
    response = client.post(
        reverse("attachment_add", args=[p.pk]),
        {"note": "会议通知", "files": [SimpleUploadedFile("会议通知.pdf", EXE)]},
    )
    assert response.status_code == 400
    assert "“会议通知.pdf”是一个程序（可执行文件），不是文档，未上传。" in response.content.decode()
    response = client.post(
        reverse("measure_act", args=[m.pk, "progress"]),
        {
            "version": m.version,
            "note": "已压减三个会议",
            "files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.pdf", EXE)],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "“b.pdf”是一个程序" in html and "已压减三个会议</textarea>" in html
    assert Attachment.objects.count() == before
    assert Step.objects.count() == before_steps
    assert _evidence_files() == before_files
    m.refresh_from_db()
    assert m.progress == ""


def test_a_file_over_the_limit_is_refused_with_its_real_size(ledger, login, people):
    from jianfu.core import files
    from jianfu.core.services import setting_update

    setting_update(by=people["office"], key=files.MAX_MB, value="1")
    big = SimpleUploadedFile("扫描件.pdf", PDF + b"0" * (3 * files.MB))
    response = login("contact_a").post(
        reverse("attachment_add", args=[ledger["p1"].pk]), {"files": [big]}
    )
    assert response.status_code == 400
    assert "“扫描件.pdf”大小为 3.0 MB，超过上限 1 MB，未上传。" in response.content.decode()
    assert not Attachment.objects.filter(name="扫描件.pdf").exists()


def test_evidence_upload_and_download(ledger, login):
    p = ledger["p1"]
    client = login("contact_a")
    response = client.post(
        reverse("attachment_add", args=[p.pk]),
        {
            "measure": str(ledger["late10"].pk),
            "note": "",
            "files": [SimpleUploadedFile("会议纪要.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    a = Attachment.objects.get(name="会议纪要.pdf")
    assert a.measure_id == ledger["late10"].pk
    download = client.get(reverse("attachment_download", args=[a.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert _client("contact_b").get(reverse("attachment_download", args=[a.pk])).status_code == 404


# --- Bounded queries ------------------------------------------------------------------------------


def _more(units, people, n: int) -> None:
    a = people["contact_a"]
    for i in range(n):
        unit = units["TA01"] if i % 2 else units["TA"]
        p = problem(a, unit, f"问题{i}")
        m = measure(a, p, f"措施{i}", dt.date(2026, 9, 1 + i % 28))
        act(a, m, "start")
        act(a, m, "progress", f"进展{i}")


@pytest.mark.parametrize(
    "url_of",
    [
        lambda d: reverse("rect_overview"),
        lambda d: reverse("rect_ledger", args=[d["p1"].unit_id]),
        lambda d: reverse("problem_list"),
        lambda d: reverse("verify_queue"),
        lambda d: reverse("problem_detail", args=[d["p1"].pk]),
    ],
)
def test_pages_run_a_bounded_number_of_queries(
    url_of, ledger, units, people, login, django_assert_max_num_queries
):
    client = login("office")
    url = url_of(ledger)
    client.get(url)  # sessions, caches
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).status_code == 200
    _more(units, people, 12)
    for m in Measure.objects.filter(problem=ledger["p1"])[:3]:
        evidence_files.attachment_add(
            by=people["contact_a"], problem=ledger["p1"], measure=m, uploads=[("x.pdf", PDF)]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- Follow-ups: verifier, deleting a draft, editing a closed problem -----------------------------


def _submitted_city_measure(people, units) -> Measure:
    office = people["office"]
    p = problem(office, units["T"], "市委办发文过多")
    m = measure(office, p, "精简市委办发文", dt.date(2026, 9, 30))
    act(office, m, "start")
    return act(office, m, "submit", "已精简三成")


def test_a_city_unit_problem_gets_a_verifier_from_the_problem_page_who_then_verifies(
    units, people, login
):
    m = _submitted_city_measure(people, units)
    client = login("office")
    html = client.get(reverse("problem_detail", args=[m.problem_id])).content.decode()
    assert reverse("measure_verifier", args=[m.pk]) in html
    # Grouped by unit: a county contact offered, the city unit's own people not.
    b_pk = people["contact_b"].pk
    assert re.search(rf'<optgroup label="乙县">\s*<option value="{b_pk}"', html)
    form = html[html.index(reverse("measure_verifier", args=[m.pk])) :]
    form = form[: form.index("</form>")]
    assert f'<option value="{people["discipline"].pk}"' not in form
    # A stale version is refused and the choice kept.
    response = client.post(
        reverse("measure_verifier", args=[m.pk]),
        {"version": m.version - 1, "verifier": people["contact_b"].pk},
    )
    assert response.status_code == 409
    assert "您的保存未生效" in response.content.decode()
    m.refresh_from_db()
    assert m.verifier_id is None
    response = client.post(
        reverse("measure_verifier", args=[m.pk]),
        {"version": m.version, "verifier": people["contact_b"].pk},
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.verifier == people["contact_b"]
    assert Step.objects.filter(measure=m, kind="edited", changes__has_key="verifier_id").exists()
    # 乙县's contact reaches the city's problem through the assignment, and verifies it.
    b = login("contact_b")
    html = b.get(reverse("problem_detail", args=[m.problem_id])).content.decode()
    assert reverse("measure_act", args=[m.pk, "verify"]) in html
    assert reverse("measure_edit", args=[m.pk]) not in html  # nothing else of the city's
    assert reverse("attachment_add", args=[m.problem_id]) not in html
    assert m in b.get(reverse("verify_queue")).context["page"].object_list
    response = b.post(
        reverse("measure_act", args=[m.pk, "verify"]), {"version": m.version, "note": "属实"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == "verified" and m.verified_by == people["contact_b"]
    # Once verified, the assignment no longer opens the city's page to 乙县.
    assert b.get(reverse("problem_detail", args=[m.problem_id])).status_code == 404


def test_only_the_office_assigns_a_verifier_on_the_page(ledger, units, people, login):
    m = ledger["b"]  # 乙县's, submitted
    html = login("contact_b").get(reverse("problem_detail", args=[m.problem_id])).content.decode()
    assert reverse("measure_verifier", args=[m.pk]) not in html
    response = login("contact_b").post(
        reverse("measure_verifier", args=[m.pk]), {"version": m.version, "verifier": ""}
    )
    assert response.status_code == 403
    assert login("contact_a").post(reverse("measure_verifier", args=[m.pk])).status_code == 404


def test_a_draft_measure_is_deleted_from_the_problem_page(ledger, login):
    draft = ledger["later"]
    client = login("contact_a")
    html = client.get(reverse("problem_detail", args=[draft.problem_id])).content.decode()
    url = reverse("measure_delete", args=[draft.pk])
    form = html[html.index(url) - 200 : html.index(url) + 400]
    assert "data-confirm" in form and "删除草稿" in form
    # The measure being worked on has no such button, and the service refuses it anyway.
    late = ledger["late10"]
    assert reverse("measure_delete", args=[late.pk]) not in html
    response = client.post(
        reverse("measure_delete", args=[late.pk]), {"version": late.version}, follow=True
    )
    assert "不能删除" in response.content.decode()
    assert Measure.objects.filter(pk=late.pk).exists()
    assert login("leader").post(url, {"version": draft.version}).status_code == 403
    assert login("contact_b").post(url, {"version": draft.version}).status_code == 404
    response = login("contact_a").post(url, {"version": draft.version}, follow=True)
    assert response.status_code == 200
    assert not Measure.objects.filter(pk=draft.pk).exists()
    html = response.content.decode()
    assert "草稿措施已删除" in html
    assert "删除草稿措施" in html and "建立会议计划：十月底" in html  # in the history


def test_a_closed_problem_is_not_edited_on_the_page(units, people, login):
    office, a = people["office"], people["contact_a"]
    p = problem(a, units["TA"], "已整改的问题")
    m = measure(a, p, "立即整改", dt.date(2026, 9, 20))
    act(a, m, "start")
    act(a, m, "submit", "已完成")
    act(office, m, "verify")
    client = login("contact_a")
    html = client.get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert reverse("problem_edit", args=[p.pk]) not in html
    response = client.post(
        reverse("problem_edit", args=[p.pk]),
        {"description": "改写", "severity": "1", "item": ""},
        follow=True,
    )
    assert "不能再修改" in response.content.decode()
    p.refresh_from_db()
    assert p.description == "已整改的问题"


def test_a_long_verifier_list_becomes_a_box_with_suggestions(units, people, login, monkeypatch):
    from jianfu.rectification.problems import forms

    monkeypatch.setattr(forms, "SELECT_LIMIT", 1)
    m = _submitted_city_measure(people, units)
    client = login("office")
    html = client.get(reverse("problem_detail", args=[m.problem_id])).content.decode()
    assert f'list="m{m.pk}-verifier-verifier-list"' in html
    assert '<option value="contact_b">contact_b（乙县）</option>' in html
    url = reverse("measure_verifier", args=[m.pk])
    response = client.post(url, {"version": m.version, "verifier": "nobody"})
    assert response.status_code == 400 and "请从列表中选择核验人" in response.content.decode()
    assert client.post(url, {"version": m.version, "verifier": "contact_b"}).status_code == 302
    m.refresh_from_db()
    assert m.verifier == people["contact_b"]


# --- Reviews due (到期回头看) ---------------------------------------------------------------------


def _verified_long_term(people, unit, description, review_on, **data) -> Measure:
    """A long-term measure of `unit` submitted by its contact (甲县's) and verified by the office
    (or by `verifier`, whom the office assigns), the deadline 1 Sep."""
    office, a = people["office"], people["contact_a"]
    verifier = data.pop("verifier", office)
    by = data.pop("by", a)
    p = problem(by, unit, description)
    m = measure(
        data.pop("created_by", by),
        p,
        f"{description}：建立制度",
        dt.date(2026, 9, 1),
        kind="long_term",
        mechanism=f"《{description}管理办法》",
        review_on=review_on,
        **data,
    )
    act(by, m, "start")
    act(by, m, "submit", "已印发")
    if verifier != office:
        m.refresh_from_db()
        measures.measure_assign_verifier(
            by=office, measure_id=m.pk, version=m.version, verifier_id=verifier.pk
        )
    act(verifier, m, "verify", "属实")
    m.refresh_from_db()
    return m


@pytest.fixture
def reviews(units, people):
    """On 15 Sep 2026: one review five days overdue, one held, one that relapsed and was verified
    again (next review 1 Oct), one beyond the month, and two of the city unit's own."""
    office, a = people["office"], people["contact_a"]
    due = _verified_long_term(people, units["TA"], "考核过多", dt.date(2026, 9, 10))
    held = _verified_long_term(people, units["TA01"], "台账过多", dt.date(2026, 9, 5))
    act(office, held, "review", "成效巩固", held=True)
    relapsed = _verified_long_term(people, units["TA"], "填表过多", dt.date(2026, 9, 12))
    act(
        office,
        relapsed,
        "review",
        "又开始层层填表",
        held=False,
        deadline=dt.date(2026, 9, 30),
        review_on=dt.date(2026, 10, 1),
    )
    # Done again the same afternoon: verified after the review that found the relapse.
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 9, 15, 16))):
        act(a, relapsed, "submit", "已重新整改")
        act(office, relapsed, "verify", "属实")
    far = _verified_long_term(people, units["TA"], "督查过多", dt.date(2026, 11, 30))
    b = people["contact_b"]
    # The city's own problem, and 甲县's whose responsible unit is the city: the office may not
    # look back at either (measures._verifier_allowed); 乙县's contact verified them.
    city = _verified_long_term(
        people, units["T"], "发文过多", dt.date(2026, 9, 8), by=office, verifier=b
    )
    city_resp = _verified_long_term(
        people,
        units["TA"],
        "陪会过多",
        dt.date(2026, 9, 9),
        created_by=office,
        responsible_unit_id=units["T"].pk,
        verifier=b,
    )
    out = {"due": due, "held": held, "relapsed": relapsed, "far": far}
    out |= {"city": city, "city_resp": city_resp}
    for m in out.values():
        m.refresh_from_db()
    return out


def test_reviews_due_lists_verified_long_term_measures_by_review_date(reviews, people):
    from jianfu.rectification.problems import queries

    office = people["office"]
    assert list(queries.reviews_due(office, TODAY)) == [reviews["due"], reviews["relapsed"]]
    assert list(queries.reviews_due(office, TODAY, horizon_days=0)) == [reviews["due"]]
    ahead = queries.reviews_due(office, TODAY, horizon_days=90)
    assert reviews["far"] in ahead and reviews["held"] not in ahead


def test_a_review_past_its_date_shows_on_the_verify_page(reviews, login):
    m = reviews["due"]
    response = login("office").get(reverse("verify_queue"))
    assert [x.pk for x in response.context["reviews"]] == [m.pk, reviews["relapsed"].pk]
    assert response.context["reviews_total"] == 2
    html = response.content.decode()
    assert "到期回头看" in html and 'id="reviews"' in html
    assert "考核过多" in html and "《考核过多管理办法》" in html and "2026-09-10" in html
    assert "已到期 5 天" in html
    review_url = reverse("problem_detail", args=[m.problem_id]) + f"?m={m.pk}&amp;act=review"
    assert f"{review_url}#m{m.pk}-review" in html


def test_the_review_link_opens_the_measures_review_form(reviews, login):
    m = reviews["due"]
    url = reverse("problem_detail", args=[m.problem_id])
    client = login("office")
    html = client.get(url).content.decode()
    assert f'id="m{m.pk}-review">' in html  # there, closed
    html = client.get(url, {"m": m.pk, "act": "review"}).content.decode()
    assert f'id="m{m.pk}-review" open>' in html


def test_a_held_review_is_not_listed_and_a_relapse_verified_again_is(reviews, login):
    html = login("office").get(reverse("verify_queue")).content.decode()
    assert "台账过多" not in html  # reviewed, the fix held
    assert "填表过多" in html and "还有 16 天" in html  # relapsed, fixed and verified again
    assert "上次回头看发现反弹" in html
    assert "督查过多" not in html  # not within the month
    # The problem page no longer says the held one's review is due.
    held = reviews["held"]
    page = login("office").get(reverse("problem_detail", args=[held.problem_id])).content.decode()
    assert "已到回头看日期" not in page


def test_the_offices_own_unit_is_not_listed_for_the_office(reviews, login):
    listed = login("office").get(reverse("verify_queue")).context["reviews"]
    assert reviews["city"] not in listed and reviews["city_resp"] not in listed
    html = login("office").get(reverse("verify_queue")).content.decode()
    assert "发文过多" not in html and "陪会过多" not in html


def test_leader_does_not_see_the_reviews_section(reviews, login):
    response = login("leader").get(reverse("verify_queue"))
    assert response.status_code == 200
    assert "reviews" not in response.context
    html = response.content.decode()
    assert "到期回头看" not in html and "考核过多" not in html
    assert "到期回头看" not in login("leader").get(reverse("rect_overview")).content.decode()


def test_overview_counts_the_reviews_due(reviews, login):
    response = login("office").get(reverse("rect_overview"))
    assert response.context["totals"]["reviews_due"] == 2
    html = response.content.decode()
    assert reverse("verify_queue") + "#reviews" in html and "到期回头看" in html
    # The filters apply as to the other cards: none of the reviews is 乙县's.
    county_b = response.context["counties"][1]
    assert county_b.name == "乙县"
    response = login("office").get(reverse("rect_overview"), {"under": county_b.pk})
    assert response.context["totals"]["reviews_due"] == 0


def test_reviews_due_runs_a_bounded_number_of_queries(
    units, people, login, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            unit = units["TA01"] if i % 2 else units["TA"]
            _verified_long_term(people, unit, f"问题{i}", dt.date(2026, 9, 2 + i % 20))

    add(3, 0)
    client = login("office")
    url = reverse("verify_queue")
    client.get(url)  # sessions, caches
    with django_assert_max_num_queries(15) as few:
        assert len(client.get(url).context["reviews"]) == 3
    add(12, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).context["reviews"]) == 15


@pytest.mark.django_db
def test_a_long_unit_list_becomes_a_text_box_filled_with_the_units_name(people, units, monkeypatch):
    """Above the select's limit the responsible unit is typed: the form starts with the problem
    unit's name, or its code where another unit in scope has the same name."""
    from jianfu.core.models import Unit
    from jianfu.rectification.problems import forms

    office = people["office"]
    monkeypatch.setattr(forms, "SELECT_LIMIT", 2)
    problem = services.problem_create(
        by=office, unit_id=units["TA01"].pk, source="office", description="报表过多"
    )
    choice = forms.UnitChoice(office, services.EDIT)
    assert choice.units is None  # a text box, not a select
    assert choice.initial(units["TA01"]) == "甲一镇"
    assert choice.resolve("甲一镇").pk == units["TA01"].pk
    Unit.objects.add_child(units["TB"], {"code": "TB02", "name": "甲一镇", "kind": "township"})
    assert forms.UnitChoice(office, services.EDIT).initial(units["TA01"]) == "TA01"
    page = Client()
    page.force_login(office)
    body = page.get(reverse("measure_create", args=[problem.pk])).content.decode()
    assert 'value="TA01"' in body
