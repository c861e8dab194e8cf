"""The clue ledger's demo stage: a dozen clues from every channel — the public page (real-name and
anonymous, informants sealed), the 12345 hotline, petitions, a sample point's free-text answer, an
escalated signal and an inspection tour's referral — with a cluster of three near-duplicates about
one county told through three channels, some referred to their unit and some in handling. Clues
are facts, not signals: no rule reads them, so no unit raises anything from them."""

import datetime as dt

from jianfu.accountability.clues import services
from jianfu.accountability.clues.models import Clue, ClueStatus
from jianfu.core.models import User
from jianfu.demo.generator import DemoContext, register
from jianfu.monitoring.models import Report
from jianfu.signals.models import Signal, SignalStatus

STORY = (
    "{u}要求各乡镇每周上报防汛、安全生产、人居环境三张表格，内容大同小异，"
    "还要求每项工作拍摄十张照片上传工作群留痕，乡镇干部每周要花一天时间应付。"
)
RETOLD = (
    "反映{u}：各乡镇每周要上报防汛、安全生产、人居环境三张表格，内容大同小异，"
    "每项工作还要拍十张照片上传工作群留痕，乡镇干部每周花一天应付。"
)
RETOLD2 = (
    "{u}要求乡镇每周上报防汛、安全生产、人居环境三张表格，内容大同小异，"
    "并要求每项工作拍摄十张照片上传工作群留痕，干部一周要花一天时间。"
)
OTHERS = (
    ("public", "meetings", "{u}上月召开全县性会议十一次，每次都要求村支书到会陪会，一开就是半天。"),
    ("hotline", "inspections", "{u}对学校的督查检查一个学期来了九批，每批都要求准备汇报材料。"),
    ("petition", "documents", "{u}今年转发上级文件不加任何具体措施，以文件落实文件。"),
    ("public", "gaming", "{u}为了考核排名，要求村里把未完成的改厕数据先报完成。"),
    ("tour", "forms", "巡察发现{u}向村（社区）下发的报表有二十余种，其中一半与已有系统重复。"),
)
NAMES = ("刘建华", "陈秀兰", "赵志强", "孙丽")


def _count() -> dict[str, int]:
    return {"问题线索": Clue.objects.count()}


@register(count=_count)
def accountability_clues(ctx: DemoContext) -> dict[str, int]:
    rng = ctx.rng
    counties = [u for u in ctx.units["county"] if u.path.startswith(ctx.root.path)]
    if len(counties) < 2:
        return {}
    discipline = User.objects.get(username=f"{ctx.username_prefix}discipline")
    made: list[Clue] = []

    def at(days: int) -> dt.datetime:
        return ctx.now - dt.timedelta(days=days, hours=rng.randrange(8))

    def informant(i: int) -> dict:
        phone = f"139{rng.randrange(10**8):08d}"
        return {"name": NAMES[i % len(NAMES)], "phone": phone, "contact": "电话"}

    cluster_county = counties[0]
    for i, (channel, text) in enumerate(
        (("public", STORY), ("hotline", RETOLD), ("petition", RETOLD2))
    ):
        made.append(
            services.clue_create(
                channel=channel,
                received_at=at(20 - i * 3),
                subject_unit=cluster_county,
                category="forms",
                text=text.format(u=cluster_county.name),
                informant=informant(i) if i != 1 else None,
                real_name=i != 1,
                external_ref=f"GD{ctx.as_of:%Y}{i:04d}" if channel == "hotline" else "",
                receipt=channel == "public",
                by=discipline if channel != "public" else None,
            )
        )
    for i, (channel, category, text) in enumerate(OTHERS):
        county = counties[(i + 1) % len(counties)]
        real = i % 2 == 0
        made.append(
            services.clue_create(
                channel=channel,
                received_at=at(40 - i * 5),
                subject_unit=county,
                category=category,
                text=text.format(u=county.name),
                informant=informant(i + 3) if real and channel != "tour" else None,
                real_name=real and channel != "tour",
                external_ref=f"XF{ctx.as_of:%Y}-{i:04d}" if channel == "petition" else "",
                source_kind="demo.tour" if channel == "tour" else "",
                source_id=i if channel == "tour" else None,
                receipt=channel == "public",
                by=discipline if channel != "public" else None,
            )
        )
    reports = Report.objects.filter(point__county__path__startswith=ctx.root.path).only(
        "id", "values"
    )
    report = next(
        (r for r in reports.order_by("-submitted_at")[:2000] if services.report_text(r.values)),
        None,
    )
    if report is not None:
        made.append(services.clue_from_report(by=None, report_id=report.pk))
    else:  # a size without sample points: the office typed in what a point said
        county = counties[-1]
        made.append(
            services.clue_create(
                channel="sample_point",
                received_at=at(9),
                subject_unit=county,
                category="traces",
                text=f"样本点反映：{county.name}要求村里每项工作都建台账、拍照片，台账有十几本。",
                by=discipline,
            )
        )
    signal = (
        Signal.objects.filter(
            unit__path__startswith=ctx.root.path,
            status__in=[SignalStatus.OPEN, SignalStatus.CONFIRMED],
        )
        .order_by("rule", "pk")
        .first()
    )
    if signal is not None:
        made.append(services.clue_from_signal(by=None, signal_id=signal.pk))
    # The commission's work so far: the cluster in handling and referred, one clue closed.
    from jianfu.core.scope_guard import active

    with active(discipline):
        services.clue_refer(by=discipline, clue_id=made[0].pk)
        services.clue_set_status(by=discipline, clue_id=made[0].pk, status=ClueStatus.HANDLING)
        services.clue_set_status(by=discipline, clue_id=made[5].pk, status=ClueStatus.CLOSED)
    return {"问题线索": len({c.pk for c in made})}
