"""Reads of the bulletin: which bulletins a person may see, and one bulletin as shown (internal
or public version) with its read confirmations."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from jianfu.core import scope
from jianfu.core.models import Unit

from .models import Bulletin, Receipt, Status

VIEW = "bulletins.bulletin:view"
DRAFT = "bulletins.bulletin:draft"
APPROVE = "bulletins.bulletin:approve"


def is_staff(user) -> bool:
    """Office staff and leaders see every bulletin of their units, drafts included; the units
    see the published bulletins addressed to them."""
    return scope.can(user, DRAFT) or scope.can(user, APPROVE)


def bulletins_for(user) -> QuerySet:
    s = scope.require(user, VIEW)
    if is_staff(user):
        return Bulletin.objects.filter(s.units_q("unit__"))
    mine = Unit.objects.filter(s.units_q()).values("pk")
    addressed = Receipt.objects.filter(unit__in=mine).values("bulletin")
    return Bulletin.objects.filter(status=Status.PUBLISHED, pk__in=addressed)


def bulletin_for(user, pk) -> Bulletin:
    """The one access helper: 404 for a bulletin the user may not see."""
    try:
        return bulletins_for(user).select_related("unit", "created_by", "approved_by").get(pk=pk)
    except Bulletin.DoesNotExist:
        raise Http404 from None


def listing(user) -> QuerySet:
    return bulletins_for(user).annotate(
        addressed=Count("receipts"),
        read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
    )


def version(bulletin: Bulletin, public: bool) -> list[dict]:
    """The sections as shown: the public version leaves out internal sections and lines."""
    out = []
    for s in bulletin.content:
        if public and not s.get("public", True):
            continue
        lines = [ln for ln in s["lines"] if ln.get("public", True)] if public else s["lines"]
        out.append({**s, "lines": lines})
    return out


def links_for(user, sections: list[dict]) -> list[dict]:
    """A unit reading a bulletin follows the evidence of its own units only: the links of the
    other units' lines (pages it would get 404 on) are left out."""
    if is_staff(user):
        return sections
    s = scope.scope_of(user)
    ids = {ln["unit"] for sec in sections for ln in sec["lines"] if ln.get("unit")}
    mine = set(Unit.objects.filter(s.units_q(), pk__in=ids).values_list("pk", flat=True))
    return [
        {
            **sec,
            "url": "",
            "lines": [ln if ln.get("unit") in mine else {**ln, "url": ""} for ln in sec["lines"]],
        }
        for sec in sections
    ]


@dataclass
class Reading:
    addressed: int
    read: int
    unread: list[Receipt]
    done: list[Receipt]


def reading(bulletin: Bulletin) -> Reading:
    receipts = list(bulletin.receipts.select_related("unit", "read_by").order_by("unit__path"))
    unread = [r for r in receipts if r.read_at is None]
    return Reading(
        len(receipts), len(receipts) - len(unread), unread, [r for r in receipts if r.read_at]
    )


def my_receipt(bulletin: Bulletin, user) -> Receipt | None:
    if not scope.can(user, "bulletins.bulletin:confirm"):
        return None
    return Receipt.objects.filter(bulletin=bulletin, unit=user.home_unit).first()


def to_confirm(user) -> QuerySet:
    """Published bulletins addressed to the user's unit not yet confirmed read."""
    return Bulletin.objects.filter(
        status=Status.PUBLISHED,
        receipts__unit=user.home_unit,
        receipts__read_at__isnull=True,
    )


def to_review(user) -> QuerySet:
    if not scope.can(user, APPROVE):
        return Bulletin.objects.none()
    return bulletins_for(user).filter(status=Status.REVIEW)
