"""Gaming (数据好看、变通干): the figures improve while the burden does not.

Year to date (the complete months) against the same months last year, per unit:
- white_header: the white-header share (white-header documents, office notices, work-group
  messages) of all documents rises — the quota dodged by dropping the masthead;
- remote_inspection: the share of inspections done by phone or by written materials rises — the
  visit turned into paperwork for the grassroots;
- video_grassroots: the share of meetings that are video meetings still requiring the grassroots
  to attend rises — the meeting moved, the burden kept;
- document_length: documents counted fall by a percentage (a setting) while their length per
  document (pages or characters) rises by as much — documents merged into longer ones to keep
  the count down. The length per document, not the total pages, is the effect: it is what the
  chance test below tests, and a merge that keeps the total about level (fewer, longer
  documents) is the substitution itself; the total had to rise before, which a unit merging
  30 % of its documents into the rest does not do.

The three substitutions are tested as a change in share, whatever the total does. The share IS
the substitution: a unit whose remote inspections rose while on-site ones stayed flat (the total
rising) moved its new inspections onto paper as surely as one whose on-site inspections fell;
whether the counted kind falls in numbers depends on the unit's volume, which moves for reasons
of its own (a flood year, a new task). The old condition (the counted kind must fall) missed the
first unit and added nothing a statistician would test.

Each share rise must pass: a minimum number of records in both periods (a setting); the
percentage points of the setting, against last year and against the baseline; Fisher's exact
one-sided test, as Lancaster's mid-p (counts.share_rise_p: the conditional test is conservative
at small counts), between this year and the baseline — last year and the year before together
where the unit had records in both (its share is its own and stable under the null, and two
years estimate it with half the noise) — leaving out units whose margins cannot give a p within
the rate set (Tarone: they can never be flagged and only dilute the correction), with
Benjamini–Hochberg across every unit tested for that subject in the
run (the whole population, even when the runner asks for a few units; with a hundred units a
plain 97.5% test flags two or three by chance alone). document_length has its chance test too:
given the documents counted each year, are the pages (or characters) this year more than the
same length per document as the baseline (the two earlier years where there are both) would
give, beyond the unit's own month-to-month dispersion of pages per document (counts.rise_p with
the documents as exposure; the smaller p of pages and
characters, doubled for having looked at two)?
Severity combines the effect (past its setting low, twice it medium, four times it high) with
the evidence (counts.severity).
"""

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef
from jianfu.registry import kinds
from jianfu.registry.kinds import WHITE_KINDS
from jianfu.registry.models import REMOTE_METHODS, Category, MeetingForm

from . import counts, reads
from .base import (
    TESTS,
    Finding,
    Rule,
    chance,
    compared_months,
    figure,
    month_range,
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
FDR = "signals.gaming.fdr_pct"

runtime.define(
    SettingDef(
        MIN_COUNT,
        8,
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
            "白头文件（含办公室通知、工作群通知）占全部发文的比例比上年同期上升达到此数，"
            "且上升超出偶然，即预警（不论发文总数增减）。"
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
            "以电话、书面材料方式开展的督查检查考核占比比上年同期上升达到此数，"
            "且上升超出偶然，即预警（不论督查检查考核总数增减）。"
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
            "要求基层参加的视频会议占全部会议的比例比上年同期上升达到此数，"
            "且上升超出偶然，即预警（不论会议总数增减）。"
        ),
        "business",
        1,
        100,
    ),
    SettingDef(
        LENGTH_PCT,
        10,
        _("变通应对：发文数量降幅与篇幅增幅（%）"),
        _(
            "计入指标的发文数量比上年同期减少达到此比例，而每件的篇幅（页数或字数）增幅也达到此比例、"
            "且篇幅增加超出偶然，即预警。"
        ),
        "business",
        1,
        1000,
    ),
    SettingDef(
        FDR,
        10.0,
        _("变通应对：错误发现率（%）"),
        _(
            "同一次运行中对所有单位逐一检验（每类变通分别计算），预警中纯属偶然的比例预计"
            "不超过此数（Benjamini–Hochberg 方法）。数值越小，预警越少、越可靠。"
        ),
        "business",
        0.1,
        20,
    ),
)

SETTINGS = (MIN_COUNT, WHITE_PP, REMOTE_PP, VIDEO_PP, LENGTH_PCT, FDR)

SUBJECTS = {
    "white_header": _("白头文件代替红头文件"),
    "remote_inspection": _("实地督查改为电话、书面督查"),
    "video_grassroots": _("改开视频会议仍要求基层参加"),
    "document_length": _("发文数量减少而篇幅增加"),
}

TESTS["share_fisher"] = _(
    "把本年与上年同期的记录按是否属于这一类列成四格表，用 Fisher 精确检验判断占比上升是否超出偶然。"
)
TESTS["length_quasi_poisson"] = _(
    "按两年计入指标的发文数，检验本年的总页数（或总字数）是否多于篇幅不变时应有的数，"
    "并考虑本单位各月篇幅的波动。"
)


@dataclass(frozen=True)
class Share:
    """One substitution tested as a rising share: the part (field or fields summed) of the whole
    in one category's rollup, and the figure keys its evidence uses."""

    subject: str
    category: str
    setting: str
    part: tuple[str, ...]
    whole: tuple[str, ...]
    kept: str  # the figure keys of the kind the part replaces: "<kept>_this", "<kept>_last"
    share_key: str  # "<share_key>_this", "<share_key>_last"
    series: tuple[str, str]  # the series shown: the kept kind, the part


SHARES = (
    Share(
        "white_header",
        Category.DOCUMENT,
        WHITE_PP,
        ("white_header",),
        ("red_header", "white_header"),
        "red",
        "white_share",
        ("red_header", "white_header"),
    ),
    Share(
        "remote_inspection",
        Category.INSPECTION,
        REMOTE_PP,
        ("remote",),
        ("total",),
        "on_site",
        "remote_share",
        ("on_site", "remote"),
    ),
    Share(
        "video_grassroots",
        Category.MEETING,
        VIDEO_PP,
        ("video_grassroots",),
        ("total",),
        "in_person",
        "video_share",
        ("in_person", "video_grassroots"),
    ),
)

# The rollup's fields read per category, for every subject of that category.
FIELDS = {
    Category.DOCUMENT: ["red_header", "white_header", "counted", "pages", "characters"],
    Category.INSPECTION: ["total", "on_site", "remote"],
    Category.MEETING: ["total", "video", "video_grassroots"],
}


def evaluate(as_of: dt.date, unit_ids: list[int] | None, settings: dict) -> list[Finding]:
    months = compared_months(as_of)
    if not months:
        return []
    year = as_of.year
    ctx = {
        "as_of": as_of,
        "year": year,
        "months": months,
        "asked": None if unit_ids is None else set(unit_ids),
        "min_count": settings[MIN_COUNT],
        "fdr": settings[FDR] / 100,
    }
    findings = []
    for category, fields in FIELDS.items():
        ids, values = reads.usage_array(
            category=category, years=[year, year - 1, year - 2], fields=fields
        )
        if not len(ids):
            continue
        data = {f: values[..., i] for i, f in enumerate(fields)}
        if category == Category.MEETING:
            data["in_person"] = data["total"] - data["video"]
        for spec in SHARES:
            if spec.category == category:
                findings += _share(ctx, spec, ids, data, settings[spec.setting])
        if category == Category.DOCUMENT:
            findings += _length(ctx, ids, data, settings[LENGTH_PCT])
    _attach_records(findings, year, months)
    return findings


def _ytd(data: dict, fields, months: int) -> tuple[np.ndarray, np.ndarray]:
    """This year's and last year's sums over the compared months of the fields given."""
    total = sum(data[f][:, :2, :months] for f in fields).sum(axis=2)
    return total[:, 0], total[:, 1]


def _survivors(ctx, p: np.ndarray, tested: np.ndarray, hit: np.ndarray, ids):
    """The q-values (BH across every unit tested) and the indices of the units asked for whose
    finding stands: past the effect's floor and within the false-discovery rate."""
    q = np.ones(len(p))
    q[tested] = counts.q_values(p[tested])
    stands = hit & tested & (q <= ctx["fdr"])
    asked = ctx["asked"]
    return q, [int(i) for i in np.flatnonzero(stands) if asked is None or int(ids[i]) in asked]


def _base(data: dict, fields, months: int) -> np.ndarray:
    """The year before last's sum over the compared months of the fields given."""
    return sum(data[f][:, 2, :months] for f in fields).sum(axis=1)


def _share(ctx, spec: Share, ids, data, min_pp) -> list[Finding]:
    months, year = ctx["months"], ctx["year"]
    part, part_l = _ytd(data, spec.part, months)
    whole, whole_l = _ytd(data, spec.whole, months)
    # The baseline share from last year and the year before together where the unit had records
    # of the category in both: under the null the unit's share is its own and stable, and two
    # years' records estimate it with half the noise of one.
    part_b, whole_b = _base(data, spec.part, months), _base(data, spec.whole, months)
    two = whole_b >= ctx["min_count"]
    x0, n0 = np.where(two, part_l + part_b, part_l), np.where(two, whole_l + whole_b, whole_l)
    tested = (whole >= ctx["min_count"]) & (whole_l >= ctx["min_count"])
    # Units whose margins cannot give a p within the rate set are no test (Tarone).
    tested &= counts.share_min_p(whole, part + x0, whole + n0) <= ctx["fdr"]
    if not tested.any():
        return []
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(tested, (part / whole - part_l / whole_l) * 100, 0.0)
        shift_base = np.where(tested, (part / whole - x0 / np.maximum(n0, 1)) * 100, 0.0)
    p = np.ones(len(ids))
    p[tested] = counts.share_rise_p(part[tested], whole[tested], x0[tested], n0[tested])
    q, found = _survivors(ctx, p, tested, (shift >= min_pp) & (shift_base >= min_pp), ids)
    kept, kept_l = _ytd(data, (spec.series[0],), months)
    out = []
    for i in found:
        effect = counts.effect_grade(float(shift[i]), min_pp)
        figures = [
            figure(f"{spec.kept}_this", int(kept[i])),
            figure(f"{spec.kept}_last", int(kept_l[i])),
            figure("total_this", int(whole[i])),
            figure("total_last", int(whole_l[i])),
            figure(f"{spec.share_key}_this", share(int(part[i]), int(whole[i])), "pct"),
            figure(f"{spec.share_key}_last", share(int(part_l[i]), int(whole_l[i])), "pct"),
            figure("share_change", float(shift[i]), "pp"),
        ]
        against = chance(
            "share_fisher",
            share(int(part[i]), int(whole[i])),
            share(int(part[i] + x0[i]), int(whole[i] + n0[i])),
            float(p[i]),
            tested=int(tested.sum()),
            q=float(q[i]),
            unit="pct",
            support=int(whole[i] + n0[i]),
        )
        out.append(
            _finding(
                ctx,
                int(ids[i]),
                spec.subject,
                counts.severity(effect, float(q[i]), ctx["fdr"]),
                figures,
                [_series(key, data[key][i], year, months) for key in spec.series],
                against,
            )
        )
    return out


def _length(ctx, ids, data, length_pct) -> list[Finding]:
    months, year = ctx["months"], ctx["year"]
    counted, counted_l = _ytd(data, ("counted",), months)
    tested = (counted >= ctx["min_count"]) & (counted_l >= ctx["min_count"])
    if not tested.any():
        return []
    fall = -_pct(counted, counted_l)
    growth = {f: _pct(*_ytd(data, (f,), months)) for f in ("pages", "characters")}
    # The baseline length per document from last year and the year before together where the
    # unit counted documents in both (its length is its own and stable under the null; two
    # years estimate it with half the noise of one).
    counted_b = _base(data, ("counted",), months)
    two = counted_b >= ctx["min_count"]
    base_counted = np.where(two, counted_l + counted_b, counted_l)
    ratio = counted / np.maximum(base_counted, 1)
    by_measure, longer, bases = [], [], []
    for f in ("pages", "characters"):
        this, last = _ytd(data, (f,), months)
        base = np.where(two, last + _base(data, (f,), months), last)
        phi = _length_dispersion(data[f][:, 1:], data["counted"][:, 1:])
        by_measure.append(counts.rise_p(this, base, phi, ratio))
        # The effect is what the test tests: the length per document against the baseline's.
        with np.errstate(divide="ignore", invalid="ignore"):
            per_doc = (this / np.maximum(counted, 1)) / (base / np.maximum(base_counted, 1))
        longer.append(np.where(base > 0, (per_doc - 1) * 100, 0.0))
        bases.append(base)
    # The evidence shows the measure with the stronger case; p is doubled for looking at two.
    by_pages = by_measure[0] <= by_measure[1]
    p = np.minimum(1.0, 2 * np.minimum(*by_measure))
    big = np.maximum(*longer)
    q, found = _survivors(ctx, p, tested, (fall >= length_pct) & (big >= length_pct), ids)
    pages, pages_l = _ytd(data, ("pages",), months)
    chars, chars_l = _ytd(data, ("characters",), months)
    out = []
    for i in found:
        this, last, unit = (pages, pages_l, "pages") if by_pages[i] else (chars, chars_l, "chars")
        base_amount = bases[0] if by_pages[i] else bases[1]
        out.append(
            _finding(
                ctx,
                int(ids[i]),
                "document_length",
                counts.severity(
                    counts.effect_grade(float(big[i]), length_pct), float(q[i]), ctx["fdr"]
                ),
                [
                    figure("count_this", int(counted[i])),
                    figure("count_last", int(counted_l[i])),
                    figure("pages_this", int(pages[i]), "pages"),
                    figure("pages_last", int(pages_l[i]), "pages"),
                    figure("pages_change_pct", float(growth["pages"][i]), "pct"),
                    figure("characters_this", int(chars[i]), "chars"),
                    figure("characters_last", int(chars_l[i]), "chars"),
                    figure("characters_change_pct", float(growth["characters"][i]), "pct"),
                ],
                [
                    _series("documents", data["counted"][i], year, months),
                    _series("pages", data["pages"][i], year, months),
                    _series("characters", data["characters"][i], year, months),
                ],
                chance(
                    "length_quasi_poisson",
                    int(this[i]),
                    float(base_amount[i] / base_counted[i] * counted[i]),
                    float(p[i]),
                    tested=int(tested.sum()),
                    q=float(q[i]),
                    unit=unit,
                    support=int(counted[i] + base_counted[i]),
                ),
            )
        )
    return out


def _pct(this: np.ndarray, last: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(last > 0, (this - last) / np.maximum(last, 1) * 100, 0.0)


def _length_dispersion(amount: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """The dispersion of a unit's monthly pages (or characters) around what its documents that
    month would carry at the year's length per document, in last year's months (this year's
    hold what is tested)."""
    amount = amount.astype(float)
    documents = documents.astype(float)
    per_doc = amount.sum(axis=2, keepdims=True) / np.maximum(
        documents.sum(axis=2, keepdims=True), 1
    )
    expected = documents * per_doc
    levels = (documents.sum(axis=2) > 0).sum(axis=1)
    phi, df = counts.pearson_dispersion(amount, expected, levels)
    return counts.shrunk_dispersion(phi, df)


def _series(key: str, rows: np.ndarray, year: int, months: int) -> dict:
    return series(key, [(year, rows[0].tolist()), (year - 1, rows[1].tolist())], months)


def _finding(ctx, unit_id, subject, severity, figures, series_list, against) -> Finding:
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
            "against_chance": against,
        },
    )


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
        "与上年同期（已结束的月份）相比，不论总数增减：白头文件占比上升至少 "
        "%(white_share_pp)s 个百分点；电话、书面督查占比上升至少 %(remote_share_pp)s 个百分点；"
        "要求基层参加的视频会议占比上升至少 %(video_share_pp)s 个百分点；"
        "或计入指标的发文减少至少 %(length_pct)s%% 而每件的页数或字数增加至少 %(length_pct)s%%。"
        "本年和上年同期都至少有 %(min_count)s 件记录才检验，变化须超出偶然"
        "（占比用 Fisher 精确检验，篇幅按发文数和各月波动检验），"
        "所有单位一起控制错误发现率 %(fdr_pct)s%%。"
    ),
    evaluate=evaluate,
    settings=SETTINGS,
    subjects=SUBJECTS,
    headline=headline,
    periods=year_periods_when_compared,
)
