"""The bulletin as a Word file in the layout of GB/T 9704-2012 (党政机关公文格式), and as PDF
through LibreOffice headless.

The layout: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text
area); 22 lines of 28 characters (the document grid); the red masthead (the issuing organ and
"文件"), the document number and the red separator line; the title in 2号 小标宋; the body in 3号
仿宋_GB2312, headings 黑体 (一、) and 楷体_GB2312 (（一）); page numbers in 4号 半角宋体 "— 1 —",
right on odd pages and left on even ones, one character in from the edge; the issuing organ and
the date at the end. The official fonts are named; where they are not installed, the PDF uses the
fonts of Debian's packages mapped to them (FONT_SUBSTITUTES).
"""

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import charts, queries

XBS = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
RED = RGBColor(0xE6, 0x00, 0x12)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
MASTHEAD = Pt(36)
LINES, CHARS = 22, 28
TEXT_W_MM, TEXT_H_MM = 156, 225
LINE_PITCH = round(TEXT_H_MM / LINES / 25.4 * 1440)  # twips
# Condensed by a quarter point (in twentieths): 28 characters of 三号 fit the line, 29 do not.
CHAR_SPACING = -5
# Debian's fonts standing in for the official ones when the PDF is drawn (fontconfig aliases).
FONT_SUBSTITUTES = {
    XBS: ["Noto Serif CJK SC", "AR PL UMing CN"],
    "方正小标宋_GBK": ["Noto Serif CJK SC", "AR PL UMing CN"],
    FANGSONG: ["AR PL UMing CN", "Noto Serif CJK SC"],
    "仿宋": ["AR PL UMing CN", "Noto Serif CJK SC"],
    HEITI: ["Noto Sans CJK SC", "WenQuanYi Micro Hei"],
    KAITI: ["AR PL UKai CN", "Noto Serif CJK SC"],
    "楷体": ["AR PL UKai CN", "Noto Serif CJK SC"],
    SONGTI: ["Noto Serif CJK SC", "AR PL UMing CN"],
}
ORDINALS = "一二三四五六七八九十"


class OfficeMissing(Exception):
    """LibreOffice is not installed: the PDF cannot be made (the Word file can)."""


def _fonts(run, east: str, size=None, *, bold: bool = False, color=None, latin: str | None = None):
    run.font.name = latin or east
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:ascii"), latin or east)
    fonts.set(qn("w:hAnsi"), latin or east)
    if size is not None:
        run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _para(
    doc, text="", *, east=FANGSONG, size=SIZE_3, align=None, indent=True, bold=False, color=None
):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size.pt * 2)
    if text:
        _fonts(p.add_run(text), east, size, bold=bold, color=color, latin="Times New Roman")
    return p


def _grid(section) -> None:
    """22 lines: the document's line grid over the 225 mm text height. The 28 characters a line
    come from the body's character spacing (CHAR_SPACING): LibreOffice draws a character grid
    ("linesAndChars") with each 三号 character over two cells, so the grid is of lines only."""
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))


def _page_number(footer, align) -> None:
    p = footer.paragraphs[0]
    p.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = SIZE_4
    else:
        p.paragraph_format.left_indent = SIZE_4
    _fonts(p.add_run("— "), SONGTI, SIZE_4, latin=SONGTI)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = _fonts(p.add_run(), SONGTI, SIZE_4, latin=SONGTI)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _fonts(p.add_run(" —"), SONGTI, SIZE_4, latin=SONGTI)


def _red_line(doc) -> None:
    p = doc.add_paragraph()
    ppr = p._element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "single"), ("sz", "12"), ("space", "1"), ("color", "E60012")):
        bottom.set(qn(f"w:{k}"), v)
    borders.append(bottom)
    ppr.append(borders)
    p.paragraph_format.space_after = Pt(0)


def _setup(doc) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin = Mm(37), Mm(35)
    s.left_margin, s.right_margin = Mm(28), Mm(26)
    s.footer_distance = Mm(35 - 7 - 5)
    s.start_type = WD_SECTION.NEW_PAGE
    _grid(s)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(s.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(s.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    # The grid's character pitch is counted from the document's default size: 三号 for 28 a line.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(int(SIZE_3.pt * 2)))
    normal = doc.styles["Normal"]
    normal.font.size = SIZE_3
    normal.font.name = "Times New Roman"
    normal_rpr = normal.element.get_or_add_rPr()
    normal_rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING))
    normal_rpr.append(spacing)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PITCH / 20)


def _figures_sentence(figures: list[dict]) -> str:
    return "；".join(f"{f['label']}{f['value']}" for f in figures) + "。" if figures else ""


def _date(b) -> str:
    day = timezone.localtime(b.published_at or b.approved_at or b.generated_at or b.created_at)
    return f"{day.year}年{day.month}月{day.day}日"


def build(b, *, public: bool = False) -> Document:
    doc = Document()
    _setup(doc)
    # The masthead, the document number and the red line.
    _para(doc, indent=False)
    _para(
        doc,
        b.issuer + _("文件"),
        east=XBS,
        size=MASTHEAD,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        color=RED,
    )
    _para(doc, indent=False)
    _para(doc, b.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_line(doc)
    _para(doc, indent=False)
    _para(doc, b.title, east=XBS, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, indent=False)
    _para(doc, _("各县（市、区）委办公室，市直各单位："), indent=False)
    _para(
        doc,
        b.foreword
        or _("现将%(period)s全市整治形式主义为基层减负工作有关情况通报如下。")
        % {"period": b.period_label},
    )
    shown = queries.version(b, public)
    n = 0
    for s in shown:
        if s.get("empty") and not s["lines"]:
            continue
        p = _para(doc)
        _fonts(p.add_run(f"{ORDINALS[n % 10]}、{s['label']}"), HEITI, SIZE_3)
        n += 1
        if s.get("note") or s["figures"]:
            p = _para(doc)
            _fonts(p.add_run(_("（一）总体情况。")), KAITI, SIZE_3)
            _fonts(
                p.add_run((s.get("note") or "") + _figures_sentence(s["figures"])),
                FANGSONG,
                SIZE_3,
                latin="Times New Roman",
            )
        if s.get("chart"):
            image = charts.png(s["chart"], font_file())
            if image:
                doc.add_picture(io.BytesIO(image), width=Mm(140))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        if s["lines"]:
            p = _para(doc)
            _fonts(p.add_run(_("（二）点名情况。")), KAITI, SIZE_3)
            for line in s["lines"]:
                _para(doc, line["text"])
    p = _para(doc)
    _fonts(p.add_run(f"{ORDINALS[n % 10]}、" + _("工作要求")), HEITI, SIZE_3)
    _para(
        doc,
        b.closing
        or _(
            "被通报的地方和单位要认清差距，逐项分析原因，及时整改，并于下期通报前将整改情况报市委办公室。"
            "各地各单位要对照本通报举一反三，切实为基层减负。"
        ),
    )
    # The issuing organ and the date stay together on the last page.
    for _i in range(3):
        _para(doc, indent=False).paragraph_format.keep_with_next = True
    for text in (b.issuer, _date(b)):
        p = _para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(SIZE_3.pt * 4)
        p.paragraph_format.keep_with_next = True
    return doc


def docx_bytes(b, *, public: bool = False) -> bytes:
    buf = io.BytesIO()
    build(b, public=public).save(buf)
    return buf.getvalue()


def font_file() -> str | None:
    """A CJK font file for the chart's labels (the body's stand-in font)."""
    for path in (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ):
        if os.path.exists(path):
            return path
    return None


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _fontconfig(tmp: Path) -> Path:
    """The system's fontconfig plus aliases from the official fonts' names to installed ones."""
    aliases = "".join(
        f'<alias binding="same"><family>{name}</family><prefer>'
        + "".join(f"<family>{f}</family>" for f in subs)
        + "</prefer></alias>"
        for name, subs in FONT_SUBSTITUTES.items()
    )
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return conf


def pdf_from_docx(data: bytes, *, timeout: int = 120) -> bytes:
    office = libreoffice()
    if office is None:
        raise OfficeMissing(
            _(
                "服务器上没有安装 LibreOffice，无法生成 PDF。"
                "请下载 Word 版，或请系统管理员安装 LibreOffice。"
            )
        )
    with tempfile.TemporaryDirectory(prefix="jianfu-bulletin-") as d:
        tmp = Path(d)
        src = tmp / "bulletin.docx"
        src.write_bytes(data)
        env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(tmp)), "HOME": str(tmp)}
        # A profile of its own: two conversions at once must not share one.
        profile = f"-env:UserInstallation=file://{tmp / 'profile'}"
        try:
            subprocess.run(
                [
                    office,
                    profile,
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(tmp),
                    str(src),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
                env=env,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise OfficeMissing(_("LibreOffice 转换 PDF 失败，请稍后重试或下载 Word 版。")) from e
        out = tmp / "bulletin.pdf"
        if not out.exists():
            raise OfficeMissing(_("LibreOffice 转换 PDF 失败，请稍后重试或下载 Word 版。"))
        return out.read_bytes()


def pdf_bytes(b, *, public: bool = False) -> bytes:
    return pdf_from_docx(docx_bytes(b, public=public))
