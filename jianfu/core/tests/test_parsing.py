"""The cell parsers every importer shares: what people type is read, what cannot be read is a
Chinese sentence naming the value."""

import datetime as dt

import pytest
from django.db import models
from django.utils import translation

from jianfu.core import parsing
from jianfu.core.parsing import Choices, ParseError

MARCH_5 = dt.date(2025, 3, 5)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def error(fn, *args, **kwargs) -> str:
    with pytest.raises(ParseError) as info:
        fn(*args, **kwargs)
    return str(info.value)


# --- Text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        ("  关于做好工作的通知 ", "关于做好工作的通知"),
        ("\u3000关于\u3000通知\u3000", "关于 通知"),
        ("\ufeff\u200b标题\xa0", "标题"),
        (410902.0, "410902"),
        (3.5, "3.5"),
        (7, "7"),
        (True, "1"),
        (MARCH_5, "2025-03-05"),
        (dt.datetime(2025, 3, 5, 9, 30), "2025-03-05 09:30:00"),
        (dt.datetime(2025, 3, 5), "2025-03-05"),
    ],
)
def test_normalise_text(cell, text):
    assert parsing.normalise_text(cell) == text


# --- Dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        45721,
        45721.0,
        45721.75,  # a date-and-time serial
        "45721",
        MARCH_5,
        dt.datetime(2025, 3, 5, 18, 0),
        "2025-03-05",
        "2025-3-5",
        "2025/3/5",
        "2025/03/05",
        "2025.3.5",
        "2025年3月5日",
        "2025年03月05日",
        "2025年3月5号",
        "２０２５年３月５日",
        "２０２５－０３－０５",
        "２０２５．３．５",
        "  2025 / 3 / 5\u3000",
        "2025-03-05 00:00:00",
        "2025-03-05T09:30:00",
        "20250305",
        20250305,
    ],
)
def test_parse_date_reads_every_format(cell):
    assert parsing.parse_date(cell) == MARCH_5


def test_parse_date_empty_and_bad():
    assert parsing.parse_date(None) is None
    assert parsing.parse_date("  ") is None
    assert error(parsing.parse_date, "2025-02-30") == "日期“2025-02-30”不存在。"
    assert error(parsing.parse_date, "20250230") == "日期“20250230”不存在。"
    assert error(parsing.parse_date, "三月五日").startswith("无法识别的日期“三月五日”，请写成")
    assert error(parsing.parse_date, "5/3/2025").startswith("无法识别的日期“5/3/2025”")
    assert error(parsing.parse_date, True).startswith("无法识别的日期")
    assert error(parsing.parse_date, -3).startswith("无法识别的日期")


def test_parse_date_bounds():
    assert parsing.parse_date("2025-3-5", earliest=dt.date(2025, 1, 1)) == MARCH_5
    message = error(
        parsing.parse_date,
        "1999-12-31",
        earliest=dt.date(2000, 1, 1),
        latest=dt.date(2027, 12, 31),
    )
    assert message == "日期“1999-12-31”超出合理范围（2000-01-01 至 2027-12-31）。"
    message = error(parsing.parse_date, 3, earliest=dt.date(2000, 1, 1))
    assert message == "日期“3”即“1900-01-03”超出合理范围（不早于 2000-01-01）。"


def test_excel_serials_around_the_1900_leap_bug():
    assert parsing.parse_date(1) == dt.date(1900, 1, 1)
    assert parsing.parse_date(59) == dt.date(1900, 2, 28)
    assert parsing.parse_date(61) == dt.date(1900, 3, 1)
    assert parsing.parse_date(43831) == dt.date(2020, 1, 1)


# --- Times --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "time"),
    [
        ("9:30", dt.time(9, 30)),
        ("09:30:00", dt.time(9, 30)),
        ("９：３０", dt.time(9, 30)),
        (" 9 : 30 ", dt.time(9, 30)),
        ("9时30分", dt.time(9, 30)),
        ("9点30分", dt.time(9, 30)),
        ("9点半", dt.time(9, 30)),
        ("9时", dt.time(9, 0)),
        ("14时05分30秒", dt.time(14, 5, 30)),
        ("下午3:00", dt.time(15, 0)),
        ("下午3点", dt.time(15, 0)),
        ("上午9:30", dt.time(9, 30)),
        ("中午12:00", dt.time(12, 0)),
        ("3:00 PM", dt.time(15, 0)),
        ("12:15 am", dt.time(0, 15)),
        ("2025-03-05 09:30", dt.time(9, 30)),
        (0.395833333, dt.time(9, 30)),
        (0.5, dt.time(12, 0)),
        (0, dt.time(0, 0)),
        ("0.6875", dt.time(16, 30)),
        (45721.375, dt.time(9, 0)),
        (dt.time(9, 30, 15, 500), dt.time(9, 30, 15)),
        (dt.datetime(2025, 3, 5, 9, 30), dt.time(9, 30)),
        (dt.timedelta(hours=9, minutes=30), dt.time(9, 30)),
    ],
)
def test_parse_time(cell, time):
    assert parsing.parse_time(cell) == time


def test_parse_time_empty_and_bad():
    assert parsing.parse_time(None) is None
    assert parsing.parse_time("") is None
    assert error(parsing.parse_time, "25:00") == "时间“25:00”不存在。"
    assert error(parsing.parse_time, "9:75") == "时间“9:75”不存在。"
    assert error(parsing.parse_time, "上班时") == (
        "无法识别的时间“上班时”，请写成 9:30 或 14:00 这样的格式。"
    )
    assert error(parsing.parse_time, 2).startswith("无法识别的时间“2”")
    assert error(parsing.parse_time, MARCH_5).startswith("无法识别的时间")


# --- Integers and years -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "number"),
    [
        (12, 12),
        (12.0, 12),
        ("12", 12),
        ("１２", 12),
        (" 12 ", 12),
        ("1,234", 1234),
        ("1，234", 1234),
        ("12.0", 12),
        ("12页", 12),
        ("3000字", 3000),
        ("-3", -3),
        (None, None),
        ("", None),
    ],
)
def test_parse_int(cell, number):
    assert parsing.parse_int(cell) == number


def test_parse_int_names_the_bad_value():
    assert error(parsing.parse_int, "十二") == "“十二”不是整数。"
    assert error(parsing.parse_int, 2.5) == "“2.5”不是整数。"
    assert error(parsing.parse_int, "1,23") == "“1,23”不是整数。"
    assert error(parsing.parse_int, True) == "“1”不是整数。"
    assert error(parsing.parse_int, -3, minimum=0) == "“-3”不能是负数。"
    assert error(parsing.parse_int, "－３", minimum=0) == "“－３”不能是负数。"
    assert error(parsing.parse_int, 0, minimum=1) == "“0”不能小于 1。"
    assert error(parsing.parse_int, 10**12, maximum=2**31 - 1) == (
        "“1000000000000”不能大于 2147483647。"
    )


def test_parse_year():
    assert parsing.parse_year("2025年") == 2025
    assert parsing.parse_year("２０２６年度") == 2026
    assert parsing.parse_year(2025.0) == 2025
    assert parsing.parse_year(MARCH_5) == 2025
    assert error(parsing.parse_year, "明年") == "“明年”不是有效的年度。"
    assert error(parsing.parse_year, 1900) == "年度“1900”超出范围（2000—2100）。"


# --- Yes and no ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["是", "Y", "y", "yes", "TRUE", "true", "1", 1, 1.0, "√", "✓", True]
)
def test_parse_bool_true(cell):
    assert parsing.parse_bool(cell) is True


@pytest.mark.parametrize("cell", ["否", "N", "no", "False", "0", 0, "×", "✗", "x", False])
def test_parse_bool_false(cell):
    assert parsing.parse_bool(cell) is False


def test_parse_bool_empty_and_bad():
    assert parsing.parse_bool(None) is None
    assert parsing.parse_bool(" ") is None
    assert error(parsing.parse_bool, "可能") == "无法识别“可能”，请填写“是”或“否”。"
    assert error(parsing.parse_bool, 2) == "无法识别“2”，请填写“是”或“否”。"


# --- Choices ------------------------------------------------------------------------------------


class Colour(models.TextChoices):
    RED = "red", "红色"
    DARK_BLUE = "dark_blue", "深蓝（藏青）"


def test_parse_choice_by_label_value_alias_and_spelling():
    aliases = {"藏青": Colour.DARK_BLUE}
    assert parsing.parse_choice("红色", Colour) == "red"
    assert parsing.parse_choice("red", Colour) == "red"
    assert parsing.parse_choice(" RED ", Colour) == "red"
    assert parsing.parse_choice("深蓝(藏青)", Colour) == "dark_blue"
    assert parsing.parse_choice("深蓝 藏青", Colour) == "dark_blue"
    assert parsing.parse_choice("藏青", Colour, aliases) == "dark_blue"
    assert parsing.parse_choice("", Colour) is None
    assert (
        error(parsing.parse_choice, "绿色", Colour)
        == "无法识别“绿色”。可填写：红色、深蓝（藏青）。"
    )


def test_choices_read_english_labels_too():
    parser = Choices(Colour)
    with translation.override("en"):
        parser_en = Choices([("red", "Red"), ("dark_blue", "Navy")])
    assert parser("红色") == "red"
    assert parser_en("Navy") == "dark_blue"


class Level(models.TextChoices):
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"
    COUNTY = "county", "县级"


LEVEL_ALIASES = {"乡镇": Level.TOWNSHIP, "街道": Level.TOWNSHIP, "村": Level.VILLAGE}


@pytest.mark.parametrize(
    "cell",
    [
        "乡镇、村",
        "乡镇,村（社区）",
        "村（社区），乡镇（街道）",
        "乡镇；村",
        "乡镇 村",
        "街道/村/村",
    ],
)
def test_parse_levels(cell):
    assert parsing.parse_levels(cell, Level, LEVEL_ALIASES) == ["township", "village"]


def test_parse_levels_empty_and_bad():
    assert parsing.parse_levels(None, Level) == []
    assert parsing.parse_levels("县级", Level) == ["county"]
    assert error(parsing.parse_levels, "乡镇、省级、中央", Level, LEVEL_ALIASES) == (
        "无法识别“省级、中央”。可填写：乡镇（街道）、村（社区）、县级，多个之间用顿号“、”分隔。"
    )


def test_labels_round_trip():
    levels = Choices(Level, LEVEL_ALIASES)
    text = parsing.join_labels(["township", "village"], levels)
    assert text == "乡镇（街道）、村（社区）"
    assert parsing.parse_levels(text, levels) == ["township", "village"]
    assert parsing.parse_bool(parsing.yes_no(True)) is True
    assert parsing.parse_bool(parsing.yes_no(False)) is False


def test_split_list_keeps_names_with_spaces_whole():
    assert parsing.split_list("甲县、乙县,丙 县", spaces=False) == ["甲县", "乙县", "丙 县"]
    assert parsing.split_list("甲县 乙县") == ["甲县", "乙县"]


# --- Whole columns (imports.cells: text and codes read at once) ---------------------------------

TRICKY = [
    "  关于做好安全生产工作的通知 ",
    "\u3000\x0b标题",  # a full-width space, then a control character normalise_text keeps
    "标题\u200b",  # an invisible character
    "'=1+2",  # a formula our export neutralised
    "第一行\n第二行",
    "ＯＡ－２０２５",  # full-width letters and digits
    "x" * 81,
    12.0,
    None,
    "",
]


@pytest.mark.parametrize("parser", ["text", "text_multiline", "code"])
@pytest.mark.parametrize("cell", TRICKY)
def test_a_column_read_at_once_reads_every_cell_as_one_by_one(parser, cell):
    """The column fast path gives exactly what the cell parser gives, or leaves the column to
    be read cell by cell (where its problems are named): a tricky cell among plain ones."""
    from jianfu.core.imports import cells

    parse = {
        "text": cells.text(80),
        "text_multiline": cells.text(80, multiline=True),
        "code": cells.code(80),
    }[parser]
    column = ["关于报送材料的函", None, " OA-2025-1 ", cell, "文〔2025〕3号"]
    at_once = parse.many(column)
    if at_once is None:
        return  # read cell by cell, as before
    assert at_once == [parse(c) for c in column]


def test_a_plain_column_is_read_at_once():
    from jianfu.core.imports import cells

    column = [" 关于报送材料的函", None, "OA-2025-1", ""]
    assert cells.text(80).many(column) == ["关于报送材料的函", "", "OA-2025-1", ""]
    assert cells.code(80).many(column) == ["关于报送材料的函", "", "OA-2025-1", ""]
    assert cells.text(3).many(column) is None  # too long: named cell by cell
