"""Reading a large sheet with every core: calamine given the sheet in pieces, at once.

calamine parses a sheet on one core, without Python's lock held (a 100,000-row registry: about
1.4 s of the 1.6 s calamine takes, the rest building Python's lists). A sheet the guard
(sheet_guard) has already let through as it is — every cell with its reference, within the limits —
is cut at row boundaries into one piece per core; each piece is a workbook of its own (the same
parts, uncompressed, the sheet's XML holding only its rows) that calamine reads in a thread of its
own; the pieces' rows are then put together as calamine would have built the whole sheet (its dense
range from A1: each piece padded to the sheet's width, the rows between pieces filled).

The cells keep their references, so each piece's cells are placed exactly where the whole sheet's
are. Anything that would make a piece differ from its part of the whole — markup that may hold a
row's start tag as text (comments, CDATA, processing instructions), a cut that does not fall
between two rows, pieces whose rows overlap (rows out of order), a piece calamine cannot read —
and the sheet is read whole instead (None): never a different reading, at worst the usual one.

The threads run only calamine's parse and the pieces' zip files; the import that asks is a
background job (core.imports.background), never a request.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Below this much XML, a second thread saves less than it costs.
MIN_XML_BYTES = 8 * 1024 * 1024
# The other parts (shared strings, styles …) go into every piece: beyond this, read whole.
MAX_OTHER_BYTES = 16 * 1024 * 1024
MAX_PIECES = 4

_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
# After "<": what may hold "<row " as text rather than as a row's start tag (a comment, CDATA, a
# processing instruction). Looked for alone: "<" is every tenth byte of a sheet, these are rare.
_TEXT_MARKUP = (b"!", b"?")
# What ends a row: its end tag, or an empty row's start tag; then spaces at most.
_ROW_END = re.compile(rb"(?:</row>|<row\b[^<>]*/>)\s*$")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def read(sheet, load: Callable, pieces: int | None = None) -> list[list] | None:
    """The first sheet's rows, read in pieces at once; None when it is read whole instead.

    sheet: sheet_guard._Sheet (the workbook, its first sheet's path and XML). load: a workbook's
    bytes (io.BytesIO) -> calamine's first sheet, raising for damage."""
    xml = sheet.xml
    n = min(cores() if pieces is None else pieces, MAX_PIECES)
    if n < 2 or len(xml) < MIN_XML_BYTES:
        return None
    cuts = _cuts(xml, n)
    if cuts is None:
        return None
    others = [m for m in sheet.book.infolist() if m.filename != sheet.path]
    if sum(m.file_size for m in others) > MAX_OTHER_BYTES:
        return None
    parts = [(m.filename, sheet.book.read(m)) for m in others]
    view = memoryview(xml)
    head, tail = view[: cuts[0]], view[cuts[-1] :]

    def piece(i: int):
        body = b"".join((head, view[cuts[i] : cuts[i + 1]], tail))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
            for name, data in parts:
                book.writestr(name, data)
            book.writestr(sheet.path, body)
        del body
        out.seek(0)
        return load(out)

    try:
        with ThreadPoolExecutor(len(cuts) - 1, thread_name_prefix="sheet-piece") as pool:
            # In order, each piece's Python lists built as soon as it is parsed, while calamine
            # still parses the next ones.
            return _joined(pool.map(piece, range(len(cuts) - 1)))
    except Exception:  # a piece calamine cannot read: the whole sheet decides
        return None


def _cuts(xml: bytes, n: int) -> list[int] | None:
    """Byte offsets: the start of the rows, n - 1 row starts between, the end of the rows."""
    start, end = xml.find(_OPEN), xml.rfind(_CLOSE)
    if start < 0 or end < start or xml.find(_OPEN, start + 1) >= 0:
        return None
    start += len(_OPEN)
    if any(_tag_opens(xml, mark, start, end) for mark in _TEXT_MARKUP):
        return None
    cuts = [start]
    for i in range(1, n):
        at = xml.find(b"<row ", start + (end - start) * i // n, end)
        if at <= cuts[-1]:
            break
        # Between two rows: what comes before ends a row.
        if not _ROW_END.search(xml, max(cuts[-1], at - 4096), at):
            return None
        cuts.append(at)
    if len(cuts) < 2:
        return None
    cuts.append(end)
    return cuts


def _tag_opens(xml: bytes, mark: bytes, start: int, end: int) -> bool:
    at = xml.find(mark, start, end)
    while at >= 0:
        if xml[at - 1] == 0x3C:  # "<"
            return True
        at = xml.find(mark, at + 1, end)
    return False


def _joined(sheets) -> list[list] | None:
    """The pieces' rows as calamine builds the whole sheet: from A1, every row as wide as the
    widest; None when the pieces' rows overlap."""
    parts, width, bottom = [], 0, -1
    for s in sheets:
        if s.start is None or not s.height:
            continue
        (top, left), (last, right) = s.start, s.end
        if top <= bottom:
            return None  # rows out of order across pieces: only the whole sheet places them
        bottom, width = last, max(width, right + 1)
        parts.append((top, left, right, s.to_python(skip_empty_area=True)))
    rows: list[list] = []
    for top, left, right, part in parts:
        rows.extend([""] * width for _ in range(top - len(rows)))
        if left or right + 1 < width:
            before, after = [""] * left, [""] * (width - right - 1)
            part = [before + row + after for row in part]
        rows.extend(part)
    return rows
