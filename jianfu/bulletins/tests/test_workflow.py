"""Drafting from live data, the snapshot, review → approve → publish with its refusals, the
notification to units and their read confirmations."""

import pytest
from django.urls import reverse

from jianfu.bulletins import services
from jianfu.bulletins.models import Bulletin, Receipt, Status
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.notify.models import Message

from .conftest import draft, published

pytestmark = pytest.mark.django_db


def codes(b) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="bulletins.bulletin", object_id=str(b.pk))
        .order_by("seq")
        .values_list("code", flat=True)
    )


def test_a_draft_is_built_from_every_registered_section(city, people):
    b = draft(people["office"])
    assert b.status == Status.DRAFT and b.progress == 100
    assert [s["code"] for s in b.content] == [
        "quota",
        "signals",
        "monitoring",
        "truth",
        "rectification",
        "supervision_items",
        "supervision_review",
        "reporting",
        "gate_plans",
        "gate_proposals",
        "gate_copies",
        "gate_burden",
        "acc_handling",
        "acc_tours",
        "accountability_exposure",
    ]
    quota = b.content[0]
    assert any("甲县" in ln["text"] and "超出全年指标" in ln["text"] for ln in quota["lines"])
    assert all(ln["url"] for s in b.content for ln in s["lines"])
    assert codes(b) == ["jianfu.bulletins.bulletin.created", "jianfu.bulletins.bulletin.generated"]


def test_the_page_starts_the_task_and_shows_progress(
    city, login, django_capture_on_commit_callbacks
):
    client = login("office")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("bulletin_list"), {"kind": "monthly", "month": draft_month()})
    b = Bulletin.objects.get()
    assert r.status_code == 302 and r.url == reverse("bulletin_detail", args=[b.pk])
    assert b.status == Status.DRAFT
    page = client.get(r.url).content.decode()
    assert "甲县" in page and "查看依据" in page and "<svg" in page


def draft_month() -> str:
    from .conftest import last_month

    return f"{last_month()[0]:%Y-%m}"


def test_a_running_draft_shows_its_progress(city, people, login):
    b = services.bulletin_create(
        by=people["office"], kind="monthly", start=draft_start(), end=draft_end(), label="x"
    )
    Bulletin.objects.filter(pk=b.pk).update(progress=40, progress_note="正在生成：整改落实情况")
    page = login("office").get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "40%" in page and "整改落实情况" in page


def draft_start():
    from .conftest import last_month

    return last_month()[0]


def draft_end():
    from .conftest import last_month

    return last_month()[1]


def test_the_bulletin_is_a_snapshot(city, people):
    b = published(people)
    before = b.content
    city["signals"]["TA"].delete()
    Receipt.objects.update()
    b.refresh_from_db()
    assert b.content == before
    assert any("甲县" in ln["text"] for ln in b.content[1]["lines"])


def test_review_approve_publish_each_audited_and_units_told(city, people):
    b = published(people)
    assert b.status == Status.PUBLISHED and b.published_at
    assert codes(b)[-3:] == [
        "jianfu.bulletins.bulletin.submitted",
        "jianfu.bulletins.bulletin.approved",
        "jianfu.bulletins.bulletin.published",
    ]
    addressed = set(Receipt.objects.filter(bulletin=b).values_list("unit__code", flat=True))
    assert addressed == {"TA", "TB", "TD01"}
    assert Message.objects.filter(
        recipient=people["contact_a"], notice__kind="bulletins.published"
    ).exists()


def test_publishing_an_unapproved_bulletin_is_refused_and_nothing_is_published(city, people):
    b = draft(people["office"])
    with pytest.raises(DomainError) as e:
        services.bulletin_publish(bulletin=b, by=people["office"])
    assert e.value.code == "bulletin.unapproved" and "尚未审核通过" in str(e.value.message)
    b.refresh_from_db()
    assert b.status == Status.DRAFT and not Receipt.objects.exists()
    assert not Message.objects.filter(notice__kind="bulletins.published").exists()


def test_a_published_bulletin_cannot_be_edited(city, people, login):
    b = published(people)
    with pytest.raises(DomainError) as e:
        services.bulletin_edit(
            bulletin=b, by=people["office"], title="新标题", number="", foreword="", closing=""
        )
    assert e.value.code == "bulletin.published"
    r = login("office").post(
        reverse("bulletin_edit", args=[b.pk]), {"title": "新标题"}, follow=True
    )
    assert "已经发布，不能再修改" in r.content.decode()
    b.refresh_from_db()
    assert b.title != "新标题"


def test_a_period_with_no_data_says_so(people):
    import datetime as dt

    b = draft(
        people["office"], start=dt.date(2019, 1, 1), end=dt.date(2019, 1, 31), label="2019年1月"
    )
    assert b.status == Status.FAILED and "没有可通报的数据" in b.error
    with pytest.raises(DomainError) as e:
        services.bulletin_submit(bulletin=b, by=people["office"])
    assert e.value.code == "bulletin.empty"


def test_units_confirm_reading_and_the_office_sees_who_has_not(city, people, login):
    b = published(people)
    client = login("contact_a")
    page = client.get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    assert "确认已阅读" in page
    client.post(reverse("bulletin_act", args=[b.pk, "confirm"]))
    client.post(reverse("bulletin_act", args=[b.pk, "confirm"]))  # twice: once
    r = Receipt.objects.get(bulletin=b, unit__code="TA")
    assert r.read_at and r.read_by == people["contact_a"]
    assert codes(b).count("jianfu.bulletins.bulletin.read") == 1
    page = login("office").get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    assert "确认阅读：1 / 3 个单位" in page
    unread = page.split('id="unread"')[1].split("</ul>")[0]
    assert "乙县" in unread and "市教育局" in unread and "甲县" not in unread


def test_a_line_marked_not_for_public_is_left_out_of_the_public_version(city, people, login):
    b = draft(people["office"])
    text = b.content[0]["lines"][0]["text"]
    client = login("office")
    client.post(
        reverse("bulletin_line", args=[b.pk]), {"section": "quota", "index": 0, "public": "0"}
    )
    public = client.get(
        reverse("bulletin_detail", args=[b.pk]) + "?version=public"
    ).content.decode()
    internal = client.get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    assert text in internal and text not in public
    # The internal section (truthfulness) is not in the public version at all.
    assert "样本点填报真实性问题" in internal and "样本点填报真实性问题" not in public


def test_a_section_names_the_worst_and_links_the_rest():
    part = services.sections.Part(url="/all/")
    part.lines = [services.sections.line(f"第{i}条", f"/{i}/") for i in range(5)]
    services._cap(part, 2)
    assert [ln["text"] for ln in part.lines] == [
        "第0条",
        "第1条",
        "另有3条情况，详见平台上的完整清单。",
    ]
    assert part.lines[-1]["url"] == "/all/"
