"""Which records count against a unit's quota: the counting table, kept as runtime settings the
office reads and changes on a page (not a box each unit ticks); and, per registry kind, what is
derived when a record is written and the verdict (counts or not, and why) shown beside it.

Fixed rules (shown on the page, not switchable): a red-header document counts; a joint document
counts once, against its lead issuer only; an inspection counts once for its organiser; a meeting
merged into another (两会合一) counts once, as the meeting it was merged into.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

from .models import GRASSROOTS_LEVELS, DocumentKind, MeetingForm

runtime.define(
    SettingDef(
        "counting.white_header_assigning",
        True,
        _("向基层布置工作的白头文件计入发文指标"),
        _("不带红色版头、但向基层布置工作的文件，同样是基层负担。"),
        "business",
    ),
    SettingDef(
        "counting.notice_assigning",
        True,
        _("向基层布置工作的办公室（部门）通知计入发文指标"),
        _("以办公室或部门名义发出、向基层布置工作的通知。"),
        "business",
    ),
    SettingDef(
        "counting.workgroup_assigning",
        True,
        _("向基层布置工作的工作群通知计入发文指标"),
        _("在工作群中发出、向基层布置工作的通知。"),
        "business",
    ),
    SettingDef(
        "counting.video_meetings",
        True,
        _("视频会议计入会议指标"),
        _("视频会议同样占用基层时间，计入会议指标。"),
        "business",
    ),
)

KEYS = [
    "counting.white_header_assigning",
    "counting.notice_assigning",
    "counting.workgroup_assigning",
    "counting.video_meetings",
]

FIXED_RULES = [
    _("红头文件计入发文指标。"),
    _("联合发文只计一次，计入牵头单位；联合发文单位不重复计算。"),
    _("合并召开（两会合一）的会议只计一次：并入另一会议的那一次不再计算。"),
    _("督查检查考核按组织单位计一次；被检查单位“收到”的次数另行统计，不计入组织单位的指标。"),
    _(
        "不向基层布置工作的白头文件、通知和工作群消息不计入发文指标，但仍登记在册、计入“白头文件”统计。"
    ),
]


@dataclass(frozen=True)
class Rules:
    white_header_assigning: bool = True
    notice_assigning: bool = True
    workgroup_assigning: bool = True
    video_meetings: bool = True

    @classmethod
    def current(cls) -> "Rules":
        values = runtime.get_many(KEYS)
        return cls(**{k.split(".", 1)[1]: v for k, v in values.items()})


def document_counts(kind: str, assigns_work: bool, rules: Rules) -> bool:
    if kind in (DocumentKind.RED_HEADER, DocumentKind.JOINT):
        return True
    if not assigns_work:
        return False
    return {
        DocumentKind.WHITE_HEADER: rules.white_header_assigning,
        DocumentKind.NOTICE: rules.notice_assigning,
        DocumentKind.WORKGROUP: rules.workgroup_assigning,
    }.get(kind, False)


def meeting_counts(form: str, merged_into_another: bool, rules: Rules) -> bool:
    if form == MeetingForm.MERGED and merged_into_another:
        return False
    if form == MeetingForm.VIDEO:
        return rules.video_meetings
    return True


def inspection_counts() -> bool:
    return True


# --- Per kind: what a write derives, and the verdict with its reason -----------------------------
# registry.kinds names one of these per kind. `derive_inputs` is what `derive` reads (the recount
# after a rule change loads only these; an import derives once per distinct `derive_key`);
# `verdict_from` reads a form as typed so far (`value(name)` gives the raw value) and answers None
# until the deciding fields are filled.

Verdict = tuple[bool, str]


class _Counting:
    derive_inputs: tuple[str, ...] = ()

    def derive_key(self, values: Mapping[str, Any]) -> tuple:
        """`derive_inputs` of a record's column values, hashable: records that agree on it get
        the same derived fields, so an import derives once per key (a few dozen in 100,000
        documents). Read from `derive_inputs`, it cannot fall out of step with `derive`."""
        inputs = map(values.__getitem__, self.derive_inputs)
        return tuple([tuple(v) if type(v) is list else v for v in inputs])


class DocumentCounting(_Counting):
    derive_inputs = ("kind", "assigns_work", "addressed_levels", "reaches_grassroots")

    def derive(self, obj, rules: Rules) -> None:
        obj.reaches_grassroots = bool(set(obj.addressed_levels) & GRASSROOTS_LEVELS)
        obj.counted = document_counts(obj.kind, obj.assigns_work, rules)

    def verdict(self, obj, rules: Rules) -> Verdict:
        return self._verdict(obj.kind, obj.assigns_work, rules)

    def verdict_from(self, value: Callable[[str], Any], rules: Rules) -> Verdict | None:
        kind = value("kind")
        if kind not in DocumentKind.values:
            return None
        assigns = value("assigns_work")
        return self._verdict(kind, assigns in (True, "on", "1", "true"), rules)

    def _verdict(self, kind: str, assigns_work: bool, rules: Rules) -> Verdict:
        counts = document_counts(kind, assigns_work, rules)
        if kind == DocumentKind.RED_HEADER:
            return counts, gettext("红头文件计入发文指标。")
        if kind == DocumentKind.JOINT:
            return counts, gettext(
                "联合发文计一次，计入牵头单位（本单位）；联合发文单位不重复计算。"
            )
        label = DocumentKind(kind).label if kind in DocumentKind.values else kind
        if not assigns_work:
            return counts, gettext(
                "%(k)s不向基层布置工作，不计入发文指标，但仍登记在册、计入“白头文件”统计。"
            ) % {"k": label}
        if counts:
            return counts, gettext("%(k)s向基层布置工作，按现行计数规则计入发文指标。") % {
                "k": label
            }
        return counts, gettext("%(k)s向基层布置工作，但现行计数规则规定此类不计入发文指标。") % {
            "k": label
        }

    def rule_rows(self, rules: Rules) -> list[tuple[str, str, str]]:
        rows = []
        for kind in DocumentKind:
            yes, why = self._verdict(kind, True, rules)
            no, _why = self._verdict(kind, False, rules)
            if yes and no:
                verdict = gettext("计入")
            elif yes:
                verdict = gettext("向基层布置工作时计入")
            else:
                verdict = gettext("不计入")
            rows.append((str(kind.label), str(verdict), why))
        return rows


class MeetingCounting(_Counting):
    derive_inputs = (
        "form",
        "merged_with_id",
        "attend_levels",
        "grassroots_attendees",
        "grassroots_required",
    )

    def derive(self, obj, rules: Rules) -> None:
        obj.grassroots_required = (
            bool(set(obj.attend_levels) & GRASSROOTS_LEVELS) or obj.grassroots_attendees > 0
        )
        obj.counted = meeting_counts(obj.form, obj.merged_with_id is not None, rules)

    def verdict(self, obj, rules: Rules) -> Verdict:
        return self._verdict(obj.form, obj.merged_with_id is not None, rules)

    def verdict_from(self, value: Callable[[str], Any], rules: Rules) -> Verdict | None:
        form = value("form")
        if form not in MeetingForm.values:
            return None
        return self._verdict(form, bool(value("merged_with")), rules)

    def _verdict(self, form: str, merged_into_another: bool, rules: Rules) -> Verdict:
        counts = meeting_counts(form, merged_into_another, rules)
        if form == MeetingForm.MERGED:
            if merged_into_another:
                return counts, gettext("已并入另一会议（两会合一），只计一次：本会议不再计数。")
            return counts, gettext("合并召开的主会议计一次；并入本会议的其他会议不再计数。")
        if form == MeetingForm.VIDEO:
            if counts:
                return counts, gettext("视频会议同样占用基层时间，按现行计数规则计入会议指标。")
            return counts, gettext("现行计数规则规定视频会议不计入会议指标。")
        return counts, gettext("现场会议计入会议指标。")

    def rule_rows(self, rules: Rules) -> list[tuple[str, str, str]]:
        rows = []
        for form in MeetingForm:
            counts, why = self._verdict(form, False, rules)
            if form == MeetingForm.MERGED:
                verdict = gettext("主会议计入，并入者不计")
            else:
                verdict = gettext("计入") if counts else gettext("不计入")
            rows.append((str(form.label), str(verdict), why))
        return rows


class InspectionCounting(_Counting):
    derive_inputs: tuple[str, ...] = ()

    def derive(self, obj, rules: Rules) -> None:
        obj.counted = inspection_counts()

    def verdict(self, obj, rules: Rules) -> Verdict:
        return self._verdict()

    def verdict_from(self, value: Callable[[str], Any], rules: Rules) -> Verdict | None:
        return self._verdict()

    def _verdict(self) -> Verdict:
        return inspection_counts(), gettext(
            "督查检查考核按组织单位计一次；被检查单位“收到”的次数另行统计。"
        )

    def rule_rows(self, rules: Rules) -> list[tuple[str, str, str]]:
        counts, why = self._verdict()
        return [(gettext("督查、检查、考核"), str(gettext("计入组织单位")), why)]
