"""Issue 19: a large sheet is read by calamine in pieces at once, one per core, and the rows are
exactly those of the whole sheet read on one core — or the sheet is read whole."""

import datetime as dt
import io
import zipfile

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


def in_pieces(data: bytes, n: int | None = None):
    return sheet_guard._in_pieces(sheet_guard._sheet(data, LIMITS), LIMITS, n)


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
    rows = in_pieces(data, n)
    whole = sheet_guard._calamine_rows(data, LIMITS)
    assert rows is not None, "read in pieces"
    assert rows == whole
    assert rows[2][1] == "文号" and rows[1999][8] == "最宽" and len(rows) == 2999


def test_a_short_sheet_is_read_whole():
    data = registry_like()
    assert in_pieces(data) is None


def test_the_upload_path_reads_a_large_sheet_in_pieces_with_the_same_rows(
    small_is_large, monkeypatch
):
    data = registry_like()
    read = []
    load = sheet_guard._calamine_sheet
    monkeypatch.setattr(sheet_guard, "_calamine_sheet", lambda b: read.append(1) or load(b))
    rows = excel.read_rows("发文登记.xlsx", data)
    assert len(read) == 8  # two pieces for each of four threads, none read whole
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
    assert in_pieces(data, 2) is None
    assert excel.read_rows("x.xlsx", data) == sheet_guard._calamine_rows(data, LIMITS)


def far_in_the_second_half() -> bytes:
    """A table of 60 rows and, among its last rows, one value in XFD1048576."""
    cells = {}
    for r in range(1, 61):
        cells[f"A{r}"], cells[f"B{r}"] = sheets.text(f"单位{r}"), sheets.number(r)
    xml = sheets.sheet_xml(cells).replace(
        '<row r="59">', '<row r="59"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
    )
    return sheets.workbook({}, sheet=xml)


def test_calamine_never_reads_a_piece_the_quick_look_refuses(small_is_large, monkeypatch):
    read = []
    load = sheet_guard._calamine_sheet

    def looked_at(payload):
        read.append(zipfile.ZipFile(payload).read("xl/worksheets/sheet1.xml"))
        payload.seek(0)
        return load(payload)

    monkeypatch.setattr(sheet_guard, "_calamine_sheet", looked_at)
    data = far_in_the_second_half()
    assert in_pieces(data, 2) is None
    assert read and not any(b"XFD1048576" in xml for xml in read)
    with pytest.raises(excel.ImportFailed) as caught:
        excel.read_rows("x.xlsx", data)
    assert "单元格 XFD1048576 有内容" in caught.value.errors[0].message


def test_pieces_each_fine_but_sparse_together_are_read_the_usual_way(small_is_large):
    """Each piece is within what may be read here, but the whole sheet's box is mostly empty:
    the pieces' rows are not used, and the usual exact pass reads the sheet."""
    cells = sheets.table(sheets.DATA)
    cells["H150000"] = sheets.text("远处")
    data = sheets.workbook(cells)
    assert in_pieces(data, 2) is None
    rows = excel.read_rows("x.xlsx", data)
    assert len(rows) == 150000 and rows[149999][7] == "远处"
