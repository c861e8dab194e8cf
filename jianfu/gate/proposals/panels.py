"""This part's own panels on a proposal's review page (gate/review.py): the draft's length
against the cap (order 20) and the meetings of the same week that could be merged (order 35)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.gate import review
from jianfu.registry.models import Category, MeetingForm

from . import config, queries, reading


def length(proposal, principal) -> dict | None:
    if proposal.category != Category.DOCUMENT:
        return None
    n = reading.length(proposal.draft_text)
    cap = config.cap(proposal.special_task)
    over = n > cap
    context = {
        "characters": n,
        "cap": cap,
        "special_task": proposal.special_task,
        "over": over,
        "share": round(n / cap * 100) if cap else 0,
        # The bar's width as a class (CSP: no inline style), in steps of ten.
        "bar": min(100, round(n / cap * 10) * 10) if cap else 0,
        "warnings": [],
    }
    if over:
        context["warnings"].append(
            _("文稿 %(n)s 字，超过%(what)s篇幅上限 %(cap)s 字（超出 %(d)s 字）。")
            % {
                "n": n,
                "cap": cap,
                "d": n - cap,
                "what": _("专项任务文件") if proposal.special_task else _("一般文件"),
            }
        )
    return context


def merge(proposal, principal) -> dict | None:
    if proposal.category != Category.MEETING:
        return None
    found = queries.merge_candidates(proposal, principal)
    video = proposal.meeting_form == MeetingForm.VIDEO
    # By video where no one has to be there in person: no grassroots attendance in the room.
    could_video = not video and not proposal.grassroots_required
    context = {
        **found,
        "video": video,
        "could_video": could_video,
        "grassroots_required": proposal.grassroots_required,
        "warnings": [],
    }
    n = len(found["proposals"]) + len(found["meetings"])
    if n:
        context["warnings"].append(
            _("同一周有 %(n)s 个参会层级重叠的会议，可考虑合并召开（两会合一）。") % {"n": n}
        )
    if proposal.grassroots_required and not video:
        context["warnings"].append(_("要求基层参加的现场会议，请说明能否以视频方式召开。"))
    return context


def register() -> None:
    review.register(
        review.Panel(
            "length", gettext_lazy("篇幅"), 20, "gate/proposals/_panel_length.html", length
        )
    )
    review.register(
        review.Panel(
            "merge",
            gettext_lazy("同周会议与合并召开"),
            35,
            "gate/proposals/_panel_merge.html",
            merge,
        )
    )
