"""Issue 19: a large sheet is read by calamine in pieces at once, one per core, and the rows are
exactly those of the whole sheet read on one core — or the sheet is read whole."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from jianfu.core import excel, sheet_guard, sheet_pieces

from . import sheets

LIMITS = sheet_guard.Limits(rows=200_000, cols=200, xml_bytes=512 * 1024 * 1024)


@pytest.fixture
def small_is_large(monkeypatch):
    """Every sheet counts as large enough to cut, on a machine of four cores."""
    monkeypatch.setattr(sheet_pieces, "MIN_XML_BYTES", 0)
    monkeypatch.setattr(sheet_pieces, "cores", lambda: 4)


def prepared(data: bytes):
    data, _cells, sheet = sheet_guard._prepare(data, LIMITS)
    return sheet


def registry_like() -> bytes:
    """Shared strings, dates with their formats, numbers, booleans, formulas' values; the table
    starts at B3; rows 900–1400 are empty (a cut falls among them); the last rows are narrower;
    one row far right is wider than the rest."""
    book = Workbook()
    ws = book.active
    ws["B1"] = "发文登记"
    ws.append([])
    ws.cell(row=3, column=2, value="文号")
    for r in range(4, 3000):
        if 900 <= r <= 1400:
            continue
        ws.cell(row=r, column=2, value=f"甲发〔2025〕{r}号")
        ws.cell(row=r, column=3, value=dt.date(2025, 1, 1) + dt.timedelta(days=r % 300))
        ws.cell(row=r, column=4, value=r % 17)
        if r < 2800:
            ws.cell(row=r, column=5, value=r % 2 == 0)
            ws.cell(row=r, column=6, value=r * 1.5)
    ws.cell(row=2000, column=9, value="最宽")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_pieces_hold_exactly_the_whole_sheets_rows(small_is_large, n):
    data = registry_like()
    rows = sheet_pieces.read(prepared(data), sheet_guard._calamine_sheet, pieces=n)
    whole = sheet_guard._calamine_rows(data, LIMITS)
    assert rows is not None, "read in pieces"
    assert rows == whole
    assert rows[2][1] == "文号" and rows[1999][8] == "最宽" and len(rows) == 2999


def test_a_short_sheet_is_read_whole():
    data = registry_like()
    assert sheet_pieces.read(prepared(data), sheet_guard._calamine_sheet) is None


def test_the_upload_path_reads_a_large_sheet_in_pieces_with_the_same_rows(small_is_large):
    data = registry_like()
    calls = []
    load = sheet_guard._calamine_sheet

    def counted(payload):
        calls.append(1)
        return load(payload)

    sheet_guard._calamine_sheet, saved = counted, load
    try:
        rows = excel.read_rows("发文登记.xlsx", data)
    finally:
        sheet_guard._calamine_sheet = saved
    assert len(calls) == 4  # four pieces, none read whole
    assert rows == sheet_guard._calamine_rows(data, LIMITS)


def rows_out_of_order() -> bytes:
    """Row 40 written first, then rows 1–39: calamine places cells by their references."""
    cells = {f"A{r}": sheets.text(f"第{r}行") for r in range(1, 41)}
    first = {"A40": cells.pop("A40")}
    xml = sheets.sheet_xml(first)
    body = sheets.sheet_xml(cells)
    rest = body[body.index("<sheetData>") + len("<sheetData>") : body.index("</sheetData>")]
    return sheets.workbook({}, sheet=xml.replace("</sheetData>", rest + "</sheetData>"))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(rows_out_of_order(), id="rows out of order"),
        pytest.param(
            sheets.workbook(
                {},
                sheet=sheets.sheet_xml(sheets.table(sheets.DATA)).replace(
                    '<row r="10">', '<!-- <row r="1"> --><row r="10">'
                ),
            ),
            id="a comment among the rows",
        ),
    ],
)
def test_what_pieces_could_read_otherwise_is_read_whole_with_the_same_rows(small_is_large, data):
    assert sheet_pieces.read(prepared(data), sheet_guard._calamine_sheet, pieces=2) is None
    assert excel.read_rows("x.xlsx", data) == sheet_guard._calamine_rows(data, LIMITS)
