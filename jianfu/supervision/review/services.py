"""Writes of the mid-year review. Each is one transaction ending with its audit entry; a refusal
is a DomainError with a Chinese sentence naming the field and the value, raised before anything
is written (nothing half-saved).

- The office (supervision.review:manage) sets the year's stock-taking date and registers, edits
  and removes targets, key work and livelihood projects, in its units.
- A unit's contact (supervision.review:enter) enters its own targets' value done to date (or the
  percent done, for work without a number) and a line on progress.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import audit, clock, events, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .models import Review, Target, TargetKind, default_stock_date

VIEW = "supervision.review:view"
MANAGE = "supervision.review:manage"
ENTER = "supervision.review:enter"
EVENT = "supervision.review"
MAX_VALUE = Decimal("99999999999999.99")

audit.describe(
    {
        "jianfu.supervision.review.date": gettext_lazy("设定年中回头看日期"),
        "jianfu.supervision.review.target_created": gettext_lazy("登记年度指标或重点工作"),
        "jianfu.supervision.review.target_updated": gettext_lazy("修改年度指标或重点工作"),
        "jianfu.supervision.review.target_deleted": gettext_lazy("删除年度指标或重点工作"),
        "jianfu.supervision.review.progress": gettext_lazy("填报年度指标或重点工作完成情况"),
        "jianfu.supervision.review.imported": gettext_lazy("导入年度指标和重点工作"),
    }
)


def _changed(unit_ids) -> None:
    events.data_changed(EVENT, unit_ids=list(unit_ids))


# --- Checks ---------------------------------------------------------------------------------------


def show(n: Decimal) -> str:
    """A number as people write it: 120, 48.5 (no exponent, no trailing zeros)."""
    return format(n.normalize(), "f")


def number(value, label: str, field: str, *, positive: bool = False) -> Decimal | None:
    """A value (empty: None): a number, not negative (above zero when `positive`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        n = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise DomainError(
            "not_a_number",
            _("“%(f)s”应为数字，收到“%(v)s”。") % {"f": label, "v": str(value)[:40]},
            field=field,
        ) from None
    if not n.is_finite():
        raise DomainError("not_a_number", _("“%(f)s”应为数字。") % {"f": label}, field=field)
    if n < 0:
        raise DomainError(
            "negative",
            _("“%(f)s”不能为负数，收到 %(v)s。") % {"f": label, "v": show(n)},
            field=field,
        )
    if positive and n == 0:
        raise DomainError(
            "zero",
            _("“%(f)s”应大于 0；没有数值的工作请留空，按完成进度填报。") % {"f": label},
            field=field,
        )
    if n > MAX_VALUE:
        raise DomainError(
            "too_large", _("“%(f)s”%(v)s 过大，请核对。") % {"f": label, "v": show(n)}, field=field
        )
    return n.quantize(Decimal("0.01"))


def percent(value, field: str = "percent") -> Decimal | None:
    label = _("完成进度（%）")
    n = number(value, label, field)
    if n is not None and n > 100:
        raise DomainError(
            "over_100",
            _("“%(f)s”不能超过 100，收到 %(v)s。") % {"f": label, "v": show(n)},
            field=field,
        )
    return None if n is None else n.quantize(Decimal("0.1"))


def _text(value, label: str, field: str, max_length: int, *, required: bool = False) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise DomainError("required", _("请填写“%(f)s”。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long", _("“%(f)s”最多 %(n)s 个字。") % {"f": label, "n": max_length}, field=field
        )
    problem = inputs.text_problem(value, label)
    if problem:
        raise DomainError("bad_character", problem, field=field)
    return value


def _kind(value) -> str:
    if value not in TargetKind.values:
        raise DomainError(
            "kind",
            _("类别“%(v)s”不是可选的值，可选：%(ok)s。")
            % {"v": value, "ok": "、".join(str(label) for label in TargetKind.labels)},
            field="kind",
        )
    return value


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise DomainError(
            "year", _("年度应为四位数字，收到“%(v)s”。") % {"v": value}, field="year"
        ) from None
    if not 2000 <= year <= 2100:
        raise DomainError("year", _("年度 %(y)s 不在 2000—2100 之间。") % {"y": year}, field="year")
    return year


def _unit(by, unit_id) -> Unit:
    s = scope.require(by, MANAGE)
    unit = Unit.objects.filter(s.units_q()).filter(pk=unit_id).first() if unit_id else None
    if unit is None:
        raise DomainError("unit_out_of_scope", _("请选择您范围内的单位。"), field="unit")
    return unit


def _own(by, target: Target, code: str) -> Target:
    """The target, locked, when `by` may write it (its unit in by's scope)."""
    scope.require(by, code)
    locked = Target.objects.select_for_update().select_related("unit", "review").get(pk=target.pk)
    if not scope.covers(by, locked):
        raise DomainError("out_of_scope", _("该指标不在您的范围内。"), status=404)
    return locked


def check_progress(target_value, done_value, pct) -> tuple[Decimal | None, Decimal | None]:
    """The value done and the percent, checked (the field named in each refusal)."""
    done = number(done_value, _("累计完成值"), "done_value")
    p = percent(pct)
    if done is not None and not target_value:
        raise DomainError(
            "done_without_target",
            _("该项没有年度目标值，请填写“完成进度（%）”，不填“累计完成值”。"),
            field="done_value",
        )
    return done, p


def check_target(f: dict) -> dict:
    target_value = number(f.get("target_value"), _("年度目标值"), "target_value", positive=True)
    done, p = check_progress(target_value, f.get("done_value"), f.get("percent"))
    return {
        "kind": _kind(f.get("kind")),
        "name": _text(f.get("name"), _("名称"), "name", 120, required=True),
        "target_value": target_value,
        "measure": _text(f.get("measure"), _("计量单位"), "measure", 20),
        "done_value": done,
        "percent": p,
        "note": _text(f.get("note"), _("进展说明"), "note", 500),
    }


# --- The review -----------------------------------------------------------------------------------


def review_of(year: int) -> Review:
    """The year's review, created with the default date (30 June) when first needed."""
    review = Review.objects.filter(year=year).first()
    if review is None:
        review, _created = Review.objects.get_or_create(
            year=year,
            defaults={"stock_date": default_stock_date(year), "updated_at": clock.now()},
        )
    return review


@transaction.atomic
def review_set_date(*, by, year, stock_date: dt.date | None, note: str = "") -> Review:
    scope.require(by, MANAGE)
    year = _year(year)
    if stock_date is None:
        raise DomainError("required", _("请填写“回头看截止日期”。"), field="stock_date")
    if stock_date.year != year:
        raise DomainError(
            "date_year",
            _("回头看截止日期 %(d)s 不在 %(y)s 年内。") % {"d": stock_date.isoformat(), "y": year},
            field="stock_date",
        )
    note = _text(note, _("说明"), "note", 200)
    review = review_of(year)
    old = review.stock_date
    review.stock_date, review.note = stock_date, note
    review.updated_by, review.updated_at = by if getattr(by, "pk", None) else None, clock.now()
    review.save()
    audit.record(
        "jianfu.supervision.review.date",
        actor=by,
        obj=review,
        extra={"year": year, "from": old.isoformat(), "to": stock_date.isoformat()},
    )
    return review


# --- Targets --------------------------------------------------------------------------------------


def _duplicate(review: Review, unit: Unit, name: str, exclude: int | None = None) -> None:
    qs = Target.objects.filter(review=review, unit=unit, name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise DomainError(
            "duplicate",
            _("%(u)s %(y)s 年已有“%(n)s”，请勿重复登记。")
            % {"u": unit.name, "y": review.year, "n": name},
            field="name",
        )


@transaction.atomic
def target_create(*, by, year, unit_id, **fields) -> Target:
    unit = _unit(by, unit_id)
    f = check_target(fields)
    review = review_of(_year(year))
    _duplicate(review, unit, f["name"])
    now = clock.now()
    entered = f["done_value"] is not None or f["percent"] is not None
    target = Target.objects.create(
        review=review,
        unit=unit,
        created_at=now,
        entered_at=now if entered else None,
        entered_by=by if entered and getattr(by, "pk", None) else None,
        **f,
    )
    _changed([unit.pk])
    audit.record(
        "jianfu.supervision.review.target_created",
        actor=by,
        obj=target,
        extra={"year": review.year, "unit": unit.pk, "kind": target.kind, "name": target.name},
    )
    return target


@transaction.atomic
def target_update(*, by, target: Target, unit_id, **fields) -> Target:
    target = _own(by, target, MANAGE)
    unit = _unit(by, unit_id)
    f = check_target(fields)
    _duplicate(target.review, unit, f["name"], exclude=target.pk)
    before = {k: str(getattr(target, k)) for k in f}
    old_unit = target.unit_id
    progress_changed = (f["done_value"], f["percent"]) != (target.done_value, target.percent)
    for k, v in f.items():
        setattr(target, k, v)
    target.unit = unit
    if progress_changed:
        target.entered_at = clock.now()
        target.entered_by = by if getattr(by, "pk", None) else None
    target.save()
    _changed({unit.pk, old_unit})
    changed = {k: [before[k], str(v)] for k, v in f.items() if before[k] != str(v)}
    audit.record(
        "jianfu.supervision.review.target_updated",
        actor=by,
        obj=target,
        extra={"unit": unit.pk, "changed": changed},
    )
    return target


@transaction.atomic
def target_delete(*, by, target: Target) -> None:
    target = _own(by, target, MANAGE)
    pk, unit_id, name = target.pk, target.unit_id, target.name
    target.delete()
    _changed([unit_id])
    audit.record(
        "jianfu.supervision.review.target_deleted",
        actor=by,
        object_type="supervision.target",
        object_id=pk,
        extra={"unit": unit_id, "name": name},
    )


@transaction.atomic
def target_progress(*, by, target: Target, done_value=None, percent=None, note="") -> Target:
    """The unit enters its value done to date (or the percent, for work without a number)."""
    target = _own(by, target, ENTER)
    done, p = check_progress(target.target_value, done_value, percent)
    if target.target_value and done is None:
        raise DomainError(
            "required",
            _("请填写“累计完成值”（%(m)s）。") % {"m": target.measure or _("与目标值同一单位")},
            field="done_value",
        )
    if not target.target_value and p is None:
        raise DomainError("required", _("请填写“完成进度（%）”。"), field="percent")
    note = _text(note, _("进展说明"), "note", 500)
    old = (str(target.done_value), str(target.percent))
    target.done_value, target.percent, target.note = done, p, note
    target.entered_at = clock.now()
    target.entered_by = by if getattr(by, "pk", None) else None
    target.save()
    _changed([target.unit_id])
    audit.record(
        "jianfu.supervision.review.progress",
        actor=by,
        obj=target,
        extra={"from": old, "to": [str(done), str(p)]},
    )
    return target
