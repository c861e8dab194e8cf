"""The default burden report form (version 1), as data. A later version adds or drops questions;
reports keep the version they were filled on and are compared by question key."""

from django.utils.translation import gettext_lazy as _

FORM_CODE = "burden"

# type: int (a count, 0 or more), hours (0 or more, one decimal), score (1–5), text (free).
# part_of: the answers that are parts of another may not exceed it.
QUESTIONS_V1 = [
    {
        "key": "docs_total",
        "section": "documents",
        "type": "int",
        "max": 2000,
        "label": _("本期收到上级文件（含白头文件、通知、工作群布置工作的消息）共多少件？"),
    },
    {
        "key": "docs_city",
        "section": "documents",
        "type": "int",
        "max": 2000,
        "part_of": "docs_total",
        "label": _("其中来自市级的多少件？"),
    },
    {
        "key": "docs_county",
        "section": "documents",
        "type": "int",
        "max": 2000,
        "part_of": "docs_total",
        "label": _("其中来自县（市、区）级的多少件？"),
    },
    {
        "key": "docs_township",
        "section": "documents",
        "type": "int",
        "max": 2000,
        "part_of": "docs_total",
        "label": _("其中来自乡镇（街道）的多少件？"),
    },
    {
        "key": "docs_senders",
        "section": "documents",
        "type": "text",
        "max": 300,
        "label": _("发文最多、负担最重的是哪些单位？（可不填）"),
    },
    {
        "key": "meetings_total",
        "section": "meetings",
        "type": "int",
        "max": 500,
        "label": _("本期参加上级会议共多少次？"),
    },
    {
        "key": "meetings_hours",
        "section": "meetings",
        "type": "hours",
        "max": 744,
        "label": _("参加会议共用了多少小时？"),
    },
    {
        "key": "meetings_video",
        "section": "meetings",
        "type": "int",
        "max": 500,
        "part_of": "meetings_total",
        "label": _("其中视频会议多少次？"),
    },
    {
        "key": "meetings_county",
        "section": "meetings",
        "type": "int",
        "max": 500,
        "part_of": "meetings_total",
        "label": _("其中县（市、区）级召开的多少次？"),
    },
    {
        "key": "inspections_total",
        "section": "inspections",
        "type": "int",
        "max": 300,
        "label": _("本期接受督查、检查、考核共多少次？"),
    },
    {
        "key": "inspection_days",
        "section": "inspections",
        "type": "hours",
        "max": 31,
        "label": _("迎检共占用多少个工作日？"),
        "unit": _("天"),
    },
    {
        "key": "inspections_remote",
        "section": "inspections",
        "type": "int",
        "max": 300,
        "part_of": "inspections_total",
        "label": _("其中电话督查或要求报送书面材料的多少次？"),
    },
    {
        "key": "inspections_county",
        "section": "inspections",
        "type": "int",
        "max": 300,
        "part_of": "inspections_total",
        "label": _("其中县（市、区）级组织的多少次？"),
    },
    {
        "key": "forms_filled",
        "section": "forms",
        "type": "int",
        "max": 2000,
        "label": _("本期填报各类统计报表多少张？"),
    },
    {
        "key": "trace_demands",
        "section": "forms",
        "type": "int",
        "max": 1000,
        "label": _("被要求拍照、签到表、台账等留痕材料多少次？"),
    },
    {
        "key": "app_checkins",
        "section": "apps",
        "type": "int",
        "max": 200,
        "label": _("要求打卡、签到或填报的政务 App、小程序和工作群有多少个？"),
    },
    {
        "key": "hours_burden_week",
        "section": "time",
        "type": "hours",
        "max": 168,
        "label": _("平均每周花在上述文件、会议、迎检、报表、留痕上的时间（小时）？"),
    },
    {
        "key": "hours_service_week",
        "section": "time",
        "type": "hours",
        "max": 168,
        "label": _("平均每周直接服务群众、办实事的时间（小时）？"),
    },
    {
        "key": "burden_score",
        "section": "feeling",
        "type": "score",
        "min": 1,
        "max": 5,
        "label": _("本期总体负担感受（1 很轻 — 5 很重）"),
    },
    {
        "key": "problems",
        "section": "feeling",
        "type": "text",
        "max": 1000,
        "label": _("突出问题（可不填）"),
    },
    {
        "key": "suggestions",
        "section": "feeling",
        "type": "text",
        "max": 1000,
        "label": _("意见建议（可不填）"),
    },
]

SECTIONS = {
    "documents": _("文件"),
    "meetings": _("会议"),
    "inspections": _("督查检查考核"),
    "forms": _("报表与留痕"),
    "apps": _("指尖上的负担"),
    "time": _("时间"),
    "feeling": _("感受与建议"),
}

# Optional answers: everything else must be filled (an explicit 0 is an answer; empty is not).
OPTIONAL_TYPES = {"text"}


def serialisable(questions) -> list[dict]:
    """The questions with their lazy Chinese labels as plain strings (stored in the form row)."""
    from django.utils import translation

    # The msgids, whatever language is active: pages translate them when they show them.
    with translation.override(None):
        return [
            {k: str(v) if k in ("label", "unit") else v for k, v in q.items()} for q in questions
        ]
