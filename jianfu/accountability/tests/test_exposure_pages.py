"""Typical cases' pages: the commission's editor (redaction check, approval, publication), a
contact's published case and its one-step study form, the study tracking page, the public page
without login, the home cards, the bulletin section equal to the tracking page."""

import datetime as dt
import re

import pytest

from jianfu.accountability.exposure import bulletin, services
from jianfu.accountability.exposure.models import Study
from jianfu.core import bulletin_sections as bs
from jianfu.core import clock

from .exposure_fixtures import CLEAN_BODY, make_case, second_commissioner

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 6)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def case(people):
    return make_case(people["discipline"])


def publish(people, case, *, title="甲县教育局过度留痕问题", body=CLEAN_BODY, d2=None):
    d2 = d2 or second_commissioner()
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(by=people["discipline"], typical=t, title=title, body=body)
    services.typical_redact(by=people["discipline"], typical=t)
    services.typical_approve(by=d2, typical=t)
    return services.typical_publish(
        by=people["discipline"], typical=t, to_units=True, public=True, bulletin=True
    )


def test_the_commission_drafts_checks_and_is_refused_self_approval_on_the_page(login, people, case):
    client = login("discipline")
    r = client.post("/accountability/typical/new/", {"case": case.pk})
    assert r.status_code == 302
    url = r["Location"]
    page = client.get(url).content.decode()
    # The redaction page lists the case's names and marks each leak in the text.
    assert '<span class="badge text-bg-secondary">王建国</span>' in page
    assert "<mark>王建国</mark>" in page and "<mark>13812345678</mark>" in page
    pk = int(re.search(r"/typical/(\d+)/", url).group(1))
    refused = client.post(f"/accountability/typical/{pk}/act/", {"action": "redact"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "姓名“王建国”" in text and "手机号码“13812345678”" in text and "身份证号码" in text
    # An edit refused keeps what was typed.
    bad = client.post(f"/accountability/typical/{pk}/edit/", {"title": "", "body": "我写的正文"})
    assert bad.status_code == 400 and "我写的正文" in bad.content.decode()
    assert "请填写标题" in bad.content.decode()
    ok = client.post(
        f"/accountability/typical/{pk}/edit/", {"title": "甲县教育局过度留痕", "body": CLEAN_BODY}
    )
    assert ok.status_code == 302
    assert (
        client.post(f"/accountability/typical/{pk}/act/", {"action": "redact"}).status_code == 302
    )
    self_approval = client.post(f"/accountability/typical/{pk}/act/", {"action": "approve"})
    assert self_approval.status_code == 403
    assert "不能审批本人起草的典型案例" in self_approval.content.decode()
    client.force_login(second_commissioner())
    assert (
        client.post(f"/accountability/typical/{pk}/act/", {"action": "approve"}).status_code == 302
    )
    client.force_login(people["discipline"])
    r = client.post(
        f"/accountability/typical/{pk}/act/", {"action": "publish", "to_units": "1", "public": "1"}
    )
    assert r.status_code == 302
    assert Study.objects.filter(typical_id=pk).count() == 2


def test_a_contact_sees_published_cases_only_and_a_draft_is_404(login, people, case):
    draft = services.typical_draft(by=people["discipline"], case=case)
    other = make_case(people["discipline"], unit_code="TB", title="乙县某局文山会海问题")
    published = publish(people, other)
    client = login("contact_a")  # county A: the draft's own county, still not the commission's
    assert client.get(f"/accountability/typical/{draft.pk}/").status_code == 404
    assert (
        client.post(f"/accountability/typical/{draft.pk}/act/", {"action": "redact"}).status_code
        == 404
    )
    listing = client.get("/accountability/typical/").content.decode()
    assert published.title in listing and draft.title not in listing
    page = client.get(f"/accountability/typical/{published.pk}/")  # another county's case
    assert page.status_code == 200
    text = page.content.decode()
    assert "本单位已组织学习" in text and "脱敏检查" not in text
    assert client.get("/accountability/typical/new/").status_code == 403
    assert client.get("/accountability/typical/studies/").status_code == 403


def test_a_contact_records_its_study_in_one_step_and_the_card_goes(login, people, case):
    t = publish(people, case)
    client = login("contact_a")
    page = client.get("/").content.decode()
    assert "典型案例待学习" in page
    bad = client.post(
        f"/accountability/typical/{t.pk}/study/",
        {"studied_on": "2026-13-01", "format": "branch", "note": "我的说明"},
    )
    assert bad.status_code == 400
    assert "学习日期“2026-13-01”无效" in bad.content.decode() and "我的说明" in bad.content.decode()
    url = f"/accountability/typical/{t.pk}/study/"
    assert client.post(url, {"studied_on": "2026-05-06", "format": "branch"}).status_code == 302
    assert client.post(url, {"studied_on": "2026-05-05", "format": "self"}).status_code == 302
    study = Study.objects.get(typical=t, unit__code="TA")
    assert study.studied_on == TODAY and study.format == "branch"
    assert (
        "本单位已于 2026-05-06" in client.get(f"/accountability/typical/{t.pk}/").content.decode()
    )
    assert "典型案例待学习" not in client.get("/").content.decode()


def test_the_commission_home_shows_cases_to_approve_drafted_by_others(login, people, case):
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕", body=CLEAN_BODY
    )
    services.typical_redact(by=people["discipline"], typical=t)
    from jianfu.accountability.exposure import home as typical_home

    assert typical_home.commission(people["discipline"], TODAY)[0].count == 0  # own draft
    assert typical_home.commission(second_commissioner(), TODAY)[0].count == 1


def test_the_tracking_page_shows_who_studied_and_who_has_not(login, people, case):
    t = publish(people, case)
    services.study_record(
        by=people["contact_a"], typical=t, studied_on=TODAY, format="meeting", note="警示教育会"
    )
    page = login("office").get("/accountability/typical/studies/").content.decode()
    block = page[page.index(f'id="case-{t.pk}"') :]
    assert re.search(r'<tr class="studied"><td>甲县</td><td>2026-05-06</td>', block)
    assert re.search(r'<tr class="pending"><td>乙县</td>', block)
    assert "已学习 1 个单位，共通报 2 个单位" in block


def test_the_list_pages_query_count_does_not_grow_with_cases(
    login, people, django_assert_max_num_queries
):
    d2 = second_commissioner()

    def make(n, start):
        for i in range(start, start + n):
            publish(people, make_case(people["discipline"], title=f"案件{i}"), d2=d2)

    make(3, 0)
    client = login("office")
    for url in ("/accountability/typical/", "/accountability/typical/studies/"):
        with django_assert_max_num_queries(16) as few:
            assert client.get(url).status_code == 200
    make(12, 3)
    for url in ("/accountability/typical/", "/accountability/typical/studies/"):
        with django_assert_max_num_queries(len(few.captured_queries) + 1):
            assert client.get(url).status_code == 200


def test_the_public_page_needs_no_login_shows_redacted_text_and_escapes_script(
    client, people, case
):
    t = publish(people, case, body=CLEAN_BODY + "<script>alert(1)</script>")
    hidden = make_case(people["discipline"], title="未公开案件")
    services.typical_draft(by=people["discipline"], case=hidden)
    r = client.get("/accountability/public/typical/")
    assert r.status_code == 200
    text = r.content.decode()
    assert t.title in text and "甲县教育局副局长受到诫勉" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text  # no script at all on the page
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing from another site
    assert "王建国" not in text and "未公开案件" not in text


def test_the_public_page_lists_only_cases_published_for_it(client, people, case):
    d2 = second_commissioner()
    t = services.typical_draft(by=people["discipline"], case=case)
    services.typical_edit(
        by=people["discipline"], typical=t, title="甲县教育局过度留痕", body=CLEAN_BODY
    )
    services.typical_redact(by=people["discipline"], typical=t)
    services.typical_approve(by=d2, typical=t)
    services.typical_publish(
        by=people["discipline"], typical=t, to_units=True, public=False, bulletin=False
    )
    assert (
        "甲县教育局过度留痕" not in client.get("/accountability/public/typical/").content.decode()
    )


def test_the_bulletin_section_is_the_tracking_page_and_names_no_one(login, people, case):
    t = publish(people, case)
    services.study_record(by=people["contact_b"], typical=t, studied_on=TODAY, format="group")
    ctx = bs.Context(people["office"], dt.date(2026, 5, 1), dt.date(2026, 5, 31), "5月")
    part = bulletin.build(ctx)
    assert bs.SECTIONS["accountability_exposure"].order == 73
    assert [f["value"] for f in part.figures] == [1, 1]
    assert len(part.lines) == 1
    line = part.lines[0]["text"]
    assert t.title in line and "甲县教育局副局长受到诫勉" in line
    assert "已组织学习单位1个，共通报2个单位" in line
    assert "王建国" not in str(part.as_json()) and "李丽" not in str(part.as_json())
    page = login("office").get(part.url).content.decode()
    assert page.count("jf-typical-study") == len(part.lines) == 1
    assert t.title in page
    assert "已学习 1 个单位，共通报 2 个单位" in page
    # Another month: nothing on either side.
    june = bulletin.build(
        bs.Context(people["office"], dt.date(2026, 6, 1), dt.date(2026, 6, 30), "6月")
    )
    assert june.empty
    assert "jf-typical-study" not in login("office").get(june.url).content.decode()
