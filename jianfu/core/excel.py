"""Spreadsheets in and out.

Reading: python-calamine for .xlsx/.xls (fast; guarded by core.sheet_guard: the sheet's real extent
is known before calamine builds it; an .xls, and an .xlsx too large to build here, is read in a
child process with a memory limit), the csv module for CSV in UTF-8 (with or without BOM),
GB18030/GBK (what Chinese Excel and WPS write) or UTF-16 ("Unicode text", tab-separated).
Writing: openpyxl in write-only mode (fast for tens of thousands of rows), with text cells that
would start a formula neutralised. Errors name the row and column, in Chinese.
"""

import contextlib
import csv
import hashlib
import io
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

from . import sheet_guard


@dataclass
class SheetError:
    row: int | None  # 1-based row number as the person sees it in Excel; None for the whole file
    column: str | None  # the column's header as written in the file
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(_("第 %(r)s 行") % {"r": self.row})
        if self.column:
            where.append(_("“%(c)s”列") % {"c": self.column})
        if not where:
            return self.message
        # The separators are translated too: English reads "Row 2, column “Type”: …".
        return _("%(where)s：%(message)s") % {"where": _("，").join(where), "message": self.message}


class ImportFailed(Exception):
    """Nothing of the file was saved; `errors` says why, row by row."""

    def __init__(self, errors: list[SheetError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def read_upload(upload) -> bytes:
    if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        raise ImportFailed([SheetError(None, None, _too_big())])
    data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ImportFailed([SheetError(None, None, _too_big())])
    return data


def _too_big() -> str:
    return _("文件超过大小上限 %(mb)s MB，请拆分后分批导入。") % {
        "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    }


def _fail(message: str) -> ImportFailed:
    return ImportFailed([SheetError(None, None, message)])


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and WPS .et) are OLE compound files


def _kind(filename: str, data: bytes) -> str:
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        # An OpenDocument file stores its type uncompressed as its first entry ("mimetype").
        if b"application/vnd.oasis.opendocument" in data[30:120]:
            return "opendocument"
        return "xlsx"
    if data[:8] == OLE_MAGIC:
        return "xls"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        # Many systems "export to Excel" as a web page named .xls.
        return "html"
    if name.endswith((".xlsx", ".xlsm", ".xls", ".et")):
        return "corrupt"
    return "csv"


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as e:
            raise _fail(
                _("文件标明为 UTF-8 编码，但其中有无法识别的字符，请检查后重新保存。")
            ) from e
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode 文本"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise _fail(
                _("文件标明为 UTF-16 编码，但其中有无法识别的字符，请检查后重新保存。")
            ) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise _fail(
            _("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或直接上传 Excel 文件。")
        ) from e


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    if "," not in first:
        for candidate in ("\t", ";"):
            if candidate in first:
                return candidate
    return ","


def read_rows(filename: str, data: bytes) -> list[list]:
    """All rows of the first sheet (or the CSV), as lists of cell values.

    Row i of the result (0-based) is row i + 1 as the person sees it in Excel.
    """
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise _fail(_too_big())
    if not data.strip():
        raise _fail(_("文件是空的。"))
    kind = _kind(filename, data)
    if kind == "corrupt":
        raise _fail(
            _("文件已损坏或不是 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认后重新保存。")
        )
    if kind == "opendocument":
        raise _fail(
            _(
                "这是 OpenDocument 格式（.ods）的文件，不能直接导入。请用 WPS 或 LibreOffice 打开后"
                "“另存为” Excel 文件（.xlsx）再导入。"
            )
        )
    if kind == "html":
        raise _fail(
            _(
                "这个文件实际是网页（HTML）格式，只是扩展名为 Excel，无法读取。"
                "请用 Excel 或 WPS 打开后“另存为” .xlsx 文件再导入。"
            )
        )
    if kind == "csv":
        text = _decode(data)
        if "\x00" in text:
            raise _fail(_("文件已损坏或不是表格文件，无法读取。"))
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
        except csv.Error as e:
            raise _fail(_("CSV 文件格式有误：%(e)s") % {"e": e}) from e
        limits = _limits()
        width = max(map(len, rows), default=0)
        if len(rows) > limits.rows or width > limits.cols:
            raise ImportFailed([_too_large(sheet_guard.TooLarge(len(rows), width), limits)])
        return rows
    limits = _limits()
    try:
        result = sheet_guard.parse_small_xlsx(data, limits) if kind == "xlsx" else None
        if result is None:
            result = sheet_guard.in_child(
                lambda: sheet_guard.parse_workbook(kind, data, limits), _child_limits()
            )
    except sheet_guard.Unreadable as e:
        raise _fail(
            _("文件已损坏或不是 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认后重新保存。")
        ) from e
    except sheet_guard.XmlTooLarge as e:
        raise _fail(
            _("表格解压后有 %(mb)s MB，超过读取上限 %(max)s MB。请拆分后分批导入。")
            % {"mb": e.size // (1024 * 1024), "max": limits.xml_bytes // (1024 * 1024)}
        ) from e
    except sheet_guard.ChildDied as e:
        if e.reason == "time":
            raise _fail(_("读取这个表格超时，未能导入。请拆分后分批导入。")) from e
        raise _fail(
            _(
                "读取这个表格所需的内存超过上限，未能导入。请检查表格中是否有远离数据区域的"
                "内容并删除，或拆分后分批导入。"
            )
        ) from e
    if isinstance(result, sheet_guard.TooLarge):
        raise ImportFailed([_too_large(result, limits)])
    return result


def _limits() -> sheet_guard.Limits:
    """The sheet size an import allows (runtime settings, the security administrator's)."""
    from django.db import DatabaseError

    from . import runtime

    keys = ("import.max_rows", "import.max_columns")
    try:
        rows, cols = runtime.get_many(keys).values()
    except (DatabaseError, RuntimeError):  # no database (a script reading a file): defaults
        rows, cols = (runtime.DEFINITIONS[k].default for k in keys)
    return sheet_guard.Limits(rows=rows, cols=cols, xml_bytes=settings.UPLOAD_MAX_SHEET_XML_BYTES)


def _child_limits() -> sheet_guard.ChildLimits:
    return sheet_guard.ChildLimits(
        memory_bytes=settings.SHEET_PARSE_MEMORY_MB * 1024 * 1024,
        cpu_seconds=settings.SHEET_PARSE_SECONDS,
        wall_seconds=settings.SHEET_PARSE_SECONDS * 1.5,
    )


def _too_large(t: sheet_guard.TooLarge, limits: sheet_guard.Limits) -> SheetError:
    size = {
        "rows": t.rows,
        "cols": t.cols,
        "max_rows": limits.rows,
        "max_cols": limits.cols,
    }
    if t.far and t.far_count <= len(t.far):
        # A few cells far out, as a stray note under the data is: named, to be deleted.
        cells = "、".join(sheet_guard.cell_name(r, c) for r, c in t.far)
        row, col = t.far[0]
        if t.data:
            top, left, bottom, right = t.data
            data = f"{sheet_guard.cell_name(top, left)}:{sheet_guard.cell_name(bottom, right)}"
            message = _(
                "单元格 %(cells)s 有内容，远在数据区域 %(data)s 之外，使表格达到 %(rows)s 行 × "
                "%(cols)s 列，超过导入上限（%(max_rows)s 行 × %(max_cols)s 列）。"
                "请删除该单元格的内容后重新导入。"
            ) % {"cells": cells, "data": data, **size}
        else:
            message = _(
                "单元格 %(cells)s 有内容，使表格达到 %(rows)s 行 × %(cols)s 列，超过导入上限"
                "（%(max_rows)s 行 × %(max_cols)s 列）。请删除该单元格的内容后重新导入。"
            ) % {"cells": cells, **size}
        return SheetError(row, sheet_guard.column_letters(col), message)
    message = (
        _(
            "表格有 %(rows)s 行 × %(cols)s 列，超过导入上限（%(max_rows)s 行 × %(max_cols)s 列）。"
            "请拆分后分批导入，或删除多余的行列。"
        )
        % size
    )
    if t.far:
        message += " " + _("超出上限的内容从单元格 %(cell)s 开始。") % {
            "cell": sheet_guard.cell_name(*t.far[0])
        }
    return SheetError(None, None, message)


# The templates' example rows start with this in their first cell (and are written grey); every
# importer skips such a row and says so, so a template filled in below its examples imports.
EXAMPLE_MARK = "【示例】"


def is_example(row: list) -> bool:
    """Whether a row read from a file is one of a template's example rows: its first filled cell
    starts with EXAMPLE_MARK."""
    for c in row:
        if c is None or c == "":
            continue
        return isinstance(c, str) and c.lstrip().startswith(EXAMPLE_MARK)
    return False


def mark_examples(rows: list[list]) -> list[list]:
    """A template's example rows with EXAMPLE_MARK in front of their first cell."""
    return [[EXAMPLE_MARK + str(row[0] if row[0] is not None else ""), *row[1:]] for row in rows]


def skipped_examples(lines: list[int]) -> str:
    """What an import says about the example rows it skipped ("" when none)."""
    if not lines:
        return ""
    return _("已跳过模板中的示例行（第 %(rows)s 行）。") % {
        "rows": "、".join(str(n) for n in lines)
    }


def only_examples(lines: list[int]) -> ImportFailed:
    """The refusal for a file whose rows are all a template's examples."""
    return _fail(
        _("文件中只有模板的示例行（第 %(rows)s 行），没有要导入的数据：请在示例行下面填写。")
        % {"rows": "、".join(str(n) for n in lines)}
    )


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# What an .xlsx cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE: control characters other than tab
# and line breaks), plus lone surrogates, which cannot be written as UTF-8 at all. Inputs refuse
# them now (core.inputs); a record stored before that, or written around the inputs, still exports,
# with U+FFFD where the character was, so the reader sees that something was there.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def neutralise(value):
    """A text cell as an export writes it: characters an .xlsx cannot hold replaced, and one that
    would start a formula in Excel written with a leading apostrophe."""
    if isinstance(value, str):
        if not value.isprintable():
            value = _ILLEGAL.sub("\ufffd", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def unneutralise(value):
    """The inverse of `neutralise` for a value read back from a file we (or Excel) wrote, so that
    an export re-imports unchanged."""
    if (
        isinstance(value, str)
        and len(value) > 1
        and value[0] == "'"
        and value[1:].startswith(FORMULA_PREFIXES)
    ):
        return value[1:]
    return value


@dataclass
class Dropdown:
    """A drop-down that suggests rather than forbids: other values may be typed (a column that
    takes several choices in one cell, "乡镇（街道）、村（社区）", offers the common ones)."""

    choices: list[str]
    strict: bool = False


def write_workbook(
    sheets: list[tuple[str, list[str], list[list]]],
    *,
    dropdowns: dict[tuple[int, str], list[str] | Dropdown] | None = None,
    widths: dict[tuple[int, str], int] | None = None,
    examples: dict[int, int] | None = None,
) -> bytes:
    """sheets: (title, headers, rows); rows may be any iterable (a generator streams).
    dropdowns: {(sheet index, column letter): choices} (a list forbids other values; a
    Dropdown(strict=False) only suggests). widths: {(sheet index, letter): width}.
    examples: {sheet index: n}: the first n rows are a template's examples, written grey and
    italic (their first cell should carry EXAMPLE_MARK: mark_examples)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2E6E6")
    grey, grey_fill = Font(italic=True, color="808080"), PatternFill("solid", fgColor="EEEEEE")
    for index, (title, headers, rows) in enumerate(sheets):
        ws = book.create_sheet(title=title[:31])
        for i, header in enumerate(headers, start=1):
            letter = get_column_letter(i)
            width = (widths or {}).get((index, letter)) or max(10, len(header) * 2 + 4)
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"
        for (sheet_index, letter), choices in (dropdowns or {}).items():
            if sheet_index != index:
                continue
            strict = not isinstance(choices, Dropdown) or choices.strict
            items = choices.choices if isinstance(choices, Dropdown) else choices
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(items) + '"',
                allow_blank=True,
                showErrorMessage=strict,
                errorTitle=_("无效的值"),
                error=_("请从下拉列表中选择。"),
            )
            dv.add(f"{letter}2:{letter}10000")
            ws.data_validations.append(dv)
        head = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=neutralise(header))
            cell.font, cell.fill = bold, fill
            head.append(cell)
        ws.append(head)
        n_examples = (examples or {}).get(index, 0)
        for i, row in enumerate(rows):
            if i < n_examples:
                cells = []
                for v in row:
                    cell = WriteOnlyCell(ws, value=neutralise(v))
                    cell.font, cell.fill = grey, grey_fill
                    cells.append(cell)
                ws.append(cells)
                continue
            ws.append([neutralise(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def store_upload(filename: str, data: bytes, digest: str) -> tuple[str, Path | None]:
    """Keep an imported file under MEDIA_ROOT/imports/<sha256>.<ext>; return (stored_as, the path
    written now, or None when the same file was already kept — remove it if the import fails)."""
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in ("xlsx", "xlsm", "xls", "et", "csv", "txt"):
        ext = "bin"
    stored_as = f"imports/{digest}.{ext}"
    target = Path(settings.MEDIA_ROOT) / stored_as
    if target.exists():
        return stored_as, None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return stored_as, target


@dataclass
class Upload:
    """An imported file on its way in; `store()` keeps it (store_upload)."""

    filename: str
    data: bytes
    sha256: str
    written: Path | None = None  # the file store() wrote, removed again if the import fails

    def store(self) -> str:
        """Keep the file under MEDIA_ROOT; return the name it is kept under."""
        stored_as, self.written = store_upload(self.filename, self.data, self.sha256)
        return stored_as


@contextlib.contextmanager
def kept_upload(filename: str, data: bytes) -> Iterator[Upload]:
    """The file of an all-or-nothing import, with its SHA-256: a copy stored within the block is
    removed again when the block raises, for then the import saved nothing (a copy an earlier
    import kept stays)."""
    upload = Upload(filename, data, hashlib.sha256(data).hexdigest())
    try:
        yield upload
    except BaseException:
        if upload.written is not None:
            upload.written.unlink(missing_ok=True)
        raise


_KEPT_NAME = re.compile(r"^(?:[0-9a-f]{64}\.[a-z]+|\.upload-.*)$")


def remove_orphan_uploads(older_than_minutes: int | None = None) -> list[str]:
    """Remove the files under MEDIA_ROOT/imports/ that no import references (an ImportRecord, or
    the audit entry of an import that keeps no record: the negative list) and that are older than
    `older_than_minutes`, so that an import still under way keeps its file. A server stopped in
    the middle of an import leaves such files. Returns the names removed."""
    import logging

    from .models import AuditEntry, ImportRecord

    minutes = settings.UPLOAD_ORPHAN_MINUTES if older_than_minutes is None else older_than_minutes
    folder = Path(settings.MEDIA_ROOT) / "imports"
    if not folder.is_dir():
        return []
    cutoff = time.time() - minutes * 60
    candidates = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not _KEPT_NAME.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                candidates.append(entry.name)
    if not candidates:
        return []
    referenced = set(ImportRecord.objects.values_list("stored_as", flat=True))
    referenced.update(
        AuditEntry.objects.filter(extra__has_key="file").values_list("extra__file", flat=True)
    )
    removed = []
    for name in candidates:
        if f"imports/{name}" in referenced:
            continue
        (folder / name).unlink(missing_ok=True)
        removed.append(name)
    if removed:
        logging.getLogger("jianfu.imports").warning(
            "removed %d uploaded file(s) no import refers to: %s", len(removed), ", ".join(removed)
        )
    return removed


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
