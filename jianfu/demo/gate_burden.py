"""The burden meter's demo stage (报表准入): a field dictionary, the forms two counties had admitted
to the catalogue (and one still awaiting the office), a request sent last month to one county's
villages with most of them returned (their minutes measured), and a draft of the other county
that asks for data the platform already holds — flagged, naming the document registry — so the
senders ranking and the flags both have something to show. Small: a few dozen returns."""

import datetime as dt

from django.utils import timezone

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo.generator import DemoContext, register
from jianfu.gate.burden import services
from jianfu.gate.burden.models import DataRequest, Form, FormField, Return

FIELDS = (
    ("households", "农户户数", "number", (), "户", ""),
    ("population", "常住人口", "number", (), "人", ""),
    ("road", "村道路况", "choice", ("良好", "一般", "较差"), "", ""),
    ("clinic", "是否有标准化卫生室", "yesno", (), "", ""),
    ("flood_stock", "防汛沙袋储备", "number", (), "袋", ""),
    ("flood_drill", "最近一次防汛演练日期", "date", (), "", ""),
    ("docs_received", "本月收到上级文件数", "number", (), "件", "registry.documents"),
    ("meetings_attended", "本月参加上级会议次数", "number", (), "次", "registry.meetings"),
)
VILLAGES = 12  # returns per request, at most


def _count() -> dict[str, int]:
    return {
        "数据项": FormField.objects.count(),
        "准入报表": Form.objects.filter(status="admitted").count(),
        "填报任务": DataRequest.objects.count(),
        "已提交填报": Return.objects.filter(submitted_at__isnull=False).count(),
    }


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@register(count=_count)
def gate_burden(ctx: DemoContext) -> dict[str, int]:
    rng = ctx.rng
    office = User.objects.get(username=f"{ctx.username_prefix}office")
    counties = [u for u in ctx.units["county"] if u.path.startswith(ctx.root.path)][:2]
    if len(counties) < 2:
        return {}
    fields = {}
    for code, name, kind, choices, measure, held_in in FIELDS:
        fields[code] = services.field_create(
            by=office, code=code, name=name, type=kind, choices=list(choices),
            measure=measure, held_in=held_in,
        )  # fmt: skip

    def form(county, name, codes, admit=True):
        f = services.form_propose(
            by=office, sender_id=county.pk, name=name,
            purpose="按年度工作要点，每月掌握村级基本情况。",
            field_ids=[fields[c].pk for c in codes],
        )  # fmt: skip
        return services.form_admit(by=office, form=f, note="同意准入") if admit else f

    today = ctx.as_of
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    period = f"{last_month.year}-{last_month.month:02d}"
    sent_day = last_month + dt.timedelta(days=2)

    # County 1: a monthly village form sent last month, most villages returned.
    village_form = form(
        counties[0], "村级基本情况月报", ["households", "population", "road", "clinic"]
    )
    villages = list(
        Unit.objects.filter(path__startswith=counties[0].path, kind="village").order_by("path")[
            :VILLAGES
        ]
    )
    returned = 0
    if villages:
        with clock.frozen(_at(sent_day, 9)):
            req = services.request_draft(
                by=office, form=village_form, title=f"{last_month.month}月村级基本情况",
                levels=["village"], frequency="once", first_period=period, count=1,
                due_on=sent_day + dt.timedelta(days=10), unit_ids=[v.pk for v in villages],
            )  # fmt: skip
            services.request_send(by=office, request=req, confirm=True)
        filler = (
            User.objects.filter(username=f"{ctx.username_prefix}contact-{counties[0].code}").first()
            or office
        )
        rets = list(
            Return.objects.filter(request=req).select_related("unit").order_by("unit__path")
        )
        for i, ret in enumerate(rets):
            if i % 4 == 3:
                continue  # a quarter have not returned yet
            opened = _at(sent_day + dt.timedelta(days=1 + i % 5), 9 + i % 7, rng.randrange(60))
            with clock.frozen(opened):
                services.return_open(by=filler, ret=ret)
            spent = dt.timedelta(seconds=rng.randrange(150, 540))
            with clock.frozen(opened + spent):
                services.return_submit(
                    by=filler, ret=ret,
                    values={
                        "households": str(rng.randrange(120, 900)),
                        "population": str(rng.randrange(400, 3000)),
                        "road": rng.choice(["良好", "一般", "较差"]),
                        "clinic": rng.choice(["yes", "no"]),
                    },
                )  # fmt: skip
            returned += 1

    # County 2: a form asking what the registries hold — its draft is flagged before sending.
    flood = form(
        counties[1],
        "防汛备汛情况统计表",
        ["flood_stock", "flood_drill", "docs_received", "meetings_attended"],
    )
    with clock.frozen(_at(today, 8)):
        services.request_draft(
            by=office, form=flood, title="防汛备汛情况统计（请各村填报）",
            levels=["village", "township"], frequency="monthly",
            first_period=f"{today.year}-{today.month:02d}", count=3,
            due_on=today + dt.timedelta(days=7),
        )  # fmt: skip
    # One form still awaiting the office's admission.
    form(counties[1], "村级防疫物资周报", ["population", "clinic"], admit=False)
    return {"填报任务": 2, "已提交填报": returned}
