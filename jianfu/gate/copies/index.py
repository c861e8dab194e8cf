"""The index of registered documents' texts: signatures in the database, the LSH in the process.

Writes (`index_documents`) compute the signatures of documents with text that are new or changed
since they were indexed, and the copies found for them (`Match`): the changed document against
its LSH candidates both ways (it may copy them, or — a higher level's document registered late —
be what they copied). They are derived data, like the registry's monthly rollup: written by the
nightly job, by the registry's data-changed event and on demand, not audited.

The LSH (datasketch MinHashLSH over the signatures, 42 bands of 3 rows) is built in the process
from the stored signatures and kept until they change, which the count, highest id and sum of ids
of the rows tell (a changed text deletes its row and creates another: see models.py). It is kept
only outside a transaction: inside one (a test, the demo's load) rows it read may roll back, so it
is built afresh for each use.

Bands. A pair of signatures agreeing on a share J of their 128 bins becomes a candidate with
probability 1 - (1 - J^3)^42: 0.996 at J = 0.5 — the Jaccard of two documents of like length one of
which copies 70 % of the other —, 0.93 at 0.4, 0.68 at 0.3, and 0.04 at 0.1 (documents on one
subject in the same register), so the exact share is computed for few documents. A short document
copying 70 % of one more than twice its length has a Jaccard under 0.3 and may be missed by the
search; the proposal's own source (what it implements) is always compared exactly.
"""

import threading
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from jianfu.core.models import Unit, UnitKind
from jianfu.registry.models import Document

from . import text
from .models import Match, Signature

BANDS, ROWS = 42, 3
THRESHOLD = 0.5  # the Jaccard the bands are chosen for (see above)
FLOOR = 30.0  # a pair sharing less (percent of the document) is not kept as a match
BATCH = 500
REFRESH_LIMIT = 50  # documents a page indexes before its query (see refresh)
DEPARTMENTS = (UnitKind.DEPARTMENT, UnitKind.COUNTY_DEPARTMENT)


@dataclass
class Index:
    lsh: MinHashLSH
    units: dict[int, int]  # document id → unit id

    def candidates(self, signature: np.ndarray) -> list[int]:
        return list(self.lsh.query(_minhash(signature)))


def _minhash(signature: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=text.SEED, hashvalues=signature, scheme="legacy")


def _lsh() -> MinHashLSH:
    return MinHashLSH(num_perm=text.NUM_PERM, params=(BANDS, ROWS))


def build(rows) -> Index:
    """An index of (document id, unit id, signature bytes) rows."""
    lsh, units = _lsh(), {}
    with lsh.insertion_session(buffer_size=50_000) as session:
        for doc_id, unit_id, raw in rows:
            session.insert(doc_id, _minhash(np.frombuffer(bytes(raw), dtype=np.uint64)))
            units[doc_id] = unit_id
    return Index(lsh, units)


_KEPT: dict[str, tuple[tuple, Index]] = {}
_LOCK = threading.Lock()


def current() -> Index:
    """The index of every stored signature (kept in the process until they change)."""
    fingerprint = tuple(
        Signature.objects.aggregate(n=Count("pk"), last=Max("pk"), ids=Sum("pk")).values()
    )
    key = connection.settings_dict["NAME"]
    kept = _KEPT.get(key)
    if kept is not None and kept[0] == fingerprint and not connection.in_atomic_block:
        return kept[1]
    index = build(Signature.objects.values_list("document_id", "unit_id", "hashvalues").iterator())
    if not connection.in_atomic_block:
        with _LOCK:
            _KEPT[key] = (fingerprint, index)
    return index


# --- Levels ---------------------------------------------------------------------------------------


def is_higher(source: Unit, unit: Unit) -> bool:
    """Whether `source` is of a higher level than `unit`: one of its ancestors, or a department
    of one of them (the city's departments issue the city's documents for a county; a county
    department's sister departments are of its own level)."""
    if source.pk == unit.pk:
        return False
    if unit.path.startswith(source.path):
        return len(source.path) < len(unit.path)
    parent = source.path[: -Unit.steplen]
    if source.kind not in DEPARTMENTS or not parent or not unit.path.startswith(parent):
        return False
    own_parent = unit.path[: -Unit.steplen]
    return not (parent == own_parent and unit.kind in DEPARTMENTS)


# --- Writes ---------------------------------------------------------------------------------------


def stale(document_ids=None):
    """Documents to (re)index: with text and no signature, or changed since indexed."""
    signed = Signature.objects.filter(document_id=OuterRef("pk"))
    fresh = signed.filter(indexed_at__gte=OuterRef("updated_at"))
    qs = Document.objects.exclude(full_text="").filter(~Exists(signed) | ~Exists(fresh))
    if document_ids is not None:
        qs = qs.filter(pk__in=list(document_ids))
    return qs


def refresh(limit: int = REFRESH_LIMIT) -> bool:
    """Bring the index up to date before a query when only a few documents are new or changed
    since the last run: a page can afford a few signatures, while a bulk import's thousands wait
    for the nightly job (tasks.copies_index). True when the index is fresh."""
    ids = list(stale().order_by("pk").values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        return False
    if ids:
        index_documents(ids)
    return True


def index_documents(document_ids=None, *, force: bool = False) -> int:
    """Index the documents new or changed since they were indexed (of `document_ids`, or all),
    then find their copies. `force` recomputes the given documents even when unchanged. Returns
    how many signatures were written."""
    if force and document_ids is not None:
        todo = Document.objects.exclude(full_text="").filter(pk__in=list(document_ids))
    else:
        todo = stale(document_ids)
    ids = list(todo.values_list("pk", flat=True).order_by("pk"))
    emptied = Signature.objects.filter(document__full_text="")
    if document_ids is not None:
        emptied = emptied.filter(document_id__in=list(document_ids))
    changed, written = set(), 0
    with transaction.atomic():
        gone = list(emptied.values_list("document_id", flat=True))
        if gone:
            Match.objects.filter(Q(document_id__in=gone) | Q(source_id__in=gone)).delete()
            emptied.delete()
        for start in range(0, len(ids), BATCH):
            n, new = _sign(ids[start : start + BATCH], force)
            written += n
            changed |= new
        if changed or force:
            find_matches(changed | (set(document_ids or ()) if force else set()))
    return written


def _sign(ids: list[int], force: bool) -> tuple[int, set[int]]:
    now = timezone.now()
    docs = list(
        Document.objects.filter(pk__in=ids).values_list("pk", "unit_id", "issued_on", "full_text")
    )
    # A document moved to another unit or date is compared again too (whether its source is a
    # higher level's earlier document depends on both).
    old = {
        pk: rest
        for pk, *rest in Signature.objects.filter(document_id__in=ids).values_list(
            "document_id", "digest", "unit_id", "issued_on"
        )
    }
    kept = [text.kept(t)[0] for _pk, _u, _d, t in docs]
    digests = [text.digest_of(c) for c in kept]
    now_as = [[dg, d[1], d[2]] for d, dg in zip(docs, digests, strict=True)]
    redo = [i for i, d in enumerate(docs) if old.get(d[0]) != now_as[i]]
    same = [d[0] for i, d in enumerate(docs) if old.get(d[0]) == now_as[i]]
    if same:
        Signature.objects.filter(document_id__in=same).update(indexed_at=now)
    if force:
        redo = list(range(len(docs)))
    if not redo:
        return 0, set()
    sigs = text.signatures([text.shingle_hashes(kept[i]) for i in redo])
    Signature.objects.filter(document_id__in=[docs[i][0] for i in redo]).delete()
    Signature.objects.bulk_create(
        [
            Signature(
                document_id=docs[i][0],
                unit_id=docs[i][1],
                issued_on=docs[i][2],
                length=len(kept[i]),
                digest=digests[i],
                hashvalues=sig.tobytes(),
                indexed_at=now,
            )
            for i, sig in zip(redo, sigs, strict=True)
        ]
    )
    return len(redo), {docs[i][0] for i in redo}


def find_matches(document_ids) -> int:
    """Compare each document with its LSH candidates both ways and keep the pairs sharing at
    least FLOOR percent (the setting's threshold is applied on reading, so changing it needs no
    new comparison). Returns the matches kept."""
    document_ids = set(document_ids)
    if not document_ids:
        return 0
    index = current()
    stored = dict(
        Signature.objects.filter(document_id__in=document_ids).values_list(
            "document_id", "hashvalues"
        )
    )
    pairs: set[tuple[int, int]] = set()
    for doc_id, raw in stored.items():
        for other in index.candidates(np.frombuffer(bytes(raw), dtype=np.uint64)):
            if other != doc_id and index.units.get(other) != index.units.get(doc_id):
                pairs |= {(doc_id, other), (other, doc_id)}
    Match.objects.filter(Q(document_id__in=document_ids) | Q(source_id__in=document_ids)).delete()
    return _compare_pairs(pairs)


def _compare_pairs(pairs: set[tuple[int, int]]) -> int:
    if not pairs:
        return 0
    involved = {d for pair in pairs for d in pair}
    docs = Document.objects.select_related("unit").in_bulk(list(involved))
    prepared = {pk: text.Prepared(d.full_text) for pk, d in docs.items()}
    now, rows = timezone.now(), []
    for doc_id, source_id in sorted(pairs):
        doc, source = docs.get(doc_id), docs.get(source_id)
        if doc is None or source is None:
            continue
        found = text.compare(prepared[doc_id], prepared[source_id])
        share = round(found.share * 100, 1)
        if share < FLOOR:
            continue
        rows.append(
            Match(
                document=doc,
                source=source,
                unit_id=doc.unit_id,
                source_unit_id=source.unit_id,
                issued_on=doc.issued_on,
                share=share,
                jaccard=round(found.jaccard * 100, 1),
                passages=len(found.passages),
                higher=source.issued_on < doc.issued_on and is_higher(source.unit, doc.unit),
                found_at=now,
            )
        )
    Match.objects.filter(
        document_id__in=[r.document_id for r in rows], source_id__in=[r.source_id for r in rows]
    ).delete()
    Match.objects.bulk_create(rows)
    return len(rows)
