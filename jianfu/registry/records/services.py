"""Writes on the registries (documents, meetings, inspections). Each is one transaction: validate,
derive `counted`, save, refresh the rollup for the months touched, and end with the audit entry."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jianfu.core import audit, events, inputs, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .. import counting, kinds, rollup
from ..kinds import KINDS

audit.describe(
    {
        **kinds.audit_sentences(),
        "jianfu.registry.imported": _("导入登记数据"),
        "jianfu.registry.exported": _("导出登记数据"),
        "jianfu.registry.counting.recomputed": _("按新计数规则重算"),
    }
)


def require_unit(by, unit: Unit) -> None:
    """DomainError unless `unit` lies in `by`'s units (the importers ask it too)."""
    if unit is None or not scope.scope_of(by).covers_path(unit.path):
        raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="unit")


def _check_common(obj) -> None:
    if not (obj.title or "").strip():
        raise DomainError("required", _("标题不能为空。"), field="title")


def _check_bounds(obj, old_dates: dict) -> None:
    """Counts within their bounds; dates within the plausible range (core.inputs), except a
    date an edit leaves as it was (a record registered before the range moved on)."""
    model, k = type(obj), kinds.by_model(obj)
    for name, limit in k.limits:
        value = getattr(obj, name)
        if value is None or not 0 <= value <= limit:
            raise DomainError(
                "out_of_range",
                _("“%(f)s”须在 0 到 %(n)s 之间（现为 %(v)s）。")
                % {"f": model._meta.get_field(name).verbose_name, "n": limit, "v": value},
                field=name,
            )
    for name in k.checked_dates:
        day = getattr(obj, name)
        if day is None or old_dates.get(name) == day:
            continue
        problem = inputs.date_problem(day, str(model._meta.get_field(name).verbose_name))
        if problem:
            raise DomainError("implausible_date", problem, field=name)


def _validate(obj, old_dates: dict | None = None) -> None:
    _check_common(obj)
    _check_bounds(obj, old_dates or {})
    kinds.by_model(obj).check(obj)


def _touch_rollup(model, pairs: set[tuple[int, int]]) -> None:
    by_unit: dict[int, set[int]] = {}
    for unit_id, year in pairs:
        by_unit.setdefault(unit_id, set()).add(year)
    for unit_id, years in by_unit.items():
        rollup.refresh(kinds.by_model(model).category, [unit_id], years)


def _year(obj) -> int:
    return getattr(obj, kinds.by_model(obj).date_field).year


@transaction.atomic
def record_create(model, *, by, unit: Unit, co_units=(), **fields):
    """Create a record of any registry kind (co_units: its co-units, kinds.Kind.co_field)."""
    k = kinds.by_model(model)
    scope.require(by, k.edit_perm)
    require_unit(by, unit)
    obj = model(unit=unit, created_by=by if not getattr(by, "is_token", False) else None, **fields)
    _validate(obj)
    k.derive(obj, counting.Rules.current())
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as e:
        raise DomainError(
            "duplicate", _("这条记录已经登记过（文号或外部编号重复）。"), field="external_id"
        ) from e
    _set_co_units(obj, co_units)
    _touch_rollup(model, {(unit.pk, _year(obj))})
    events.data_changed("registry", unit_ids=[unit.pk])
    audit.record(
        k.audit_code("created"),
        actor=by,
        obj=obj,
        changes=audit.diff({}, audit.snapshot(obj, k.fields)),
        extra={"unit": unit.pk},
    )
    return obj


def _set_co_units(obj, co_units) -> None:
    """Co-issuers or targets (kinds.Kind.co_field), without the record's own unit where the
    kind says so."""
    k = kinds.by_model(obj)
    if k.co_field is None:
        return
    if k.co_excludes_unit:
        co_units = [u for u in co_units if u.pk != obj.unit_id]
    getattr(obj, k.co_field).set(list(co_units))


@transaction.atomic
def record_update(obj, *, by, co_units=None, **fields):
    model, k = type(obj), kinds.by_model(obj)
    scope.require(by, k.edit_perm)
    require_unit(by, obj.unit)
    obj = model.objects.select_for_update().get(pk=obj.pk)
    before = audit.snapshot(obj, k.fields)
    old_unit, old_year = obj.unit_id, _year(obj)
    old_dates = {name: getattr(obj, name) for name in k.checked_dates}
    for name, value in fields.items():
        setattr(obj, name, value)
    if obj.unit_id != old_unit:
        # Moving a record hands it to another unit: that unit must be the writer's too.
        require_unit(by, obj.unit)
    _validate(obj, old_dates)
    k.derive(obj, counting.Rules.current())
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as e:
        raise DomainError(
            "duplicate", _("这条记录已经登记过（文号或外部编号重复）。"), field="external_id"
        ) from e
    if co_units is not None:
        _set_co_units(obj, co_units)
    # Both the (unit, year) the record left and the one it joined: an edit may move it across.
    _touch_rollup(model, {(old_unit, old_year), (obj.unit_id, _year(obj))})
    events.data_changed("registry", unit_ids=sorted({old_unit, obj.unit_id}))
    changes = audit.diff(before, audit.snapshot(obj, k.fields))
    if changes or co_units is not None:
        audit.record(k.audit_code("updated"), actor=by, obj=obj, changes=changes)
    return obj


@transaction.atomic
def record_delete(obj, *, by) -> None:
    model, k = type(obj), kinds.by_model(obj)
    scope.require(by, k.edit_perm)
    require_unit(by, obj.unit)
    before = audit.snapshot(obj, k.fields)
    pk, unit_id, year = obj.pk, obj.unit_id, _year(obj)
    obj.delete()
    _touch_rollup(model, {(unit_id, year)})
    events.data_changed("registry", unit_ids=[unit_id])
    audit.record(
        k.audit_code("deleted"),
        actor=by,
        object_type=model._meta.label_lower,
        object_id=pk,
        changes=audit.diff(before, {}),
    )


def recompute_counted() -> int:
    """Re-derive `counted` on every record after the office changed the counting rules, and
    rebuild the rollup. Runs as a task."""
    rules = counting.Rules.current()
    changed = 0
    with transaction.atomic():
        for k in KINDS.values():
            model, batch = k.model, []
            fields = ("pk", "counted", *k.counting.derive_inputs)
            for obj in model.objects.only(*fields).iterator(chunk_size=5000):
                old = obj.counted
                k.derive(obj, rules)
                if obj.counted != old:
                    batch.append(obj)
            model.objects.bulk_update(batch, ["counted"], batch_size=1000)
            changed += len(batch)
            rollup.refresh_all(k.category)
        audit.record("jianfu.registry.counting.recomputed", extra={"changed": changed})
    return changed
