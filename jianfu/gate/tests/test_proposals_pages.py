"""The proposals' pages: the form that follows the category (an attached draft read, a bad one
refused with what was typed kept), a proposal's page for the unit, the office's queue and review
page (every registered panel beside the proposal, its warnings on top, bounded queries), scope
(another county's proposal 404, a contact reviewing 403), the units under the gate, the home
cards."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jianfu.core import clock
from jianfu.gate import review
from jianfu.gate.proposals import services
from jianfu.gate.proposals.models import Enrolment, Proposal, ProposalFile, ProposalStatus
from jianfu.registry.models import Document

from .proposals_factory import (  # noqa: F401 (chinese: an autouse fixture)
    DAY,
    EXE,
    chinese,
    document_data,
    docx_bytes,
    draft,
    filed_plan,
    meeting_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with clock.frozen(DAY):
        yield


def form_post(**kw) -> dict:
    data = {
        "category": "document",
        "title": "关于开展春季植树活动的通知",
        "plan_item": "",
        "out_of_plan_reason": "",
        "document_kind": "white_header",
        "draft_text": "各乡镇：请组织开展春季植树活动。",
        "addressed_levels": ["township"],
    }
    data.update(kw)
    return data


def submitted(people, **kw):
    p = draft(people["contact_a"], document_data(out_of_plan_reason="紧急", **kw))
    return services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)


def test_the_form_offers_the_units_filed_plan_items_and_saves_a_draft(client, login, people, units):
    item = filed_plan(units["TA"], title="年度安全生产文件")
    filed_plan(units["TB"], title="乙县的事项")
    login("contact_a")
    page = client.get(reverse("gate_proposal_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "年度安全生产文件" in html and "乙县的事项" not in html
    assert 'data-category="document"' in html and "js/gate-proposal.js" in html
    answer = client.post(
        reverse("gate_proposal_create"), form_post(plan_item=str(item.pk), then="save")
    )
    p = Proposal.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "gate_proposal_detail", args=[p.pk]
    )
    assert p.plan_item == item and p.status == ProposalStatus.DRAFT


def test_save_and_submit_out_of_plan_needs_the_reason(client, login, people):
    login("contact_a")
    answer = client.post(reverse("gate_proposal_create"), form_post(then="submit"))
    p = Proposal.objects.get()
    assert answer["Location"] == reverse("gate_proposal_edit", args=[p.pk])
    assert p.status == ProposalStatus.DRAFT
    page = client.get(answer["Location"])
    assert "一事一报" in page.content.decode()
    client.post(
        reverse("gate_proposal_edit", args=[p.pk]),
        form_post(then="submit", out_of_plan_reason="省委临时部署"),
    )
    assert Proposal.objects.get().status == ProposalStatus.SUBMITTED


def test_an_attached_docx_becomes_the_draft_text(client, login):
    login("contact_a")
    upload = SimpleUploadedFile("植树通知.docx", docx_bytes("请各乡镇于三月十二日前完成。"))
    answer = client.post(
        reverse("gate_proposal_create"), {**form_post(draft_text="", then="save"), "file": upload}
    )
    assert answer.status_code == 302
    assert Proposal.objects.get().draft_text == "请各乡镇于三月十二日前完成。"


def test_a_program_as_the_draft_is_refused_and_what_was_typed_stays(client, login):
    login("contact_a")
    upload = SimpleUploadedFile("植树通知.docx", EXE)
    answer = client.post(
        reverse("gate_proposal_create"),
        {**form_post(title="我输入的标题", then="save"), "file": upload},
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "“植树通知.docx”是一个程序（可执行文件），不是文档，未上传。" in html
    assert 'value="我输入的标题"' in html and "请组织开展春季植树活动。</textarea>" in html
    assert not Proposal.objects.exists() and not ProposalFile.objects.exists()


def test_the_unit_sees_the_reasons_and_marks_an_approved_one_issued(client, login, people):
    p = submitted(people)
    services.proposal_return(by=people["office"], proposal_id=p.pk, reasons="与市里文件重复")
    login("contact_a")
    html = client.get(reverse("gate_proposal_detail", args=[p.pk])).content.decode()
    assert "与市里文件重复" in html and "修改后重新提交" in html
    services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)
    services.proposal_approve(by=people["office"], proposal_id=p.pk)
    html = client.get(reverse("gate_proposal_detail", args=[p.pk])).content.decode()
    assert "登记印发" in html and 'name="issued_on"' in html and 'name="title"' not in html
    url = reverse("gate_proposal_act", args=[p.pk, "issue"])
    bad = client.post(url, {"number": "甲发〔2026〕3号", "issued_on": ""})
    assert bad.status_code == 400 and not Document.objects.exists()
    good = client.post(url, {"number": "甲发〔2026〕3号", "issued_on": "2026-03-02"})
    assert good.status_code == 302
    p.refresh_from_db()
    doc = Document.objects.get(pk=p.record_id)
    assert doc.number == "甲发〔2026〕3号" and doc.title == p.title
    html = client.get(reverse("gate_proposal_detail", args=[p.pk])).content.decode()
    assert reverse("document_detail", args=[doc.pk]) in html


def test_another_countys_proposal_is_404_and_a_contact_cannot_review(client, login, people):
    p = submitted(people)
    login("contact_b")
    assert client.get(reverse("gate_proposal_detail", args=[p.pk])).status_code == 404
    assert client.get(reverse("gate_review_detail", args=[p.pk])).status_code == 404
    assert client.post(reverse("gate_proposal_act", args=[p.pk, "withdraw"])).status_code == 404
    login("contact_a")
    assert client.get(reverse("gate_review_queue")).status_code == 403
    answer = client.post(reverse("gate_review_act", args=[p.pk, "approve"]), {"note": ""})
    assert answer.status_code == 403
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.SUBMITTED
    login("leader")
    assert client.get(reverse("gate_proposal_detail", args=[p.pk])).status_code == 200
    assert client.get(reverse("gate_review_queue")).status_code == 403


def test_the_review_page_shows_every_registered_panel_and_their_warnings(client, login, people):
    def build(proposal, principal):
        return {"warnings": [f"测试面板提示：{proposal.title}"]}

    review.register(
        review.Panel("test_panel", "测试面板", 99, "gate/proposals/_panel_length.html", build)
    )
    try:
        p = submitted(people, draft_text="字" * 5200)
        login("office")
        page = client.get(reverse("gate_review_detail", args=[p.pk]))
        html = page.content.decode()
        assert 'id="panel-test_panel"' in html and 'id="panel-length"' in html
        assert html.index('id="panel-length"') < html.index('id="panel-test_panel"')
        warnings = html[html.index('id="gate-warnings"') : html.index('id="panel-length"')]
        assert "超过一般文件篇幅上限 5000 字（超出 200 字）" in warnings
        assert f"测试面板提示：{p.title}" in warnings
    finally:
        review.PANELS.pop("test_panel")


def _panel(html: str, code: str) -> str:
    start = html.index(f'id="panel-{code}"')
    return html[start : html.index("</section>", start)]


def test_each_parts_panel_draws_its_own_findings_on_the_review_page(client, login, people, units):
    """The panels of the parts below proposals (plan, copies) are drawn from their own context:
    an out-of-plan draft shows as a case-by-case request with its reason, an in-plan one names
    its plan item, and a draft copied from a registered document shows the share copied."""
    source = Document.objects.create(
        unit=units["TB"],
        title="关于做好秋季森林防火工作的通知",
        issued_on=DAY - dt.timedelta(days=30),
        kind="red_header",
        full_text="各乡镇各单位要切实加强森林防火队伍建设，落实巡山护林责任，严格火源管控。" * 20,
    )
    out = submitted(people, draft_text=source.full_text)
    item = filed_plan(units["TA"], title="年度安全生产文件")
    within = draft(
        people["contact_a"], document_data(plan_item_id=item.pk, draft_text="请做好春耕。")
    )
    services.proposal_submit(by=people["contact_a"], proposal_id=within.pk)
    login("office")
    html = client.get(reverse("gate_review_detail", args=[out.pk])).content.decode()
    plan = _panel(html, "plan")
    assert "计划外（一事一报）" in plan and "紧急" in plan and "已列入年度计划" not in plan
    copies = _panel(html, "copies")
    assert "关于做好秋季森林防火工作的通知" in copies and "未发现" not in copies
    html = client.get(reverse("gate_review_detail", args=[within.pk])).content.decode()
    plan = _panel(html, "plan")
    assert "已列入年度计划" in plan and "年度安全生产文件" in plan and "计划外" not in plan


def test_the_office_returns_with_reasons_from_the_review_page(client, login, people):
    p = submitted(people)
    login("office")
    url = reverse("gate_review_act", args=[p.pk, "return"])
    empty = client.post(url, {"reasons": ""})
    assert empty.status_code == 400 and Proposal.objects.get(pk=p.pk).status == "submitted"
    answer = client.post(url, {"reasons": "请与春耕会合并召开"})
    assert answer.status_code == 302
    p.refresh_from_db()
    assert p.status == ProposalStatus.RETURNED and p.return_reasons == "请与春耕会合并召开"


def test_the_merge_panel_names_meetings_of_the_same_week(client, login, people, units):
    from jianfu.registry.models import Meeting

    Meeting.objects.create(
        unit=units["TB"],
        title="乙县春耕会",
        held_on=dt.date(2026, 3, 16),
        level="county",
        form="in_person",
        attend_levels=["township"],
    )
    Meeting.objects.create(
        unit=units["TB"],
        title="别的周的会",
        held_on=dt.date(2026, 3, 25),
        level="county",
        form="in_person",
        attend_levels=["township"],
    )
    p = draft(people["contact_a"], meeting_data())
    services.proposal_submit(by=people["contact_a"], proposal_id=p.pk)
    login("office")
    html = client.get(reverse("gate_review_detail", args=[p.pk])).content.decode()
    panel = html[html.index('id="panel-merge"') :]
    assert "乙县春耕会" in panel and "别的周的会" not in panel
    assert "可考虑合并召开（两会合一）" in html and "可考虑以视频方式召开" in panel


def test_an_office_account_of_the_proposing_unit_cannot_approve_on_the_page(
    client, login, people, units
):
    from jianfu.core.models import RoleGrant

    p = submitted(people)
    reviewer = people["contact_b"]
    reviewer.home_unit = units["TA"]
    reviewer.save()
    RoleGrant.objects.create(user=reviewer, role="office")
    login("contact_b")
    page = client.get(reverse("gate_review_detail", args=[p.pk]))
    assert "本单位提交的申请不能由本单位审核" in page.content.decode()
    answer = client.post(reverse("gate_review_act", args=[p.pk, "approve"]), {"note": ""})
    assert answer.status_code == 403
    assert "本单位提交的申请不能由本单位审核" in answer.content.decode()
    assert Proposal.objects.get(pk=p.pk).status == ProposalStatus.SUBMITTED


def test_the_review_page_and_queue_do_not_grow_their_queries(
    client, login, people, django_assert_max_num_queries
):
    first = submitted(people)
    login("office")
    client.get(reverse("gate_review_detail", args=[first.pk]))  # warm caches
    client.get(reverse("gate_review_queue"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("gate_review_detail", args=[first.pk]))
    with django_assert_max_num_queries(40) as queue_few:
        client.get(reverse("gate_review_queue"))
    for i in range(20):
        submitted(people, title=f"申请{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("gate_review_detail", args=[first.pk]))
    with django_assert_max_num_queries(len(queue_few.captured_queries)):
        page = client.get(reverse("gate_review_queue"))
    assert page.content.decode().count("申请1") >= 11  # 申请1, 申请10 … 申请19


def test_the_list_pages_do_not_grow_their_queries(
    client, login, people, django_assert_max_num_queries
):
    submitted(people)
    login("contact_a")
    client.get(reverse("gate_proposal_list"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("gate_proposal_list"))
    for i in range(20):
        submitted(people, title=f"申请{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("gate_proposal_list"))
    assert page.content.decode().count("申请1") >= 11


def test_the_office_puts_units_under_the_gate_from_a_page(client, login, units):
    login("office")
    page = client.get(reverse("gate_enrolment_list"))
    assert page.status_code == 200 and "甲县" in page.content.decode()
    # Without a date the form comes back with the units chosen still selected.
    kept = client.post(reverse("gate_enrolment_list"), {"units": [str(units["TA"].pk)]})
    assert kept.status_code == 400
    assert f'<option value="{units["TA"].pk}" selected>甲县</option>' in kept.content.decode()
    answer = client.post(
        reverse("gate_enrolment_list"),
        {"units": [str(units["TA"].pk), str(units["TD01"].pk)], "since": "2026-03-01"},
    )
    assert answer.status_code == 302
    assert dict(Enrolment.objects.values_list("unit__code", "since")) == {
        "TA": dt.date(2026, 3, 1),
        "TD01": dt.date(2026, 3, 1),
    }
    client.post(reverse("gate_enrolment_remove", args=[units["TD01"].pk]))
    assert list(Enrolment.objects.values_list("unit__code", flat=True)) == ["TA"]
    login("contact_a")
    assert client.get(reverse("gate_enrolment_list")).status_code == 403


def test_home_cards_for_the_office_and_the_contact(client, login, people):
    p = submitted(people)
    other = submitted(people, title="待登记的通知")
    services.proposal_approve(by=people["office"], proposal_id=other.pk)
    login("office")
    html = client.get(reverse("home")).content.decode()
    assert "待审核的发文、会议、督查检查考核申请" in html
    login("contact_a")
    services.proposal_return(by=people["office"], proposal_id=p.pk, reasons="重复")
    html = client.get(reverse("home")).content.decode()
    assert "被退回的审核申请" in html and "已同意待登记印发的申请" in html
