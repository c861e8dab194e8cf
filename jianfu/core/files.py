"""Evidence files (PDF, Word, Excel, photos): checked by content, kept outside the database.

`check()` decides what an upload is from its bytes, never from its name, and refuses anything
else with a sentence naming the file. `store()` keeps it under MEDIA_ROOT/evidence, addressed by
its SHA-256, so the same file sent twice is kept once. Whoever serves a file has first reached
its record through the scoping function; nothing here knows about units or people.
"""

import hashlib
import io
import os
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from . import runtime
from .errors import DomainError
from .runtime import SettingDef

ALLOWED = {"pdf", "docx", "xlsx", "jpg", "png"}
MAX_MB = "files.max_mb"
MB = 1024 * 1024
# Only [Content_Types].xml is ever decompressed; a real one is a few KB. Anything bigger is
# refused unread, so a zip bomb is never expanded.
ZIP_READ_CAP = MB
NAME_MAX = 100
EVIDENCE_DIR = "evidence"  # under MEDIA_ROOT, beside excel.py's "imports"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
KIND_LABELS = {
    "pdf": _("PDF 文件"),
    "docx": _("Word 文档（.docx）"),
    "xlsx": _("Excel 表格（.xlsx）"),
    "jpg": _("JPG 图片"),
    "png": _("PNG 图片"),
}
ALLOWED_TEXT = _("PDF、Word（.docx）、Excel（.xlsx）、JPG、PNG 图片")
EXTENSION_ALIASES = {"jpeg": "jpg"}

PROGRAM_MAGIC = (
    b"MZ",  # Windows .exe / .dll
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # macOS, 64-bit
    b"\xce\xfa\xed\xfe",  # macOS, 32-bit
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
MACRO = "macro"  # _sniff's answer for an Office file carrying macros; never a kind

runtime.define(
    SettingDef(
        MAX_MB,
        20,
        _("证明材料单个文件大小上限（MB）"),
        _("整改措施所附证明材料（PDF、Word、Excel、图片）每个文件不得超过此大小。"),
        "business",
        1,
        100,
    ),
)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    kind: str
    relpath: str  # relative to MEDIA_ROOT, e.g. "evidence/ab/cd/<sha256>.pdf"


def max_bytes() -> int:
    """The size limit now in force: read at most this plus one byte of an upload."""
    return runtime.get(MAX_MB) * MB


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are (one of ALLOWED), or None: by content only."""
    kind = _sniff(data)
    return None if kind == MACRO else kind


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    """docx or xlsx from the ZIP's central directory and its [Content_Types].xml, or MACRO."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            if any(n.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for n in names):
                return MACRO
            info = zf.getinfo("[Content_Types].xml")
            if info.file_size > ZIP_READ_CAP:
                return None
            with zf.open(info) as f:
                # The declared size may lie: read no more than the cap whatever it says.
                types = f.read(ZIP_READ_CAP + 1)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        return None
    except (RuntimeError, NotImplementedError):
        return None  # encrypted, or a compression method zipfile does not know
    if len(types) > ZIP_READ_CAP:
        return None
    lowered = types.lower()
    if b"macroenabled" in lowered or b"vbaproject" in lowered:
        return MACRO
    is_word, is_excel = "word/document.xml" in names, "xl/workbook.xml" in names
    if is_word and not is_excel:
        return "docx"
    if is_excel and not is_word:
        return "xlsx"
    return None


def clean_name(filename: str) -> str:
    """The client's file name for display: no directories, no control or direction characters
    (U+202E can make "报告\u202efdp.exe" look like "报告exe.pdf"), at most NAME_MAX characters
    with the extension kept. Never use it as a path."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip()
    if name in ("", ".", ".."):
        return str(_("未命名文件"))
    if len(name) <= NAME_MAX:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        return name[:NAME_MAX]
    return stem[: NAME_MAX - len(ext) - 1] + "." + ext


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return ""
    ext = ext.lower()
    return EXTENSION_ALIASES.get(ext, ext)


def check(filename: str, data: bytes) -> str:
    """The kind of an upload (one of ALLOWED), or DomainError with a sentence naming the file.
    Codes: file_empty, file_too_big, file_type, file_name_mismatch."""
    name = clean_name(filename)
    if not data:
        _refuse("file_empty", _("“%(name)s”是空文件（0 字节），未上传。请检查后重新选择。"), name)
    limit_mb = runtime.get(MAX_MB)
    if len(data) > limit_mb * MB:
        _refuse(
            "file_too_big",
            _(
                "“%(name)s”大小为 %(size).1f MB，超过上限 %(limit)s MB，未上传。"
                "请压缩或拆分后再上传。"
            ),
            name,
            size=len(data) / MB,
            limit=limit_mb,
        )
    ext = _extension(name)
    kind = _sniff(data)
    if kind is None:
        _refuse_unknown(name, ext, data)
    if kind == MACRO:
        _refuse(
            "file_type",
            _(
                "“%(name)s”含有宏（可自动运行的代码），出于安全考虑未上传。"
                "请在 Word 或 Excel 中另存为不含宏的 .docx 或 .xlsx 文件后再上传。"
            ),
            name,
        )
    if ext != kind:
        _refuse_mismatch(name, ext, kind)
    return kind


def _refuse(code: str, message, name: str, **params) -> NoReturn:
    params.update(name=name, allowed=ALLOWED_TEXT)
    raise DomainError(code, message % params, field="file")


def _refuse_unknown(name: str, ext: str, data: bytes) -> NoReturn:
    if data.startswith(PROGRAM_MAGIC):
        message = _(
            "“%(name)s”是一个程序（可执行文件），不是文档，未上传。"
            "请上传证明材料本身。允许的类型：%(allowed)s。"
        )
    elif data.startswith(OLE_MAGIC):
        message = _(
            "“%(name)s”是旧版 Office 文件（.doc 或 .xls），未上传。"
            "请在 Word 或 Excel 中另存为 .docx 或 .xlsx 后再上传。"
        )
    elif ext in ALLOWED:
        message = _(
            "“%(name)s”的内容不是 %(what)s（可能是改了扩展名的其他文件），未上传。"
            "允许的类型：%(allowed)s。"
        )
    else:
        message = _("“%(name)s”不是允许上传的文件类型，未上传。允许的类型：%(allowed)s。")
    _refuse("file_type", message, name, what=KIND_LABELS.get(ext, ""))


def _refuse_mismatch(name: str, ext: str, kind: str) -> NoReturn:
    if ext:
        message = _(
            "“%(name)s”的扩展名是 .%(ext)s，内容却是 %(what)s，两者不符，未上传。"
            "请确认选对了文件；如确是 %(what)s，请把扩展名改为 .%(kind)s 后再上传。"
        )
    else:
        message = _(
            "“%(name)s”没有扩展名，内容是 %(what)s，未上传。"
            "请把文件名改为以 .%(kind)s 结尾后再上传。"
        )
    what = KIND_LABELS[kind]
    _refuse("file_name_mismatch", message, name, ext=ext, what=what, kind=kind)


def _files_root() -> Path:
    return (Path(settings.MEDIA_ROOT) / EVIDENCE_DIR).resolve()


def store(data: bytes, kind: str) -> StoredFile:
    """Keep checked bytes under MEDIA_ROOT/evidence/ab/cd/<sha256>.<kind>; the same content is
    kept once. The path comes from the content alone, never from a client's file name."""
    if kind not in ALLOWED:
        raise ValueError(kind)
    digest = hashlib.sha256(data).hexdigest()
    relpath = f"{EVIDENCE_DIR}/{digest[:2]}/{digest[2:4]}/{digest}.{kind}"
    target = Path(settings.MEDIA_ROOT) / relpath
    # Written by rename only, so a file that exists is whole; the size check catches a copy
    # damaged since.
    if not (target.exists() and target.stat().st_size == len(data)):
        _write_atomically(target, data)
    return StoredFile(sha256=digest, size=len(data), kind=kind, relpath=relpath)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            # The record pointing here is committed right after: the bytes must be on disk
            # before the name is, or a crash could leave an empty file under a good name.
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_stored(relpath: str) -> Path:
    """The path of a stored file; SuspiciousFileOperation for anything outside the evidence
    directory ("../", an absolute path, a symlink leading out)."""
    root = _files_root()
    path = (Path(settings.MEDIA_ROOT) / relpath).resolve()
    if not path.is_relative_to(root) or path == root:
        raise SuspiciousFileOperation(f"evidence path outside {root}: {relpath!r}")
    return path


def verify(relpath: str, sha256: str) -> bool:
    """Whether the stored file is still there and still has this SHA-256."""
    try:
        with open_stored(relpath).open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except (FileNotFoundError, IsADirectoryError):
        return False
    return digest == sha256.lower()


def download_response(relpath: str, filename: str, kind: str) -> FileResponse:
    """The stored file as a download under its original (cleaned) name.

    No scope check here: the caller must have reached the file's record through the scoping
    function (get_for_user or visible_to) before calling this."""
    response = FileResponse(
        open_stored(relpath).open("rb"),
        as_attachment=True,
        filename=clean_name(filename),
        content_type=CONTENT_TYPES[kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def read_uploads(request, name: str = "files") -> list[tuple[str, bytes]]:
    """The files a form posted under `name`, each read up to one byte past the limit (check()
    then refuses it by name); one whose declared size is over the limit is refused here, unread."""
    limit = max_bytes()
    out = []
    for upload in request.FILES.getlist(name):
        if upload.size and upload.size > limit:
            raise DomainError(
                "file_too_big",
                _(
                    "“%(name)s”大小为 %(size).1f MB，超过上限 %(limit)s MB，未上传。"
                    "请压缩或拆分后再上传。"
                )
                % {
                    "name": clean_name(upload.name),
                    "size": upload.size / MB,
                    "limit": limit // MB,
                },
                field="file",
            )
        out.append((upload.name, upload.read(limit + 1)))
    return out
