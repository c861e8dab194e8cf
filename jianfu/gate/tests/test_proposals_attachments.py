"""A draft sent as a file: a real .docx and a real PDF are read into the draft's text; a program
renamed .docx, a corrupt PDF, a PDF without text are refused with a sentence naming the file, and
nothing is saved — what was typed stays on the form (test_proposals_pages)."""

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.gate.proposals import services
from jianfu.gate.proposals.models import Proposal, ProposalFile

from .proposals_factory import (  # noqa: F401 (chinese: an autouse fixture)
    CORRUPT_PDF,
    DAY,
    EXE,
    chinese,
    document_data,
    docx_bytes,
    draft,
    meeting_data,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with clock.frozen(DAY):
        yield


def test_a_docx_is_read_into_the_draft(people):
    text = "各乡镇：\n现将春季森林防火工作安排通知如下。\n一、压实责任。"
    p = draft(
        people["contact_a"],
        document_data(draft_text=""),
        upload=("防火通知.docx", docx_bytes(text)),
    )
    p.refresh_from_db()
    assert p.draft_text == text
    f = ProposalFile.objects.get(proposal=p)
    assert (f.name, f.kind) == ("防火通知.docx", "docx") and f.size > 0


def test_a_pdf_is_read_into_the_draft(people):
    p = draft(
        people["contact_a"],
        document_data(draft_text=""),
        upload=("notice.pdf", pdf_bytes("Spring fire prevention notice")),
    )
    assert Proposal.objects.get(pk=p.pk).draft_text == "Spring fire prevention notice"
    assert ProposalFile.objects.get(proposal=p).kind == "pdf"


def test_an_uploaded_draft_replaces_the_typed_text_on_edit(people):
    p = draft(people["contact_a"])
    services.proposal_save(
        by=people["contact_a"],
        proposal_id=p.pk,
        data=document_data(draft_text="旧稿"),
        upload=("新稿.docx", docx_bytes("新稿正文")),
    )
    assert Proposal.objects.get(pk=p.pk).draft_text == "新稿正文"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("通知.docx", EXE, "“通知.docx”是一个程序（可执行文件），不是文档，未上传。"),
        ("通知.pdf", CORRUPT_PDF, "“通知.pdf”无法读取正文"),
        ("通知.docx", b"PK\x03\x04not really a zip", "“通知.docx”"),
        ("通知.pdf", pdf_bytes(""), "“通知.pdf”中没有可读取的文字"),
        ("通知.xlsx", None, "“通知.xlsx”不是 Word（.docx）或 PDF 文件"),
    ],
)
def test_a_bad_attachment_is_refused_naming_it_and_nothing_is_saved(people, name, data, says):
    if data is None:
        import io

        import openpyxl

        book, out = openpyxl.Workbook(), io.BytesIO()
        book.save(out)
        data = out.getvalue()
    with pytest.raises(DomainError) as e:
        draft(people["contact_a"], upload=(name, data))
    assert says in str(e.value.message) and e.value.field == "file"
    assert not Proposal.objects.exists() and not ProposalFile.objects.exists()


def test_a_bad_attachment_on_edit_leaves_the_proposal_as_it_was(people):
    p = draft(people["contact_a"], document_data(draft_text="原稿"))
    with pytest.raises(DomainError):
        services.proposal_save(
            by=people["contact_a"],
            proposal_id=p.pk,
            data=document_data(title="改过的标题", draft_text="改稿"),
            upload=("改稿.docx", EXE),
        )
    p.refresh_from_db()
    assert (p.title, p.draft_text) == ("关于做好春季安全生产工作的通知", "原稿")
    assert not ProposalFile.objects.exists()


def test_only_a_document_takes_a_draft_file(people):
    with pytest.raises(DomainError) as e:
        draft(people["contact_a"], meeting_data(), upload=("会议.docx", docx_bytes("议程")))
    assert e.value.code == "file_not_document"
    assert not Proposal.objects.exists()
