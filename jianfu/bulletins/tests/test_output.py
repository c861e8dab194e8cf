"""The Word file read back (GB/T 9704-2012: page, margins, grid, fonts per run, masthead, red line,
page numbers, the sections present) and the PDF drawn by LibreOffice."""

import io
import os

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from jianfu.bulletins import output

from .conftest import draft, published

pytestmark = pytest.mark.django_db


def east(run) -> str | None:
    fonts = run._element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture
def doc(city, people, login):
    b = published(people)
    r = login("office").get(reverse("bulletin_docx", args=[b.pk]))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    return b, Document(io.BytesIO(r.content))


def test_page_size_margins_and_grid(doc):
    _b, d = doc
    s = d.sections[0]
    mm = lambda v: round(v / 36000)  # noqa: E731  (EMU to mm; Word stores twips)
    assert (mm(s.page_width), mm(s.page_height)) == (210, 297)
    assert (mm(s.top_margin), mm(s.bottom_margin), mm(s.left_margin), mm(s.right_margin)) == (
        37,
        35,
        28,
        26,
    )
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines"
    # 22 lines over the 225 mm text height.
    assert abs(int(grid.get(qn("w:linePitch"))) * 22 / 1440 * 25.4 - 225) < 1
    # 28 characters of 三号 (16 pt, condensed as the Normal style says) over the 156 mm line.
    spacing = d.styles["Normal"].element.rPr.find(qn("w:spacing"))
    pitch = 16 + int(spacing.get(qn("w:val"))) / 20
    assert int((s.page_width - s.left_margin - s.right_margin) / 12700 // pitch) == 28


def test_masthead_number_red_line_and_title(doc):
    b, d = doc
    paras = [p for p in d.paragraphs if p.text.strip()]
    masthead = paras[0]
    assert masthead.text == f"{b.issuer}文件"
    assert east(masthead.runs[0]) == "方正小标宋简体"
    assert str(masthead.runs[0].font.color.rgb) == "E60012"
    assert paras[1].text == b.number and east(paras[1].runs[0]) == "仿宋_GB2312"
    borders = d.element.body.findall(".//" + qn("w:pBdr"))
    assert any(bd.find(qn("w:bottom")).get(qn("w:color")) == "E60012" for bd in borders)
    title = paras[2]
    assert title.text == b.title
    assert east(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22


def test_body_headings_and_end(doc):
    b, d = doc
    texts = [p.text for p in d.paragraphs]
    heading = next(p for p in d.paragraphs if p.text.startswith("一、"))
    assert east(heading.runs[0]) == "黑体" and heading.runs[0].font.size.pt == 16
    sub = next(p for p in d.paragraphs if p.text.startswith("（一）"))
    assert east(sub.runs[0]) == "楷体_GB2312"
    body = next(p for p in d.paragraphs if "超出全年指标" in p.text)
    assert east(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size.pt == 16
    for s in b.content:
        if s["lines"]:
            assert any(s["label"] in t for t in texts)
    assert texts[-2] == b.issuer and texts[-1].endswith("日")


def test_page_numbers_outside_aligned(doc):
    _b, d = doc
    s = d.sections[0]
    assert d.settings.odd_and_even_pages_header_footer
    for footer, align in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p.alignment.name.lower() == align
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert all(east(r) == "宋体" and r.font.size.pt == 14 for r in p.runs)
        assert "PAGE" in p._element.xml


def test_public_version_leaves_internal_sections_out(city, people):
    b = draft(people["office"])
    internal = Document(io.BytesIO(output.docx_bytes(b)))
    public = Document(io.BytesIO(output.docx_bytes(b, public=True)))
    label = "样本点填报真实性问题"
    assert any(label in p.text for p in internal.paragraphs)
    assert not any(label in p.text for p in public.paragraphs)


def test_without_libreoffice_the_page_says_so(city, people, login, monkeypatch):
    b = published(people)
    monkeypatch.setattr(output, "libreoffice", lambda: None)
    client = login("office")
    assert (
        "未安装 LibreOffice" in client.get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    )
    r = client.get(reverse("bulletin_pdf", args=[b.pk]), follow=True)
    assert "没有安装 LibreOffice" in r.content.decode()


def test_pdf_is_drawn_by_libreoffice(city, people, login):
    b = published(people)
    r = login("office").get(reverse("bulletin_pdf", args=[b.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    keep = os.environ.get("JIANFU_KEEP_PDF")
    if keep:
        with open(keep, "wb") as f:  # to look at the pages (pdftoppm)
            f.write(r.content)
    # A4 pages.
    assert b"/MediaBox [0 0 595" in r.content or b"/MediaBox[0 0 595" in r.content
