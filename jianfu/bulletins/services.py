"""Writes of the bulletin: create a draft (its content built by a task), edit it, and the
workflow draft → review → approved → published, each transition one audited service; units
confirm reading."""

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu import notify
from jianfu.core import audit, clock, crashpoints, runtime, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, UnitKind, User
from jianfu.core.runtime import SettingDef
from jianfu.core.scope_guard import active

from . import sections
from .models import Bulletin, Kind, Receipt, Status

log = logging.getLogger(__name__)

DRAFT = "bulletins.bulletin:draft"
APPROVE = "bulletins.bulletin:approve"
CONFIRM = "bulletins.bulletin:confirm"
RECIPIENT_KINDS = (UnitKind.COUNTY, UnitKind.DEPARTMENT)

runtime.define(
    SettingDef(
        "bulletins.number_prefix",
        "市委办通报",
        gettext_lazy("通报发文字号的机关代字"),
        gettext_lazy("如“市委办通报”，发文字号为“市委办通报〔2026〕3号”。"),
        "business",
    )
)
runtime.define(
    SettingDef(
        "bulletins.schedule",
        "monthly",
        gettext_lazy("定期通报周期"),
        gettext_lazy("平台按此周期在每期结束后自动生成通报草稿。"),
        "business",
        choices=(("monthly", gettext_lazy("每月")), ("quarterly", gettext_lazy("每季度"))),
    )
)

runtime.define(
    SettingDef(
        "bulletins.max_lines",
        20,
        gettext_lazy("每部分点名的最多条数"),
        gettext_lazy("超出的按严重程度只列前若干条，其余以一句话说明并链接到平台上的完整清单。"),
        "business",
        minimum=1,
        maximum=500,
    )
)

audit.describe(
    {
        "jianfu.bulletins.bulletin.created": gettext_lazy("创建定期通报草稿"),
        "jianfu.bulletins.bulletin.generated": gettext_lazy("根据平台数据生成通报内容"),
        "jianfu.bulletins.bulletin.edited": gettext_lazy("修改通报草稿"),
        "jianfu.bulletins.bulletin.submitted": gettext_lazy("提交通报审核"),
        "jianfu.bulletins.bulletin.returned": gettext_lazy("退回通报修改"),
        "jianfu.bulletins.bulletin.approved": gettext_lazy("审核通过通报"),
        "jianfu.bulletins.bulletin.published": gettext_lazy("发布通报"),
        "jianfu.bulletins.bulletin.read": gettext_lazy("确认阅读通报"),
    }
)


def _refuse(code: str, message) -> DomainError:
    return DomainError(f"bulletin.{code}", message)


def issuer_of(unit: Unit) -> str:
    return _("中共%(name)s委办公室") % {"name": unit.name}


def next_number(unit: Unit, year: int) -> str:
    n = Bulletin.objects.filter(unit=unit, period_end__year=year).count() + 1
    return f"{runtime.get('bulletins.number_prefix')}〔{year}〕{n}号"


def title_for(kind: str, label: str, unit: Unit) -> str:
    what = _("专项通报") if kind == Kind.SPECIAL else _("通报")
    return _("关于%(period)s%(city)s整治形式主义为基层减负工作情况的%(what)s") % {
        "period": label,
        "city": unit.name,
        "what": what,
    }


@transaction.atomic
def bulletin_create(
    *, by: User, kind: str, start: dt.date, end: dt.date, label: str, title: str = ""
) -> Bulletin:
    """A new bulletin for the period, its content built by the task enqueued on commit."""
    scope.require(by, DRAFT)
    if end < start:
        raise _refuse("period", _("期间的结束日期不能早于开始日期。"))
    if start > clock.today():
        raise _refuse("future", _("期间尚未开始，没有可通报的数据。"))
    unit = by.home_unit
    b = Bulletin.objects.create(
        unit=unit,
        kind=kind,
        title=title or title_for(kind, label, unit),
        issuer=issuer_of(unit),
        number=next_number(unit, end.year),
        period_start=start,
        period_end=end,
        period_label=label,
        created_by=by,
        created_at=clock.now(),
        progress_note=_("排队等候生成"),
    )
    audit.record("jianfu.bulletins.bulletin.created", actor=by, obj=b)
    _enqueue(b)
    return b


def _enqueue(b: Bulletin) -> None:
    from . import tasks

    transaction.on_commit(lambda: tasks.generate.enqueue(b.pk))


@transaction.atomic
def bulletin_regenerate(*, bulletin: Bulletin, by: User) -> Bulletin:
    _editable(bulletin)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        status=Status.GENERATING, progress=0, progress_note=_("排队等候生成"), error=""
    )
    _enqueue(bulletin)
    bulletin.refresh_from_db()
    return bulletin


def _progress(pk: int, percent: int, note: str) -> None:
    Bulletin.objects.filter(pk=pk).update(progress=percent, progress_note=note[:200])


def build_content(b: Bulletin, principal, *, on_step=None) -> list[dict]:
    """Every registered section built for the bulletin's period in the principal's scope."""
    ctx = sections.Context(principal, b.period_start, b.period_end, b.period_label)
    limit = runtime.get("bulletins.max_lines")
    out = []
    registered = sections.sections()
    for i, s in enumerate(registered):
        if on_step:
            on_step(i, len(registered), s)
        if i == 1:
            crashpoints.reached("bulletin.section")
        part = s.build(ctx)
        _cap(part, limit)
        out.append(
            {
                "code": s.code,
                "label": str(s.label),
                "public": s.public,
                "empty": part.empty,
                **part.as_json(),
            }
        )
    return out


def _cap(part, limit: int) -> None:
    """A bulletin names the worst (sections list them worst first); the rest in one line that
    links to the platform's full list."""
    rest = len(part.lines) - limit
    if rest <= 0:
        return
    part.lines = part.lines[:limit] + [
        sections.line(
            _("另有%(n)s条情况，详见平台上的完整清单。") % {"n": rest},
            part.url,
            public=all(ln["public"] for ln in part.lines[limit:]),
        )
    ]


def bulletin_generate(bulletin_id: int) -> str:
    """Build and freeze the content (the task's body). Progress is written as each section is
    built, outside the final transaction, so the page polling it sees it move."""
    b = Bulletin.objects.select_related("created_by", "unit").get(pk=bulletin_id)
    if b.status != Status.GENERATING:
        return b.status

    def step(i, n, s):
        _progress(b.pk, int(100 * i / max(n, 1)), _("正在生成：%(s)s") % {"s": s.label})

    try:
        with active(b.created_by):
            content = build_content(b, b.created_by, on_step=step)
    except Exception:
        log.exception("bulletin %s: drafting failed", b.pk)
        _fail(b, _("生成通报时出错，请稍后重试；如仍出错请联系系统管理员。"))
        return Status.FAILED
    if all(s["empty"] for s in content):
        _fail(
            b,
            _(
                "%(period)s没有可通报的数据：各部分均无指标、信号、样本点填报或整改记录。请核对期间后重新生成。"
            )
            % {"period": b.period_label},
        )
        return Status.FAILED
    with transaction.atomic():
        n = Bulletin.objects.filter(pk=b.pk, status=Status.GENERATING).update(
            content=content,
            status=Status.DRAFT,
            progress=100,
            progress_note=_("已生成"),
            generated_at=clock.now(),
            error="",
        )
        if n:
            audit.record(
                "jianfu.bulletins.bulletin.generated",
                actor_name="system",
                obj=b,
                extra={"sections": [s["code"] for s in content]},
            )
    return Status.DRAFT


def _fail(b: Bulletin, message: str) -> None:
    Bulletin.objects.filter(pk=b.pk).update(
        status=Status.FAILED, progress=100, progress_note=_("生成失败"), error=message, content=[]
    )


def _editable(b: Bulletin) -> None:
    if b.status == Status.PUBLISHED:
        raise _refuse("published", _("通报已经发布，不能再修改。如需更正，请另发通报。"))
    if b.status in (Status.REVIEW, Status.APPROVED):
        raise _refuse("in_review", _("通报已提交审核，退回修改后才能编辑。"))
    if b.status == Status.GENERATING:
        raise _refuse("generating", _("通报正在生成，请稍候。"))


@transaction.atomic
def bulletin_edit(
    *, bulletin: Bulletin, by: User, title: str, number: str, foreword: str, closing: str
) -> Bulletin:
    scope.require(by, DRAFT)
    b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _editable(b)
    before = {"title": b.title, "number": b.number, "foreword": b.foreword, "closing": b.closing}
    b.title, b.number, b.foreword, b.closing = title.strip(), number.strip(), foreword, closing
    if not b.title:
        raise DomainError("bulletin.title", _("请填写标题。"), field="title")
    b.save(update_fields=["title", "number", "foreword", "closing"])
    after = {"title": b.title, "number": b.number, "foreword": b.foreword, "closing": b.closing}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit.record("jianfu.bulletins.bulletin.edited", actor=by, obj=b, changes=changes)
    return b


@transaction.atomic
def bulletin_line_public(
    *, bulletin: Bulletin, by: User, section: str, index: int, public: bool
) -> Bulletin:
    """Mark one line for the public version or not (a section marked internal stays internal)."""
    scope.require(by, DRAFT)
    b = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _editable(b)
    part = next((s for s in b.content if s["code"] == section), None)
    if part is None or not 0 <= index < len(part["lines"]):
        raise _refuse("line", _("没有这一条。"))
    part["lines"][index]["public"] = public
    b.save(update_fields=["content"])
    audit.record(
        "jianfu.bulletins.bulletin.edited",
        actor=by,
        obj=b,
        changes={f"{section}[{index}].public": [not public, public]},
    )
    return b


def _transition(b: Bulletin, by: User, allowed, to: str, code: str, message, **fields) -> Bulletin:
    """Move the bulletin from one of `allowed` to `to` by a conditional update (two clicks at
    once move it once), and audit it."""
    n = Bulletin.objects.filter(pk=b.pk, status__in=allowed).update(status=to, **fields)
    if not n:
        raise _refuse("state", message)
    b.refresh_from_db()
    audit.record(code, actor=by, obj=b)
    return b


@transaction.atomic
def bulletin_submit(*, bulletin: Bulletin, by: User) -> Bulletin:
    scope.require(by, DRAFT)
    if bulletin.status == Status.FAILED or not bulletin.content:
        raise _refuse("empty", _("通报没有内容，不能提交审核。请先重新生成。"))
    return _transition(
        bulletin,
        by,
        [Status.DRAFT],
        Status.REVIEW,
        "jianfu.bulletins.bulletin.submitted",
        _("只有草稿可以提交审核。"),
        submitted_at=clock.now(),
    )


@transaction.atomic
def bulletin_return(*, bulletin: Bulletin, by: User) -> Bulletin:
    scope.require(by, APPROVE)
    return _transition(
        bulletin,
        by,
        [Status.REVIEW, Status.APPROVED],
        Status.DRAFT,
        "jianfu.bulletins.bulletin.returned",
        _("只有待审核或已审核、尚未发布的通报可以退回修改。"),
        approved_by=None,
        approved_at=None,
    )


@transaction.atomic
def bulletin_approve(*, bulletin: Bulletin, by: User) -> Bulletin:
    scope.require(by, APPROVE)
    return _transition(
        bulletin,
        by,
        [Status.REVIEW],
        Status.APPROVED,
        "jianfu.bulletins.bulletin.approved",
        _("只有待审核的通报可以审核通过。"),
        approved_by=by,
        approved_at=clock.now(),
    )


def recipients(unit: Unit) -> list[Unit]:
    """The units a bulletin of `unit` is addressed to: the open counties and departments below
    it."""
    return list(
        Unit.objects.filter(
            path__startswith=unit.path,
            depth__gt=unit.depth,
            kind__in=RECIPIENT_KINDS,
            valid_until__isnull=True,
        ).order_by("path")
    )


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, by: User) -> Bulletin:
    """Publish an approved bulletin: addressed to every county and department, each told in the
    platform. One transaction: if any part fails, nothing is published."""
    scope.require(by, DRAFT)
    if bulletin.status != Status.APPROVED:
        if bulletin.status == Status.PUBLISHED:
            raise _refuse("state", _("通报已经发布。"))
        raise _refuse("unapproved", _("通报尚未审核通过，不能发布。请先提交审核并经审核通过。"))
    now = clock.now()
    b = _transition(
        bulletin,
        by,
        [Status.APPROVED],
        Status.PUBLISHED,
        "jianfu.bulletins.bulletin.published",
        _("通报尚未审核通过，不能发布。"),
        published_by=by,
        published_at=now,
    )
    units = recipients(b.unit)
    Receipt.objects.bulk_create([Receipt(bulletin=b, unit=u) for u in units])
    if units:
        notify.send(
            "bulletins.published",
            key=f"bulletins.published:{b.pk}",
            recipients=units,
            subject=_("请阅：%(title)s") % {"title": b.title},
            body=_("%(issuer)s印发%(number)s，请阅读并在平台上确认。")
            % {"issuer": b.issuer, "number": b.number},
            link=reverse("bulletin_detail", args=[b.pk]),
            by=by,
        )
    return b


@transaction.atomic
def receipt_confirm(*, bulletin: Bulletin, by: User) -> Receipt:
    """The reader's unit confirms it has read the bulletin (once; a second click changes
    nothing)."""
    scope.require(by, CONFIRM)
    r = Receipt.objects.filter(bulletin=bulletin, unit=by.home_unit).first()
    if r is None or bulletin.status != Status.PUBLISHED:
        raise _refuse("not_addressed", _("这份通报没有发给本单位。"))
    if r.read_at is None:
        Receipt.objects.filter(pk=r.pk, read_at__isnull=True).update(
            read_at=clock.now(), read_by=by
        )
        r.refresh_from_db()
        audit.record(
            "jianfu.bulletins.bulletin.read", actor=by, obj=bulletin, extra={"unit": r.unit_id}
        )
    return r


def scheduled_author() -> User | None:
    """The account a scheduled draft is made in the name of: the first active office account of
    the top unit."""
    return (
        User.objects.filter(is_active=True, role_grants__role="office", home_unit__depth=1)
        .select_related("home_unit")
        .order_by("pk")
        .first()
    )
