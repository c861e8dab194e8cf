"""Reading a large sheet with every core: calamine given the sheet in pieces, at once.

calamine parses a sheet on one core, without Python's lock held (a 100,000-row registry: about
1.4 s of the 1.6 s calamine takes, the rest building Python's lists), and the guard's quick pass
(sheet_guard) over the same XML takes another half second, holding it. So the sheet's XML is cut at
row boundaries into two pieces per core; each piece is given the quick pass here, then, when its
box is within what may be read here, goes to a thread where calamine reads it as a workbook of its
own (the same parts, uncompressed, the sheet's XML holding only its rows) while the next piece is
looked at. A piece the quick pass does not let through is never given to calamine. Once all are
read, the whole sheet's box (every piece's put together) must be what the guard lets calamine read
as it is; the pieces' rows are then put together as calamine would have built the whole sheet (its
dense range from A1: each piece padded to the sheet's width, the rows between pieces filled).

The cells keep their references (the quick pass asks that of every cell), so each piece's cells
are placed exactly where the whole sheet's are. Anything that would make a piece differ from its
part of the whole — markup that may hold a row's start tag as text (comments, CDATA, processing
instructions), a cut that does not fall between two rows, pieces whose rows overlap (rows out of
order), a piece calamine cannot read — and the sheet is read the usual way (None): never a
different reading, at worst the usual one after this one.

The threads run only calamine's parse and the pieces' zip files, and are joined before read()
returns: the reading is done in parallel, nothing outlives the call (background work is a task's).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Below this much XML (8 MB: about 10,000 rows), the threads save less than they cost.
MIN_XML_BYTES = 8 * 1024 * 1024
# The other parts (shared strings, styles …) go into every piece: beyond this, read whole.
MAX_OTHER_BYTES = 16 * 1024 * 1024
MAX_WORKERS = 4

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


def read(
    sheet, load: Callable, *, look: Callable, safe: Callable, fits: Callable, workers=None
) -> list[list] | None:
    """The first sheet's rows, read in pieces at once; None when it is to be read whole instead.

    sheet: sheet_guard._Sheet (the workbook, its first sheet's path and XML). load: a workbook's
    bytes (io.BytesIO) -> calamine's first sheet, raising for damage. look: a sheet's XML -> the
    guard's quick box (rows, columns, cells) or None; safe(box): calamine may read this piece
    (asked before it does); fits(box): the whole sheet's box, every piece's put together, lets
    its rows be used (asked once every piece is read)."""
    xml = sheet.xml
    workers = min(cores() if workers is None else workers, MAX_WORKERS)
    if workers < 2 or len(xml) < MIN_XML_BYTES:
        return None
    # Twice as many pieces as threads: the next piece is looked at while calamine reads.
    cuts = _cuts(xml, 2 * workers)
    if cuts is None:
        return None
    others = [m for m in sheet.book.infolist() if m.filename != sheet.path]
    if sum(m.file_size for m in others) > MAX_OTHER_BYTES:
        return None
    parts = [(m.filename, sheet.book.read(m)) for m in others]
    view = memoryview(xml)
    head, tail = view[: cuts[0]], view[cuts[-1] :]

    def parse(body: bytes):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as book:
            for name, data in parts:
                book.writestr(name, data)
            book.writestr(sheet.path, body)
        del body
        out.seek(0)
        return load(out)

    boxes, parsed = [], []
    with ThreadPoolExecutor(workers, thread_name_prefix="sheet-piece") as pool:
        try:
            for i in range(len(cuts) - 1):
                body = b"".join((head, view[cuts[i] : cuts[i + 1]], tail))
                # Here, holding Python's lock, while calamine reads the pieces before (without).
                box = look(body)
                if not safe(box):
                    return None
                boxes.append(box)
                parsed.append(pool.submit(parse, body))
                del body
            # In order, each piece's Python lists built as soon as it is parsed.
            rows = _joined(f.result() for f in parsed)
        except Exception:  # a piece calamine cannot read
            return None
        finally:
            for f in parsed:
                f.cancel()
    whole = (
        max(b[0] for b in boxes),
        max(b[1] for b in boxes),
        sum(b[2] for b in boxes),
    )
    return rows if rows is not None and fits(whole) else None


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
