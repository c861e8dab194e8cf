"""Gaming (数据好看、变通干): the figures improve while the burden does not.

Year to date (the complete months) against the same months last year, per unit:
- white_header: the white-header share (white-header documents, office notices, work-group
  messages) of all documents rises by a number of percentage points while red-header documents
  fall — the quota dodged by dropping the masthead;
- remote_inspection: the share of inspections done by phone or by written materials rises while
  on-site inspections fall — the visit turned into paperwork for the grassroots;
- video_grassroots: the share of video meetings that still require the grassroots to attend rises
  while meetings in person fall — the meeting moved, the burden kept;
- document_length: documents counted fall by a percentage (a setting) while their pages or
  characters rise by as much — documents merged into longer ones to keep the count down.

Shares are compared only when both periods have a minimum number of records (a setting), and a
rise counts only when it is beyond chance as well (a two-proportion test, base.beyond_chance):
with forty documents a year a white-header share moves by ten points from one year to the next
by itself. Severity: medium past the threshold, high at twice it.
"""

import calendar
import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry import kinds
from jianfu.registry.kinds import WHITE_KINDS
from jianfu.registry.models import REMOTE_METHODS, Category, MeetingForm

from . import reads
from .base import (
    Finding,
    Rule,
    beyond_chance,
    compared_months,
    figure,
    graded,
    month_range,
    pct_change,
    records,
    series,
    share,
    year_period,
    year_periods_when_compared,
)

MIN_COUNT = "signals.gaming.min_count"
WHITE_PP = "signals.gaming.white_share_pp"
REMOTE_PP = "signals.gaming.remote_share_pp"
VIDEO_PP = "signals.gaming.video_share_pp"
LENGTH_PCT = "signals.gaming.length_pct"

runtime.define(
    SettingDef(
        MIN_COUNT,
        10,
        _("变通应对：参与比较的最少件数"),
        _("本年和上年同期的记录都不少于此数才比较占比，避免几件记录造成的大起大落。"),
        "business",
        1,
        1000,
    ),
    SettingDef(
        WHITE_PP,
        10,
        _("变通应对：白头文件占比上升（百分点）"),
        _(
            "白头文件（含办公室通知、工作群通知）占全部发文的比例比上年同期上升达到此数，同时红头文件减少，即预警。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        REMOTE_PP,
        10,
        _("变通应对：电话、书面督查占比上升（百分点）"),
        _(
            "以电话、书面材料方式开展的督查检查考核占比比上年同期上升达到此数，同时实地督查检查减少，即预警。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        VIDEO_PP,
        10,
        _("变通应对：要求基层参加的视频会议占比上升（百分点）"),
        _(
            "要求基层参加的视频会议占全部会议的比例比上年同期上升达到此数，同时非视频会议减少，即预警。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        LENGTH_PCT,
        10,
        _("变通应对：发文数量降幅与篇幅增幅（%）"),
        _("计入指标的发文数量比上年同期减少达到此比例，而总页数或总字数增幅也达到此比例，即预警。"),
        "business",
        1,
        1000,
    ),
)

SETTINGS = (MIN_COUNT, WHITE_PP, REMOTE_PP, VIDEO_PP, LENGTH_PCT)

SUBJECTS = {
    "white_header": _("白头文件代替红头文件"),
    "remote_inspection": _("实地督查改为电话、书面督查"),
    "video_grassroots": _("改开视频会议仍要求基层参加"),
    "document_length": _("发文数量减少而篇幅增加"),
}


def _sums(entry: dict | None, months: int, *fields: str) -> list[int]:
    if entry is None:
        return [0] * len(fields)
    return [sum(entry[f][:months]) for f in fields]


def _pair(data, unit_id, year, field):
    this = data[(unit_id, year)][field]
    last = data.get((unit_id, year - 1), {}).get(field, [0] * 12)
    return [(year, this), (year - 1, last)]


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    months = compared_months(as_of)
    if not months:
        return []
    ctx = {
        "as_of": as_of,
        "year": as_of.year,
        "months": months,
        "unit_ids": unit_ids,
        "min_count": settings[MIN_COUNT],
    }
    findings = (
        _documents(ctx, settings[WHITE_PP], settings[LENGTH_PCT])
        + _inspections(ctx, settings[REMOTE_PP])
        + _meetings(ctx, settings[VIDEO_PP])
    )
    _attach_records(findings, as_of.year, months)
    return findings


def _finding(ctx, unit_id, subject, severity, figures, series_list) -> Finding:
    return Finding(
        unit_id=unit_id,
        period=year_period(ctx["year"]),
        subject=subject,
        severity=severity,
        conditions=(subject,),
        evidence={
            "conditions": [subject],
            "as_of": ctx["as_of"].isoformat(),
            "compared": month_range(ctx["year"], ctx["months"]),
            "figures": [figure("months", ctx["months"], "months"), *figures],
            "series": series_list,
        },
    )


def _documents(ctx, white_pp, length_pct) -> list[Finding]:
    year, months, min_count = ctx["year"], ctx["months"], ctx["min_count"]
    fields = ["red_header", "white_header", "counted", "pages", "characters"]
    data = reads.usage(
        category=Category.DOCUMENT, years=[year, year - 1], unit_ids=ctx["unit_ids"], fields=fields
    )
    found = []
    for unit_id in sorted(u for u, y in data if y == year):
        red, white, counted, pages, chars = _sums(data[(unit_id, year)], months, *fields)
        red_l, white_l, counted_l, pages_l, chars_l = _sums(
            data.get((unit_id, year - 1)), months, *fields
        )
        total, total_l = red + white, red_l + white_l
        if total >= min_count and total_l >= min_count:
            shift = share(white, total) - share(white_l, total_l)
            if shift >= white_pp and red < red_l and beyond_chance(white, total, white_l, total_l):
                found.append(
                    _finding(
                        ctx,
                        unit_id,
                        "white_header",
                        graded(shift, white_pp, base=2),
                        [
                            figure("red_this", red),
                            figure("red_last", red_l),
                            figure("total_this", total),
                            figure("total_last", total_l),
                            figure("white_share_this", share(white, total), "pct"),
                            figure("white_share_last", share(white_l, total_l), "pct"),
                            figure("share_change", shift, "pp"),
                        ],
                        [
                            series("red_header", _pair(data, unit_id, year, "red_header"), months),
                            series(
                                "white_header",
                                _pair(data, unit_id, year, "white_header"),
                                months,
                            ),
                        ],
                    )
                )
        fall = -(pct_change(counted, counted_l) or 0)
        if counted >= min_count and counted_l >= min_count and fall >= length_pct:
            growth = max(pct_change(pages, pages_l) or 0, pct_change(chars, chars_l) or 0)
            if growth >= length_pct:
                found.append(
                    _finding(
                        ctx,
                        unit_id,
                        "document_length",
                        graded(growth, length_pct, base=2),
                        [
                            figure("count_this", counted),
                            figure("count_last", counted_l),
                            figure("pages_this", pages, "pages"),
                            figure("pages_last", pages_l, "pages"),
                            figure("pages_change_pct", pct_change(pages, pages_l) or 0, "pct"),
                            figure("characters_this", chars, "chars"),
                            figure("characters_last", chars_l, "chars"),
                            figure("characters_change_pct", pct_change(chars, chars_l) or 0, "pct"),
                        ],
                        [
                            series("documents", _pair(data, unit_id, year, "counted"), months),
                            series("pages", _pair(data, unit_id, year, "pages"), months),
                            series("characters", _pair(data, unit_id, year, "characters"), months),
                        ],
                    )
                )
    return found


def _inspections(ctx, remote_pp) -> list[Finding]:
    year, months, min_count = ctx["year"], ctx["months"], ctx["min_count"]
    fields = ["total", "on_site", "remote"]
    data = reads.usage(
        category=Category.INSPECTION,
        years=[year, year - 1],
        unit_ids=ctx["unit_ids"],
        fields=fields,
    )
    found = []
    for unit_id in sorted(u for u, y in data if y == year):
        total, on_site, remote = _sums(data[(unit_id, year)], months, *fields)
        total_l, on_site_l, remote_l = _sums(data.get((unit_id, year - 1)), months, *fields)
        if total < min_count or total_l < min_count:
            continue
        shift = share(remote, total) - share(remote_l, total_l)
        if (
            shift >= remote_pp
            and on_site < on_site_l
            and beyond_chance(remote, total, remote_l, total_l)
        ):
            found.append(
                _finding(
                    ctx,
                    unit_id,
                    "remote_inspection",
                    graded(shift, remote_pp, base=2),
                    [
                        figure("on_site_this", on_site),
                        figure("on_site_last", on_site_l),
                        figure("total_this", total),
                        figure("total_last", total_l),
                        figure("remote_share_this", share(remote, total), "pct"),
                        figure("remote_share_last", share(remote_l, total_l), "pct"),
                        figure("share_change", shift, "pp"),
                    ],
                    [
                        series("on_site", _pair(data, unit_id, year, "on_site"), months),
                        series("remote", _pair(data, unit_id, year, "remote"), months),
                    ],
                )
            )
    return found


def _meetings(ctx, video_pp) -> list[Finding]:
    year, months, min_count = ctx["year"], ctx["months"], ctx["min_count"]
    fields = ["total", "video", "video_grassroots"]
    data = reads.usage(
        category=Category.MEETING, years=[year, year - 1], unit_ids=ctx["unit_ids"], fields=fields
    )
    found = []
    for unit_id in sorted(u for u, y in data if y == year):
        total, video, video_g = _sums(data[(unit_id, year)], months, *fields)
        total_l, video_l, video_g_l = _sums(data.get((unit_id, year - 1)), months, *fields)
        if total < min_count or total_l < min_count:
            continue
        in_person, in_person_l = total - video, total_l - video_l
        shift = share(video_g, total) - share(video_g_l, total_l)
        if (
            shift >= video_pp
            and in_person < in_person_l
            and beyond_chance(video_g, total, video_g_l, total_l)
        ):
            this_rows = data[(unit_id, year)]
            last_rows = data.get((unit_id, year - 1), {f: [0] * 12 for f in fields})
            in_person_rows = [
                (
                    year,
                    [t - v for t, v in zip(this_rows["total"], this_rows["video"], strict=True)],
                ),
                (
                    year - 1,
                    [t - v for t, v in zip(last_rows["total"], last_rows["video"], strict=True)],
                ),
            ]
            found.append(
                _finding(
                    ctx,
                    unit_id,
                    "video_grassroots",
                    graded(shift, video_pp, base=2),
                    [
                        figure("in_person_this", in_person),
                        figure("in_person_last", in_person_l),
                        figure("total_this", total),
                        figure("total_last", total_l),
                        figure("video_share_this", share(video_g, total), "pct"),
                        figure("video_share_last", share(video_g_l, total_l), "pct"),
                        figure("share_change", shift, "pp"),
                    ],
                    [
                        series("in_person", in_person_rows, months),
                        series(
                            "video_grassroots",
                            _pair(data, unit_id, year, "video_grassroots"),
                            months,
                        ),
                    ],
                )
            )
    return found


# The records behind each kind of finding: what the unit issued, held or imposed instead.
RECORDS = {
    "white_header": (kinds.DOCUMENT, Q(kind__in=WHITE_KINDS)),
    "remote_inspection": (kinds.INSPECTION, Q(method__in=list(REMOTE_METHODS))),
    "video_grassroots": (kinds.MEETING, Q(form=MeetingForm.VIDEO, grassroots_required=True)),
}


def _attach_records(findings: list[Finding], year: int, months: int) -> None:
    start = dt.date(year, 1, 1)
    end = dt.date(year, months, calendar.monthrange(year, months)[1])
    for subject, (k, condition) in RECORDS.items():
        mine = [f for f in findings if f.subject == subject]
        if not mine:
            continue
        label = k.model._meta.label_lower  # "registry.document"
        ids = reads.record_ids(
            k.model,
            k.date_field,
            unit_ids=[f.unit_id for f in mine],
            start=start,
            end=end,
            condition=condition,
        )
        for f in mine:
            found, total = ids.get(f.unit_id, ([], 0))
            f.evidence["records"] = records(label, found, total)


def headline(subject: str, evidence: dict) -> str:
    v = {f["key"]: f["value"] for f in evidence.get("figures", [])}
    m = v.get("months")
    if subject == "white_header":
        return gettext(
            "1–%(m)s 月白头文件占比 %(last)s%% → %(this)s%%，红头文件 %(red_l)s → %(red)s 件"
        ) % {
            "m": m,
            "last": v.get("white_share_last"),
            "this": v.get("white_share_this"),
            "red_l": v.get("red_last"),
            "red": v.get("red_this"),
        }
    if subject == "remote_inspection":
        return gettext(
            "1–%(m)s 月电话、书面督查占比 %(last)s%% → %(this)s%%，实地督查 %(o_l)s → %(o)s 次"
        ) % {
            "m": m,
            "last": v.get("remote_share_last"),
            "this": v.get("remote_share_this"),
            "o_l": v.get("on_site_last"),
            "o": v.get("on_site_this"),
        }
    if subject == "video_grassroots":
        return gettext(
            "1–%(m)s 月要求基层参加的视频会议占比 %(last)s%% → %(this)s%%，"
            "非视频会议 %(p_l)s → %(p)s 次"
        ) % {
            "m": m,
            "last": v.get("video_share_last"),
            "this": v.get("video_share_this"),
            "p_l": v.get("in_person_last"),
            "p": v.get("in_person_this"),
        }
    if subject == "document_length":
        return gettext(
            "1–%(m)s 月计入指标的发文 %(c_l)s → %(c)s 件，总页数增加 %(pp)s%%，总字数增加 %(cp)s%%"
        ) % {
            "m": m,
            "c_l": v.get("count_last"),
            "c": v.get("count_this"),
            "pp": v.get("pages_change_pct"),
            "cp": v.get("characters_change_pct"),
        }
    return ""


RULE = Rule(
    code="gaming",
    label=_("变通应对"),
    sentence=_(
        "与上年同期（已结束的月份）相比：白头文件占比上升至少 %(white_share_pp)s 个百分点"
        "而红头文件减少；"
        "电话、书面督查占比上升至少 %(remote_share_pp)s 个百分点而实地督查减少；"
        "要求基层参加的视频会议占比上升至少 %(video_share_pp)s 个百分点而非视频会议减少；"
        "计入指标的发文减少至少 %(length_pct)s%% 而总页数或总字数增加至少 %(length_pct)s%%。"
        "本年和上年同期都至少有 %(min_count)s 件记录、且占比变化超出随机波动（95%% 置信）才预警。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=SUBJECTS,
    headline=headline,
    periods=year_periods_when_compared,
)
