"""Reads on the negative list and the self-examination rounds. A list is the province's, not a
unit's, so the code alone gates it; a round and a unit's part in it are read within the user's
units (scope.visible / scope.get_for)."""

from django.db.models import Case, Count, Exists, Min, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from jianfu.core import scope
from jianfu.core.models import Unit

from ..models import (
    Answer,
    ExamAnswer,
    NegativeList,
    NegativeListItem,
    Participation,
    Problem,
    Round,
)

LIST_VIEW = "rectification.list:view"
EXAM_ANSWER = "rectification.exam:answer"


def negative_lists(user) -> QuerySet:
    """Every list version (lists are the province's, not a unit's: the code alone gates them),
    with its item and round counts."""
    scope.require(user, LIST_VIEW)
    return NegativeList.objects.select_related("created_by", "previous").annotate(
        item_count=Count("items", distinct=True), round_count=Count("rounds", distinct=True)
    )


def negative_list_for(user, pk) -> NegativeList:
    scope.require(user, LIST_VIEW)
    return get_object_or_404(NegativeList.objects.select_related("previous", "created_by"), pk=pk)


def items_by_category(negative_list: NegativeList) -> list[tuple[str, list[NegativeListItem]]]:
    """The items grouped by category, categories in the order their first item appears."""
    groups: dict[str, list[NegativeListItem]] = {}
    for item in negative_list.items.order_by("position", "pk"):
        groups.setdefault(item.category, []).append(item)
    return list(groups.items())


def next_number(negative_list: NegativeList) -> str:
    """The number a new item most likely takes: one more than the largest whole number."""
    numbers = [n for n in negative_list.items.values_list("number", flat=True) if n.isdigit()]
    return str(max((int(n) for n in numbers), default=0) + 1)


def rounds_of_list(negative_list: NegativeList, user) -> list[Round]:
    return list(
        scope.visible(
            negative_list.rounds.select_related("scope_unit"),
            user,
            perm=LIST_VIEW,
            unit_field="scope_unit",
        )
    )


def _progress(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        total=Count("participations", distinct=True),
        submitted=Count(
            "participations",
            filter=Q(participations__submitted_at__isnull=False),
            distinct=True,
        ),
    )


def rounds_for(user) -> QuerySet:
    """The rounds opened over units in the user's scope, newest first, with their progress."""
    return _progress(
        scope.visible(
            Round.objects.select_related("negative_list", "scope_unit", "opened_by"),
            user,
            perm=LIST_VIEW,
            unit_field="scope_unit",
        )
    ).order_by("-opened_at", "-pk")


def round_for(user, pk, *, perm: str = LIST_VIEW) -> Round:
    """One round (404 when its scope unit is outside the user's, 403 without the code)."""
    return scope.get_for(
        _progress(Round.objects.select_related("negative_list", "scope_unit", "opened_by")),
        user,
        pk,
        perm=perm,
        unit_field="scope_unit",
    )


def round_counties(rnd: Round) -> list[Unit]:
    """The counties under the round's scope unit that have units taking part: the filter."""
    taking_part = Participation.objects.filter(round=rnd, unit__path__startswith=OuterRef("path"))
    return list(
        Unit.objects.filter(path__startswith=rnd.scope_unit.path, kind="county")
        .filter(Exists(taking_part))
        .only("pk", "name", "short_name", "path")
        .order_by("path")
    )


def round_units(rnd: Round, *, county: Unit | None = None, status: str = "") -> QuerySet:
    """The round's participations, unfinished first (then in tree order), each with its answer
    counts and the problems its submission created."""
    qs = Participation.objects.filter(round=rnd)
    if county is not None:
        qs = qs.filter(unit__path__startswith=county.path)
    if status == "pending":
        qs = qs.filter(submitted_at__isnull=True)
    elif status == "submitted":
        qs = qs.filter(submitted_at__isnull=False)
    return (
        qs.select_related("unit", "submitted_by")
        .annotate(
            answered=Count("answers"),
            present=Count("answers", filter=Q(answers__answer=Answer.PRESENT)),
            partly=Count("answers", filter=Q(answers__answer=Answer.PARTLY)),
            problems=Count("answers__problem"),
        )
        .order_by(
            Case(When(submitted_at__isnull=True, then=Value(0)), default=Value(1)), "unit__path"
        )
    )


def round_summary(rnd: Round) -> dict[str, int]:
    answers = ExamAnswer.objects.filter(participation__round=rnd)
    counts = answers.filter(participation__submitted_at__isnull=False).aggregate(
        present=Count("pk", filter=Q(answer=Answer.PRESENT)),
        partly=Count("pk", filter=Q(answer=Answer.PARTLY)),
    )
    return {
        "total": rnd.total,
        "submitted": rnd.submitted,
        "pending": rnd.total - rnd.submitted,
        "items": rnd.negative_list.items.count(),
        "problems": Problem.objects.filter(exam_answer__participation__round=rnd).count(),
        **counts,
    }


def exam_participations(user, *, open_rounds: bool = True) -> list[Participation]:
    """What the user's units answer: the participations in scope, of open rounds (or of closed
    ones), the nearest deadline first, each unit in tree order; with answered/item counts."""
    qs = scope.visible(
        Participation.objects.select_related(
            "round", "round__negative_list", "unit", "submitted_by"
        ),
        user,
        perm=EXAM_ANSWER,
    ).filter(round__closed_at__isnull=open_rounds)
    qs = qs.annotate(answered=Count("answers"), problems=Count("answers__problem"))
    if open_rounds:
        qs = qs.order_by("round__deadline", "round_id", "unit__path")
    else:
        qs = qs.order_by("-round__closed_at", "round_id", "unit__path")[:50]
    rows = list(qs)
    items = dict(
        NegativeListItem.objects.filter(negative_list__in={p.round.negative_list_id for p in rows})
        .values("negative_list")
        .annotate(n=Count("pk"))
        .values_list("negative_list", "n")
    )
    for p in rows:
        p.item_total = items.get(p.round.negative_list_id, 0)
    return rows


def participation_for(user, pk) -> Participation:
    """One unit's part in a round (404 outside the user's units)."""
    return scope.get_for(
        Participation.objects.select_related(
            "round", "round__negative_list", "round__scope_unit", "unit", "submitted_by"
        ),
        user,
        pk,
        perm=LIST_VIEW,
    )


def answers_of(participation: Participation) -> dict[int, ExamAnswer]:
    return {a.item_id: a for a in participation.answers.select_related("answered_by", "problem")}


# --- The home page's figures --------------------------------------------------------------------


def exams_owed(user) -> dict:
    """The self-examinations the user's units still owe in open rounds: how many, the nearest
    deadline, and the one participation when there is only one (two queries at most)."""
    owed = scope.visible(Participation.objects.all(), user, perm=EXAM_ANSWER).filter(
        round__closed_at__isnull=True, submitted_at__isnull=True
    )
    out = owed.aggregate(n=Count("pk"), first=Min("round__deadline"))
    out["only"] = owed.values_list("pk", flat=True).first() if out["n"] == 1 else None
    return out


def open_rounds(user, limit: int = 100) -> list[Round]:
    """Rounds not finished (not closed) over the user's units, with their progress: one query."""
    return list(rounds_for(user).filter(closed_at__isnull=True)[:limit])
