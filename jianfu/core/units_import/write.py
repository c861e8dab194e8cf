"""Writing a checked units sheet: new units with their paths computed here, moves through
treebeard, field updates and successors last (they may name units just created)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Max
from django.db.models.functions import Length, Substr
from treebeard.exceptions import PathOverflow

from .. import bulk
from ..bulk import chunks
from ..models import Unit
from .checks import Entry, Plan


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
    for chunk in chunks(paths):
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
    creates_by_level: dict[int, list[Entry]] = defaultdict(list)
    for r in p.creates:
        creates_by_level[level[r.code]].append(r)
    moves_by_level: dict[int, list[Entry]] = defaultdict(list)
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
        for chunk in chunks(missing):
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
                for chunk in chunks(codes):
                    Unit.objects.filter(code__in=chunk).update(numchild=F("numchild") + n)
        for r in moves_by_level.get(lvl, ()):
            node = Unit.objects.get(pk=p.existing[r.code].pk)
            target = Unit.objects.get(code=p.parent_of[r.code])
            Unit.objects.move(node, target, pos="last-child")
            paths.clear()
    missing = [c for c in created_codes if c not in created_pks]
    for chunk in chunks(missing):
        created_pks.update(Unit.objects.filter(code__in=chunk).values_list("code", "pk"))

    # Field updates of existing units, then successors (which may name units just created).
    pk_of = {code: e.pk for code, e in p.existing.items()} | created_pks
    successors = {c: s for c, s in p.successor_of.items() if s}
    resolve_pk = [s for s in successors.values() if s not in pk_of]
    for chunk in chunks(resolve_pk):
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
    bulk.update_many(
        Unit, updated, ["name", "short_name", "kind", "updated_at", "valid_until", "successor_id"]
    )
    bulk.update_many(
        Unit,
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
