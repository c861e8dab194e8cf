"""Writes on the quotas: one cell of the quota table, and a year's quotas set from last year's
actual figures. Each is one transaction ending with its audit entry."""

from django.db import transaction
from django.utils.translation import gettext as _

from jianfu.core import audit, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from .. import rollup
from ..models import Category, Quota
from ..records.services import require_unit  # the unit must be in the writer's scope
from .queries import bulk_basis

audit.describe(
    {
        "jianfu.registry.quota.set": _("设定硬性指标"),
        "jianfu.registry.quota.imported": _("导入硬性指标"),
        "jianfu.registry.quota.derived": _("按上年实际批量设定指标"),
    }
)


@transaction.atomic
def quota_set(*, by, unit: Unit, year: int, category: str, limit: int) -> Quota:
    scope.require(by, "registry.quota:set")
    require_unit(by, unit)
    if category not in Category.values:
        raise DomainError("bad_category", _("未知的指标类别。"), field="category")
    if limit is None or limit < 0:
        raise DomainError("bad_limit", _("指标须为不小于 0 的整数。"), field="limit")
    quota = Quota.objects.filter(unit=unit, year=year, category=category).first()
    before = quota.limit if quota else None
    if quota is None:
        quota = Quota.objects.create(
            unit=unit, year=year, category=category, limit=limit, set_by=by
        )
    else:
        quota.limit, quota.set_by = limit, by
        quota.save(update_fields=["limit", "set_by", "updated_at"])
    if before != limit:
        rollup.refresh_quotas([(unit.pk, year, category)])
        audit.record(
            "jianfu.registry.quota.set",
            actor=by,
            obj=quota,
            changes={"limit": [before, limit]},
            extra={"unit": unit.pk, "year": year, "category": category},
        )
    return quota


@transaction.atomic
def quotas_from_last_year(
    *, by, units: list[Unit], year: int, categories: list[str], cut_pct: float
):
    """Set each unit's quotas to last year's counted total minus cut_pct percent (rounded down:
    a cut is never rounded away). The base is exactly what queries.bulk_basis says, which the
    preview showed; it is returned for the result page and kept in the audit entry."""
    scope.require(by, "registry.quota:set")
    if not 0 <= cut_pct < 100:
        raise DomainError("bad_cut", _("压减比例须在 0 到 100 之间。"), field="cut_pct")
    for category in categories:
        if category not in Category.values:
            raise DomainError("bad_category", _("未知的指标类别。"), field="category")
    for unit in units:
        require_unit(by, unit)
    basis = bulk_basis(units, year=year, categories=categories, cut_pct=cut_pct)
    refusal = basis.refusal()
    if refusal:
        raise DomainError("empty_base_year", refusal, field="year")
    existing = {
        (q.unit_id, q.category): q
        for q in Quota.objects.filter(unit__in=units, year=year, category__in=categories)
    }
    created, updated = [], []
    changes: dict[str, dict] = {category: {} for category in categories}
    for row in basis.rows:
        quota = existing.get((row.unit.pk, row.category))
        if quota is None:
            created.append(
                Quota(unit=row.unit, year=year, category=row.category, limit=row.limit, set_by=by)
            )
            changes[row.category][str(row.unit.pk)] = [None, row.limit]
            continue
        if quota.limit != row.limit:
            changes[row.category][str(row.unit.pk)] = [quota.limit, row.limit]
        quota.limit, quota.set_by = row.limit, by
        updated.append(quota)
    Quota.objects.bulk_create(created, batch_size=500)
    Quota.objects.bulk_update(updated, ["limit", "set_by"], batch_size=500)
    rollup.refresh_quotas((q.unit_id, year, q.category) for q in [*created, *updated])
    for period in basis.periods:
        audit.record(
            "jianfu.registry.quota.derived",
            actor=by,
            object_type="registry.quota",
            extra={
                "year": year,
                "category": period.category,
                "cut_pct": cut_pct,
                "units": len(units),
                "base_from": period.start.isoformat(),
                "base_to": period.end.isoformat(),
                "base_complete": period.complete,
            },
            changes=changes[period.category],
        )
    return basis
