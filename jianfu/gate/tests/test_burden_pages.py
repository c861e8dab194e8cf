"""The burden meter's pages: the catalogue (propose, admit), the dictionary and its Excel import,
a request's draft page with its flags and estimate and its page after, the recipient's list,
the home cards; permissions and bounded queries."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from openpyxl import Workbook, load_workbook

from jianfu.core import clock, home
from jianfu.core.models import AuditEntry
from jianfu.gate import review
from jianfu.gate.burden import services
from jianfu.gate.burden.models import Form, FormField, Return
from jianfu.gate.proposals.models import Proposal
from jianfu.gate.tests.burden_city import admitted_form, dictionary, draft

pytestmark = pytest.mark.django_db

HEADER = ["数据项编码", "数据项名称", "类型", "可选项", "计量单位", "平台已掌握于", "预计填写秒数"]


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_contact_proposes_a_form_and_the_office_admits_it(people, units, login):
    fields = dictionary(people["office"])
    client = login("contact_a")
    bad = client.post(
        "/gate/burden/forms/new/", {"sender": units["TA"].pk, "name": "农户表", "fields": []}
    )
    assert bad.status_code == 400 and "请从数据项字典中选择至少一个数据项" in bad.content.decode()
    assert 'value="农户表"' in bad.content.decode()  # typed values survive
    ok = client.post(
        "/gate/burden/forms/new/",
        {"sender": units["TA"].pk, "name": "农户表", "fields": [fields["households"].pk]},
    )
    assert ok.status_code == 302
    form = Form.objects.get(name="农户表")
    assert form.status == "proposed"
    assert client.post(f"/gate/burden/forms/{form.pk}/admit/").status_code == 403
    form.refresh_from_db()
    assert form.status == "proposed"  # a contact cannot admit its own form
    office = login("office")
    assert office.post(f"/gate/burden/forms/{form.pk}/admit/", {"note": "同意"}).status_code == 302
    form.refresh_from_db()
    assert form.status == "admitted"
    # Another county's contact sees the admitted catalogue form, not a proposed one of county A.
    other = Form.objects.create(name="草稿表", sender=units["TA"])
    b = login("contact_b")
    assert b.get(f"/gate/burden/forms/{form.pk}/").status_code == 200
    assert b.get(f"/gate/burden/forms/{other.pk}/").status_code == 404


def test_a_sample_point_reporter_does_not_open_the_catalogue(login):
    assert login("reporter").get("/gate/burden/forms/").status_code == 403


def test_the_draft_page_shows_the_flags_and_the_estimate_then_sends(people, units, login):
    form = admitted_form(people, units, dictionary(people["office"]))
    client = login("contact_a")
    answer = client.post(
        f"/gate/burden/forms/{form.pk}/request/",
        {"title": "三月村情", "levels": ["village"], "frequency": "monthly",
         "first_period": "2026-3", "count": "2", "due_on": "2099-01-01"},
    )  # fmt: skip
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "首个填报期“2026-3”无效" in html and 'value="三月村情"' in html
    answer = client.post(
        f"/gate/burden/forms/{form.pk}/request/",
        {"title": "三月村情", "levels": ["village"], "frequency": "monthly",
         "first_period": "2026-03", "count": "2", "due_on": "2099-01-01"},
    )  # fmt: skip
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "本月收到上级文件数" in page and "发文登记" in page
    assert "预计基层耗时 0.0 小时：每份 1.2 分钟 × 1 个单位 × 2 期" in page
    req_pk = int(answer["Location"].rstrip("/").split("/")[-1])
    refused = client.post(f"/gate/burden/requests/{req_pk}/send/")
    assert refused.status_code == 302 and not Return.objects.filter(request_id=req_pk).exists()
    client.post(f"/gate/burden/requests/{req_pk}/send/", {"confirm": "1"})
    after = client.get(f"/gate/burden/requests/{req_pk}/").content.decode()
    assert "已提交 0 / 2 份" in after and "甲一村" in after


def test_the_request_page_after_shows_measured_minutes_beside_the_estimate(people, units, login):
    form = admitted_form(people, units, dictionary(people["office"]))
    req = draft(people, form)
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    login("reporter").post(
        f"/gate/burden/returns/{Return.objects.get(request=req).pk}/",
        {"households": "3", "docs_received": "1", "road": "良好", "clinic": "no"},
    )
    page = login("contact_a").get(f"/gate/burden/requests/{req.pk}/").content.decode()
    assert "已提交 1 / 1 份" in page and "每份中位数" in page


def test_home_cards_say_the_returns_to_fill_and_the_forms_to_admit(people, units, rf):
    fields = dictionary(people["office"])
    services.form_propose(
        by=people["contact_a"], sender_id=units["TA"].pk, name="待审表",
        field_ids=[fields["road"].pk],
    )  # fmt: skip
    form = admitted_form(people, units, fields)
    services.request_send(by=people["contact_a"], request=draft(people, form), confirm=True)
    card = home.PROVIDERS["gate.burden.recipient"].compute(people["reporter"], clock.today())[0]
    assert card.count == 1 and card.url == "/gate/burden/todo/"
    office = home.PROVIDERS["gate.burden.office"].compute(people["office"], clock.today())[0]
    assert office.count == 1 and "status=proposed" in office.url


def test_list_pages_bound_their_queries(people, units, login, django_assert_max_num_queries):
    fields = dictionary(people["office"])
    client = login("office")

    def make(n, start):
        for i in range(start, start + n):
            form = admitted_form(people, units, fields, name=f"表{i}")
            services.request_send(by=people["contact_a"], request=draft(people, form), confirm=True)

    make(3, 0)
    with django_assert_max_num_queries(30) as few:
        client.get("/gate/burden/forms/")
        client.get("/gate/burden/requests/")
    make(27, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/gate/burden/forms/")
        client.get("/gate/burden/requests/")
    reporter = login("reporter")
    with django_assert_max_num_queries(30) as few:
        reporter.get("/gate/burden/todo/")
    assert len(few.captured_queries) < 30


def test_the_dictionary_imports_from_excel_all_or_nothing(people, login):
    client = login("office")
    template = client.get("/gate/burden/dictionary/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.rows)]
    assert header[:3] == ["数据项编码", "数据项名称", "类型"]
    url = "/gate/burden/dictionary/import/"
    assert client.get(url).status_code == 200
    bad = xlsx([
        HEADER,
        ["pupils", "在校学生数", "数字", "", "人", "", ""],
        ["photo", "现场照片", "照片", "", "", "", ""],
        ["docs", "收文数", "数字", "", "", "发文登记", "abc"],
    ])  # fmt: skip
    answer = client.post(url, {"file": SimpleUploadedFile("字典.xlsx", bad)})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "类型“照片”无效" in html and "预计填写秒数应为" in html
    assert not FormField.objects.exists()  # nothing saved
    good = xlsx([
        HEADER,
        ["pupils", "在校学生数", "数字", "", "人", "", ""],
        ["docs", "收文数", "数字", "", "", "发文登记", "20"],
        ["road", "路况", "选项", "好、差", "", "", ""],
    ])  # fmt: skip
    assert client.post(url, {"file": SimpleUploadedFile("字典.xlsx", good)}).status_code == 302
    assert dict(FormField.objects.values_list("code", "held_in")) == {
        "pupils": "", "docs": "registry.documents", "road": ""
    }  # fmt: skip
    assert FormField.objects.get(code="road").choices == ["好", "差"]
    assert AuditEntry.objects.filter(code="jianfu.gate.burden.field.imported").count() == 1
    assert login("contact_a").get(url).status_code == 403


def test_the_dictionary_page_adds_a_field_and_names_a_bad_one(login):
    client = login("office")
    bad = client.post("/gate/burden/dictionary/", {"code": "1x", "name": "户数", "type": "number"})
    assert bad.status_code == 400 and "数据项编码“1x”无效" in bad.content.decode()
    assert 'value="户数"' in bad.content.decode()
    ok = client.post("/gate/burden/dictionary/", {"code": "hh", "name": "户数", "type": "number"})
    assert ok.status_code == 302 and FormField.objects.get(code="hh").seconds == 30


def test_the_held_panel_renders_for_an_inspection_proposal(people, units):
    proposal = Proposal.objects.create(
        unit=units["TA"], category="inspection", title="检查",
        materials_demanded="请提供整改台账", forms_demanded=1,
    )  # fmt: skip
    panel = review.PANELS["held"]
    html = render_to_string(panel.template, panel.build(proposal, people["office"]))
    assert '<a href="/rectification/problems/">问题清单和整改台账</a>' in html
