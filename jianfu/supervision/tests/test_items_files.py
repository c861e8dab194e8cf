"""Evidence files on supervision feedback and on the completion (办结): optional ("no new
burden"), checked by content and kept under their SHA-256 in the feedback's own transaction (a
bad file refuses the whole submission, naming the file, with what was typed kept), listed on the
item's page and in its history, downloadable only by those who may see the item; the item's
reason for wanting evidence is shown beside the upload field."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.supervision.items import services
from jianfu.supervision.items.models import Event, Feedback, ItemFile, ItemStatus
from jianfu.supervision.tests.test_items_pages import make

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with clock.frozen(TODAY):
        yield tmp_path


@pytest.fixture
def item(people, units):
    return make(people, units)


def _act(client, item, action, data):
    return client.post(reverse("sup_item_act", args=[item.pk, action]), data)


def test_feedback_without_a_file_is_saved(login, item):
    answer = _act(login("contact_a"), item, "feedback", {"text": "已完成摸底", "percent": "40"})
    assert answer.status_code == 302
    assert Feedback.objects.get(assignment__item=item).text == "已完成摸底"
    assert not ItemFile.objects.exists()


def test_the_feedback_form_is_multipart_and_says_evidence_is_optional(login, item):
    body = login("contact_a").get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert "可不上传；无需照片、签到表" in body


def test_the_items_reason_for_evidence_is_shown_beside_the_upload(login, people, units):
    item = make(people, units, evidence_reason="须附现场整治前后对比照片")
    body = login("contact_a").get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    assert "交办单位需要佐证材料：须附现场整治前后对比照片" in body


def test_feedback_with_files_keeps_them_on_the_page_and_in_the_history(login, item, media):
    client = login("contact_a")
    answer = _act(
        client,
        item,
        "feedback",
        {
            "text": "已完成摸底",
            "percent": "40",
            "files": [SimpleUploadedFile("摸底表.pdf", PDF), SimpleUploadedFile("现场.png", PNG)],
        },
    )
    assert answer.status_code == 302
    fb = Feedback.objects.get(assignment__item=item)
    saved = {f.name: f for f in ItemFile.objects.filter(feedback=fb)}
    assert set(saved) == {"摸底表.pdf", "现场.png"}
    pdf = saved["摸底表.pdf"]
    assert (pdf.kind, pdf.size, pdf.assignment.unit.code) == ("pdf", len(PDF), "TA")
    assert (media / pdf.relpath).read_bytes() == PDF
    event = Event.objects.get(item=item, kind="feedback")
    assert pdf.event_id == event.pk
    entry = AuditEntry.objects.filter(code="jianfu.supervision.feedback.submitted").latest("pk")
    assert {f["name"] for f in entry.extra["files"]} == {"摸底表.pdf", "现场.png"}
    page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    url = reverse("sup_file_download", args=[pdf.pk])
    # On the feedback, in the files list, and in the history.
    assert page.count(url) == 3
    history = page[page.index('id="history"') :]
    assert "摸底表.pdf" in history


def test_a_file_with_bad_content_refuses_the_whole_feedback_and_keeps_the_text(login, item, media):
    answer = _act(
        login("contact_a"),
        item,
        "feedback",
        {
            "text": "写了很多进展",
            "percent": "60",
            "evidence_note": "见附件",
            "files": [SimpleUploadedFile("好的.pdf", PDF), SimpleUploadedFile("报告.pdf", EXE)],
        },
    )
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "“报告.pdf”是一个程序（可执行文件），不是文档，未上传。" in body
    assert "写了很多进展</textarea>" in body and 'value="60"' in body and "见附件" in body
    assert not Feedback.objects.exists() and not ItemFile.objects.exists()
    assert not Event.objects.filter(item=item, kind="feedback").exists()
    assert not any(p.is_file() for p in media.rglob("*"))  # nothing stored, not even the good one
    item.refresh_from_db()
    assert item.percent == 0


def test_a_renamed_file_is_refused_by_the_service_naming_it(people, item):
    with pytest.raises(DomainError) as refused:
        services.completion_submit(
            by=people["contact_a"],
            item_id=item.pk,
            text="已办结",
            uploads=[("照片.jpg", PDF)],
        )
    assert refused.value.field == "file" and "“照片.jpg”" in str(refused.value.message)
    item.refresh_from_db()
    assert item.status == ItemStatus.ISSUED and not Feedback.objects.exists()


def test_the_completion_carries_its_files(login, item):
    client = login("contact_a")
    body = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    assert 'id="done-files"' in body
    answer = _act(
        client,
        item,
        "complete",
        {"text": "已全部完成", "files": [SimpleUploadedFile("验收报告.pdf", PDF)]},
    )
    assert answer.status_code == 302
    f = ItemFile.objects.get()
    item.refresh_from_db()
    assert item.status == ItemStatus.SUBMITTED
    assert f.feedback.percent == 100 and f.event.kind == "submitted"


def test_the_download_is_scoped(login, people, item):
    services.feedback_submit(
        by=people["contact_a"],
        item_id=item.pk,
        text="进展",
        percent=20,
        uploads=[("纪要.pdf", PDF)],
    )
    f = ItemFile.objects.get()
    url = reverse("sup_file_download", args=[f.pk])
    for who in ("contact_a", "office", "leader"):
        answer = login(who).get(url)
        assert answer.status_code == 200, who
        assert b"".join(answer.streaming_content) == PDF
        assert answer["X-Content-Type-Options"] == "nosniff"
    assert login("contact_b").get(url).status_code == 404
    missing = reverse("sup_file_download", args=[f.pk + 999])
    assert login("contact_b").get(missing).status_code == 404
