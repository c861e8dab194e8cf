"""Reads of typical cases: what an account may see, the redaction check, the units' studies.

A published case is for every unit (warning education is the point of publishing it): every
account with `accountability.typical:view` reads it, whatever its unit. Drafts and cases under
approval are the commission's, within its scope; for anyone else they do not exist (404).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import scope

from ..handling.models import Outcome
from .models import Study, TypicalCase, TypicalStatus

VIEW = "accountability.typical:view"
MANAGE = "accountability.typical:manage"
APPROVE = "accountability.typical:approve"
STUDY = "accountability.typical:study"
TRACK = "accountability.typical:track"

# --- What an account sees ----------------------------------------------------------------------


def published() -> QuerySet:
    # unscoped: a published case is addressed to every unit, its text redacted and approved.
    return TypicalCase.objects.filter(status=TypicalStatus.PUBLISHED)


def public_cases() -> QuerySet:
    """The cases on the public page (no login): published and chosen for the public page."""
    return published().filter(on_public_page=True).order_by("-published_at", "-pk")


def visible(principal) -> QuerySet:
    """Published cases for every account with the view code; every case of the commission's units
    for an account that manages them."""
    scope.require(principal, VIEW)
    qs = published()
    if scope.can(principal, MANAGE):
        qs = qs | scope.visible(
            TypicalCase.objects.all(), principal, perm=MANAGE, unit_field="case__unit"
        )
    return qs.select_related("case__unit").order_by("-pk")


def to_approve(principal) -> QuerySet:
    """Redacted cases another account drafted, waiting for this account's approval."""
    return (
        scope.visible(
            TypicalCase.objects.filter(status=TypicalStatus.REDACTED),
            principal,
            perm=APPROVE,
            unit_field="case__unit",
        )
        .exclude(drafted_by=principal)
        .order_by("redacted_at", "pk")
    )


def to_study(principal) -> QuerySet:
    """The published cases the account's own unit has not recorded studying yet."""
    scope.require(principal, STUDY)
    return (
        Study.objects.filter(
            unit_id=principal.home_unit_id,
            studied_on__isnull=True,
            typical__status=TypicalStatus.PUBLISHED,
        )
        .select_related("typical")
        .order_by("typical__published_at")
    )


def own_study(principal, typical) -> Study | None:
    if not principal.home_unit_id:
        return None
    return Study.objects.filter(typical=typical, unit_id=principal.home_unit_id).first()


# --- The redaction check --------------------------------------------------------------------------

_FULL_WIDTH = str.maketrans(
    {**{0xFF10 + i: str(i) for i in range(10)}, 0xFF38: "X", 0xFF58: "x", 0xFF0D: "-"}
)
PATTERNS = (
    ("id_number", re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")),
    ("mobile", re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")),
    ("landline", re.compile(r"(?<![0-9])0[0-9]{2,3}[- ][0-9]{7,8}(?![0-9])")),
)
KIND_LABELS = {
    "id_number": gettext_lazy("身份证号码"),
    "mobile": gettext_lazy("手机号码"),
    "landline": gettext_lazy("固定电话号码"),
    "name": gettext_lazy("姓名"),
}


@dataclass(frozen=True)
class Leak:
    """One thing the published text must not contain, where it is."""

    where: str  # "title" or "body"
    kind: str  # a key of KIND_LABELS
    value: str
    position: int  # 1-based character position in the field
    excerpt: str

    @property
    def sentence(self) -> str:
        return _("%(where)s第%(pos)s个字处有%(kind)s“%(value)s”：……%(excerpt)s……") % {
            "where": _("标题") if self.where == "title" else _("正文"),
            "pos": self.position,
            "kind": str(KIND_LABELS[self.kind]),
            "value": self.value,
            "excerpt": self.excerpt,
        }


def case_names(case) -> list[str]:
    """The personal names the platform knows for this case: its outcomes' persons."""
    names = {
        p.strip()
        # unscoped: the case was reached through the scope by the caller.
        for p in Outcome.objects.filter(case=case).values_list("person", flat=True)
        if p and p.strip()
    }
    return sorted(names, key=lambda n: (-len(n), n))


def _excerpt(text: str, start: int, end: int) -> str:
    return text[max(0, start - 8) : end + 8].replace("\n", " ")


def leaks(*, title: str, body: str, names: list[str]) -> list[Leak]:
    """Every phone number, 18-digit ID number and known personal name in the title and body, in
    the order they appear."""
    found: list[Leak] = []
    for where, text in (("title", title or ""), ("body", body or "")):
        plain = text.translate(_FULL_WIDTH)  # same length: positions stay those of the text
        for kind, pattern in PATTERNS:
            for m in pattern.finditer(plain):
                found.append(
                    Leak(
                        where,
                        kind,
                        text[m.start() : m.end()],
                        m.start() + 1,
                        _excerpt(text, *m.span()),
                    )
                )
        for name in names:
            start = text.find(name)
            while start >= 0:
                end = start + len(name)
                found.append(Leak(where, "name", name, start + 1, _excerpt(text, start, end)))
                start = text.find(name, end)
    return sorted(found, key=lambda x: (x.where != "title", x.position, x.kind))


def leaks_of(typical: TypicalCase) -> list[Leak]:
    return leaks(title=typical.title, body=typical.body, names=case_names(typical.case))


# --- Studies --------------------------------------------------------------------------------------


@dataclass
class StudyRow:
    typical: TypicalCase
    studied: list[Study] = field(default_factory=list)
    pending: list[Study] = field(default_factory=list)

    @property
    def addressed(self) -> int:
        return len(self.studied) + len(self.pending)


def _period_q(start: dt.date | None, end: dt.date | None) -> Q:
    q = Q()
    tz = timezone.get_current_timezone()
    if start:
        q &= Q(published_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        q &= Q(
            published_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return q


def studies(
    principal,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    bulletin_only: bool = False,
    perm: str = TRACK,
) -> list[StudyRow]:
    """Each published case (in the period, if given) with the units in the principal's scope that
    studied it and those that have not yet. Three queries whatever the number of cases."""
    units_studies = scope.visible(Study.objects.all(), principal, perm=perm, unit_field="unit")
    cases = published().filter(_period_q(start, end))
    if bulletin_only:
        cases = cases.filter(in_bulletin=True)
    cases = cases.select_related("case__unit").prefetch_related(
        Prefetch(
            "studies",
            queryset=units_studies.select_related("unit").order_by("unit__path"),
            to_attr="scoped_studies",
        )
    )
    rows = []
    for t in cases.order_by("-published_at", "-pk"):
        row = StudyRow(t)
        for s in t.scoped_studies:
            (row.studied if s.studied_on else row.pending).append(s)
        rows.append(row)
    return rows


def studied_counts(typical_ids) -> dict[int, int]:
    """How many units recorded studying each case (for lists)."""
    return dict(
        Study.objects.filter(typical_id__in=list(typical_ids), studied_on__isnull=False)
        .values("typical_id")
        .annotate(n=Count("pk"))
        .values_list("typical_id", "n")
    )
