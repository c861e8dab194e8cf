"""What people type, checked by one rule at every door: the pages' forms, the API's schemas and
the importers' cell parsers.

Text: control characters (U+0000–U+001F, U+007F–U+009F), lone surrogates and the two
non-characters U+FFFE/U+FFFF are refused with a sentence naming the field and the character. They
are invisible on screen, PostgreSQL refuses NUL, and the spreadsheet exports cannot hold them; a
multi-line field (a textarea, a description) keeps tab, newline and carriage return.

Dates: a record's date must fall within a range of years around today, set at runtime
("core.record_years_back" / "core.record_years_ahead"), so that a typo such as 9999-12-31 or
0202-03-05 is caught where it is typed instead of skewing every year's figures.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import clock, runtime

# --- Text ---------------------------------------------------------------------------------------

_BAD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_BAD_MULTILINE = re.compile(f"[{_BAD}]")
_BAD_LINE = re.compile(f"[{_BAD}\t\n\r]")
_LINE_BREAKS = "\t\n\r"


def bad_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character `text` may not hold, or None."""
    m = (_BAD_MULTILINE if multiline else _BAD_LINE).search(text)
    return m.group() if m else None


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def text_problem(text: str, label: str | None = None, *, multiline: bool = False) -> str | None:
    """A Chinese sentence saying what is wrong with `text` (naming the field `label` when given),
    or None when it is clean."""
    if not text or (text.isprintable() and not multiline):
        return None  # the fast path: printable text holds none of the refused characters
    ch = bad_character(text, multiline=multiline)
    if ch is None:
        return None
    args = {"f": label, "c": _code(ch)}
    if ch in _LINE_BREAKS:
        if label:
            return _("“%(f)s”须写成一行，不能含有换行符或制表符（%(c)s）。") % args
        return _("须写成一行，不能含有换行符或制表符（%(c)s）。") % args
    if "\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff":
        if label:
            return _("“%(f)s”中含有无效字符（%(c)s），请删除后重试。") % args
        return _("含有无效字符（%(c)s），请删除后重试。") % args
    if label:
        return _("“%(f)s”中含有不可见的控制字符（%(c)s），请删除后重试。") % args
    return _("含有不可见的控制字符（%(c)s），请删除后重试。") % args


def search_text(value: str | None, max_length: int = 100) -> str:
    """A search box's text from a query string, trimmed, without the characters no record holds
    (so a pasted control character, or a NUL the database would refuse, finds nothing instead of
    failing)."""
    text = (value or "").strip()
    if not text.isprintable():
        text = _BAD_LINE.sub("", text).strip()
    return text[:max_length]


class TextField(forms.CharField):
    """Every text box of every form. A textarea keeps tab and line breaks; a single-line box
    takes none of them (a browser's text input cannot send a line break; a script can)."""

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str):
            label = str(self.label) if self.label else None
            problem = text_problem(value, label, multiline=isinstance(self.widget, forms.Textarea))
            if problem:
                raise forms.ValidationError(problem, code="control_character")
        return value


# The API's schemas: `Line` for a single-line string, `Text` for a multi-line one. The message names
# the field as the API spells it.


def _api_check(multiline: bool):
    from pydantic_core import PydanticCustomError

    def check(value: str, info) -> str:
        problem = text_problem(value, info.field_name, multiline=multiline)
        if problem:
            raise PydanticCustomError("jianfu_control_character", "{message}", {"message": problem})
        return value

    check.__qualname__ = check.__name__ = "clean_text" if multiline else "clean_line"
    return check


def _annotated(multiline: bool):
    from pydantic import AfterValidator

    return Annotated[str, AfterValidator(_api_check(multiline))]


Line = _annotated(False)
Text = _annotated(True)


def is_checked(metadata) -> bool:
    """Whether a pydantic field's metadata carries the text check (the API's guard test)."""
    return any(
        getattr(getattr(m, "func", None), "__name__", "") in ("clean_line", "clean_text")
        for m in metadata
    )


# --- Dates --------------------------------------------------------------------------------------

runtime.define(
    runtime.SettingDef(
        "core.record_years_back",
        10,
        gettext_lazy("记录日期最早可追溯的年数"),
        gettext_lazy(
            "发文、会议、督查检查考核、样本点等记录的日期最早可在今年之前多少年（按年初算）。"
            "超出范围的日期视为笔误，不予保存。"
        ),
        "business",
        1,
        50,
    ),
    runtime.SettingDef(
        "core.record_years_ahead",
        1,
        gettext_lazy("记录日期最多可提前的年数"),
        gettext_lazy(
            "记录的日期最晚可在今年之后多少年（按年末算），用于提前登记下一年度的会议、计划等。"
        ),
        "business",
        0,
        5,
    ),
)


def date_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The plausible dates of a record: from 1 January `back` years ago to 31 December `ahead`
    years on."""
    today = today or clock.today()
    s = runtime.get_many(["core.record_years_back", "core.record_years_ahead"])
    first = max(dt.MINYEAR, today.year - int(s["core.record_years_back"]))
    last = min(dt.MAXYEAR, today.year + int(s["core.record_years_ahead"]))
    return dt.date(first, 1, 1), dt.date(last, 12, 31)


def year_range(today: dt.date | None = None) -> range:
    first, last = date_range(today)
    return range(first.year, last.year + 1)


def date_problem(day: dt.date | None, label: str | None = None) -> str | None:
    """A Chinese sentence when `day` is outside the plausible range, else None."""
    if day is None:
        return None
    first, last = date_range()
    if first <= day <= last:
        return None
    args = {"f": label, "d": day.isoformat(), "a": first.isoformat(), "b": last.isoformat()}
    if label:
        return _("“%(f)s”%(d)s 超出合理范围（%(a)s 至 %(b)s），请核对。") % args
    return _("日期 %(d)s 超出合理范围（%(a)s 至 %(b)s），请核对。") % args


class RecordDateField(forms.DateField):
    """A record's date on a form: within the plausible range."""

    def validate(self, value):
        super().validate(value)
        problem = date_problem(value, str(self.label) if self.label else None)
        if problem:
            raise forms.ValidationError(problem, code="implausible_date")


# --- Long selects -------------------------------------------------------------------------------


class QuickSelectMultiple(forms.SelectMultiple):
    """A multiple select drawn in one pass: Django draws each option through a template of its
    own, which for a province's 2,500 units was most of a page's time. Same markup, flat choices
    only (no option groups)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in (value or [])}
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        # escape() per value rather than format_html per option: a tenth of the time.
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(label)}</option>"
            for v, label in self.choices
        )
        return format_html(
            "<select multiple{}>{}</select>",
            flatatt(attrs),
            mark_safe(options),  # noqa: S308
        )
