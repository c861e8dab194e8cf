"""Sample points and their reports for the truthfulness-check tests, made by the demo's own
generator (jianfu.demo.monitoring) on the tiny build: two counties, about a dozen points
each, 32 months of reports (January 2023 to August 2025, the month before AS_OF).

`build(point_patterns=…, county_patterns=…)` plants what a test asks for:
- point_patterns: {(county index, kind, nth of that kind): pattern} with the demo's patterns
  ("copy_forward", "heaping", "outliers");
- county_patterns: {county index: "copy_peer" | "felt"} for every point of the county.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator
from jianfu.demo import monitoring as demo_data
from jianfu.monitoring.models import Report
from jianfu.signals.rules import current_settings
from jianfu.signals.rules import truth_common as tc

AS_OF = dt.date(2025, 9, 15)
ROOT = "410900"
KINDS = ("county", "township", "village", "school", "enterprise", "city")


@dataclass
class Built:
    plans: list
    counties: list
    planted: dict  # pattern → [units]

    def clean(self) -> list:
        return [p.unit for p in self.plans if not p.pattern]

    def points_of(self, county) -> list:
        return [p for p in self.plans if p.county.pk == county.pk]

    def unit(self, pattern):
        return self.planted[pattern][0]


def tree(seed: int = 7) -> dict[str, list]:
    generator.populate("tiny", seed, AS_OF, username_prefix="truth-", with_extensions=False)
    root = Unit.objects.get(code=ROOT)
    return {
        kind: list(Unit.objects.filter(kind=kind, path__startswith=root.path).order_by("path"))
        for kind in KINDS
    }


def build(
    *,
    point_patterns: dict | None = None,
    county_patterns: dict | None = None,
    seed: int = 7,
    county_trend: dict | None = None,
    units: dict | None = None,
) -> Built:
    units = units or tree(seed)
    rng = random.Random(seed)
    plans = demo_data.choose_points(units, 12, rng)
    counties = units["county"]
    planted: dict[str, list] = {}
    for index, pattern in (county_patterns or {}).items():
        for p in plans:
            if p.county.pk == counties[index].pk:
                p.pattern = pattern
        planted.setdefault(pattern, []).append(counties[index])
    for (index, kind, nth), pattern in (point_patterns or {}).items():
        of_kind = [p for p in plans if p.county.pk == counties[index].pk and p.kind == kind]
        of_kind[nth].pattern = pattern
        of_kind[nth].size = max(of_kind[nth].size, 1.3)  # enough values for the digit test
        planted.setdefault(pattern, []).append(of_kind[nth].unit)
    plan = demo_data.Plan(plans, demo_data.report_periods(AS_OF), county_trend or {})
    reporter = User.objects.create(username=f"truth-reporter-{seed}", full_name="填报员")
    with clock.frozen(AS_OF):
        demo_data.write(plan, demo_data.generate(plan, rng), rng, clock.now(), reporter=reporter)
    return Built(plans, counties, planted)


def evaluate(rule, unit_ids=None, as_of: dt.date = AS_OF):
    """A rule's findings as the runner would get them (a fresh settings dict: a fresh read)."""
    tc.clear_cache()
    return rule.evaluate(as_of, unit_ids, current_settings())


def report_of(unit, period: str) -> Report:
    return Report.objects.get(point__unit=unit, period=period)


def figures(finding) -> dict:
    return {f["key"]: f["value"] for f in finding.evidence["figures"]}


def module_fixture(builder):
    """A module-scoped fixture body: build once in a transaction rolled back at the end."""

    def fixture(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                yield builder()
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return fixture
