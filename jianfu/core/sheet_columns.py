"""A sheet's columns: how an importer defines them, and the header row found and matched to them.

Every importer reads a header the same way. It is the first of the top 20 rows that names at
least two known columns (a title row above it is common), else the first non-empty row. A cell
names a column by its header or another spelling people write, compared by a key that ignores
spaces, underscores, dashes, case, full-width forms and notes such as "（必填）". An unknown
column, one named twice, a required one missing and content under an empty header are errors,
all reported at once: a misspelt header is never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import parsing
from .excel import ImportFailed, SheetError


@dataclass(frozen=True)
class Column:
    key: str  # the importer's name for it: a model field, or one of its own
    header: str  # as written in templates and exports: data, the same in every language
    aliases: tuple[str, ...] = ()  # other spellings people write
    required: bool = False  # the column must be there (and its cells filled)
    in_template: bool = True
    in_export: bool = True
    note: str = ""  # how to fill it in, for the template's "说明" sheet


NOTE = re.compile(r"[（(][^）)]*(必填|选填|可选|可不填)[^）)]*[）)]")


def header_key(text: str) -> str:
    """What a header is compared by: no notes, spaces, underscores, dashes or brackets;
    half-width; lower case."""
    text = NOTE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*_\-（）()]", "", text).lower()


def column_letter(index: int) -> str:
    """The Excel letter of a 0-based column index."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def find_header(
    rows: list[list],
    keys: dict[str, Column],
    *,
    text: Callable[[object], str] = parsing.normalise_text,
    key: Callable[[str], str] = header_key,
) -> int:
    """Index of the header row: the first row naming at least two known columns, else the first
    non-empty row."""
    first = None
    for i, row in enumerate(rows[:20]):
        cells = [text(c) for c in row]
        if not any(cells):
            continue
        if first is None:
            first = i
        if sum(1 for c in cells if c and key(c) in keys) >= 2:
            return i
    return first if first is not None else 0


def read_header(
    rows: list[list],
    columns: Sequence[Column],
    *,
    missing: str,
    optional: frozenset[str] = frozenset(),
    text: Callable[[object], str] = parsing.normalise_text,
    key: Callable[[str], str] = header_key,
) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index of the header row, key -> column index, key -> header as written); ImportFailed
    naming every unknown, repeated or missing column.

    missing: the sentence for missing required columns, with %(cols)s (those missing) and
    %(all)s (the template's headers). optional: required keys that may be absent this time.
    text, key: a cell as text, and a header's key (importers that read cells or headers their
    own way)."""
    keys: dict[str, Column] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            keys.setdefault(key(name), col)
    h = find_header(rows, keys, text=text, key=key)
    line = h + 1
    found: dict[str, int] = {}
    headers: dict[str, str] = {}
    errors: list[SheetError] = []
    unnamed: list[int] = []
    for index, cell in enumerate(rows[h]):
        name = text(cell)
        if not name:
            unnamed.append(index)
            continue
        col = keys.get(key(name))
        if col is None:
            errors.append(
                SheetError(
                    line,
                    name,
                    _("无法识别的列“%(c)s”。可用的列：%(known)s。请删除该列或改正列名。")
                    % {"c": name, "known": "、".join(c.header for c in columns)},
                )
            )
        elif col.key in found:
            errors.append(
                SheetError(
                    line,
                    name,
                    _("“%(c)s”列重复出现（%(a)s 列和 %(b)s 列）。")
                    % {"c": name, "a": column_letter(found[col.key]), "b": column_letter(index)},
                )
            )
        else:
            found[col.key], headers[col.key] = index, name
    absent = [
        c.header for c in columns if c.required and c.key not in found and c.key not in optional
    ]
    if absent:
        errors.append(
            SheetError(
                line,
                None,
                missing
                % {
                    "cols": "、".join(absent),
                    "all": "、".join(c.header for c in columns if c.in_template),
                },
            )
        )
    for index in unnamed:
        for offset, row in enumerate(rows[h + 1 :]):
            if index < len(row) and text(row[index]):
                errors.append(
                    SheetError(
                        line + 1 + offset,
                        column_letter(index),
                        _("该列有内容但没有表头，请填写表头或删除该列。"),
                    )
                )
                break
    if errors:
        raise ImportFailed(errors)
    return h, found, headers
