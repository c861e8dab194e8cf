"""The text of a draft sent as a file: a Word document (.docx, python-docx) or a PDF (pypdf).

The bytes have passed core.files.check first (a program, a file pretending to be one of these,
macros: refused there); here a file that is what it says but cannot be read — a damaged zip, a
broken PDF, a scanned PDF with no text layer — is refused with a sentence naming it.
"""

import io
import re

from django.utils.translation import gettext as _

from jianfu.core.errors import DomainError

KINDS = ("docx", "pdf")


def _unreadable(name: str) -> DomainError:
    return DomainError(
        "file_unreadable",
        _(
            "“%(name)s”无法读取正文（文件可能已损坏或加密），未上传。"
            "请在 Word 中重新保存为 .docx 或导出为 PDF 后再上传，也可以直接粘贴正文。"
        )
        % {"name": name},
        field="file",
    )


def _docx(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise ValueError("encrypted")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def text_of(name: str, kind: str, data: bytes) -> str:
    """The draft's text, or DomainError (file_type / file_unreadable / file_no_text) naming it."""
    if kind not in KINDS:
        raise DomainError(
            "file_type",
            _("“%(name)s”不是 Word（.docx）或 PDF 文件，未上传。文稿请上传 .docx 或 PDF。")
            % {"name": name},
            field="file",
        )
    try:
        text = _docx(data) if kind == "docx" else _pdf(data)
    except Exception as e:  # noqa: BLE001 — any parser failure is the same answer: unreadable
        raise _unreadable(name) from e
    text = re.sub(r"[ \t\r\f\v]+\n", "\n", text).strip()
    if not text:
        raise DomainError(
            "file_no_text",
            _(
                "“%(name)s”中没有可读取的文字（可能是扫描件），未上传。"
                "请上传带文字的文件，或直接粘贴正文。"
            )
            % {"name": name},
            field="file",
        )
    return text


def length(text: str) -> int:
    """A draft's length as the cap counts it: characters other than white space."""
    return len(re.sub(r"\s+", "", text or ""))
