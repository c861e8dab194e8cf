"""Workbooks written XML by hand, for what openpyxl will not write: cells far out, shared
strings that are only spaces, cells without a reference, a namespace prefix, a zip bomb."""

import io
import re
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def text(value: str) -> tuple[str, str]:
    """An inline string cell's type and body."""
    return ' t="inlineStr"', f'<is><t xml:space="preserve">{value}</t></is>'


def number(value) -> tuple[str, str]:
    return "", f"<v>{value}</v>"


def shared(index: int) -> tuple[str, str]:
    return ' t="s"', f"<v>{index}</v>"


def table(rows: list[list[str]]) -> dict[str, tuple[str, str]]:
    """Cells A1… of a small table of texts."""
    out = {}
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            out[f"{chr(65 + c)}{r}"] = text(value)
    return out


def sheet_xml(cells: dict[str, tuple[str, str]], *, prefix: str = "", refs: bool = True) -> str:
    """The first sheet: cells by reference ("B7") -> (type attribute, body)."""
    p = f"{prefix}:" if prefix else ""
    by_row: dict[int, list[str]] = {}
    for ref, (kind, body) in cells.items():
        letters, row = re.fullmatch(r"([A-Z]+)([0-9]+)", ref).groups()
        where = f' r="{ref}"' if refs else ""
        by_row.setdefault(int(row), []).append(
            (
                letters.rjust(3),
                f"<{p}c{where}{kind}>{body}</{p}c>".replace("<is>", f"<{p}is>")
                .replace("</is>", f"</{p}is>")
                .replace("<t ", f"<{p}t ")
                .replace("</t>", f"</{p}t>")
                .replace("<v>", f"<{p}v>")
                .replace("</v>", f"</{p}v>"),
            )
        )
    body = "".join(
        f'<{p}row r="{r}">' + "".join(c for _k, c in sorted(by_row[r])) + f"</{p}row>"
        for r in sorted(by_row)
    )
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<{p}worksheet {ns} xmlns:r="{REL}"><{p}dimension ref="A1"/>'
        f"<{p}sheetData>{body}</{p}sheetData></{p}worksheet>"
    )


def workbook(
    cells: dict[str, tuple[str, str]],
    strings: list[str] = (),
    *,
    prefix: str = "",
    refs: bool = True,
    sheet: str | None = None,
) -> bytes:
    """An .xlsx whose first sheet holds `cells` (and shared strings `strings`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
            'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.'
            'xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}"><Relationship '
            f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            sheet if sheet is not None else sheet_xml(cells, prefix=prefix, refs=refs),
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">'
            + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
            + "</sst>",
        )
    return out.getvalue()


DATA = [["名称", "代码", "类型", "上级代码", "说明", "甲", "乙", "丙"]] + [
    [f"单位{r}", f"X{r:03}", "乡镇", "TA", "", "1", "2", "3"] for r in range(1, 20)
]


def stray_far() -> bytes:
    """A table in A1:H20 and one value in the sheet's last cell, XFD1048576: the file that
    stopped the server (calamine asked for 17 billion cells)."""
    cells = table(DATA)
    cells["XFD1048576"] = text("x")
    return workbook(cells)


def trailing_space() -> bytes:
    """The same table with one space in A1048576 (a shared string: what Excel writes)."""
    cells = table(DATA)
    cells["A1048576"] = shared(0)
    return workbook(cells, [" "])
