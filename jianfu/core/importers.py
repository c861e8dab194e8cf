"""Units tree import and export (Excel or CSV).

Import is all or nothing: the whole file is read and checked first, every problem is reported with
the row (as the person sees it in Excel, header = row 1) and the column; only a file without a
single problem is written, in one transaction that ends with ONE audit entry for the batch (file
SHA-256, the stored file, the ids created and updated).

A unit is found by its code. An existing code updates that unit (and moves it when the parent
differs); a new code creates a unit under its parent, which is either a unit already in the
importer's scope or another row of the same file. A parent outside the importer's scope gets the
same "not found" as one that does not exist, so codes cannot be probed.

Speed: new units are written with bulk_create, paths computed here (next free step under each
parent, read once per parent), numchild fixed with one update per distinct increment; only moves of
existing units go through treebeard (they are rare). 30,000 rows take a few seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.db.models.functions import Length, Substr
from django.utils import translation
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant, PathOverflow

from . import audit, clock, excel, scope
from .excel import ImportFailed, SheetError
from .models import ImportRecord, Unit, UnitKind, User

# --- Columns ------------------------------------------------------------------------------------

CODE, NAME, SHORT, KIND, PARENT, UNTIL, SUCCESSOR = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "valid_until",
    "successor",
)
# The headers as written in exports and templates. They are data (what files carry), not
# interface text: the same in every language, so a file exported in English re-imports.
HEADERS: dict[str, str] = {
    CODE: "单位代码",
    NAME: "名称",
    SHORT: "简称",
    KIND: "类型",
    PARENT: "上级单位代码",
    UNTIL: "撤销日期",
    SUCCESSOR: "承继单位代码",
}
REQUIRED_COLUMNS = (CODE, NAME, KIND, PARENT)
TEMPLATE_COLUMNS = (CODE, NAME, SHORT, KIND, PARENT)

_ALIASES: dict[str, tuple[str, ...]] = {
    CODE: ("代码", "单位编码", "编码", "unitcode", "code"),
    NAME: ("单位名称", "unitname", "name"),
    SHORT: ("单位简称", "shortname"),
    KIND: ("单位类型", "类别", "单位类别", "kind", "type"),
    PARENT: ("上级代码", "上级单位编码", "上级编码", "parentcode", "parent"),
    UNTIL: ("撤销时间", "validuntil", "closed"),
    SUCCESSOR: ("承继单位", "承接单位代码", "successorcode", "successor"),
}

_NOTE = re.compile(r"[（(][^）)]*(必填|选填|可选|可不填)[^）)]*[）)]")


def _header_key(text: str) -> str:
    text = _NOTE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*_\-]", "", text).lower()


HEADER_KEYS: dict[str, str] = {}
for _field, _header in HEADERS.items():
    for _name in (_header, *_ALIASES[_field]):
        HEADER_KEYS[_header_key(_name)] = _field


# --- Kinds --------------------------------------------------------------------------------------


def kind_labels() -> dict[str, str]:
    """{value: Chinese label} — what exports write and the template's drop-down offers."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in UnitKind.choices}


# Short forms people write. "市" is the city (a county-level city is a 县（市、区）: write 县级市).
_KIND_SHORT = {
    "省": UnitKind.PROVINCE,
    "市": UnitKind.CITY,
    "地级市": UnitKind.CITY,
    "县": UnitKind.COUNTY,
    "区": UnitKind.COUNTY,
    "县级市": UnitKind.COUNTY,
    "县市区": UnitKind.COUNTY,
    "县区": UnitKind.COUNTY,
    "部门": UnitKind.DEPARTMENT,
    "市直部门": UnitKind.DEPARTMENT,
    "市直单位": UnitKind.DEPARTMENT,
    "县直部门": UnitKind.COUNTY_DEPARTMENT,
    "县直单位": UnitKind.COUNTY_DEPARTMENT,
    "乡镇": UnitKind.TOWNSHIP,
    "乡": UnitKind.TOWNSHIP,
    "镇": UnitKind.TOWNSHIP,
    "街道": UnitKind.TOWNSHIP,
    "乡镇街道": UnitKind.TOWNSHIP,
    "村": UnitKind.VILLAGE,
    "社区": UnitKind.VILLAGE,
    "村社区": UnitKind.VILLAGE,
    "村居": UnitKind.VILLAGE,
    "学校": UnitKind.SCHOOL,
    "企业": UnitKind.ENTERPRISE,
}


def _kind_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s()、,，/_\-]", "", text).lower()


def _kind_map() -> dict[str, str]:
    found = {_kind_key(k): str(v) for k, v in _KIND_SHORT.items()}
    for value, label in kind_labels().items():
        found[_kind_key(label)] = value
    for value, label in UnitKind.choices:  # the English values, and labels in the current language
        found[_kind_key(value)] = value
        found[_kind_key(str(label))] = value
    return found


def _kinds_accepted() -> str:
    labels = "、".join(kind_labels().values())
    return _("可填写：%(labels)s；也可写简称（县、区、乡镇、街道、村、社区、部门等）。") % {
        "labels": labels
    }


# --- Cells --------------------------------------------------------------------------------------

_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\xa0\u3000"
_SCIENTIFIC = re.compile(r"^[+-]?\d(\.\d+)?[eE][+]?\d+$")


def _text(value) -> str:
    """A cell as trimmed text: integral floats (410902.0) become "410902"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip().strip(_INVISIBLE).strip()
    return excel.unneutralise(text)


def _code(value) -> tuple[str, str | None]:
    """(code, problem). Full-width digits and letters become half-width."""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
        return "", _(
            "代码位数太多，Excel 已按数字保存并丢失了末几位，请把该列设为“文本”格式后重新填写。"
        )
    text = unicodedata.normalize("NFKC", _text(value)).strip()
    if _SCIENTIFIC.match(text):
        return "", _(
            "代码“%(c)s”是科学计数法，原代码已丢失；请把该列设为“文本”格式后重新填写。"
        ) % {"c": text}
    if any(ch.isspace() for ch in text):
        return "", _("代码“%(c)s”中间有空格。") % {"c": text}
    return text, None


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value) -> tuple[dt.date | None, bool]:
    """(date, ok). Empty is (None, True)."""
    if isinstance(value, dt.datetime):
        return value.date(), True
    if isinstance(value, dt.date):
        return value, True
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value)), True  # Excel's serial days
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None, True
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[T ]", text) else text
    m = _DATE_TEXT.match(text) or (
        re.match(r"^(\d{4})(\d{2})(\d{2})$", text) if len(text) == 8 else None
    )
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), True
        except ValueError:
            return None, False
    return None, False


# --- Reading the sheet --------------------------------------------------------------------------


@dataclass
class Row:
    line: int  # row number as the person sees it in Excel
    code: str = ""
    name: str = ""
    short_name: str | None = None  # None: the column is absent (leave existing values alone)
    kind: str = ""
    parent: str = ""
    valid_until: dt.date | None = None
    successor: str | None = None
    ok: bool = True  # False when a cell of this row has an error


@dataclass
class Sheet:
    header_line: int
    headers: dict[str, str]  # field -> header as written
    rows: list[Row]
    order: dict[str, int] = field(default_factory=dict)  # header as written -> column index
    errors: list[SheetError] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.headers

    def col(self, name: str) -> str:
        return self.headers.get(name, HEADERS[name])


def _find_header(rows: list[list]) -> int:
    """Index of the header row: the first row naming at least two known columns (a title row
    above the header is common), else the first non-empty row."""
    first = None
    for i, row in enumerate(rows[:20]):
        cells = [_text(c) for c in row]
        if not any(cells):
            continue
        if first is None:
            first = i
        if sum(1 for c in cells if _header_key(c) in HEADER_KEYS) >= 2:
            return i
    return first if first is not None else 0


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def parse(rows: list[list]) -> Sheet:
    """The header and the rows of a units sheet; cell problems collected in `errors`."""
    if not rows or not any(_text(c) for r in rows for c in r):
        raise ImportFailed([SheetError(None, None, _("文件里没有数据。"))])
    h = _find_header(rows)
    header_line = h + 1
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    errors: list[SheetError] = []
    unnamed: list[int] = []
    for index, cell in enumerate(rows[h]):
        text = _text(cell)
        if not text:
            unnamed.append(index)
            continue
        name = HEADER_KEYS.get(_header_key(text))
        if name is None:
            errors.append(
                SheetError(
                    header_line,
                    text,
                    _("无法识别的列“%(c)s”。可用的列：%(known)s。请删除该列或改正列名。")
                    % {"c": text, "known": "、".join(HEADERS.values())},
                )
            )
        elif name in columns:
            errors.append(
                SheetError(
                    header_line,
                    text,
                    _("“%(c)s”列重复出现（%(a)s 列和 %(b)s 列）。")
                    % {"c": text, "a": _column_letter(columns[name]), "b": _column_letter(index)},
                )
            )
        else:
            columns[name], headers[name] = index, text
    missing = [HEADERS[n] for n in REQUIRED_COLUMNS if n not in columns]
    if missing:
        errors.append(
            SheetError(
                header_line,
                None,
                _("缺少必填列：%(cols)s。第一行应为表头：%(all)s（可从“下载模板”获取）。")
                % {
                    "cols": "、".join(missing),
                    "all": "、".join(HEADERS[n] for n in TEMPLATE_COLUMNS),
                },
            )
        )
    data = rows[h + 1 :]
    for index in unnamed:
        for offset, row in enumerate(data):
            if index < len(row) and _text(row[index]):
                letter = _column_letter(index)
                errors.append(
                    SheetError(
                        header_line + 1 + offset,
                        letter,
                        _("该列有内容但没有表头，请填写表头或删除该列。"),
                    )
                )
                break
    if errors:
        raise ImportFailed(errors)

    sheet = Sheet(
        header_line=header_line,
        headers=headers,
        rows=[],
        order={headers[n]: i for n, i in columns.items()},
    )
    kinds = _kind_map()
    max_code = Unit._meta.get_field("code").max_length
    max_name = Unit._meta.get_field("name").max_length
    max_short = Unit._meta.get_field("short_name").max_length

    def cell(row, name):
        i = columns.get(name)
        return row[i] if i is not None and i < len(row) else None

    for offset, raw in enumerate(data):
        if not any(_text(c) for c in raw):
            continue  # entirely empty rows are skipped
        r = Row(line=header_line + 1 + offset)

        def err(name, message, r=r):
            sheet.errors.append(SheetError(r.line, sheet.col(name), message))
            r.ok = False

        r.code, problem = _code(cell(raw, CODE))
        if problem:
            err(CODE, problem)
        elif not r.code:
            err(CODE, _("单位代码不能为空。"))
        elif len(r.code) > max_code:
            err(CODE, _("单位代码“%(c)s”超过 %(n)s 个字符。") % {"c": r.code, "n": max_code})

        r.name = _text(cell(raw, NAME))
        if not r.name:
            err(NAME, _("名称不能为空。"))
        elif len(r.name) > max_name:
            err(NAME, _("名称超过 %(n)s 个字符。") % {"n": max_name})

        if SHORT in columns:
            r.short_name = _text(cell(raw, SHORT))
            if len(r.short_name) > max_short:
                err(SHORT, _("简称超过 %(n)s 个字符。") % {"n": max_short})

        kind_text = _text(cell(raw, KIND))
        if not kind_text:
            err(KIND, _("类型不能为空。") + _kinds_accepted())
        else:
            r.kind = kinds.get(_kind_key(kind_text), "")
            if not r.kind:
                err(KIND, _("无法识别的单位类型“%(k)s”。") % {"k": kind_text} + _kinds_accepted())

        r.parent, problem = _code(cell(raw, PARENT))
        if problem:
            err(PARENT, problem)

        if UNTIL in columns:
            r.valid_until, ok = _date(cell(raw, UNTIL))
            if not ok:
                err(
                    UNTIL,
                    _("无法识别的日期“%(d)s”，请写成 2025-01-31 这样的格式。")
                    % {"d": _text(cell(raw, UNTIL))},
                )
        if SUCCESSOR in columns:
            r.successor, problem = _code(cell(raw, SUCCESSOR))
            if problem:
                err(SUCCESSOR, problem)
            elif r.successor and UNTIL in columns and r.valid_until is None and r.ok:
                err(SUCCESSOR, _("填写了承继单位，但没有填写撤销日期。"))
        sheet.rows.append(r)
    if not sheet.rows:
        raise ImportFailed([SheetError(header_line, None, _("表头下面没有任何数据行。"))])
    return sheet


# --- Checking against the database --------------------------------------------------------------

_CHUNK = 500


def _chunks(items, size=_CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class Existing:
    pk: int
    code: str
    path: str
    name: str
    short_name: str
    kind: str
    valid_until: dt.date | None
    successor_id: int | None


_EXISTING_FIELDS = (
    "pk",
    "code",
    "path",
    "name",
    "short_name",
    "kind",
    "valid_until",
    "successor_id",
)


def _load_by_code(codes) -> dict[str, Existing]:
    found = {}
    for chunk in _chunks(codes):
        for values in Unit.objects.filter(code__in=chunk).order_by().values_list(*_EXISTING_FIELDS):
            e = Existing(*values)
            found[e.code] = e
    return found


def _codes_by_path(paths) -> dict[str, str]:
    found = {}
    for chunk in _chunks(paths):
        found.update(Unit.objects.filter(path__in=chunk).order_by().values_list("path", "code"))
    return found


def _codes_by_pk(pks) -> dict[int, str]:
    found = {}
    for chunk in _chunks(pks):
        found.update(Unit.objects.filter(pk__in=chunk).order_by().values_list("pk", "code"))
    return found


@dataclass
class Plan:
    creates: list[Row] = field(default_factory=list)
    moves: list[Row] = field(default_factory=list)
    updates: list[tuple[Row, Existing]] = field(default_factory=list)  # fields changed
    existing: dict[str, Existing] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)  # code -> parent code (creates, moves)
    successor_of: dict[str, str | None] = field(default_factory=dict)  # code -> successor code
    has_until: bool = False  # the file has the 撤销日期 column (empty then means "open")


def plan(sheet: Sheet, principal) -> Plan:
    """Check every row against the database and each other; raise ImportFailed with every
    problem found (the sheet's own cell problems included)."""
    s = scope.scope_of(principal)
    errors = list(sheet.errors)
    col = sheet.col

    # Duplicate codes within the file.
    rows: dict[str, Row] = {}
    for r in sheet.rows:
        if not r.code:
            continue
        first = rows.get(r.code)
        if first is None:
            rows[r.code] = r
        else:
            errors.append(
                SheetError(
                    r.line,
                    col(CODE),
                    _("单位代码“%(c)s”重复：第 %(a)s 行和第 %(b)s 行都是这个代码。")
                    % {"c": r.code, "a": first.line, "b": r.line},
                )
            )
            r.ok = False

    referenced = set(rows)
    referenced |= {r.parent for r in rows.values() if r.parent}
    referenced |= {r.successor for r in rows.values() if r.successor}
    db = _load_by_code(referenced)
    in_scope = {code: e for code, e in db.items() if s.covers_path(e.path)}

    # The current parent and successor codes of the existing units the file names.
    named = [db[c] for c in rows if c in in_scope]
    parent_code_at = _codes_by_path(
        {e.path[: -Unit.steplen] for e in named if len(e.path) > Unit.steplen}
    )
    successor_code = _codes_by_pk({e.successor_id for e in named if e.successor_id})

    result = Plan(
        existing={c: in_scope[c] for c in rows if c in in_scope}, has_until=sheet.has(UNTIL)
    )
    moving_paths: dict[str, str] = {}  # current path -> code, for existing units that move

    for code, r in rows.items():
        e = db.get(code)
        if e is not None and code not in in_scope:
            errors.append(
                SheetError(
                    r.line,
                    col(CODE),
                    _("单位代码“%(c)s”已被其他单位使用，不能用于新单位。") % {"c": code},
                )
            )
            r.ok = False
            continue
        current_parent = parent_code_at.get(e.path[: -Unit.steplen]) if e else None
        # Parent.
        if not r.parent:
            if e is None:
                errors.append(
                    SheetError(
                        r.line, col(PARENT), _("上级单位代码不能为空：每个新单位都要有上级单位。")
                    )
                )
                r.ok = False
            # an existing unit with no parent given stays where it is
        elif r.parent == code:
            errors.append(SheetError(r.line, col(PARENT), _("单位不能是它自己的上级单位。")))
            r.ok = False
        elif e is not None and r.parent == current_parent:
            pass  # stays where it is (its parent may even lie outside the importer's scope)
        elif r.parent in rows or r.parent in in_scope:
            result.parent_of[code] = r.parent
            if e is not None:
                moving_paths[e.path] = code
        else:
            errors.append(
                SheetError(
                    r.line,
                    col(PARENT),
                    _("找不到代码为“%(c)s”的上级单位：它既不在本文件中，也不在您管理的单位里。")
                    % {"c": r.parent},
                )
            )
            r.ok = False
        # Successor.
        if r.successor is not None:
            current = successor_code.get(e.successor_id) if e and e.successor_id else None
            if r.successor == code:
                errors.append(
                    SheetError(r.line, col(SUCCESSOR), _("承继单位不能是被撤销的单位本身。"))
                )
                r.ok = False
            elif (
                r.successor
                and r.successor != current
                and not (r.successor in rows or r.successor in in_scope)
            ):
                errors.append(
                    SheetError(
                        r.line,
                        col(SUCCESSOR),
                        _("找不到代码为“%(c)s”的承继单位：它既不在本文件中，也不在您管理的单位里。")
                        % {"c": r.successor},
                    )
                )
                r.ok = False
            else:
                result.successor_of[code] = r.successor or None

    errors.extend(_cycles(rows, db, result.parent_of, moving_paths, col(PARENT)))
    if errors:
        errors.sort(key=lambda x: (x.row or 0, sheet.order.get(x.column or "", -1)))
        raise ImportFailed(errors)

    for code, r in rows.items():
        e = result.existing.get(code)
        if e is None:
            result.creates.append(r)
            continue
        if code in result.parent_of:
            result.moves.append(r)
        changed = r.name != e.name or r.kind != e.kind
        changed |= r.short_name is not None and r.short_name != e.short_name
        if result.has_until:
            changed |= r.valid_until != e.valid_until
        if code in result.successor_of:
            new = result.successor_of[code]
            old = successor_code.get(e.successor_id) if e.successor_id else None
            changed |= new != old
        if changed:
            result.updates.append((r, e))
    return result


def _cycles(rows, db, parent_of, moving_paths, column) -> list[SheetError]:
    """Cycles in the tree the file would make: rows naming each other as parents (A under B,
    B under A), or an existing unit moved under its own descendant.

    Each unit has one next step upwards: a created or moved unit its new parent; any other unit
    its nearest ancestor that moves (its path up to there does not change), or none — the top.
    """
    step = Unit.steplen

    def up(code):
        if code in parent_of:
            return parent_of[code]
        e = db.get(code)
        if e is None:
            return None
        for end in range(len(e.path) - step, 0, -step):
            mover = moving_paths.get(e.path[:end])
            if mover is not None:
                return mover
        return None

    errors = []
    state: dict[str, int] = {}  # 1 on the current walk, 2 done
    for start in parent_of:
        walk, code = [], start
        while code is not None and code not in state:
            state[code] = 1
            walk.append(code)
            code = up(code)
        if code is not None and state[code] == 1:
            cycle = walk[walk.index(code) :]
            errors.append(_cycle_error(cycle, rows, column))
        for c in walk:
            state[c] = 2
    return errors


def _cycle_error(cycle: list[str], rows: dict[str, Row], column: str) -> SheetError:
    first = min((c for c in cycle if c in rows), key=lambda c: rows[c].line)
    i = cycle.index(first)
    ordered = [*cycle[i:], *cycle[:i], first]

    def label(c, above):
        if c in rows:
            return _("第 %(r)s 行“%(c)s”") % {"r": rows[c].line, "c": c}
        return _("“%(c)s”（现为“%(p)s”的下级单位）") % {"c": c, "p": above}

    chain = " → ".join(
        label(c, ordered[i + 1] if i + 1 < len(ordered) else "") for i, c in enumerate(ordered)
    )
    if all(c in rows for c in cycle):
        message = _("上级单位代码形成循环（%(chain)s）：上级单位不能是自己的下级单位。")
    else:
        message = _("不能把单位移到它自己的下级单位之下（%(chain)s）。")
    return SheetError(rows[first].line, column, message % {"chain": chain})


# --- Writing ------------------------------------------------------------------------------------


def _store(filename: str, data: bytes, digest: str) -> tuple[str, Path | None]:
    """Keep the file under MEDIA_ROOT/imports/<sha256>.<ext>; return (stored_as, path written
    now or None when the same file was already kept)."""
    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in ("xlsx", "xlsm", "xls", "et", "csv", "txt"):
        ext = "bin"
    stored_as = f"imports/{digest}.{ext}"
    target = Path(settings.MEDIA_ROOT) / stored_as
    if target.exists():
        return stored_as, None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return stored_as, target


def _levels(p: Plan) -> dict[str, int]:
    """0 for a created or moved unit whose parent is not itself created or moved in this file,
    else its parent's level + 1 (parents are written before their children)."""
    level: dict[str, int] = {}
    for start in p.parent_of:
        walk, code = [], start
        while code in p.parent_of and code not in level:
            walk.append(code)
            code = p.parent_of[code]
        base = level.get(code, -1)
        for c in reversed(walk):
            base += 1
            level[c] = base
    return level


def _max_child_steps(paths) -> dict[str, int]:
    """{parent path: the last step (int) of its last child} for the parents that have children."""
    step = Unit.steplen
    found: dict[str, int] = {}
    for chunk in _chunks(paths):
        qs = (
            Unit.objects.order_by()
            .annotate(parent_path=Substr("path", 1, Length("path") - step))
            .filter(parent_path__in=chunk)
            .values("parent_path")
            .annotate(last=Max("path"))
        )
        for row in qs:
            found[row["parent_path"]] = Unit._str2int(row["last"][-step:])
    return found


_STEP_MAX = len(Unit.alphabet) ** Unit.steplen - 1


def _write(p: Plan, now) -> tuple[list[int], list[int]]:
    """Create, move and update in order; return (created ids, updated ids)."""
    step = Unit.steplen
    level = _levels(p)
    creates_by_level: dict[int, list[Row]] = defaultdict(list)
    for r in p.creates:
        creates_by_level[level[r.code]].append(r)
    moves_by_level: dict[int, list[Row]] = defaultdict(list)
    for r in p.moves:
        moves_by_level[level[r.code]].append(r)
    new_children: dict[str, int] = defaultdict(int)  # parent code -> children created under it
    for r in p.creates:
        new_children[p.parent_of[r.code]] += 1
    created_codes = {r.code for r in p.creates}

    paths: dict[str, str] = {}  # code -> current path (cleared after every move)
    created_pks: dict[str, int] = {}

    def resolve(codes):
        missing = [c for c in codes if c not in paths]
        for chunk in _chunks(missing):
            paths.update(
                (code, path)
                for code, path in Unit.objects.filter(code__in=chunk).values_list("code", "path")
            )

    # Level by level: a level's parents are all written by then. Within a level, creates come
    # before moves, and every write leaves numchild right, so treebeard's move sees a true tree.
    for lvl in sorted(set(creates_by_level) | set(moves_by_level)):
        batch = creates_by_level.get(lvl, ())
        if batch:
            parents = sorted({p.parent_of[r.code] for r in batch})
            resolve(parents)
            last = _max_child_steps([paths[c] for c in parents])
            units = []
            for r in batch:
                parent_path = paths[p.parent_of[r.code]]
                n = last.get(parent_path, 0) + 1
                if n > _STEP_MAX:
                    raise PathOverflow(parent_path)
                last[parent_path] = n
                key = Unit._int2str(n)
                path = parent_path + Unit.alphabet[0] * (step - len(key)) + key
                paths[r.code] = path
                units.append(
                    Unit(
                        code=r.code,
                        name=r.name,
                        short_name=r.short_name or "",
                        kind=r.kind,
                        valid_until=r.valid_until,
                        path=path,
                        depth=len(path) // step,
                        numchild=new_children.get(r.code, 0),
                        updated_at=now,
                    )
                )
            for obj in Unit.objects.bulk_create(units, batch_size=500):
                if obj.pk is not None:
                    created_pks[obj.code] = obj.pk
            # numchild of the existing parents: one update per distinct increment.
            by_increment: dict[int, list[str]] = defaultdict(list)
            for parent in parents:
                if parent not in created_codes:
                    by_increment[new_children[parent]].append(parent)
            for n, codes in by_increment.items():
                for chunk in _chunks(codes):
                    Unit.objects.filter(code__in=chunk).update(numchild=F("numchild") + n)
        for r in moves_by_level.get(lvl, ()):
            node = Unit.objects.get(pk=p.existing[r.code].pk)
            target = Unit.objects.get(code=p.parent_of[r.code])
            Unit.objects.move(node, target, pos="last-child")
            paths.clear()
    missing = [c for c in created_codes if c not in created_pks]
    for chunk in _chunks(missing):
        created_pks.update(Unit.objects.filter(code__in=chunk).values_list("code", "pk"))

    # Field updates of existing units, then successors (which may name units just created).
    pk_of = {code: e.pk for code, e in p.existing.items()} | created_pks
    successors = {c: s for c, s in p.successor_of.items() if s}
    resolve_pk = [s for s in successors.values() if s not in pk_of]
    for chunk in _chunks(resolve_pk):
        pk_of.update(Unit.objects.filter(code__in=chunk).values_list("code", "pk"))

    updated = []
    for r, e in p.updates:
        u = Unit(
            pk=e.pk,
            name=r.name,
            kind=r.kind,
            updated_at=now,
            short_name=e.short_name if r.short_name is None else r.short_name,
            valid_until=r.valid_until if p.has_until else e.valid_until,
            successor_id=e.successor_id,
        )
        if r.code in p.successor_of:
            s = p.successor_of[r.code]
            u.successor_id = pk_of[s] if s else None
        updated.append(u)
    _update_many(
        updated, ["name", "short_name", "kind", "updated_at", "valid_until", "successor_id"]
    )
    _update_many(
        [
            Unit(pk=created_pks[c], successor_id=pk_of[s])
            for c, s in successors.items()
            if c in created_codes
        ],
        ["successor_id"],
    )

    moved_ids = {p.existing[r.code].pk for r in p.moves}
    updated_ids = sorted({u.pk for u in updated} | moved_ids)
    return sorted(created_pks[c] for c in created_codes), updated_ids


def _update_many(objs: list[Unit], fields: list[str]) -> None:
    """Set `fields` of many units by primary key, fast: bulk_update's CASE expressions take half
    a minute for 30,000 rows. PostgreSQL: UPDATE … FROM (VALUES …); SQLite: executemany."""
    if not objs:
        return
    meta, qn = Unit._meta, connection.ops.quote_name
    model_fields = [meta.get_field(f) for f in fields]
    params = [
        [obj.pk] + [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields]
        for obj in objs
    ]
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [meta.pk, *model_fields]
            row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
            names = ", ".join(qn(f.column) for f in columns)
            sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in model_fields)
            for chunk in _chunks(params, 1000):
                sql = (
                    f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))})"  # noqa: S608
                    f" AS v({names}) WHERE {table}.{pk} = v.{pk}"
                )
                cursor.execute(sql, [value for values in chunk for value in values])
        else:
            sets = ", ".join(f"{qn(f.column)} = %s" for f in model_fields)
            sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 — model names only
            for chunk in _chunks(params, 2000):
                cursor.executemany(sql, [[*values[1:], values[0]] for values in chunk])


def import_units(*, by, filename: str, data: bytes) -> ImportRecord:
    """Import a units sheet (.xlsx, .xls or CSV); all or nothing. Raises ImportFailed with every
    problem found, or PermissionDenied without core.unit:manage."""
    scope.require(by, "core.unit:manage")
    sheet = parse(excel.read_rows(filename, data))
    digest = hashlib.sha256(data).hexdigest()
    written: Path | None = None
    try:
        with transaction.atomic():
            p = plan(sheet, by)
            stored_as, written = _store(filename, data, digest)
            created_ids, updated_ids = _write(p, clock.now())
            user = by if isinstance(by, User) else None
            record = ImportRecord.objects.create(
                kind="units",
                unit_id=scope.scope_of(by).unit_id,
                filename=filename[:255],
                stored_as=stored_as,
                sha256=digest,
                rows=len(sheet.rows),
                created=len(created_ids),
                updated=len(updated_ids),
                by=user,
            )
            audit.record(
                "jianfu.core.unit.imported",
                actor=by,
                object_type="core.importrecord",
                object_id=record.pk,
                extra={
                    "sha256": digest,
                    "file": stored_as,
                    "filename": filename[:255],
                    "rows": len(sheet.rows),
                    "created_ids": created_ids,
                    "updated_ids": updated_ids,
                },
            )
    except PathOverflow as e:
        if written is not None:
            written.unlink(missing_ok=True)
        raise ImportFailed(
            [
                SheetError(
                    None,
                    None,
                    _("同一个上级单位下的下级单位数超过系统上限，本次没有保存任何内容。"),
                )
            ]
        ) from e
    except (IntegrityError, InvalidMoveToDescendant) as e:
        # Only a change made by someone else between our reads and writes gets here.
        if written is not None:
            written.unlink(missing_ok=True)
        raise ImportFailed(
            [
                SheetError(
                    None,
                    None,
                    _("导入时单位数据被他人同时修改，本次没有保存任何内容，请稍后重新导入。"),
                )
            ]
        ) from e
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return record


# --- Export and template ------------------------------------------------------------------------


def export_rows(principal) -> list[list]:
    units = scope.visible(Unit.objects.all(), principal, perm="core.unit:view", unit_field=None)
    values = list(
        units.order_by("path").values_list(
            "path", "code", "name", "short_name", "kind", "valid_until", "successor_id"
        )
    )
    step = Unit.steplen
    # Parent codes from the exported units themselves: the top unit's parent lies outside the
    # scope and is left empty (not revealed); on import an empty parent leaves a unit in place.
    code_at = {v[0]: v[1] for v in values}
    pk_code = _codes_by_pk({v[6] for v in values if v[6]})
    labels = kind_labels()
    return [
        [
            code,
            name,
            short_name,
            labels.get(kind, kind),
            code_at.get(path[:-step], ""),
            valid_until,
            pk_code.get(successor_id, "") if successor_id else "",
        ]
        for path, code, name, short_name, kind, valid_until, successor_id in values
    ]


EXPORT_COLUMNS = (CODE, NAME, SHORT, KIND, PARENT, UNTIL, SUCCESSOR)


def export_units(principal) -> bytes:
    """The units in the principal's scope as .xlsx (re-imports unchanged); audited."""
    rows = export_rows(principal)
    data = excel.write_workbook(
        [(str(_("单位")), [HEADERS[c] for c in EXPORT_COLUMNS], rows)],
        widths={
            (0, "A"): 18,
            (0, "B"): 30,
            (0, "C"): 16,
            (0, "D"): 14,
            (0, "E"): 18,
            (0, "F"): 12,
            (0, "G"): 16,
        },
    )
    with transaction.atomic():
        audit.record(
            "jianfu.core.unit.exported",
            actor=principal,
            object_type="core.unit",
            extra={
                "rows": len(rows),
                "scope_unit": scope.scope_of(principal).unit_id,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    return data


def units_template() -> bytes:
    """The import template: header, two example rows, a drop-down of kinds, and a sheet
    "说明" explaining each column."""
    labels = list(kind_labels().values())
    columns = [HEADERS[c] for c in TEMPLATE_COLUMNS]
    examples = [
        ["411702001", "示例街道办事处", "示例街道", kind_labels()[UnitKind.TOWNSHIP], "411702"],
        [
            "411702001001",
            "示例社区居民委员会",
            "示例社区",
            kind_labels()[UnitKind.VILLAGE],
            "411702001",
        ],
    ]
    notes = [
        [
            HEADERS[CODE],
            _("必填"),
            _(
                "单位的唯一代码（如统一社会信用代码或行政区划代码）。已有的代码会更新该单位，"
                "新的代码会新增单位。请把本列设为“文本”格式，以免开头的 0 或长代码被 Excel 改掉。"
            ),
        ],
        [HEADERS[NAME], _("必填"), _("单位全称，不超过 100 个字。")],
        [HEADERS[SHORT], _("选填"), _("单位简称，不超过 50 个字。")],
        [
            HEADERS[KIND],
            _("必填"),
            _("从下拉列表选择：")
            + "、".join(labels)
            + _("。也可写简称：县、区、乡镇、街道、村、社区、部门等。"),
        ],
        [
            HEADERS[PARENT],
            _("新单位必填"),
            _(
                "上级单位的代码：可以是系统中已有的、您管理范围内的单位，也可以是本表中的另一行"
                "（顺序不限）。已有单位填写了不同的上级时，会连同其下级单位一起调整到新的上级之下；"
                "已有单位不填则位置不变。"
            ),
        ],
        [
            HEADERS[UNTIL],
            _("选填"),
            _("导出文件中才有此列。单位撤销的日期（如 2025-01-31）；有此列时，留空表示单位仍在。"),
        ],
        [
            HEADERS[SUCCESSOR],
            _("选填"),
            _("导出文件中才有此列。单位撤销后由哪个单位承继（填代码），须同时填写撤销日期。"),
        ],
        ["", "", ""],
        [
            _("说明"),
            "",
            _(
                "第一行是表头，列的顺序不限；空行会跳过。导入时先检查整个文件，只要有一处错误，"
                "就一条也不保存，并列出每处错误所在的行和列；改正后重新导入即可。"
                "支持 .xlsx、.xls 和 CSV（UTF-8 或 GBK 编码）。导入前请删除上面两行示例。"
            ),
        ],
    ]
    return excel.write_workbook(
        [
            (str(_("单位")), columns, examples),
            (str(_("说明")), [_("列名"), _("是否必填"), _("填写说明")], notes),
        ],
        dropdowns={(0, "D"): labels},
        widths={
            (0, "A"): 18,
            (0, "B"): 30,
            (0, "C"): 16,
            (0, "D"): 16,
            (0, "E"): 18,
            (1, "A"): 16,
            (1, "B"): 12,
            (1, "C"): 100,
        },
    )
