"""Writes on the negative list and the self-examination rounds (自查). Each is one transaction and
ends with its audit entry.

A list is edited as a draft and frozen when published; next year's list is a new version copied from
it, so a round always answers the items it was opened on. A unit answers every item of its round;
when it submits, each item it found present (or partly present) becomes a problem on its list.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind

from ..models import (
    Answer,
    ExamAnswer,
    NegativeList,
    NegativeListItem,
    Participation,
    Problem,
    Round,
    Severity,
    Source,
    Step,
    StepKind,
)

audit.describe(
    {
        "jianfu.rectification.list.created": gettext_lazy("新建负面清单"),
        "jianfu.rectification.list.updated": gettext_lazy("修改负面清单"),
        "jianfu.rectification.list.published": gettext_lazy("发布负面清单"),
        "jianfu.rectification.list.imported": gettext_lazy("导入负面清单事项"),
        "jianfu.rectification.round.opened": gettext_lazy("发起自查"),
        "jianfu.rectification.round.closed": gettext_lazy("结束自查"),
        "jianfu.rectification.exam.saved": gettext_lazy("保存自查结果"),
        "jianfu.rectification.exam.submitted": gettext_lazy("提交自查结果"),
    }
)

MANAGE = "rectification.list:manage"
ANSWER = "rectification.exam:answer"
# Who answers a round by default: the units that issue documents and hold meetings, not villages.
DEFAULT_KINDS = (
    UnitKind.COUNTY,
    UnitKind.DEPARTMENT,
    UnitKind.COUNTY_DEPARTMENT,
    UnitKind.TOWNSHIP,
)
SEVERITY_OF = {Answer.PRESENT: Severity.MEDIUM, Answer.PARTLY: Severity.LOW}


# --- Negative list --------------------------------------------------------------------------------


@transaction.atomic
def list_create(*, by, title: str, issued_by: str = "", year: int) -> NegativeList:
    scope.require(by, MANAGE)
    title = (title or "").strip()
    if not title:
        raise DomainError("required", _("请填写清单名称。"), field="title")
    if not 2000 <= (year or 0) <= 2100:
        raise DomainError("year", _("年度无效。"), field="year")
    version = (NegativeList.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
    nl = NegativeList.objects.create(
        title=title,
        issued_by=(issued_by or "").strip(),
        year=year,
        version=version,
        created_by=by,
        created_at=clock.now(),
    )
    audit.record("jianfu.rectification.list.created", actor=by, obj=nl)
    return nl


@transaction.atomic
def list_new_version(*, by, source: NegativeList, year: int, title: str = "") -> NegativeList:
    """Next year's list starts as a copy of this one; earlier rounds keep what they answered."""
    scope.require(by, MANAGE)
    version = (NegativeList.objects.filter(year=year).aggregate(v=Max("version"))["v"] or 0) + 1
    nl = NegativeList.objects.create(
        title=(title or source.title).strip(),
        issued_by=source.issued_by,
        year=year,
        version=version,
        previous=source,
        created_by=by,
        created_at=clock.now(),
    )
    NegativeListItem.objects.bulk_create(
        NegativeListItem(
            negative_list=nl,
            number=i.number,
            position=i.position,
            category=i.category,
            title=i.title,
            explanation=i.explanation,
        )
        for i in source.items.all()
    )
    audit.record(
        "jianfu.rectification.list.created", actor=by, obj=nl, extra={"copied_from": source.pk}
    )
    return nl


def refuse_published(negative_list: NegativeList) -> None:
    """A published list is frozen: DomainError "published"."""
    if negative_list.is_published:
        raise DomainError("published", _("该清单已发布，不能再修改；请新建版本。"), status=409)


def _draft(by, negative_list: NegativeList) -> NegativeList:
    scope.require(by, MANAGE)
    locked = NegativeList.objects.select_for_update().get(pk=negative_list.pk)
    refuse_published(locked)
    return locked


def clean_item(data: dict) -> dict:
    names = ("number", "category", "title", "explanation")
    out = {k: str(data.get(k) or "").strip() for k in names}
    for name, label in (("number", _("序号")), ("category", _("类别")), ("title", _("表现形式"))):
        if not out[name]:
            raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=name)
    if len(out["number"]) > 12:
        raise DomainError("too_long", _("序号不能超过 12 个字符。"), field="number")
    if len(out["category"]) > 60:
        raise DomainError("too_long", _("类别不能超过 60 个字符。"), field="category")
    if len(out["title"]) > 300:
        raise DomainError("too_long", _("表现形式不能超过 300 个字符。"), field="title")
    return out


@transaction.atomic
def item_save(*, by, negative_list: NegativeList, data: dict, item_id: int | None = None):
    nl = _draft(by, negative_list)
    data = clean_item(data)
    clash = nl.items.filter(number=data["number"]).exclude(pk=item_id).exists()
    if clash:
        raise DomainError(
            "duplicate",
            _("序号“%(n)s”在本清单中已存在。") % {"n": data["number"]},
            field="number",
        )
    if item_id is None:
        position = (nl.items.aggregate(p=Max("position"))["p"] or 0) + 1
        item = NegativeListItem.objects.create(negative_list=nl, position=position, **data)
        changes = {"item": [None, data["number"]]}
    else:
        item = nl.items.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise DomainError("not_found", _("该事项不存在。"), status=404)
        before = {k: getattr(item, k) for k in data}
        for k, v in data.items():
            setattr(item, k, v)
        item.save()
        changes = audit.diff(before, data)
    audit.record(
        "jianfu.rectification.list.updated",
        actor=by,
        obj=nl,
        changes=changes,
        extra={"item": item.pk},
    )
    return item


@transaction.atomic
def item_delete(*, by, negative_list: NegativeList, item_id: int) -> None:
    nl = _draft(by, negative_list)
    item = nl.items.filter(pk=item_id).first()
    if item is None:
        raise DomainError("not_found", _("该事项不存在。"), status=404)
    item.delete()
    audit.record(
        "jianfu.rectification.list.updated",
        actor=by,
        obj=nl,
        changes={"item": [item.number, None]},
    )


def items_write(*, by, negative_list: NegativeList, rows: list[dict]) -> list[NegativeListItem]:
    """The draft's items become `rows` (validated by the caller), inside the caller's
    transaction, which audits it (the import runner's one entry, or items_replace)."""
    nl = _draft(by, negative_list)
    nl.items.all().delete()
    return NegativeListItem.objects.bulk_create(
        NegativeListItem(negative_list=nl, position=i, **row) for i, row in enumerate(rows, 1)
    )


@transaction.atomic
def items_replace(*, by, negative_list: NegativeList, rows: list[dict], import_extra: dict):
    """The draft's items become the given rows (all or nothing; the caller has validated every
    row), audited as an import: what the demo does for a list it has as rows rather than a file
    (list_import imports files)."""
    nl = _draft(by, negative_list)
    items_write(by=by, negative_list=nl, rows=rows)
    audit.record(
        "jianfu.rectification.list.imported",
        actor=by,
        obj=nl,
        extra={"rows": len(rows), **import_extra},
    )
    return nl


@transaction.atomic
def list_publish(*, by, negative_list: NegativeList) -> NegativeList:
    nl = _draft(by, negative_list)
    if not nl.items.exists():
        raise DomainError("empty", _("清单还没有事项，不能发布。"))
    nl.published_at = clock.now()
    nl.save(update_fields=["published_at"])
    audit.record("jianfu.rectification.list.published", actor=by, obj=nl)
    return nl


# --- Rounds ---------------------------------------------------------------------------------------


@transaction.atomic
def round_open(
    *,
    by,
    negative_list: NegativeList,
    title: str,
    scope_unit_id: int,
    deadline: dt.date | None,
    unit_kinds=DEFAULT_KINDS,
) -> Round:
    s = scope.require(by, MANAGE)
    title = (title or "").strip()
    if not title:
        raise DomainError("required", _("请填写自查名称。"), field="title")
    if not negative_list.is_published:
        raise DomainError(
            "not_published", _("只能对照已发布的负面清单开展自查。"), field="negative_list"
        )
    if deadline is None:
        raise DomainError("required", _("请填写截止日期。"), field="deadline")
    if deadline < clock.today():
        raise DomainError(
            "deadline_past",
            _("截止日期 %(d)s 已过。") % {"d": deadline.isoformat()},
            field="deadline",
        )
    kinds = [k for k in unit_kinds if k in UnitKind.values]
    if not kinds:
        raise DomainError("required", _("请选择参加自查的单位类型。"), field="unit_kinds")
    root = Unit.objects.filter(s.units_q()).filter(pk=scope_unit_id).first()
    if root is None:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field="scope_unit")
    today = clock.today()
    units = (
        Unit.objects.get_tree(root)
        .filter(kind__in=kinds)
        .exclude(valid_until__lte=today)
        .values_list("pk", flat=True)
    )
    unit_ids = list(units)
    if not unit_ids:
        raise DomainError("no_units", _("所选范围内没有这些类型的单位。"), field="unit_kinds")
    rnd = Round.objects.create(
        title=title,
        negative_list=negative_list,
        scope_unit=root,
        unit_kinds=kinds,
        opened_at=clock.now(),
        deadline=deadline,
        opened_by=by,
    )
    Participation.objects.bulk_create(
        (Participation(round=rnd, unit_id=u) for u in unit_ids), batch_size=1000
    )
    audit.record(
        "jianfu.rectification.round.opened",
        actor=by,
        obj=rnd,
        extra={"units": len(unit_ids), "list": negative_list.pk},
    )
    return rnd


@transaction.atomic
def round_close(*, by, round: Round) -> Round:
    scope.require(by, MANAGE)
    rnd = Round.objects.select_for_update().get(pk=round.pk)
    if rnd.closed_at is None:
        rnd.closed_at = clock.now()
        rnd.save(update_fields=["closed_at"])
        audit.record("jianfu.rectification.round.closed", actor=by, obj=rnd)
    return rnd


def _participation(by, participation_id: int) -> Participation:
    s = scope.scope_of(by)
    p = (
        # of=self: locking the round's row would queue every unit submitting to it.
        Participation.objects.select_for_update(of=("self",))
        .select_related("round", "unit")
        .filter(s.units_q("unit__"))
        .filter(pk=participation_id)
        .first()
    )
    if p is None:
        raise DomainError("not_found", _("该自查不存在或不在您的范围内。"), status=404)
    scope.require(by, ANSWER)
    if p.submitted_at is not None:
        raise DomainError("submitted", _("本单位已提交自查结果，不能再修改。"), status=409)
    if p.round.closed_at is not None:
        raise DomainError("closed", _("本轮自查已结束。"), status=409)
    return p


def _clean_answers(p: Participation, answers: dict) -> dict[int, tuple[str, str] | None]:
    """{item id: (answer, explanation)}, or None for an item whose answer was cleared."""
    items = {i.pk: i for i in p.round.negative_list.items.all()}
    out = {}
    for item_id, (answer, explanation) in answers.items():
        item = items.get(int(item_id))
        if item is None:
            raise DomainError("item", _("事项不属于本轮自查的清单。"))
        if not answer:
            out[item.pk] = None
            continue
        if answer not in Answer.values:
            raise DomainError(
                "answer", _("第 %(n)s 项的自查结果无效。") % {"n": item.number}, field=f"a{item_id}"
            )
        explanation = (explanation or "").strip()
        label = _("第 %(n)s 项的具体表现") % {"n": item.number}
        if problem := inputs.text_problem(explanation, label, multiline=True):
            raise DomainError("bad_text", problem, field=f"e{item_id}")
        if answer != Answer.ABSENT and not explanation:
            raise DomainError(
                "explanation_required",
                _("第 %(n)s 项选择了“%(a)s”，请写明具体表现。")
                % {"n": item.number, "a": Answer(answer).label},
                field=f"e{item_id}",
            )
        out[item.pk] = (answer, explanation)
    return out


def _store_answers(p: Participation, by, cleaned: dict) -> None:
    now = clock.now()
    existing = {a.item_id: a for a in p.answers.all()}
    new, changed = [], []
    # An answer cleared on the form is cleared in the draft too: submitting must not find it.
    cleared = [existing[i].pk for i, v in cleaned.items() if v is None and i in existing]
    ExamAnswer.objects.filter(pk__in=cleared).delete()
    for item_id, value in cleaned.items():
        if value is None:
            continue
        answer, explanation = value
        a = existing.get(item_id)
        if a is None:
            new.append(
                ExamAnswer(
                    participation=p,
                    item_id=item_id,
                    answer=answer,
                    explanation=explanation,
                    answered_by=by,
                    answered_at=now,
                )
            )
        elif (a.answer, a.explanation) != (answer, explanation):
            a.answer, a.explanation, a.answered_by, a.answered_at = answer, explanation, by, now
            changed.append(a)
    ExamAnswer.objects.bulk_create(new)
    ExamAnswer.objects.bulk_update(changed, ["answer", "explanation", "answered_by", "answered_at"])


@transaction.atomic
def exam_save(*, by, participation_id: int, answers: dict) -> Participation:
    """Save what the unit has answered so far (a draft: unanswered items stay open)."""
    p = _participation(by, participation_id)
    _store_answers(p, by, _clean_answers(p, answers))
    audit.record("jianfu.rectification.exam.saved", actor=by, obj=p, extra={"round": p.round_id})
    return p


@transaction.atomic
def exam_submit(*, by, participation_id: int, answers: dict) -> list[Problem]:
    """Submit: every item answered; each one present or partly present becomes a problem."""
    p = _participation(by, participation_id)
    _store_answers(p, by, _clean_answers(p, answers))
    stored = {a.item_id: a for a in p.answers.select_related("item")}
    missing = [i.number for i in p.round.negative_list.items.all() if i.pk not in stored]
    if missing:
        raise DomainError(
            "unanswered",
            _("还有 %(n)s 项未作答（序号：%(list)s），请全部作答后再提交。")
            % {"n": len(missing), "list": "、".join(missing[:20])},
        )
    now, today = clock.now(), clock.today()
    found = [a for a in stored.values() if a.answer != Answer.ABSENT]
    problems = Problem.objects.bulk_create(
        Problem(
            unit_id=p.unit_id,
            source=Source.SELF_EXAM,
            item=a.item,
            description=a.explanation,
            severity=SEVERITY_OF[a.answer],
            found_on=today,
            evidence={"round": p.round_id, "item": a.item.number, "answer": a.answer},
            exam_answer=a,
            created_by=by,
            created_at=now,
            updated_by=by,
            updated_at=now,
        )
        for a in sorted(found, key=lambda a: a.item.position)
    )
    if problems and problems[0].pk is None:
        problems = list(Problem.objects.filter(exam_answer__participation=p).order_by("pk"))
    Step.objects.bulk_create(
        Step(problem=pr, kind=StepKind.CREATED, to_status=pr.status, by=by, at=now)
        for pr in problems
    )
    p.submitted_at, p.submitted_by = now, by
    p.save(update_fields=["submitted_at", "submitted_by"])
    if problems:
        events.data_changed("rectification")
    audit.record(
        "jianfu.rectification.exam.submitted",
        actor=by,
        obj=p,
        extra={"round": p.round_id, "problems": [pr.pk for pr in problems]},
    )
    return problems
