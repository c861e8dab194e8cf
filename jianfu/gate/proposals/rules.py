"""Signal rules of the gate (group "gate"), added to the signals' registry (RULES) by setup.ready —
signals sits below the gate and never imports it. All three read the registry records of the units
under the gate (queries.enrolled), dated from the day each came under it: the gate's rules apply
from then on, never to what was issued before.

- gate_over_length: a registered document longer than the cap (characters > cap). The cap is the
  special task's when the approved proposal behind the document says it is one; for a document
  with no proposal that is unknown, so the general cap is used (the evidence says which).
- gate_out_of_plan: a record issued outside the plan without an approved case-by-case request
  (一事一报): an inspection registered as not in the plan, or any record whose proposal of the same
  title was not linked to a plan item and never approved, with no approved proposal behind it.
- gate_unreviewed: a record with no approved proposal behind it (by `record_id`, or — for records
  imported from the OA system — an approved proposal of the same unit, category and title). A
  record already found out of plan is not raised again here.

One signal per record (subject "d<id>", "m<id>", "i<id>"), period the record's year.
"""

import datetime as dt

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.registry.models import Category

from . import config, queries

GROUP = "gate"
MODELS = {
    Category.DOCUMENT: "registry.document",
    Category.MEETING: "registry.meeting",
    Category.INSPECTION: "registry.inspection",
}


def _periods(as_of: dt.date) -> list[str]:
    return [str(as_of.year - 1), str(as_of.year)]


def _wanted(unit_id: int, unit_ids) -> bool:
    return unit_ids is None or unit_id in unit_ids


def _finding(c, as_of, condition: str, severity: int, extra_figures=(), **evidence):
    from jianfu.signals.rules.base import Finding, figure, records

    return Finding(
        unit_id=c.record.unit_id,
        period=str(c.day.year),
        subject=c.subject,
        severity=severity,
        conditions=(condition,),
        evidence={
            "conditions": [condition],
            "as_of": as_of.isoformat(),
            "category": c.category,
            "record": c.record.pk,
            "title": c.record.title,
            "day": c.day.isoformat(),
            "records": records(MODELS[c.category], [c.record.pk]),
            "figures": [
                figure("gate_record", c.record.title[:80], "text"),
                figure("gate_day", c.day.isoformat(), "date"),
                *extra_figures,
            ],
            **evidence,
        },
    )


def evaluate_over_length(as_of: dt.date, unit_ids, settings: dict) -> list:
    from jianfu.signals.rules.base import figure

    general = int(settings.get(config.CAP) or config.cap(False))
    special = config.cap(True)
    out = []
    for c in queries.checked_records(as_of, unit_ids, categories=[Category.DOCUMENT]):
        known = c.backing is not None
        is_special = known and c.backing.special_task
        cap = special if is_special else general
        n = c.record.characters
        if n <= cap:
            continue
        out.append(
            _finding(
                c,
                as_of,
                "over_length",
                2 if n > cap * 1.5 else 1,
                (
                    figure("gate_characters", n, "count"),
                    figure("gate_cap", cap, "count"),
                ),
                characters=n,
                cap=cap,
                special_task=is_special,
                special_known=known,
            )
        )
    return out


def evaluate_out_of_plan(as_of: dt.date, unit_ids, settings: dict) -> list:
    out = []
    for c in queries.checked_records(as_of, unit_ids):
        if c.out_of_plan:
            out.append(
                _finding(
                    c,
                    as_of,
                    "out_of_plan",
                    2,
                    proposal=c.pending.pk if c.pending else None,
                    proposal_status=c.pending.status if c.pending else "",
                )
            )
    return out


def evaluate_unreviewed(as_of: dt.date, unit_ids, settings: dict) -> list:
    since = queries.enrolled(unit_ids)
    out = []
    for c in queries.checked_records(as_of, unit_ids):
        if c.unreviewed:
            out.append(
                _finding(
                    c,
                    as_of,
                    "unreviewed",
                    2,
                    since=since[c.record.unit_id].isoformat(),
                    imported=c.imported,
                )
            )
    return out


class _NoSubjectLabel(dict):
    """Subjects are per record; the headline names the record instead."""

    def get(self, key, default=None):
        return super().get(key, "")


def _noun(evidence: dict) -> str:
    return str(dict(Category.choices).get(evidence.get("category"), ""))


def over_length_headline(subject: str, evidence: dict) -> str:
    return gettext("发文“%(t)s”正文 %(n)s 字，超过篇幅上限 %(cap)s 字") % {
        "t": evidence.get("title", "")[:30],
        "n": evidence.get("characters"),
        "cap": evidence.get("cap"),
    }


def out_of_plan_headline(subject: str, evidence: dict) -> str:
    return gettext("计划外%(c)s“%(t)s”未经“一事一报”审批同意即已登记（%(d)s）") % {
        "c": _noun(evidence),
        "t": evidence.get("title", "")[:30],
        "d": evidence.get("day"),
    }


def unreviewed_headline(subject: str, evidence: dict) -> str:
    return gettext("%(c)s“%(t)s”（%(d)s）没有经关口审核同意的申请") % {
        "c": _noun(evidence),
        "t": evidence.get("title", "")[:30],
        "d": evidence.get("day"),
    }


def _rules():
    from jianfu.signals.rules.base import Rule

    return (
        Rule(
            code="gate_over_length",
            label=_("发文超篇幅"),
            sentence=_(
                "纳入关口管理的单位登记的发文正文超过 %(cap)s 字（专项任务文件按专项上限）"
                "即预警；未经关口审核的发文无从知道是否专项任务，按一般上限。"
            ),
            evaluate=evaluate_over_length,
            settings=(config.CAP,),
            subjects=_NoSubjectLabel(),
            headline=over_length_headline,
            periods=_periods,
            group=GROUP,
        ),
        Rule(
            code="gate_out_of_plan",
            label=_("计划外事项未经审批"),
            sentence=_(
                "纳入关口管理的单位，计划外的发文、会议、督查检查考核未经“一事一报”审批同意"
                "即已印发、召开或开展的，即预警。"
            ),
            evaluate=evaluate_out_of_plan,
            settings=(),
            subjects=_NoSubjectLabel(),
            headline=out_of_plan_headline,
            periods=_periods,
            group=GROUP,
        ),
        Rule(
            code="gate_unreviewed",
            label=_("未经关口审核"),
            sentence=_(
                "纳入关口管理的单位，自纳入之日起登记的发文、会议、督查检查考核"
                "没有审核同意的申请的，即预警。"
            ),
            evaluate=evaluate_unreviewed,
            settings=(),
            subjects=_NoSubjectLabel(),
            headline=unreviewed_headline,
            periods=_periods,
            group=GROUP,
        ),
    )


FIGURE_LABELS = {
    "gate_record": _("登记记录"),
    "gate_day": _("日期"),
    "gate_characters": _("正文字数"),
    "gate_cap": _("篇幅上限"),
}


def register() -> None:
    """Add this part's rules to the signals' registry (setup.ready)."""
    from jianfu.signals.rules import RULES
    from jianfu.signals.rules.base import FIGURES

    FIGURES.update(FIGURE_LABELS)
    RULES.update((r.code, r) for r in _rules())
