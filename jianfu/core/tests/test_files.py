import hashlib
import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.core.exceptions import SuspiciousFileOperation

from jianfu.core import files, runtime
from jianfu.core.errors import DomainError
from jianfu.core.services import setting_update

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MB = 1024 * 1024
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def ooxml(main: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr(main, "<document/>")
        for name, body in (extra or {}).items():
            zf.writestr(name, body)
    return buf.getvalue()


def docx() -> bytes:
    return ooxml(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    )


def xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "整改完成"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def refusal(filename: str, data: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        files.check(filename, data)
    assert caught.value.field == "file"
    return caught.value


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("整改报告.pdf", PDF, "pdf"),
        ("现场照片.png", png(), "png"),
        ("现场照片.jpg", JPEG, "jpg"),
        ("现场照片.JPEG", JPEG, "jpg"),
        ("整改说明.docx", docx(), "docx"),
        ("台账.XLSX", xlsx(), "xlsx"),
    ],
)
def test_allowed_files_are_recognised_by_content(filename, data, kind):
    assert files.sniff(data) == kind
    assert files.check(filename, data) == kind


@pytest.mark.parametrize("magic", [b"MZ\x90\x00\x03\x00", b"\x7fELF\x02\x01\x01"])
def test_a_program_renamed_pdf_is_refused_as_a_program(magic):
    program = magic + bytes(100)
    assert files.sniff(program) is None
    error = refusal("整改报告.pdf", program)
    assert error.code == "file_type"
    assert error.message.startswith("“整改报告.pdf”是一个程序（可执行文件），不是文档，未上传。")


def test_other_content_behind_an_allowed_name_is_refused_naming_the_file():
    error = refusal("整改报告.pdf", "只是一段文字".encode())
    assert error.code == "file_type"
    assert error.message == (
        "“整改报告.pdf”的内容不是 PDF 文件（可能是改了扩展名的其他文件），未上传。"
        "允许的类型：PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 图片。"
    )


def test_a_type_not_allowed_is_refused():
    error = refusal("说明.txt", b"plain text")
    assert error.code == "file_type"
    assert "“说明.txt”不是允许上传的文件类型" in error.message


def test_a_legacy_office_file_is_refused_with_a_hint_to_save_as_docx():
    error = refusal("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    assert error.code == "file_type"
    assert "另存为 .docx 或 .xlsx" in error.message


def test_macro_enabled_office_files_are_refused():
    docm = ooxml(
        "word/document.xml",
        "application/vnd.ms-word.document.macroEnabled.main+xml",
        {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"},
    )
    hidden_macro = ooxml(  # a plain content type, but the macro project is there
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        {"word/vbaProject.bin": b"macro"},
    )
    xlsm = ooxml("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    for filename, data in (("a.docx", docm), ("b.docx", hidden_macro), ("c.xlsx", xlsm)):
        assert files.sniff(data) is None
        error = refusal(filename, data)
        assert error.code == "file_type"
        assert f"“{filename}”含有宏" in error.message


def test_a_zip_that_is_not_an_office_file_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert files.sniff(buf.getvalue()) is None
    assert files.sniff(b"PK\x03\x04 truncated") is None


def test_a_zip_bomb_is_not_expanded():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("[Content_Types].xml", "w", force_zip64=True) as f:
            for _ in range(64):
                f.write(bytes(MB))
        zf.writestr("word/document.xml", "<document/>")
    bomb = buf.getvalue()
    assert len(bomb) < MB  # 64 MB packed into well under 1 MB
    tracemalloc.start()
    try:
        assert files.sniff(bomb) is None
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * MB


def test_a_name_that_disagrees_with_the_content_is_refused_naming_both():
    error = refusal("现场照片.png", PDF)
    assert error.code == "file_name_mismatch"
    assert "“现场照片.png”的扩展名是 .png，内容却是 PDF 文件" in error.message
    assert "改为 .pdf" in error.message
    assert refusal("整改说明.xlsx", docx()).code == "file_name_mismatch"
    assert refusal("整改报告", PDF).code == "file_name_mismatch"


def test_an_empty_file_is_refused():
    error = refusal("整改报告.pdf", b"")
    assert error.code == "file_empty"
    assert "“整改报告.pdf”是空文件" in error.message


def test_the_size_limit_is_a_runtime_setting(people):
    big = PDF + bytes(MB)
    assert runtime.get(files.MAX_MB) == 20
    assert files.check("大报告.pdf", big) == "pdf"
    setting_update(by=people["office"], key=files.MAX_MB, value="1")
    assert files.max_bytes() == MB
    error = refusal("大报告.pdf", big)
    assert error.code == "file_too_big"
    assert error.message.startswith("“大报告.pdf”大小为 1.0 MB，超过上限 1 MB，未上传。")


def test_store_keeps_the_same_content_once(media):
    first = files.store(PDF, "pdf")
    second = files.store(PDF, "pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert (
        first
        == second
        == files.StoredFile(
            sha256=digest,
            size=len(PDF),
            kind="pdf",
            relpath=f"evidence/{digest[:2]}/{digest[2:4]}/{digest}.pdf",
        )
    )
    kept = [p for p in Path(media).rglob("*") if p.is_file()]
    assert kept == [Path(media) / first.relpath]  # no temporary file left behind
    assert kept[0].read_bytes() == PDF


def test_store_rewrites_a_damaged_copy(media):
    stored = files.store(PDF, "pdf")
    (Path(media) / stored.relpath).write_bytes(b"%PDF")
    assert not files.verify(stored.relpath, stored.sha256)
    files.store(PDF, "pdf")
    assert files.verify(stored.relpath, stored.sha256)


def test_store_refuses_an_unknown_kind(media):
    with pytest.raises(ValueError):
        files.store(b"x", "exe")


def test_verify_rehashes_the_stored_file(media):
    stored = files.store(png(), "png")
    assert files.verify(stored.relpath, stored.sha256)
    assert files.verify(stored.relpath, stored.sha256.upper())
    path = files.open_stored(stored.relpath)
    path.write_bytes(png() + b"tampered")
    assert not files.verify(stored.relpath, stored.sha256)
    path.unlink()
    assert not files.verify(stored.relpath, stored.sha256)


@pytest.mark.parametrize(
    "relpath", ["../../etc/passwd", "/etc/passwd", "evidence/../../secret_key", "imports/a.xlsx"]
)
def test_open_stored_refuses_paths_outside_the_evidence_directory(media, relpath):
    with pytest.raises(SuspiciousFileOperation):
        files.open_stored(relpath)


def test_open_stored_refuses_a_symlink_leading_out(media, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(PDF)
    link = Path(media) / "evidence" / "ab" / "link.pdf"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    with pytest.raises(SuspiciousFileOperation):
        files.open_stored("evidence/ab/link.pdf")


def test_download_is_an_attachment_under_the_chinese_name(media):
    stored = files.store(PDF, "pdf")
    response = files.download_response(stored.relpath, "C:\\材料\\整改报告.pdf", "pdf")
    try:
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f"filename*=utf-8''{quote('整改报告.pdf')}" in disposition
        assert "材料" not in disposition
        assert b"".join(response.streaming_content) == PDF
    finally:
        response.close()


def test_download_of_a_photo_has_the_image_type(media):
    stored = files.store(JPEG, "jpg")
    response = files.download_response(stored.relpath, "照片.jpeg", "jpg")
    response.close()
    assert response["Content-Type"] == "image/jpeg"


def test_clean_name_keeps_a_safe_display_name():
    assert files.clean_name("../../etc/整改报告.pdf") == "整改报告.pdf"
    assert files.clean_name("C:\\Users\\张三\\照片.jpg") == "照片.jpg"
    assert files.clean_name("报告\x00\r\n.pdf") == "报告.pdf"
    assert files.clean_name("报告\u202efdp.exe") == "报告fdp.exe"  # would show as 报告exe.pdf
    assert files.clean_name("..") == "未命名文件"
    long = files.clean_name("很" * 300 + ".docx")
    assert len(long) == files.NAME_MAX
    assert long.endswith("很.docx")


def test_a_spoofed_name_is_judged_by_its_real_extension():
    error = refusal("报告\u202efdp.exe", PDF)
    assert error.code == "file_name_mismatch"
    assert "“报告fdp.exe”的扩展名是 .exe" in error.message
