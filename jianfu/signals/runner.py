"""Run the rules and turn their findings into signals (services.signals_upsert).

Runs in the worker only: after an import (tasks.run_rules_after_import, for the units the import
touched) and nightly (tasks.run_all_rules, for every unit) — never inside a page request.
Every rule reads the data first, outside any transaction; each rule's writes are then one short
transaction, so the write lock is held for the upsert alone.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.db import IntegrityError

from jianfu.core import clock, crashpoints

from . import services
from .rules import RULES, current_settings, reads

log = logging.getLogger("jianfu.signals")


@dataclass
class RunReport:
    as_of: dt.date
    results: dict[str, services.UpsertResult] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        total = services.UpsertResult()
        for r in self.results.values():
            total.add(r)
        return {
            "as_of": self.as_of.isoformat(),
            "raised": total.raised,
            "updated": total.updated,
            "reopened": total.reopened,
            "resolved": total.resolved,
            "seconds": round(sum(self.seconds.values()), 3),
        }


def run(
    *,
    as_of: dt.date | None = None,
    unit_ids: list[int] | None = None,
    rules: list[str] | None = None,
) -> RunReport:
    """Evaluate `rules` (default: all) for `unit_ids` (None: every unit) as of `as_of` (default:
    the clock's today), and upsert the signals."""
    as_of = as_of or clock.today()
    report = RunReport(as_of)
    if unit_ids is not None:
        unit_ids = sorted(set(unit_ids))
        if not unit_ids:
            return report
    settings = current_settings()
    with reads.one_read_per_run(as_of):
        for code in rules or list(RULES):
            _run_one(RULES[code], as_of, unit_ids, settings, report)
    log.info("rules run %s", report.summary())
    return report


def _run_one(rule, as_of: dt.date, unit_ids, settings: dict, report: RunReport) -> None:
    started = time.perf_counter()
    findings = rule.evaluate(as_of, unit_ids, settings)
    kwargs = {
        "rule": rule,
        "findings": findings,
        "threshold": {k: settings[k] for k in rule.settings},
        "periods": rule.periods(as_of),
        "unit_ids": unit_ids,
    }
    try:
        result = services.signals_upsert(**kwargs)
    except IntegrityError:
        # Another run raised the same new signal between our read and our insert: read again.
        result = services.signals_upsert(**kwargs)
    report.results[rule.code] = result
    crashpoints.reached("signals.rule")
    report.seconds[rule.code] = time.perf_counter() - started


def run_rules(
    *, as_of: dt.date | None = None, group: str | None = None, unit_ids: list[int] | None = None
) -> RunReport:
    """Every rule of a group ("quota": pacing, rising, gaming, inspection plan), or all."""
    codes = [code for code, rule in RULES.items() if group is None or rule.group == group]
    return run(as_of=as_of, unit_ids=unit_ids, rules=codes)
