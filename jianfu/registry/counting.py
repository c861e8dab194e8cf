"""Which records count against a unit's quota: the counting table, kept as runtime settings the
office reads and changes on a page (not a box each unit ticks).

Fixed rules (shown on the page, not switchable): a red-header document counts; a joint document
counts once, against its lead issuer only; an inspection counts once for its organiser; a meeting
merged into another (两会合一) counts once, as the meeting it was merged into.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

from .models import DocumentKind, MeetingForm

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
