"""Checking a units sheet against the database and itself: codes used once, parents and
successors found in the file or the importer's scope, and no unit placed under its own
descendant. The spec's check (spec.py): the runner has read and parsed the cells by then."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..bulk import chunks
from ..imports import Row, Sheet, UnitIndex
from ..models import Unit
from .columns import CODE, KIND, NAME, PARENT, SHORT, SUCCESSOR, UNTIL

MAX_CODE = Unit._meta.get_field("code").max_length


@dataclass(slots=True)
class Entry:
    """A row of the file as the checks and the write read it. A cell that could not be read is
    empty here (a code too long is kept: the row still takes part in the checks across rows)."""

    row: Row
    line: int  # row number as the person sees it in Excel
    code: str
    name: str
    short_name: str | None  # None: the column is absent (leave existing values alone)
    kind: str
    parent: str
    valid_until: dt.date | None
    successor: str | None  # None: the column is absent


def _entry(r: Row, has_successor: bool) -> Entry:
    v = r.values
    return Entry(
        r,
        r.line,
        v.get(CODE) or "",
        v.get(NAME) or "",
        v.get(SHORT),
        v.get(KIND) or "",
        v.get(PARENT) or "",
        v.get(UNTIL),
        (v.get(SUCCESSOR) or "") if has_successor else None,
    )


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
    for chunk in chunks(codes):
        for values in Unit.objects.filter(code__in=chunk).order_by().values_list(*_EXISTING_FIELDS):
            e = Existing(*values)
            found[e.code] = e
    return found


def _codes_by_path(paths) -> dict[str, str]:
    found = {}
    for chunk in chunks(paths):
        found.update(Unit.objects.filter(path__in=chunk).order_by().values_list("path", "code"))
    return found


def _codes_by_pk(pks) -> dict[int, str]:
    found = {}
    for chunk in chunks(pks):
        found.update(Unit.objects.filter(pk__in=chunk).order_by().values_list("pk", "code"))
    return found


@dataclass
class Plan:
    creates: list[Entry] = field(default_factory=list)
    moves: list[Entry] = field(default_factory=list)
    updates: list[tuple[Entry, Existing]] = field(default_factory=list)  # fields changed
    existing: dict[str, Existing] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)  # code -> parent code (creates, moves)
    successor_of: dict[str, str | None] = field(default_factory=dict)  # code -> successor code
    has_until: bool = False  # the file has the 撤销日期 column (empty then means "open")
    rows: dict[str, Entry] = field(default_factory=dict)  # code -> its row, in the file's order


def plan(sheet: Sheet, units: UnitIndex) -> Plan:
    """Check every row against the database and each other; raise ImportFailed with every
    problem found (the sheet's own cell problems included)."""
    s = units.scope

    def err(e: Entry, key: str, message: str) -> None:
        sheet.error(e.row, key, message)

    # Duplicate codes within the file; a code too long (the parser kept it) first.
    has_successor = sheet.has(SUCCESSOR)
    rows: dict[str, Entry] = {}
    for r in sheet.rows:
        e = _entry(r, has_successor)
        if not e.code:
            continue
        if len(e.code) > MAX_CODE:
            err(e, CODE, _("单位代码“%(c)s”超过 %(n)s 个字符。") % {"c": e.code, "n": MAX_CODE})
        first = rows.get(e.code)
        if first is None:
            rows[e.code] = e
        else:
            err(
                e,
                CODE,
                _("单位代码“%(c)s”重复：第 %(a)s 行和第 %(b)s 行都是这个代码。")
                % {"c": e.code, "a": first.line, "b": e.line},
            )

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
        existing={c: in_scope[c] for c in rows if c in in_scope},
        has_until=sheet.has(UNTIL),
        rows=rows,
    )
    moving_paths: dict[str, str] = {}  # current path -> code, for existing units that move

    for code, r in rows.items():
        e = db.get(code)
        if e is not None and code not in in_scope:
            err(r, CODE, _("单位代码“%(c)s”已被其他单位使用，不能用于新单位。") % {"c": code})
            continue
        current_parent = parent_code_at.get(e.path[: -Unit.steplen]) if e else None
        # Parent.
        if not r.parent:
            if e is None:
                err(r, PARENT, _("上级单位代码不能为空：每个新单位都要有上级单位。"))
            # an existing unit with no parent given stays where it is
        elif r.parent == code:
            err(r, PARENT, _("单位不能是它自己的上级单位。"))
        elif e is not None and r.parent == current_parent:
            pass  # stays where it is (its parent may even lie outside the importer's scope)
        elif r.parent in rows or r.parent in in_scope:
            result.parent_of[code] = r.parent
            if e is not None:
                moving_paths[e.path] = code
        else:
            err(r, PARENT, _missing_unit(r.parent, db, _("上级单位")))
        # Successor.
        if r.successor is not None:
            current = successor_code.get(e.successor_id) if e and e.successor_id else None
            if r.successor == code:
                err(r, SUCCESSOR, _("承继单位不能是被撤销的单位本身。"))
            elif (
                r.successor
                and r.successor != current
                and not (r.successor in rows or r.successor in in_scope)
            ):
                err(r, SUCCESSOR, _missing_unit(r.successor, db, _("承继单位")))
            else:
                result.successor_of[code] = r.successor or None

    for cycle in _cycles(rows, db, result.parent_of, moving_paths):
        err(*cycle)
    if sheet.errors:
        sheet.fail()

    for code, r in rows.items():
        e = result.existing.get(code)
        if e is None:
            result.creates.append(r)
            continue
        r.row.match = e.pk
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


def _missing_unit(code: str, db: dict[str, Existing], what: str) -> str:
    """Why a parent or successor code cannot be used: it exists outside the importer's units
    (said as such, nothing more about it), or it exists nowhere."""
    if code in db:
        return _("%(what)s“%(c)s”不在您管理的单位范围内。") % {"what": what, "c": code}
    return _("找不到代码为“%(c)s”的%(what)s：它既不在本文件中，也不在您管理的单位里。") % {
        "c": code,
        "what": what,
    }


def _cycles(rows, db, parent_of, moving_paths) -> list[tuple[Entry, str, str]]:
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
            errors.append(_cycle_error(cycle, rows))
        for c in walk:
            state[c] = 2
    return errors


def _cycle_error(cycle: list[str], rows: dict[str, Entry]) -> tuple[Entry, str, str]:
    """(the cycle's first row in the file, its column, the sentence)."""
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
    return rows[first], PARENT, message % {"chain": chain}
