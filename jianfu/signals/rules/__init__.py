"""The registry of rules. Each rule lives in its own module as a plain function from data to
findings: evaluate(as_of, unit_ids or None, settings) → list[Finding]. The runner (runner.py)
turns findings into signals.

Importing this package defines the rules' thresholds as runtime settings (group "business"), so
the settings page shows them.
"""

from jianfu.core import runtime

from . import (
    felt_registered,
    gaming,
    inspection_plan,
    quota_pacing,
    quota_rising,
    rectification,
    registry_smooth,
    truth_benford,
    truth_consistency,
    truth_copies,
    truth_digits,
    truth_outliers,
    truth_smooth,
)
from .base import Finding, Rule

__all__ = ["RULES", "Finding", "Rule", "get", "setting_keys"]

RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        quota_pacing.RULE,
        quota_rising.RULE,
        gaming.RULE,
        inspection_plan.RULE,
        registry_smooth.RULE,
    )
}
# The truthfulness checks of sample-point reports (group "truth") and felt against registered
# (group "felt").
RULES.update(
    (r.code, r)
    for r in (
        truth_outliers.RULE,
        truth_consistency.RULE,
        truth_digits.RULE,
        truth_copies.RULE,
        truth_benford.RULE,
        truth_smooth.RULE,
        felt_registered.RULE,
    )
)
# The rectification ledger's own: overdue, returned again and again, relapsed (group
# "rectification").
RULES.update((r.code, r) for r in rectification.RULES)


def get(code: str) -> Rule | None:
    return RULES.get(code)


def setting_keys() -> list[str]:
    return [k for r in RULES.values() for k in r.settings]


def current_settings() -> dict:
    return runtime.get_many(setting_keys())
