"""Cases as a source of problems: a case puts problems on its unit's problem list (rectification,
source "discipline"), one source record (CaseProblem) per problem, in one step; the unit's contact
is told. Rectification knows the source only by what it registers here."""

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu import notify
from jianfu.core import audit, clock, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import RoleGrant, User
from jianfu.rectification import sources
from jianfu.rectification.models import Problem, Severity, Source
from jianfu.rectification.problems import services as rectification

from .models import CaseProblem, CaseStatus
from .services import MANAGE, VIEW, lock_case

KIND = "discipline_case"
NOTICE = "accountability.case_problems"

audit.describe({"jianfu.accountability.case.problems": gettext_lazy("案件问题列入问题清单")})


def _link(record_id: int, user) -> str | None:
    if not scope.can(user, VIEW):
        return None
    case_id = CaseProblem.objects.filter(pk=record_id).values_list("case_id", flat=True).first()
    return reverse("acc_case_detail", args=[case_id]) if case_id else None


def _render(problem, user) -> list[dict]:
    e = problem.evidence or {}
    return [
        {
            "title": _("纪检监察处理"),
            "text": e.get("description", ""),
            "rows": [(_("案件"), e.get("case", "")), (_("列入时间"), e.get("at", "")[:10])],
        }
    ]


def register() -> None:
    sources.register(
        KIND,
        gettext_lazy("纪检监察案件"),
        link=_link,
        renderer=_render,
        link_text=gettext_lazy("查看来源案件"),
        icon="shield-exclamation",
    )
    notify.register(notify.Kind(NOTICE, gettext_lazy("纪检监察案件问题列入问题清单")))


def problems_of(case_ids) -> dict[int, list[Problem]]:
    """The problems each case opened, with their rectification status (two queries)."""
    records = dict(
        CaseProblem.objects.filter(case_id__in=list(case_ids)).values_list("pk", "case_id")
    )
    out: dict[int, list[Problem]] = {}
    for p in Problem.objects.filter(source_kind=KIND, source_id__in=list(records)).order_by("pk"):
        out.setdefault(records[p.source_id], []).append(p)
    return out


@transaction.atomic
def case_problems_open(*, by, case_id: int, descriptions: list[str]) -> list[Problem]:
    """Put the case's problems on its unit's problem list in one step (each line one problem)."""
    case = lock_case(by, case_id, MANAGE)
    if case.status == CaseStatus.VERIFYING and not case.findings:
        raise DomainError("findings", _("请先登记核查认定的事实，再列入问题清单。"), status=409)
    lines = [d.strip() for d in descriptions if d and d.strip()]
    if not lines:
        raise DomainError("descriptions", _("请填写至少一个问题（每行一个）。"), field="problems")
    for n, text in enumerate(lines, 1):
        if len(text) > 2000:
            raise DomainError(
                "too_long", _("第%(n)s行问题描述超过2000字。") % {"n": n}, field="problems"
            )
    now = clock.now()
    made = []
    for text in lines:
        record = CaseProblem.objects.create(
            case=case, unit_id=case.unit_id, description=text, created_at=now
        )
        made.append(
            rectification.problem_from_source(
                by=by,
                kind=KIND,
                source_id=record.pk,
                unit_id=case.unit_id,
                category=Source.DISCIPLINE,
                description=text,
                severity=Severity.HIGH,
                evidence={
                    "case": case.title,
                    "case_id": case.pk,
                    "description": text,
                    "at": now.isoformat(),
                },
            )
        )
    audit.record(
        "jianfu.accountability.case.problems",
        actor=by,
        obj=case,
        extra={"problems": [p.pk for p in made], "unit": case.unit_id},
    )
    contacts = list(
        User.objects.filter(
            home_unit_id=case.unit_id,
            is_active=True,
            pk__in=RoleGrant.objects.filter(role="contact").values("user_id"),
        )
    )
    if contacts:
        notify.send(
            NOTICE,
            key=f"{NOTICE}:{case.pk}:{made[0].pk}",
            recipients=contacts,
            subject=_("纪委监委将%(n)s个问题列入本单位问题清单") % {"n": len(made)},
            body=_("请在问题清单中查看并按期整改：%(list)s") % {"list": "；".join(lines)[:500]},
            link=reverse("rect_ledger", args=[case.unit_id]),
        )
    return made
