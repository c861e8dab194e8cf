"""The bad-input corpus of the one import runner: for every registered import (spec kind), two
good rows as a person would type them and where its dates, texts, numbers and units sit; from
those, every case is built the same way (cases()): messy files that must import, bad files that
must be refused whole with the row and column named, and files an office suite wrote.

Used by jianfu/core/tests/test_import_corpus.py and the hardening bench
(bench/_hardening_corpus.py). A spec registered without an entry in KINDS fails that test.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parent / "corpus"

D = dt.date


@dataclass
class Kind:
    by: str  # the importer's username in the test city
    header: list[str]
    rows: list[list]  # two good rows
    today: dt.date = D(2026, 6, 15)  # the clock while importing
    setup: Callable | None = None  # setup(people, units) -> {"unit": …, "options": {…}}
    date: int | None = None  # index of a date column
    text: int | None = None  # index of a free-text column
    number: int | None = None  # index of a number column
    unit: int | None = None  # index of a column naming a unit of the test city
    unique: int | None = None  # index of a column two rows may not share
    required: int = 0  # index of a required column
    extra: dict = field(default_factory=dict)


def _negative_list(people, units):
    from jianfu.rectification.models import NegativeList

    nl = NegativeList.objects.create(
        title="语料负面清单",
        year=2026,
        created_by=people["office"],
        created_at=dt.datetime.now(dt.UTC),
    )
    return {"options": {"negative_list": nl}}


def _ledger(people, units):
    return {"unit": units["TA"], "options": {"source": "self_exam"}}


def _plan(people, units):
    from jianfu.gate.plans import services

    plan = services.plan_draft(by=people["contact_a"], unit=units["TA"], year=2026)
    return {"unit": units["TA"], "options": {"plan": plan}}


def _tour(people, units):
    from jianfu.accountability.tours import services
    from jianfu.accountability.tours.models import TourStatus
    from jianfu.core import clock

    with clock.frozen(D(2025, 7, 10)):
        tour = services.tour_save(
            by=people["office"],
            data={
                "name": "语料巡察",
                "round": 1,
                "leader": "陈刚",
                "members": "李明",
                "starts_on": D(2025, 7, 15),
                "ends_on": D(2025, 8, 30),
                "status": TourStatus.IN_PROGRESS,
                "target_ids": [units["TA"].pk, units["TB"].pk],
            },
        )
    return {"options": {"tour": tour}}


_CLUE_HEADER = [
    "编号",
    "收到时间",
    "被反映单位",
    "问题类别",
    "反映内容",
    "被反映人",
    "反映人姓名",
    "联系电话",
]


KINDS: dict[str, Kind] = {
    "units": Kind(
        by="sysadmin",
        header=["单位代码", "名称", "简称", "类型", "上级单位代码"],
        rows=[
            ["TA02", "甲二镇", "", "乡镇（街道）", "TA"],
            ["TB02", "乙二镇", "", "乡镇（街道）", "TB"],
        ],
        text=1,
        unit=4,
        unique=0,
        required=1,
    ),
    "registry.document": Kind(
        by="office",
        header=["外部编号", "文号", "标题", "发文单位", "发文日期", "文件类型", "页数", "字数"],
        rows=[
            [
                "OA-1",
                "示教发〔2026〕3号",
                "关于做好春季学期开学工作的通知",
                "市教育局",
                D(2026, 3, 5),
                "红头文件",
                4,
                3200,
            ],
            [
                "OA-2",
                "示教发〔2026〕4号",
                "关于报送春季安全检查情况的通知",
                "市教育局",
                D(2026, 3, 12),
                "红头文件",
                1,
                280,
            ],
        ],
        date=4,
        text=2,
        number=6,
        unit=3,
        unique=0,
        required=2,
    ),
    "registry.meeting": Kind(
        by="office",
        header=[
            "外部编号",
            "会议名称",
            "主办单位",
            "会议日期",
            "会议层级",
            "会议形式",
            "基层参会人数",
        ],
        rows=[
            [
                "HY-1",
                "全市春季安全生产工作会议",
                "市教育局",
                D(2026, 3, 6),
                "市级",
                "现场会议",
                120,
            ],
            ["HY-2", "全市防汛工作部署会", "市教育局", D(2026, 3, 9), "市级", "现场会议", 0],
        ],
        date=3,
        text=1,
        number=6,
        unit=2,
        unique=0,
        required=1,
    ),
    "registry.inspection": Kind(
        by="office",
        header=[
            "外部编号",
            "名称",
            "组织单位",
            "类别",
            "方式",
            "被检查单位",
            "开始日期",
            "要求报送表格材料数",
        ],
        rows=[
            [
                "JC-1",
                "春季校园安全专项检查",
                "市教育局",
                "检查",
                "实地",
                "甲县、乙县",
                D(2026, 4, 8),
                2,
            ],
            ["JC-2", "教育系统年度目标考核", "市教育局", "考核", "材料", "甲县", D(2026, 5, 1), 5],
        ],
        date=6,
        text=1,
        number=7,
        unit=2,
        unique=0,
        required=1,
    ),
    "registry.quota": Kind(
        by="office",
        header=["单位", "年度", "类别", "指标"],
        rows=[["甲县", 2026, "发文", 120], ["市教育局", 2026, "会议", 24]],
        number=3,
        unit=0,
    ),
    "rectification.ledger": Kind(
        by="contact_a",
        setup=_ledger,
        header=["序号", "问题描述", "整改措施", "责任单位", "责任人", "完成时限"],
        rows=[
            [
                "1",
                "向乡镇重复要求报送同类材料",
                "清理要求乡镇报送的材料清单",
                "甲县",
                "张三",
                D(2026, 9, 30),
            ],
            ["2", "会议层层陪会", "明确参会范围，不搞层层陪会", "甲一镇", "李四", D(2026, 10, 31)],
        ],
        date=5,
        text=1,
        unit=3,
        required=1,
    ),
    "rectification.negative_list": Kind(
        by="office",
        setup=_negative_list,
        header=["序号", "类别", "表现形式", "说明"],
        rows=[
            [1, "学风方面", "学习教育搞形式、走过场", "如要求基层手抄笔记"],
            [2, "文风会风", "以文件落实文件，照抄照搬上级文件", ""],
        ],
        text=2,
        unique=0,
    ),
    "supervision.items": Kind(
        by="office",
        header=["事项名称", "主办单位", "协办单位", "办理时限", "来源"],
        rows=[
            ["加快推进老旧小区改造", "甲县", "市教育局", D(2026, 12, 31), "年度重点任务"],
            ["督促解决群众反映的供暖问题", "乙县", "", D(2026, 12, 15), "领导批示"],
        ],
        date=3,
        text=0,
        unit=1,
    ),
    "supervision.projects": Kind(
        by="office",
        today=D(2025, 11, 20),
        header=[
            "责任单位",
            "项目名称",
            "类别",
            "建设地点",
            "计划总投资（万元）",
            "签约日期",
            "签约金额（万元）",
        ],
        rows=[
            ["甲县", "新能源电池项目", "产业项目", "甲县开发区", 50000, D(2025, 3, 1), 50000],
            ["乙县", "农村公路提升", "基础设施", "乙一镇", 1200, None, None],
        ],
        date=5,
        text=1,
        number=4,
        unit=0,
    ),
    "supervision.review": Kind(
        by="office",
        today=D(2025, 11, 20),
        header=[
            "责任单位",
            "类别",
            "名称",
            "年度",
            "年度目标值",
            "计量单位",
            "累计完成值",
            "完成进度（%）",
        ],
        rows=[
            ["甲县", "经济指标", "地区生产总值", 2025, 100, "亿元", 45, None],
            ["乙县", "民生实事", "新建幼儿园", None, None, None, None, 60],
        ],
        text=2,
        number=4,
        unit=0,
    ),
    "gate.plan_items": Kind(
        by="contact_a",
        setup=_plan,
        header=[
            "类别",
            "名称",
            "数量",
            "文件类型",
            "会议类型",
            "会议层级",
            "督查检查考核类别",
            "检查对象",
            "计划月份",
        ],
        rows=[
            ["发文", "", 12, "红头文件", "", "", "", "", ""],
            ["督查检查考核", "安全生产大检查", "", "", "", "", "检查", "甲一镇", "3、9"],
        ],
        text=1,
        number=2,
    ),
    "gate.burden.fields": Kind(
        by="office",
        header=["数据项编码", "数据项名称", "类型", "可选项", "计量单位", "预计填写秒数"],
        rows=[
            ["households", "农户户数", "数字", "", "户", 30],
            ["road_status", "村道路况", "选项", "良好、一般、较差", "", 20],
        ],
        text=1,
        number=5,
        unique=0,
    ),
    "accountability.clues_hotline": Kind(
        by="discipline",
        header=_CLUE_HEADER,
        rows=[
            [
                "GD20260301001",
                D(2026, 3, 1),
                "甲县",
                "会海",
                "甲县每周召开两次调度会",
                "",
                "张三",
                "13800000000",
            ],
            [
                "GD20260302001",
                D(2026, 3, 2),
                "乙县",
                "过度留痕",
                "要求村里每项工作都拍照留痕",
                "",
                "",
                "",
            ],
        ],
        date=1,
        text=4,
        unit=2,
        unique=0,
    ),
    "accountability.clues_petition": Kind(
        by="discipline",
        header=_CLUE_HEADER,
        rows=[
            [
                "XF2026-0012",
                D(2026, 3, 2),
                "甲县",
                "过度留痕",
                "要求村里每项工作都拍照留痕",
                "",
                "",
                "",
            ],
            ["XF2026-0013", D(2026, 3, 3), "乙县", "会海", "乡镇干部一周开会五次", "", "", ""],
        ],
        date=1,
        text=4,
        unit=2,
        unique=0,
    ),
    "accountability.tour_findings": Kind(
        by="office",
        setup=_tour,
        today=D(2025, 8, 10),
        header=["被巡察单位", "问题类别", "发现问题", "发现日期"],
        rows=[
            ["甲县", "会海", "县委每月召开的工作推进会要求乡镇主要负责人全部参加", D(2025, 7, 20)],
            ["乙县", "会海", "乙县每周召开调度会", D(2025, 7, 22)],
        ],
        date=3,
        text=2,
        unit=0,
    ),
}


# --- Files ----------------------------------------------------------------------------------------


def xlsx(rows: list[list], *, title: str = "Sheet1", before: list[list] | None = None) -> bytes:
    """A workbook whose first sheet holds `rows` (below the rows `before`, e.g. a title)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in [*(before or []), *rows]:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows: list[list], encoding: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    for r in rows:
        w.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, dt.date) else v) for v in r]
        )
    return out.getvalue().encode(encoding)


FULL = str.maketrans("0123456789-/", "０１２３４５６７８９－／")


def _excel_serial(day: dt.date) -> int:
    return (day - D(1899, 12, 30)).days


@dataclass
class Case:
    """One file for one import: `good` files import `n` rows; bad ones are refused, and when
    `row`/`column` are given the refusal names them (row as Excel shows it, header as written);
    `words`: a phrase the refusal must hold."""

    name: str
    filename: str
    data: bytes
    good: bool
    n: int = 2
    row: int | None = None
    column: str | None = None
    words: str = ""


def _with(rows: list[list], i: int, col: int, value) -> list[list]:
    out = [list(r) for r in rows]
    out[i][col] = value
    return out


@functools.cache
def cases(kind: str) -> tuple[Case, ...]:
    """Every corpus case of the import `kind`."""
    k = KINDS[kind]
    h, rows = k.header, k.rows
    good = [h, *rows]
    out: list[Case] = []
    add = out.append

    # (a) messy but valid
    blanks = [h, [], [None] * len(h), rows[0], ["  "] * len(h), rows[1], [], []]
    add(Case("blank_rows", "blank.xlsx", xlsx(blanks), True))
    spaced = [[f"{v}  " if isinstance(v, str) and v else v for v in r] for r in rows]
    add(Case("trailing_spaces", "spaces.xlsx", xlsx([[f" {c} " for c in h], *spaced]), True))
    add(Case("csv_utf8_bom", "good.csv", b"\xef\xbb\xbf" + _csv(good, "utf-8"), True))
    add(Case("csv_gbk", "good.csv", _csv(good, "gbk"), True))
    if k.date is not None:
        for name, spell in (
            ("date_excel_serial", _excel_serial),
            ("date_chinese_text", lambda d: f"{d.year}年{d.month}月{d.day}日"),
            ("date_slashes", lambda d: f"{d.year}/{d.month}/{d.day}"),
            ("date_full_width", lambda d: f"{d.year}-{d.month}-{d.day}".translate(FULL)),
        ):
            messy = [
                _with([r], 0, k.date, spell(r[k.date]) if r[k.date] else r[k.date])[0] for r in rows
            ]
            add(Case(name, f"{name}.xlsx", xlsx([h, *messy]), True))
    if k.number is not None:
        as_text = [
            _with(
                [r], 0, k.number, str(r[k.number]) if r[k.number] not in (None, "") else r[k.number]
            )[0]
            for r in rows
        ]
        add(Case("numbers_as_text", "text.xlsx", xlsx([h, *as_text]), True))
        full = [
            _with(
                [r],
                0,
                k.number,
                str(r[k.number]).translate(FULL) if r[k.number] not in (None, "") else r[k.number],
            )[0]
            for r in rows
        ]
        add(Case("numbers_full_width", "full.xlsx", xlsx([h, *full]), True))
    order = list(reversed(range(len(h))))
    add(Case("columns_reordered", "order.xlsx", xlsx([[r[i] for i in order] for r in good]), True))

    # (b) bad: one good row, then the bad one (line 3), so a partial save would show
    def bad_row(name: str, col: int, value, words: str = "") -> None:
        add(
            Case(
                name,
                f"{name}.xlsx",
                xlsx([h, *_with(rows, 1, col, value)]),
                False,
                row=3,
                column=h[col],
                words=words,
            )
        )

    required = k.required
    bad_row("missing_required", required, None)
    if k.date is not None:
        bad_row("date_not_a_date", k.date, "下周三")
        bad_row("date_out_of_range", k.date, D(1901, 1, 1))
    if k.number is not None:
        bad_row("number_not_a_number", k.number, "很多")
        bad_row("number_negative", k.number, -5)
    if k.unit is not None:
        bad_row("unknown_unit", k.unit, "不存在县")
        bad_row(
            "unit_outside_scope", k.unit, "乙县" if KINDS[kind].by == "contact_a" else "外省某县"
        )
    if k.text is not None:
        bad_row("huge_cell", k.text, "长" * 40000)
        ctl = _csv([h, *_with(rows, 1, k.text, "正文\x07响铃")], "utf-8")
        add(Case("control_characters", "ctl.csv", ctl, False, row=3, column=h[k.text]))
    if k.unique is not None:
        dup = [h, rows[0], rows[1], rows[0]]
        add(Case("duplicate", "dup.xlsx", xlsx(dup), False, row=None, column=None))
    # A formula typed as text (=cmd|…, as a CSV holds it): in a unit column it names no unit;
    # in a text column it is kept as the text it is (exports neutralise it: excel.neutralise).
    formula = "=cmd|' /C calc'!A0"
    if k.unit is not None:
        bad = _csv([h, *_with(rows, 1, k.unit, formula)], "utf-8")
        add(Case("formula_in_unit", "formula.csv", bad, False, row=3, column=h[k.unit]))
    if k.text is not None:
        kept = _csv([h, *_with(rows, 1, k.text, formula)], "utf-8")
        add(Case("formula_as_text", "formula.csv", kept, True))
    add(Case("header_only", "empty.xlsx", xlsx([h]), False, words="没有任何数据行"))
    add(
        Case(
            "wrong_header",
            "wrong.xlsx",
            xlsx([["姓名", "年龄"], ["张三", 30]]),
            False,
            words="缺少必填列",
        )
    )
    wb = Workbook()
    wb.active.title = "说明"
    other = wb.create_sheet("数据")
    for r in good:
        other.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    add(Case("wrong_sheet", "sheets.xlsx", buf.getvalue(), False, words="没有数据"))
    add(
        Case(
            "not_a_spreadsheet",
            "photo.xlsx",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 200,
            False,
            words="不是 Excel",
        )
    )
    add(Case("truncated_zip", "cut.xlsx", xlsx(good)[:700], False, words="已损坏"))
    add(Case("xlsx_bomb", "bomb.xlsx", bomb(), False, words="超过"))
    add(Case("empty_file", "empty.xlsx", b"", False, words="文件是空的"))
    add(Case("csv_binary_garbage", "x.csv", bytes(range(256)) * 4, False))
    return tuple(out)


BOMB_MB = 16  # the tests and the bench set UPLOAD_MAX_SHEET_XML_BYTES below this


def office_cases(kind: str) -> tuple[Case, ...]:
    """The kind's good rows as LibreOffice wrote them (jianfu/testing/corpus/make.py): .xlsx and
    .xls import; .ods is refused by its format, with what to do instead."""
    out = []
    for path in sorted(FIXTURES.glob(f"{kind}.*")):
        ext = path.suffix[1:]
        if path.name != f"{kind}.{ext}":
            continue  # another kind whose name starts with this one's
        good = ext != "ods"
        out.append(
            Case(
                f"office_{ext}",
                f"语料.{ext}",
                path.read_bytes(),
                good,
                words="" if good else "OpenDocument",
            )
        )
    return tuple(out)


def all_cases(kind: str) -> tuple[Case, ...]:
    return cases(kind) + office_cases(kind)


@functools.cache
def bomb() -> bytes:
    """A small zip (about 16 KB) whose sheet unpacks to BOMB_MB MB."""
    buf = io.BytesIO()

    sheet_head = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>'
    )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr(
            "xl/worksheets/sheet1.xml",
            sheet_head + " " * (BOMB_MB * 1024 * 1024) + "</sheetData></worksheet>",
        )
    return buf.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
