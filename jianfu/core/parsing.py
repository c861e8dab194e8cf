"""Cell parsers shared by every importer.

Each function takes one cell as the spreadsheet reader gave it (str, int, float, bool, date,
datetime, time or None) and returns the value, or raises ParseError with a Chinese sentence that
names the bad value. An empty cell gives None (normalise_text: "", parse_levels: []), so the
importer decides whether the column is required.

What people actually type is accepted: full-width digits and punctuation (１２，２０２５．３．５),
surrounding and full-width spaces, Excel serial dates and day fractions, 2025年3月5日, 9时30分,
1,234, 是/否/√/×. These run once per cell of files of 100,000 rows, so the common cases (a date
already read as a date, ASCII text) take a fast path.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _


class ParseError(ValueError):
    """A cell that cannot be read; `message` is a Chinese sentence naming the value."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- Text ---------------------------------------------------------------------------------------

# Spaces and invisible characters that come with copied text (full-width space, no-break space,
# zero-width spaces, the BOM).
_SPACES = "\u3000\xa0\u2002\u2003\u2009\u202f"
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
_STRIP = " \t\r\n" + _SPACES + _INVISIBLE
STRIPPED = _STRIP  # what normalise_text trims from the ends of a cell
_SPACE_TABLE = str.maketrans(dict.fromkeys(_SPACES, " ") | dict.fromkeys(_INVISIBLE, ""))
_ODD_SPACE = re.compile(f"[{_SPACES}{_INVISIBLE}]")


def normalise_text(value) -> str:
    """A cell as trimmed text. Full-width and no-break spaces inside become ordinary spaces,
    invisible characters go; integral floats (410902.0) become "410902"; dates ISO text."""
    if value is None:
        return ""
    if type(value) is str:
        if value.isascii() or _ODD_SPACE.search(value) is None:
            return value.strip()
        return value.translate(_SPACE_TABLE).strip(_STRIP)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).translate(_SPACE_TABLE).strip(_STRIP)


def has_odd_space(text: str) -> bool:
    """Whether `text` holds a space or invisible character normalise_text replaces or drops
    (text without one is only trimmed)."""
    return not text.isascii() and _ODD_SPACE.search(text) is not None


def parse_text(value, *, multiline: bool = False) -> str:
    """A text cell as `normalise_text` gives it, refusing control characters (a multi-line column
    keeps tab and line breaks): the inputs' one rule (core.inputs)."""
    text = normalise_text(value)
    if text and not text.isprintable():
        from .inputs import text_problem

        problem = text_problem(text, multiline=multiline)
        if problem:
            raise ParseError(problem)
    return text


def half_width(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms (NFKC), ASCII fast."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text)


def _shown(value) -> str:
    text = normalise_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


# --- Numbers ------------------------------------------------------------------------------------

_INT_TEXT = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$|^[+-]?\d+(\.0*)?$")
_MEASURE = "页字人个份次张项件名条篇场天"


def parse_int(value, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """An integer: 12, 12.0, "12", "１２", "1,234", "1，234", "12页".
    minimum=0 rejects negatives."""
    if value is None:
        return None
    if type(value) is int:
        number = value
    elif isinstance(value, bool):
        raise ParseError(_("“%(v)s”不是整数。") % {"v": _shown(value)})
    elif isinstance(value, float):
        if not value.is_integer():
            raise ParseError(_("“%(v)s”不是整数。") % {"v": _shown(value)})
        number = int(value)
    elif isinstance(value, int):
        number = int(value)
    else:
        text = half_width(normalise_text(value))
        if not text:
            return None
        text = text.replace(" ", "").rstrip(_MEASURE)
        if not _INT_TEXT.match(text):
            raise ParseError(_("“%(v)s”不是整数。") % {"v": _shown(value)})
        number = int(float(text.replace(",", ""))) if "." in text else int(text.replace(",", ""))
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise ParseError(_("“%(v)s”不能是负数。") % {"v": _shown(value)})
        raise ParseError(_("“%(v)s”不能小于 %(n)s。") % {"v": _shown(value), "n": minimum})
    if maximum is not None and number > maximum:
        raise ParseError(_("“%(v)s”不能大于 %(n)s。") % {"v": _shown(value), "n": maximum})
    return number


def parse_year(value, *, earliest: int = 2000, latest: int = 2100) -> int | None:
    """A year: 2025, "2025", "2025年", "２０２５年度"; a date gives its year."""
    if isinstance(value, dt.date):
        return value.year
    cell = value
    if isinstance(value, str):
        text = half_width(normalise_text(value)).removesuffix("年度").removesuffix("年")
        value = text.strip()
    try:
        year = parse_int(value)
    except ParseError:
        raise ParseError(_("“%(v)s”不是有效的年度。") % {"v": _shown(cell)}) from None
    if year is not None and not earliest <= year <= latest:
        raise ParseError(
            _("年度“%(v)s”超出范围（%(a)s—%(b)s）。") % {"v": year, "a": earliest, "b": latest}
        )
    return year


# --- Dates and times ----------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX = 2958465  # 9999-12-31
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATETIME_TAIL = re.compile(r"^(\S+?)(?:[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def _date_error(value) -> ParseError:
    return ParseError(
        _(
            "无法识别的日期“%(v)s”，请写成 2025-03-05、2025/3/5、2025.3.5 或 2025年3月5日"
            "这样的格式。"
        )
        % {"v": _shown(value)}
    )


def _serial_date(number: float, value) -> dt.date:
    if not 1 <= number <= _EXCEL_MAX:
        raise _date_error(value)
    day = int(number)
    if day < 61:  # Excel's phantom 1900-02-29 sits at 60
        day += 1
    return _EXCEL_EPOCH + dt.timedelta(days=day)


def parse_date(
    value, *, earliest: dt.date | None = None, latest: dt.date | None = None
) -> dt.date | None:
    """A date from an Excel serial (45721), a date/datetime cell, or text: 2025-03-05, 2025/3/5,
    2025.3.5, 2025年3月5日, 20250305, with full-width digits and spaces."""
    if type(value) is dt.date:
        day = value
    elif value is None:
        return None
    elif isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, bool):
        raise _date_error(value)
    elif isinstance(value, int | float):
        if isinstance(value, int) and 19000101 <= value <= 29991231:  # 20250305 typed as a number
            day = _compact_date(str(value), value)
        else:
            day = _serial_date(value, value)
    else:
        text = half_width(normalise_text(value))
        if not text:
            return None
        m = _DATE_TEXT.match(text)
        if m is None:
            tail = _DATETIME_TAIL.match(text)
            if tail and tail.group(1) != text:
                m = _DATE_TEXT.match(tail.group(1))
        if m is not None:
            try:
                day = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise ParseError(_("日期“%(v)s”不存在。") % {"v": _shown(value)}) from None
        elif len(text) == 8 and text.isdigit():
            day = _compact_date(text, value)
        elif text.isdigit() and len(text) == 5:  # a serial written out as text (CSV)
            day = _serial_date(int(text), value)
        else:
            raise _date_error(value)
    if earliest is not None and day < earliest or latest is not None and day > latest:
        shown = day.isoformat()
        if isinstance(value, int | float | str) and normalise_text(value) != shown:
            shown = f"{_shown(value)}”即“{shown}"  # what was typed, and the date it means
        if earliest is not None and latest is not None:
            span = _("%(a)s 至 %(b)s") % {"a": earliest.isoformat(), "b": latest.isoformat()}
        elif earliest is not None:
            span = _("不早于 %(a)s") % {"a": earliest.isoformat()}
        else:
            span = _("不晚于 %(b)s") % {"b": latest.isoformat()}
        raise ParseError(_("日期“%(v)s”超出合理范围（%(span)s）。") % {"v": shown, "span": span})
    return day


def _compact_date(text: str, value) -> dt.date:
    m = _DATE_COMPACT.match(text)
    if m is None:
        raise _date_error(value)
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ParseError(_("日期“%(v)s”不存在。") % {"v": _shown(value)}) from None


_TIME_COLON = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?$")
_TIME_CN = re.compile(r"^(\d{1,2})[时点](?:(\d{1,2})分?|(半))?(?:(\d{1,2})秒)?$")
_TIME_IN_DATETIME = re.compile(r"^\S+[T ](\d{1,2}:\d{2}(?::\d{2})?)$")  # "2025-03-05 09:30"
_FRACTION = re.compile(r"^0?\.\d+$")
_HALF_DAY = {"上午": 0, "早上": 0, "凌晨": 0, "中午": 12, "下午": 12, "晚上": 12}


def _time_error(value) -> ParseError:
    return ParseError(
        _("无法识别的时间“%(v)s”，请写成 9:30 或 14:00 这样的格式。") % {"v": _shown(value)}
    )


def parse_time(value) -> dt.time | None:
    """A time of day: "9:30", "09:30:00", "9时30分", "9点半", "下午3:00", an Excel day fraction
    (0.395833 = 9:30), or a time/datetime cell."""
    if type(value) is dt.time:
        return value.replace(microsecond=0)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        if not 0 <= seconds < 86400:
            raise _time_error(value)
        return _from_seconds(seconds)
    if isinstance(value, bool | dt.date):
        raise _time_error(value)
    if isinstance(value, int | float):
        if not 0 <= value < 1:
            if isinstance(value, float) and value >= 1 and not value.is_integer():
                value = value - int(value)  # a date-and-time serial: keep the time
            else:
                raise _time_error(value)
        seconds = round(value * 86400)
        return _from_seconds(min(seconds, 86399))
    text = half_width(normalise_text(value))
    if not text:
        return None
    if _FRACTION.match(text):  # a day fraction written out as text (CSV)
        return parse_time(float(text))
    tail = _TIME_IN_DATETIME.match(text)
    text = (tail.group(1) if tail else text).replace(" ", "")
    shift = None
    for word, hours in _HALF_DAY.items():
        if text.startswith(word):
            text, shift = text[len(word) :], hours
            break
    if text[-2:].lower() in ("am", "pm"):
        shift, text = (0 if text[-2:].lower() == "am" else 12), text[:-2]
    m = _TIME_COLON.match(text)
    if m is not None:
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    else:
        m = _TIME_CN.match(text)
        if m is None:
            raise _time_error(value)
        hour, minute, second = int(m[1]), 30 if m[3] else int(m[2] or 0), int(m[4] or 0)
    if shift == 12 and hour < 12:
        hour += 12
    elif shift == 0 and hour == 12 and "am" in str(value).lower():
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        raise ParseError(_("时间“%(v)s”不存在。") % {"v": _shown(value)})
    return dt.time(hour, minute, second)


def _from_seconds(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


# --- Yes and no ---------------------------------------------------------------------------------

_TRUE = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "有", "需要", "要", "列入"}
_FALSE = {"否", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "错", "无", "不", "不需要"}
_FALSE |= {"不是", "未列入", "没有"}


def parse_bool(value) -> bool | None:
    """是/否, Y/N, yes/no, true/false, 1/0, √/×; a boolean cell as itself."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = half_width(normalise_text(value)).lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ParseError(_("无法识别“%(v)s”，请填写“是”或“否”。") % {"v": _shown(value)})


def yes_no(value: bool) -> str:
    """What exports write for a boolean (parse_bool reads it back)."""
    return _("是") if value else _("否")


# --- Choices ------------------------------------------------------------------------------------

_KEY_DROP = re.compile(r"[\s()（）【】\[\]、，,/_\-·.。:：]")


def choice_key(text: str) -> str:
    """What two spellings of a label share: half-width, no spaces, brackets or separators,
    lower case ("乡镇（街道）" and "乡镇(街道)" and "乡镇街道" are one key)."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text)).lower()


class Choices:
    """The accepted spellings of one set of choices: each value, its Chinese label (and its label
    in the current language), and aliases. Build once per import; call per cell."""

    def __init__(self, choices, aliases: dict[str, str] | None = None):
        """choices: a TextChoices class or (value, label) pairs; aliases: {spelling: value}."""
        pairs = choices.choices if hasattr(choices, "choices") else list(choices)
        with translation.override("zh-hans"):
            self.labels: dict[str, str] = {str(v): str(label) for v, label in pairs}
        self._map: dict[str, str] = {}
        for spelling, v in (aliases or {}).items():
            self._map[choice_key(spelling)] = str(v)
        for v, label in pairs:
            self._map[choice_key(str(label))] = str(v)  # the current language
        for v, label in self.labels.items():
            self._map[choice_key(v)] = v
            self._map[choice_key(label)] = v
        self._exact = {label: v for v, label in self.labels.items()} | {v: v for v in self.labels}

    def accepted(self) -> str:
        return "、".join(self.labels.values())

    def __call__(self, value) -> str | None:
        if type(value) is str:
            found = self._exact.get(value)
            if found is not None:
                return found
        text = normalise_text(value)
        if not text:
            return None
        found = self._map.get(choice_key(text))
        if found is None:
            raise ParseError(
                _("无法识别“%(v)s”。可填写：%(ok)s。") % {"v": _shown(value), "ok": self.accepted()}
            )
        return found


def parse_choice(value, choices, aliases: dict[str, str] | None = None) -> str | None:
    """A choice's value from its Chinese label, its value or an alias; the error lists the
    accepted labels. Pass a prebuilt `Choices` for speed in loops."""
    parser = choices if isinstance(choices, Choices) else Choices(choices, aliases)
    return parser(value)


_LIST_SPLIT = re.compile(r"\s*[、,，;；/|\n]\s*|\s+")
_LIST_SPLIT_NO_SPACES = re.compile(r"\s*[、,，;；/|\n]\s*")


def split_list(value, *, spaces: bool = True) -> list[str]:
    """A cell holding several items: "乡镇、村", "乡镇,村（社区）", "甲县；乙县". spaces=False keeps
    items that contain spaces (names) whole."""
    text = normalise_text(value)
    if not text:
        return []
    pattern = _LIST_SPLIT if spaces else _LIST_SPLIT_NO_SPACES
    return [item for item in pattern.split(text) if item]


def parse_levels(value, choices, aliases: dict[str, str] | None = None) -> list[str]:
    """Several choices in one cell ("乡镇、村", "乡镇,村（社区）") as a list of values, without
    repeats, in the order of the choices. `choices`: the levels (a TextChoices class or a prebuilt
    `Choices`); core knows no app's levels, so the caller passes them with their aliases."""
    parser = choices if isinstance(choices, Choices) else Choices(choices, aliases)
    found: set[str] = set()
    bad: list[str] = []
    for item in split_list(value):
        try:
            found.add(parser(item))
        except ParseError:
            bad.append(item)
    if bad:
        raise ParseError(
            _("无法识别“%(v)s”。可填写：%(ok)s，多个之间用顿号“、”分隔。")
            % {"v": "、".join(bad), "ok": parser.accepted()}
        )
    return [v for v in parser.labels if v in found]


def join_labels(values: Iterable[str], choices: Choices) -> str:
    """What exports write for several choices (parse_levels reads it back)."""
    return "、".join(choices.labels.get(v, v) for v in values)
