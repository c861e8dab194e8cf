"""Reading an Excel file without letting it take the server down.

calamine has no lazy API: it builds the first sheet as one dense range from the top-left to the
farthest cell holding a value. A 14 KB .xlsx with one value in XFD1048576 asks for 17 billion
cells, and the allocation failure aborts the process (no Python exception). Two guards:

1. For .xlsx, the sheet's XML is looked at before calamine sees it. A quick pass (regular
   expressions, in C) finds every cell's reference; when the cells fill their bounding box densely
   and it is within the runtime limits (import.max_rows, import.max_columns), calamine reads the
   file as it is. Otherwise an exact pass tells blank cells (spaces only, inline or shared) from
   content: the last rows and columns looked at cell by cell (a table and a space in A1048576),
   else every blank cell found by regular expressions, else (cells without references, namespace
   prefixes) expat. Content beyond the limits is refused, naming the cell and the data it lies
   far from; blank cells outside the content are cut from the XML, so a space in A1048576 costs
   next to nothing. A DTD, XML that is not well-formed, or a sheet that inflates beyond
   UPLOAD_MAX_SHEET_XML_BYTES is refused before calamine sees it. A large sheet is read with
   every core (sheet_pieces): in pieces, each given the quick pass before calamine reads it.
2. The parse runs in a forked child with an address-space and CPU limit; it sends the rows back
   pickled through a pipe and never touches the database. A file that makes calamine abort (an
   .xls, or anything not foreseen here) kills only the child, and the person gets a message.
"""

from __future__ import annotations

import faulthandler
import gc
import heapq
import io
import operator
import os
import pickle
import re
import select
import signal
import time
import xml.parsers.expat
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass, field

# Imported here, in the parent: a child under its memory limit may not be able to map it.
from python_calamine import CalamineWorkbook

from . import sheet_pieces as pieces

# --- Cell references --------------------------------------------------------------------------


def column_index(letters: str) -> int:
    """1-based column number of "A", "Z", "AA", … "XFD"."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letters(index: int) -> str:
    """The letters of a 1-based column number."""
    out = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_name(row: int, col: int) -> str:
    return f"{column_letters(col)}{row}"


_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")


# --- What the child reports ---------------------------------------------------------------------


@dataclass
class TooLarge:
    """The sheet is wider or longer than the import allows."""

    rows: int  # the sheet's extent as Excel sees it (1-based, from A1)
    cols: int
    far: list[tuple[int, int]] = field(default_factory=list)  # (row, col) of content beyond
    far_count: int = 0
    data: tuple[int, int, int, int] | None = None  # top, left, bottom, right within the limits


@dataclass
class Limits:
    rows: int
    cols: int
    xml_bytes: int  # the sheet's XML, uncompressed


class Unreadable(Exception):
    """Not a workbook calamine or this module can read."""


class XmlTooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


# --- The quick pass -----------------------------------------------------------------------------

# A cell's reference: the attribute r="B7" (rows have r="7", no letters; no other element of a
# sheet has an attribute named r).
_CELL_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"')
# When the box of the cells has more than this many cells per cell in the file (plus the slack),
# blank cells may be what stretches it: the exact pass decides.
_SPARSE_FACTOR = 4
_SPARSE_SLACK = 50_000


def _quick_extent(xml_bytes: bytes) -> tuple[int, int, list, set, set] | None:
    """(rows, cols, references, their row numbers, their column letters) of every cell in the
    sheet, valued or not (an over-estimate of what calamine builds, which leaves empty cells
    out); None when some cell cannot be placed this way (no reference, a namespace prefix, quotes
    of the other kind): the exact pass with expat places them."""
    refs = _CELL_REF.findall(xml_bytes)
    if not refs or xml_bytes.count(b"<c ") + xml_bytes.count(b"<c>") != len(refs):
        return None
    row_set = set(map(operator.itemgetter(1), refs))  # in C: a million cells are common
    col_set = set(map(operator.itemgetter(0), refs))
    rows = max(map(int, row_set))
    cols = max(column_index(c.decode()) for c in col_set)
    return rows, cols, refs, row_set, col_set


# The same matches as _CELL_REF, with the row alone or the column alone: a list of row numbers
# costs half a list of (column, row) pairs, and a column's letters are shared objects.
_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,7})"')
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]{1,7}"')
_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# The columns of the usual sheet are all found in its first cells.
_COLUMNS_SEEN_BYTES = 1 << 20


def _quick_box(xml_bytes: bytes) -> tuple[int, int, int] | None:
    """(rows, cols, number of cell references) exactly as _quick_extent finds them, None when it
    finds None: what decides whether calamine reads the file as it is, without the pairs and
    sets that only the exact pass needs (a million cells are common)."""
    row_refs = _CELL_ROW.findall(xml_bytes)
    n = len(row_refs)
    if not n or xml_bytes.count(b"<c ") + xml_bytes.count(b"<c>") != n:
        return None
    rows = max(map(int, set(row_refs)))
    del row_refs
    return rows, _max_column(xml_bytes), n


def _max_column(xml_bytes: bytes) -> int:
    """The largest column of any cell reference. When the first cells' columns are single
    letters, one search (no list) tells that no reference has another column; else every
    reference's column is read."""
    seen = set(_CELL_COLUMN.findall(xml_bytes, 0, _COLUMNS_SEEN_BYTES))
    if seen and all(len(c) == 1 for c in seen):
        others = bytes(sorted(_LETTERS - {c[0] for c in seen}))
        one = rb"|[" + others + rb"]" if others else b""
        if re.search(rb' r="(?:[A-Z]{2,3}' + one + rb')[0-9]{1,7}"', xml_bytes) is None:
            return max(column_index(c.decode()) for c in seen)
    return max(column_index(c.decode()) for c in set(_CELL_COLUMN.findall(xml_bytes)))


# --- Telling blank cells from content by regular expressions --------------------------------------

# Cells with no value at all (<c r="B2" s="1"/>: a format only), which calamine leaves out.
_EMPTY_CELL_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*/>')
_WS = rb"(?:\s|\xe3\x80\x80|\xc2\xa0)*"  # spaces, full-width and no-break spaces in UTF-8
# A cell whose value is empty or spaces (a number or formula result, an inline string), or which
# has none.
_BLANK_CELL = re.compile(
    rb"<c(\s[^>]*)>\s*(?P<value>"
    rb"<v>" + _WS + rb"</v>"
    rb"|<is>\s*(?:<t/>|<t(?:\s[^>]*)?>" + _WS + rb"</t>)?\s*</is>"
    rb"|<f(?:\s[^>]*)?(?:/>|>[^<]*</f>)\s*<v>" + _WS + rb"</v>"
    rb")?\s*</c>"  # or nothing at all: <c r="B2" s="1"></c>
)
_REF_ATTR = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_MAX_BLANK_STRINGS = 1000  # more blank shared strings than this: the expat pass decides


def _shared_blank_cell(blank_sst: set[int]) -> re.Pattern | None:
    if not blank_sst:
        return None
    indices = b"|".join(str(i).encode() for i in sorted(blank_sst))
    return re.compile(rb'<c(\s[^>]*\st="s"[^>]*)>\s*<v>\s*(?:' + indices + rb")\s*</v>\s*</c>")


_PEEL_LOOKS = 64  # cells looked at one by one before the whole sheet is looked at instead


def _peel(xml_bytes: bytes, quick: tuple, blank_sst: set[int], limits: Limits) -> _Found | None:
    """The exact pass for the usual sparse sheet, a table and a few blank cells far out (a space
    in A1048576): the last rows, then the last columns, are looked at cell by cell, found in the
    XML by their reference, and cut while they hold only blank cells. None when that is not
    enough (many blank cells, content beyond the limits): _by_expressions decides."""
    if len(blank_sst) > _MAX_BLANK_STRINGS:
        return None
    shared = _shared_blank_cell(blank_sst)
    looks = 0

    def look(c: bytes, r: bytes):
        """("content" | "blank" | "valueless", byte span) of cell c r; None when not found."""
        nonlocal looks
        looks += 1
        at = xml_bytes.find(b' r="' + c + r + b'"')
        start = xml_bytes.rfind(b"<", 0, at) if at >= 0 else -1
        if start < 0 or xml_bytes[start : start + 3] != b"<c ":
            return None
        m = _BLANK_CELL.match(xml_bytes, start) or (shared and shared.match(xml_bytes, start))
        if m:
            return ("valueless" if m.groupdict().get("value", "") is None else "blank"), m.span()
        end = xml_bytes.find(b">", at)
        return ("valueless" if xml_bytes[end - 1 : end] == b"/" else "content"), None

    _rows, _cols, refs, row_set, col_set = quick
    last_rows = heapq.nlargest(_PEEL_LOOKS, row_set, key=int)
    wanted = set(last_rows)
    by_row: dict[bytes, list[bytes]] = {}
    for c, r in refs:
        if r in wanted:
            by_row.setdefault(r, []).append(c)
    cuts: list[tuple[int, int]] = []
    gone: set[bytes] = set()  # rows holding only blank cells, cut
    max_row = 0
    for r in last_rows:
        spans = []
        for c in by_row[r]:
            if looks >= _PEEL_LOOKS:
                return None
            seen = look(c, r)
            if seen is None:
                return None
            if seen[0] == "content":
                max_row = int(r)
                break
            if seen[0] == "blank":
                spans.append(seen[1])
        if max_row:
            break
        cuts += spans
        gone.add(r)
    if not max_row and len(gone) < len(row_set):
        return None
    if max_row > limits.rows:
        return None
    last_cols = heapq.nlargest(_PEEL_LOOKS, col_set, key=lambda c: column_index(c.decode()))
    max_col = 0
    for c in last_cols:
        spans = []
        # From the bottom up: the last row of a table usually fills its last column.
        for r in (r for cc, r in reversed(refs) if cc == c and r not in gone):
            if looks >= _PEEL_LOOKS:
                return None
            seen = look(c, r)
            if seen is None:
                return None
            if seen[0] == "content":
                max_col = column_index(c.decode())
                break
            if seen[0] == "blank":
                spans.append(seen[1])
        if max_col:
            break
        cuts += spans
    if max_row and not max_col:
        return None
    if max_col > limits.cols:
        return None
    box = (1, 1, max_row, max_col) if max_row else None
    return _Found([], 0, max_row, max_col, box, sorted(cuts))


@dataclass
class _Found:
    """What the exact pass (by regular expressions or by expat) tells of a sheet's cells."""

    far: list[tuple[int, int]]  # the first few content cells beyond the limits
    far_count: int
    max_row: int  # of all content
    max_col: int
    box: tuple[int, int, int, int] | None  # top, left, bottom, right of the content within
    cuts: list[tuple[int, int]]  # byte ranges of blank cells outside the content (no far cells)


def _by_expressions(
    xml_bytes: bytes, refs: list, blank_sst: set[int], limits: Limits
) -> _Found | None:
    """The exact pass when every cell has its reference: only blank and empty cells are looked
    at in Python (a few, in any sheet a person made); None when the expat pass must decide."""
    if len(blank_sst) > _MAX_BLANK_STRINGS:
        return None
    blank: dict[tuple[bytes, bytes], tuple[int, int]] = {}
    matches = list(_BLANK_CELL.finditer(xml_bytes))
    shared = _shared_blank_cell(blank_sst)
    if shared:
        matches += shared.finditer(xml_bytes)
    valueless = set(_EMPTY_CELL_REF.findall(xml_bytes))
    for m in matches:
        ref = _REF_ATTR.search(m[1])
        if ref is None:
            return None
        if m.groupdict().get("value", "") is None:
            valueless.add((ref[1], ref[2]))  # calamine leaves it out; nothing to cut
        else:
            blank[(ref[1], ref[2])] = m.span()
    skip = set(blank) | valueless
    if skip:
        rows_all, cols_all = Counter(r for _c, r in refs), Counter(c for c, _r in refs)
        rows_skip, cols_skip = Counter(r for _c, r in skip), Counter(c for c, _r in skip)
        rows = [int(r) for r, n in rows_all.items() if n > rows_skip[r]]
        cols = [column_index(c.decode()) for c, n in cols_all.items() if n > cols_skip[c]]
        max_row, max_col = max(rows, default=0), max(cols, default=0)
    else:
        max_row = max(map(int, {r for _c, r in refs}))
        max_col = max(column_index(c.decode()) for c in {c for c, _r in refs})
    if max_row <= limits.rows and max_col <= limits.cols:
        cuts = sorted(
            span
            for (c, r), span in blank.items()
            if int(r) > max_row or column_index(c.decode()) > max_col
        )
        box = (1, 1, max_row, max_col) if max_row else None  # not shown: nothing is far
        return _Found([], 0, max_row, max_col, box, cuts)
    # Content beyond the limits: the file is refused, and each cell is placed to say where.
    letters = {c: column_index(c.decode()) for c in {c for c, _r in refs}}
    far: list[tuple[int, int]] = []
    far_count = 0
    top = left = 1 << 30
    bottom = right = 0
    for c, r in refs:
        if (c, r) in skip:
            continue
        row, col = int(r), letters[c]
        if row > limits.rows or col > limits.cols:
            far_count += 1
            if len(far) < 3:
                far.append((row, col))
            continue
        top, left = min(top, row), min(left, col)
        bottom, right = max(bottom, row), max(right, col)
    box = (top, left, bottom, right) if bottom else None
    return _Found(far, far_count, max_row, max_col, box, [])


# --- The exact pass -----------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _no_dtd(*args):
    raise Unreadable("DTD in a workbook part")


def _parser():
    p = xml.parsers.expat.ParserCreate()
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_dtd
    p.buffer_text = True
    return p


_BLANK_SI = re.compile(rb"<si>\s*(?:<t/>|<t(?:\s[^>]*)?>" + _WS + rb"</t>)?\s*</si>")


def _blank_shared_strings(book: zipfile.ZipFile, path: str | None) -> set[int]:
    """Indices of the shared strings that are empty or spaces only."""
    if not path:
        return set()
    xml_bytes = book.read(path)  # its size was checked with the sheet's
    if xml_bytes.count(b"<si>") and not xml_bytes.count(b"<si "):
        # The usual shape: each found by one expression, its index by counting those before.
        return {xml_bytes.count(b"<si>", 0, m.start()) for m in _BLANK_SI.finditer(xml_bytes)}
    return _blank_shared_strings_by_expat(xml_bytes)


def _blank_shared_strings_by_expat(xml_bytes: bytes) -> set[int]:
    """The same, for shared strings written with a namespace prefix or attributes."""
    blank: set[int] = set()
    state = {"i": -1, "depth_t": False, "text": [], "in_rph": False}

    def start(name, attrs):
        name = _local(name)
        if name == "si":
            state["i"] += 1
            state["text"] = []
        elif name == "rPh":
            state["in_rph"] = True
        elif name == "t" and not state["in_rph"]:
            state["depth_t"] = True

    def end(name):
        name = _local(name)
        if name == "t":
            state["depth_t"] = False
        elif name == "rPh":
            state["in_rph"] = False
        elif name == "si" and not "".join(state["text"]).strip():
            blank.add(state["i"])

    def chars(data):
        if state["depth_t"]:
            state["text"].append(data)

    p = _parser()
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
    p.Parse(xml_bytes, True)
    return blank


class _Exact:
    """Content cells (not blank) and their extent; blank cells holding a value, with where they
    lie in the XML so they can be cut."""

    def __init__(self, xml_bytes: bytes, blank_sst: set[int], limits: Limits):
        self.limits = limits
        self.blank_sst = blank_sst
        self.row = self.col = 0
        self.top = self.left = 1 << 30
        self.bottom = self.right = 0
        self.max_row = self.max_col = 0  # of all content
        self.far: list[tuple[int, int]] = []
        self.far_count = 0
        self.blank = array("q")  # row, col, start byte, byte of the end tag; four per cell
        self.in_cell = self.collect = self.valued = False
        self.kind = "n"
        self.start_at = 0
        self.text: list[str] = []
        p = self.p = _parser()
        p.StartElementHandler, p.EndElementHandler = self.start, self.end
        p.CharacterDataHandler = self.chars
        p.Parse(xml_bytes, True)

    def start(self, name, attrs):
        name = _local(name)
        if name == "c":
            ref = attrs.get("r")
            m = _REF.match(ref) if ref else None
            if m:
                self.col, self.row = column_index(m[1]), int(m[2])
            else:
                self.col += 1
            self.kind = attrs.get("t", "n")
            self.start_at = self.p.CurrentByteIndex
            self.in_cell, self.valued, self.text = True, False, []
        elif name == "row":
            r = attrs.get("r")
            self.row = int(r) if r and r.isdigit() else self.row + 1
            self.col = 0
        elif self.in_cell and name in ("v", "t"):
            self.collect = self.valued = True
        elif self.in_cell and name == "is":
            self.valued = True

    def chars(self, data):
        if self.collect:
            self.text.append(data)

    def end(self, name):
        name = _local(name)
        if name in ("v", "t"):
            self.collect = False
        elif name == "c":
            self.in_cell = False
            if self.valued:
                self._cell()

    def _cell(self):
        text = "".join(self.text).strip()
        if self.kind == "s":
            blank = not text or (text.isdigit() and int(text) in self.blank_sst)
        else:
            blank = not text
        row, col = self.row, self.col
        if blank:
            self.blank.extend((row, col, self.start_at, self.p.CurrentByteIndex))
            return
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        if row > self.limits.rows or col > self.limits.cols:
            self.far_count += 1
            if len(self.far) < 3:
                self.far.append((row, col))
            return
        self.top, self.left = min(self.top, row), min(self.left, col)
        self.bottom, self.right = max(self.bottom, row), max(self.right, col)

    def found(self, xml_bytes: bytes) -> _Found:
        box = (self.top, self.left, self.bottom, self.right) if self.bottom else None
        if self.far_count:
            return _Found(self.far, self.far_count, self.max_row, self.max_col, box, [])
        cuts = []
        b = self.blank
        for i in range(0, len(b), 4):
            row, col, start, end_tag = b[i], b[i + 1], b[i + 2], b[i + 3]
            if row > self.bottom or col > self.right:
                cuts.append((start, xml_bytes.index(b">", end_tag) + 1))
        return _Found([], 0, self.max_row, self.max_col, box, cuts)


# --- The workbook's first sheet -----------------------------------------------------------------


def _attr(tag: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)" + name + rb"\s*=\s*[\"']([^\"']*)[\"']", tag)
    return m[1].decode() if m else None


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in base_dir.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels(book: zipfile.ZipFile, path: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) of a part's relationships."""
    directory, _slash, name = path.rpartition("/")
    rels_path = f"{directory}/_rels/{name}.rels" if directory else f"_rels/{name}.rels"
    try:
        xml_bytes = book.read(rels_path)
    except KeyError:
        return {}
    out = {}
    for tag in re.findall(rb"<(?:[\w.\-]+:)?Relationship\b[^>]*>", xml_bytes):
        rid, kind, target = _attr(tag, b"Id"), _attr(tag, b"Type"), _attr(tag, b"Target")
        if rid and target:
            out[rid] = (kind or "", _resolve(directory, target))
    return out


def _first_sheet(book: zipfile.ZipFile) -> tuple[str, str | None]:
    """(the first sheet's part, the shared strings' part or None)."""
    workbook = next(
        (t for k, t in _rels(book, "").values() if k.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    rels = _rels(book, workbook)
    try:
        wb_xml = book.read(workbook)
    except KeyError as e:
        raise Unreadable(workbook) from e
    sheet_tag = re.search(rb"<(?:[\w.\-]+:)?sheet\s[^>]*>", wb_xml)
    rid = None
    if sheet_tag:
        m = re.search(rb"\s[\w.\-]+:id\s*=\s*[\"']([^\"']*)[\"']", sheet_tag[0])
        rid = m[1].decode() if m else None
    if rid not in rels:
        raise Unreadable("no first sheet")
    strings = next((t for k, t in rels.values() if k.endswith("/sharedStrings")), None)
    names = set(book.namelist())
    return rels[rid][1], strings if strings in names else None


def prepare_xlsx(data: bytes, limits: Limits) -> bytes | TooLarge:
    """The file calamine may read (the same bytes, or with blank cells outside the content cut
    from the first sheet), or TooLarge. Unreadable when the workbook's parts cannot be found or
    read; XmlTooLarge for a zip bomb."""
    prepared = _prepare(data, limits)
    return prepared if isinstance(prepared, TooLarge) else prepared[0]


def _located(data: bytes) -> tuple[zipfile.ZipFile, str, str | None, zipfile.ZipInfo]:
    """The workbook, its first sheet's part, its shared strings' part, the sheet's entry.
    Unreadable."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        sheet_path, strings_path = _first_sheet(book)
        return book, sheet_path, strings_path, book.getinfo(sheet_path)
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise Unreadable(str(e)) from e


def _sheet(data: bytes, limits: Limits, located=None) -> _Sheet:
    """The workbook and its first sheet's XML, inflated; `located`: _located(data), when the
    caller has it already. Unreadable, XmlTooLarge."""
    book, sheet_path, strings_path, info = located or _located(data)
    strings_size = book.getinfo(strings_path).file_size if strings_path else 0
    # zipfile never inflates a member past the size its header declares.
    if info.file_size + strings_size > limits.xml_bytes:
        raise XmlTooLarge(info.file_size + strings_size)
    try:
        xml_bytes = book.read(sheet_path)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise Unreadable(str(e)) from e
    return _Sheet(book, sheet_path, xml_bytes, strings_path)


def _within(box: tuple[int, int, int] | None, limits: Limits) -> bool:
    return box is not None and box[0] <= limits.rows and box[1] <= limits.cols


def _dense(box: tuple[int, int, int] | None, limits: Limits) -> bool:
    """The quick pass's box lets calamine read the sheet as it is: within the limits, and the
    cells fill it densely enough."""
    if not _within(box, limits):
        return False
    rows, cols, n = box
    return rows * cols <= _SPARSE_FACTOR * n + _SPARSE_SLACK


def _prepare(
    data: bytes, limits: Limits, sheet: _Sheet | None = None
) -> tuple[bytes, int] | TooLarge:
    """prepare_xlsx, with the number of cells calamine will then build (its dense range).
    `sheet`: _sheet(data, limits), when the caller has it already."""
    sheet = sheet or _sheet(data, limits)
    book, sheet_path, strings_path, xml_bytes = sheet.book, sheet.path, sheet.strings, sheet.xml
    box = _quick_box(xml_bytes)
    if _dense(box, limits):
        return data, box[0] * box[1]
    # The exact pass: every reference, with its row and column (None exactly when box is).
    quick = _quick_extent(xml_bytes) if box is not None else None
    found = None
    try:
        blank_sst = _blank_shared_strings(book, strings_path)
        if quick is not None:
            found = _peel(xml_bytes, quick, blank_sst, limits)
            if found is None:
                found = _by_expressions(xml_bytes, quick[2], blank_sst, limits)
        if found is None:
            found = _Exact(xml_bytes, blank_sst, limits).found(xml_bytes)
    except xml.parsers.expat.ExpatError as e:
        raise Unreadable(str(e)) from e
    if found.far_count:
        return TooLarge(found.max_row, found.max_col, found.far, found.far_count, found.box)
    cuts = found.cuts
    cells = found.max_row * found.max_col
    if not cuts:
        return data, cells
    pieces, at = [], 0
    for start, end in cuts:
        pieces.append(xml_bytes[at:start])
        at = end
    pieces.append(xml_bytes[at:])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as new:
        for member in book.infolist():
            body = b"".join(pieces) if member.filename == sheet_path else book.read(member)
            new.writestr(member.filename, body)
    return out.getvalue(), cells


@dataclass
class _Sheet:
    """A workbook and its first sheet's XML (inflated)."""

    book: zipfile.ZipFile
    path: str
    xml: bytes
    strings: str | None  # the shared strings' part


# --- The child ----------------------------------------------------------------------------------


@dataclass
class ChildLimits:
    memory_bytes: int  # address space the child may add to what it inherits
    cpu_seconds: int
    wall_seconds: float


class ChildDied(Exception):
    """The child ended without an answer: `reason` is "memory" or "time"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _limit_self(limits: ChildLimits) -> None:
    import resource

    budget = _vm_size() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


def in_child(fn, limits: ChildLimits):
    """fn() run in a forked child under `limits`; its return value, or the exception it raised
    (re-raised here when picklable). ChildDied when the child ended without an answer."""
    if not hasattr(os, "fork"):
        return fn()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never touches the database
        code = 70
        try:
            os.close(r)
            # The parent says what happened; a crash dump in its log would only alarm.
            faulthandler.disable()
            # A collection would walk (and so copy) every object the parent holds; the rows hold
            # no cycles, and the child ends as soon as they are sent.
            gc.disable()
            _limit_self(limits)
            try:
                result = ("ok", fn())
            except MemoryError:
                result = ("died", "memory")
            except Exception as e:  # sent back and raised there
                result = ("raised", e)
            try:
                payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                payload = pickle.dumps(("died", "memory"))
            except Exception:
                payload = pickle.dumps(("raised", Unreadable("unpicklable result")))
            _write_all(w, payload)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    chunks, deadline, timed_out = [], time.monotonic() + limits.wall_seconds, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                timed_out = True
                break
            chunk = os.read(r, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        if timed_out:
            with _suppress():
                os.kill(pid, signal.SIGKILL)
        status = None
        with _suppress():
            _pid, status = os.waitpid(pid, 0)
    if timed_out:
        raise ChildDied("time")
    if status is not None and os.WIFSIGNALED(status):
        raise ChildDied("time" if os.WTERMSIG(status) == signal.SIGXCPU else "memory")
    # The rows are lists of plain values, no cycles: collections while they are built would only
    # walk everything else this process holds, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tag, value = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child wrote it
    except Exception as e:
        raise ChildDied("memory") from e
    finally:
        if collecting:
            gc.enable()
    if tag == "ok":
        return value
    if tag == "raised":
        raise value
    raise ChildDied(value)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        return kind is not None and issubclass(kind, (ChildProcessError, ProcessLookupError))


# --- Reading ------------------------------------------------------------------------------------


def parse_workbook(kind: str, data: bytes, limits: Limits) -> list[list] | TooLarge:
    """Rows of the first sheet, or TooLarge; run it in_child. XmlTooLarge, Unreadable."""
    if kind == "xlsx":
        # Unreadable here (parts missing, XML that is not well-formed, a DTD) is refused too:
        # what the guard cannot read, calamine is not given.
        prepared = prepare_xlsx(data, limits)
        if isinstance(prepared, TooLarge):
            return prepared
        data = prepared
    return _calamine_rows(data, limits)


# An .xlsx whose sheet XML and prepared range are at most this large is read in the process that
# asks: calamine then builds at most two million cells, and the fork and the rows' round trip
# through the pipe (pickling and unpickling take as long as the parse itself) are spared. Anything
# larger goes to a child. The cell count is what bounds calamine's dense range (the abort the
# child guards against); the XML bounds the text in those cells. A 100,000-row document file is
# 1.1 million cells in 58 MB of XML with shared strings, 78 MB with inline strings (openpyxl's
# write-only mode, many OA exports), and peaks at about 230 MB read here, which is what the
# parent holds anyway once a child has sent the same rows back.
IN_PROCESS_XML_BYTES = 128 * 1024 * 1024
IN_PROCESS_CELLS = 2_000_000


def parse_small_xlsx(data: bytes, limits: Limits) -> list[list] | TooLarge | None:
    """The rows of a small .xlsx read here, TooLarge, or None: read it in a child instead."""
    try:
        located = _located(data)
    except Unreadable:
        return None  # the child finds and names what is wrong
    if located[3].file_size > IN_PROCESS_XML_BYTES:
        return None
    sheet = _sheet(data, limits, located)
    # A large sheet: each piece looked at by the quick pass just before calamine reads it, while
    # calamine reads the pieces before it.
    rows = _in_pieces(sheet, limits)
    if rows is not None:
        return rows
    prepared = _prepare(data, limits, sheet)
    if isinstance(prepared, TooLarge):
        return prepared
    data, cells = prepared
    if cells > IN_PROCESS_CELLS:
        return None
    return _calamine_rows(data, limits)


def _in_pieces(sheet: _Sheet, limits: Limits, workers: int | None = None) -> list[list] | None:
    """A large sheet's rows read in pieces at once (sheet_pieces), each piece given the quick
    pass just before calamine reads it, while calamine reads the pieces before; None when the
    sheet is to be read the usual way. A piece is read only when its own box is within what may
    be read here; the rows are used only when the whole sheet's box, every piece's put together,
    is what _prepare lets calamine read as it is."""
    return pieces.read(
        sheet,
        _calamine_sheet,
        look=_quick_box,
        safe=lambda box: _within(box, limits) and box[0] * box[1] <= IN_PROCESS_CELLS,
        fits=lambda box: _dense(box, limits) and box[0] * box[1] <= IN_PROCESS_CELLS,
        workers=workers,
    )


def _calamine_sheet(workbook: io.BytesIO):
    """calamine's first sheet of a workbook; Unreadable for any damage."""
    try:
        return CalamineWorkbook.from_filelike(workbook).get_sheet_by_index(0)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    # calamine raises its own error types for every kind of damage, and a panic in its Rust code
    # arrives as pyo3's PanicException, which is not an Exception.
    except BaseException as e:
        raise Unreadable(str(e)) from e


def _calamine_rows(data: bytes, limits: Limits) -> list[list] | TooLarge:
    sheet = _calamine_sheet(io.BytesIO(data))
    # An .xls has had no look first: its range (at most 65,536 x 256) is checked before the
    # Python lists are built.
    rows, cols = sheet.height, sheet.width
    if rows > limits.rows or cols > limits.cols:
        return TooLarge(rows, cols)
    try:
        return sheet.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as e:
        raise Unreadable(str(e)) from e
