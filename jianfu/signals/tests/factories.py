"""Targeted registry data for the rule tests: records by month, written in bulk, with the rollup
refreshed as the registry's services refresh it."""

import calendar
import datetime as dt
import itertools

from jianfu.registry import counting, rollup
from jianfu.registry.models import (
    GRASSROOTS_LEVELS,
    Category,
    Document,
    Inspection,
    Meeting,
    Quota,
)

_numbers = itertools.count(1)

CATEGORY_OF = {
    Document: Category.DOCUMENT,
    Meeting: Category.MEETING,
    Inspection: Category.INSPECTION,
}


def _days(year: int, month: int, n: int) -> list[dt.date]:
    last = calendar.monthrange(year, month)[1]
    return [dt.date(year, month, min(last, 1 + i * last // max(n, 1))) for i in range(n)]


def documents(
    unit,
    year: int,
    monthly: list[int],
    *,
    kind="red_header",
    assigns_work=True,
    pages=4,
    characters=3000,
) -> list[Document]:
    rules = counting.Rules.current()
    rows = [
        Document(
            unit=unit,
            title=f"关于做好{year}年第{i}项工作的通知",
            number=f"测发〔{year}〕{next(_numbers)}号" if kind in ("red_header", "joint") else "",
            issued_on=day,
            kind=kind,
            assigns_work=assigns_work,
            addressed_levels=["township"],
            reaches_grassroots=True,
            pages=pages,
            characters=characters,
            counted=counting.document_counts(kind, assigns_work, rules),
        )
        for m, n in enumerate(monthly, start=1)
        for i, day in enumerate(_days(year, m, n))
    ]
    return _save(Document, rows, unit, year)


def meetings(unit, year: int, monthly: list[int], *, form="in_person", grassroots=False):
    rules = counting.Rules.current()
    levels = ["township"] if grassroots else ["county"]
    rows = [
        Meeting(
            unit=unit,
            title=f"{year}年工作推进会",
            held_on=day,
            level="county",
            form=form,
            attend_levels=levels,
            grassroots_required=bool(set(levels) & GRASSROOTS_LEVELS),
            grassroots_attendees=20 if grassroots else 0,
            counted=counting.meeting_counts(form, False, rules),
        )
        for m, n in enumerate(monthly, start=1)
        for day in _days(year, m, n)
    ]
    return _save(Meeting, rows, unit, year)


def inspections(unit, year: int, monthly: list[int], *, method="on_site", in_plan=True):
    rows = [
        Inspection(
            unit=unit,
            title=f"{year}年安全生产督查",
            kind="supervision",
            method=method,
            starts_on=day,
            ends_on=day,
            in_plan=in_plan,
            counted=True,
        )
        for m, n in enumerate(monthly, start=1)
        for day in _days(year, m, n)
    ]
    return _save(Inspection, rows, unit, year)


def _save(model, rows, unit, year):
    created = model.objects.bulk_create(rows)
    rollup.refresh(CATEGORY_OF[model], [unit.pk], [year])
    return created


def quota(unit, year: int, category: str, limit: int) -> Quota:
    q, _created = Quota.objects.update_or_create(
        unit=unit, year=year, category=category, defaults={"limit": limit}
    )
    rollup.refresh_quotas([(unit.pk, year, category)])  # as the quota services do
    return q


def clear(model, unit, year: int) -> None:
    date_field = {Document: "issued_on", Meeting: "held_on", Inspection: "starts_on"}[model]
    model.objects.filter(unit=unit, **{f"{date_field}__year": year}).delete()
    rollup.refresh(CATEGORY_OF[model], [unit.pk], [year])


def flat(n_per_month: int, months: int = 12) -> list[int]:
    return [n_per_month] * months + [0] * (12 - months)
