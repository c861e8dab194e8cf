"""Reads of the clue ledger, each starting from the scope: the commission's ledger (a cluster is
one row with its count), one clue for the commission or — once referred, without the informant —
for its subject unit, a cluster's sources, the public status lookup and the rate limit's count."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from jianfu.core import clock, crypto, runtime, scope
from jianfu.core.scope_guard import unscoped

from . import config
from .config import INFORMANT, MANAGE, REFERRED, VIEW
from .models import Clue, ClueStatus, PublicReportHit

__all__ = ["INFORMANT", "MANAGE", "REFERRED", "VIEW"]


@dataclass
class Filters:
    channel: str = ""
    status: str = ""
    category: str = ""
    unit_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def _filtered(qs: QuerySet, f: Filters) -> QuerySet:
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.unit_id:
        qs = qs.filter(subject_unit_id=f.unit_id)
    if f.start:
        qs = qs.filter(received_at__date__gte=f.start)
    if f.end:
        qs = qs.filter(received_at__date__lte=f.end)
    return qs


def ledger(principal, f: Filters | None = None, *, limit: int = 200) -> list[Clue]:
    """The commission's ledger: each cluster as one row (its first clue) with `sources`, the
    number of clues in it; newest first. Two queries whatever the number of rows."""
    qs = scope.visible(Clue.scoped.all(), principal, perm=VIEW, unit_field="subject_unit")
    qs = _filtered(qs, f or Filters()).filter(cluster__isnull=True)
    rows = list(
        qs.select_related("subject_unit")
        .annotate(dups=Count("duplicates"))
        .order_by("-received_at", "-pk")[:limit]
    )
    for row in rows:
        row.sources = row.dups + 1
    return rows


def referred(principal, *, limit: int = 200) -> list[Clue]:
    """A unit's referred clues (its subtree), without anything of the informant."""
    qs = scope.visible(Clue.scoped.all(), principal, perm=REFERRED, unit_field="subject_unit")
    return list(
        qs.filter(referred_at__isnull=False, cluster__isnull=True)
        .select_related("subject_unit")
        .annotate(dups=Count("duplicates"))
        .order_by("-referred_at", "-pk")[:limit]
    )


def clue_for(principal, pk) -> tuple[Clue, bool]:
    """One clue and whether the account reads it as the commission. The commission (VIEW) sees
    any clue of its units; a unit with REFERRED sees a referred one; an unreferred clue does not
    exist for the unit (404)."""
    base = Clue.scoped.select_related("subject_unit", "cluster")
    if scope.can(principal, VIEW):
        return scope.get_for(base, principal, pk, perm=VIEW, unit_field="subject_unit"), True
    if scope.can(principal, REFERRED):
        qs = base.filter(referred_at__isnull=False)
        return scope.get_for(qs, principal, pk, perm=REFERRED, unit_field="subject_unit"), False
    # Neither: 404 outside the units, 403 with the reason inside.
    return scope.get_for(base, principal, pk, perm=VIEW, unit_field="subject_unit"), False


def cluster_of(clue: Clue) -> list[Clue]:
    """Every clue of the clue's cluster, the first one first (every source is kept and shown)."""
    root = clue.cluster_id or clue.pk
    return list(
        Clue.scoped.filter(Q(pk=root) | Q(cluster_id=root))
        .prefetch_related("files")
        .order_by("received_at", "pk")
    )


def to_dispose(principal) -> int:
    """Clusters received and not yet disposed of, for the commission's home card."""
    qs = scope.visible(Clue.scoped.all(), principal, perm=VIEW, unit_field="subject_unit")
    return qs.filter(cluster__isnull=True, status=ClueStatus.RECEIVED).count()


PUBLIC_STATUS = {
    ClueStatus.RECEIVED: "received",
    ClueStatus.DISPOSING: "handling",
    ClueStatus.HANDLING: "handling",
    ClueStatus.PASSED_ON: "passed_on",
    ClueStatus.CLOSED: "closed",
}


def public_status(receipt_no: str, code: str) -> Clue | None:
    """The clue a receipt number and its query code name, or None (both must match)."""
    receipt_no, code = (receipt_no or "").strip(), (code or "").strip().upper()
    if not receipt_no or not code:
        return None
    with unscoped():
        clue = (
            Clue.scoped.filter(receipt_no=receipt_no)
            .only("status", "received_at", "query_digest", "receipt_no")
            .first()
        )
    if clue is None or not clue.query_digest:
        return None
    if not _equal(clue.query_digest, crypto.fingerprint(code)):
        return None
    return clue


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a, b)


def hits_in_window(ip: str) -> int:
    window = runtime.get(config.PUBLIC_WINDOW)
    since = clock.now() - dt.timedelta(minutes=window)
    return PublicReportHit.objects.filter(ip=ip, at__gt=since, accepted=True).count()
