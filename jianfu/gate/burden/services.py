"""Writes of the burden meter. Each is one transaction ending with its audit entry; a refusal is a
DomainError naming the field and the value, and nothing is saved.

- The office keeps the field dictionary; a unit proposes a form of its own for the catalogue,
  the office admits or withdraws it.
- A request is drafted only from an admitted form (a request outside the catalogue cannot
  exist). Before it is sent, the fields the platform already holds are flagged with where the
  data is; the sender confirms the flags or drops those fields. Sending creates one return per
  recipient unit and period and tells the recipients.
- A recipient opens its return (pre-filled with what the platform holds; the first opening is
  when its minutes start) and submits it; a second submission changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu import notify
from jianfu.core import audit, clock, inputs, periods, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit
from jianfu.gate import held

from . import queries
from .models import (
    DataRequest,
    FieldType,
    Form,
    FormField,
    FormItem,
    FormStatus,
    Frequency,
    RequestStatus,
    Return,
)

VIEW = "gate.form:view"
PROPOSE = "gate.form:propose"
ADMIT = "gate.form:admit"
SEND = "gate.request:send"
FILL = "gate.return:fill"
LOAD = "gate.burden:view"

NOTICE_KIND = "gate.burden.request"
MAX_PERIODS = 12
MAX_SECONDS = 3600
TEXT_MAX = 500
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")

audit.describe(
    {
        "jianfu.gate.burden.field.created": gettext_lazy("新增数据项"),
        "jianfu.gate.burden.field.updated": gettext_lazy("修改数据项"),
        "jianfu.gate.burden.field.imported": gettext_lazy("导入数据项字典"),
        "jianfu.gate.burden.form.proposed": gettext_lazy("申请报表准入"),
        "jianfu.gate.burden.form.admitted": gettext_lazy("准入报表"),
        "jianfu.gate.burden.form.withdrawn": gettext_lazy("撤销报表准入"),
        "jianfu.gate.burden.request.drafted": gettext_lazy("草拟数据填报任务"),
        "jianfu.gate.burden.request.field_dropped": gettext_lazy("删去已掌握的数据项"),
        "jianfu.gate.burden.request.sent": gettext_lazy("下发数据填报任务"),
        "jianfu.gate.burden.request.closed": gettext_lazy("结束数据填报任务"),
        "jianfu.gate.burden.return.opened": gettext_lazy("打开填报表"),
        "jianfu.gate.burden.return.submitted": gettext_lazy("提交填报"),
    }
)


def _text(value, field: str, label, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("required", _("请填写%(f)s。") % {"f": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(f)s不能超过 %(n)s 个字。") % {"f": label, "n": max_length},
            field=field,
        )
    if problem := inputs.text_problem(value, str(label), multiline=True):
        raise DomainError("bad_text", problem, field=field)
    return value


# --- The dictionary -------------------------------------------------------------------------------


def field_values(
    *, code, name, type, choices=(), measure="", held_in="", seconds=None, note=""
) -> dict:
    """A dictionary entry's values checked (shared by the page and the import)."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise DomainError(
            "bad_code",
            _("数据项编码“%(v)s”无效：以字母开头，只含字母、数字、下划线、点和连字符，至多 40 位。")
            % {"v": code},
            field="code",
        )
    name = _text(name, "name", _("数据项名称"), max_length=100)
    if type not in FieldType.values:
        raise DomainError(
            "bad_type",
            _("类型“%(v)s”无效，只能是：%(all)s。")
            % {"v": type, "all": "、".join(str(c.label) for c in FieldType)},
            field="type",
        )
    choices = [str(c).strip() for c in choices if str(c).strip()]
    if type == FieldType.CHOICE and len(choices) < 2:
        raise DomainError("choices", _("选项类数据项至少要有两个可选项。"), field="choices")
    if type != FieldType.CHOICE:
        choices = []
    held_in = (held_in or "").strip()
    if held_in and held_in not in held.HELD:
        raise DomainError(
            "bad_held",
            _("“%(v)s”不是平台已掌握的数据来源。") % {"v": held_in},
            field="held_in",
        )
    if seconds in (None, ""):
        from .models import DEFAULT_SECONDS

        seconds = DEFAULT_SECONDS[FieldType(type)]
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        seconds = -1
    if not 1 <= seconds <= MAX_SECONDS:
        raise DomainError(
            "bad_seconds",
            _("预计填写秒数应为 1 至 %(n)s 之间的整数。") % {"n": MAX_SECONDS},
            field="seconds",
        )
    return {
        "code": code,
        "name": name,
        "type": type,
        "choices": choices,
        "measure": _text(measure, "measure", _("计量单位"), max_length=20, required=False),
        "held_in": held_in,
        "seconds": seconds,
        "note": _text(note, "note", _("填写说明"), max_length=200, required=False),
    }


@transaction.atomic
def field_create(*, by, **values) -> FormField:
    scope.require(by, ADMIT)
    values = field_values(**values)
    if FormField.objects.filter(code=values["code"]).exists():
        raise DomainError(
            "duplicate", _("数据项编码“%(v)s”已存在。") % {"v": values["code"]}, field="code"
        )
    f = FormField.objects.create(created_by=by, **values)
    audit.record("jianfu.gate.burden.field.created", actor=by, obj=f, extra=values)
    return f


# --- The catalogue --------------------------------------------------------------------------------


def _unit_in_scope(by, unit_id, code: str) -> Unit:
    s = scope.require(by, code)
    unit = None
    try:
        unit = Unit.objects.filter(s.units_q()).filter(pk=int(unit_id)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise DomainError(
            "unit_out_of_scope",
            _("单位“%(v)s”不存在或不在您的范围内。") % {"v": unit_id or ""},
            field="sender",
        )
    return unit


@transaction.atomic
def form_propose(*, by, sender_id, name, purpose="", field_ids) -> Form:
    sender = _unit_in_scope(by, sender_id, PROPOSE)
    name = _text(name, "name", _("报表名称"), max_length=200)
    purpose = _text(purpose, "purpose", _("用途和依据"), max_length=2000, required=False)
    ids = []
    for v in field_ids or ():
        try:
            ids.append(int(v))
        except (TypeError, ValueError):
            raise DomainError(
                "bad_field", _("数据项“%(v)s”不存在。") % {"v": v}, field="fields"
            ) from None
    found = {f.pk: f for f in FormField.objects.filter(pk__in=ids)}
    if not ids:
        raise DomainError("no_fields", _("请从数据项字典中选择至少一个数据项。"), field="fields")
    if missing := [str(i) for i in ids if i not in found]:
        raise DomainError(
            "bad_field", _("数据项“%(v)s”不存在。") % {"v": "、".join(missing)}, field="fields"
        )
    if Form.objects.filter(sender=sender, name=name).exists():
        raise DomainError(
            "duplicate",
            _("%(u)s已有名为“%(n)s”的报表。") % {"u": sender.name, "n": name},
            field="name",
        )
    form = Form.objects.create(name=name, sender=sender, purpose=purpose, proposed_by=by)
    FormItem.objects.bulk_create(
        [FormItem(form=form, field_id=fid, order=i) for i, fid in enumerate(dict.fromkeys(ids))]
    )
    audit.record(
        "jianfu.gate.burden.form.proposed",
        actor=by,
        obj=form,
        extra={"sender": sender.pk, "name": name, "fields": list(dict.fromkeys(ids))},
    )
    return form


def _decide(by, form: Form, status: str, note: str, code: str, allowed_from) -> Form:
    scope.require(by, ADMIT)
    form = Form.objects.select_for_update().get(pk=form.pk)
    if form.status not in allowed_from:
        raise DomainError(
            "bad_status",
            _("该报表当前状态为“%(s)s”，不能这样处理。") % {"s": form.get_status_display()},
        )
    before = form.status
    form.status = status
    form.decided_by = by
    form.decided_at = clock.now()
    form.decision_note = _text(note, "note", _("准入意见"), max_length=300, required=False)
    form.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(code, actor=by, obj=form, changes={"status": [before, status]})
    return form


@transaction.atomic
def form_admit(*, by, form: Form, note: str = "") -> Form:
    return _decide(
        by, form, FormStatus.ADMITTED, note, "jianfu.gate.burden.form.admitted",
        (FormStatus.PROPOSED, FormStatus.WITHDRAWN),
    )  # fmt: skip


@transaction.atomic
def form_withdraw(*, by, form: Form, note: str = "") -> Form:
    return _decide(
        by, form, FormStatus.WITHDRAWN, note, "jianfu.gate.burden.form.withdrawn",
        (FormStatus.PROPOSED, FormStatus.ADMITTED),
    )  # fmt: skip


# --- Requests -------------------------------------------------------------------------------------


def _periods(frequency: str, first: str, count) -> list[str]:
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if frequency == Frequency.ONCE:
        count = 1
    if not 1 <= count <= MAX_PERIODS:
        raise DomainError(
            "bad_count",
            _("填报期数应为 1 至 %(n)s 之间的整数。") % {"n": MAX_PERIODS},
            field="count",
        )
    want = "quarter" if frequency == Frequency.QUARTERLY else "month"
    try:
        kind, _y, _n = periods.parse((first or "").strip())
    except ValueError:
        kind = ""
    if kind != want:
        example = "2026-Q1" if want == "quarter" else "2026-03"
        raise DomainError(
            "bad_period",
            _("首个填报期“%(v)s”无效，应写作 %(e)s。") % {"v": first or "", "e": example},
            field="first_period",
        )
    first = first.strip()
    return [periods.shift(first, i) for i in range(count)]


@transaction.atomic
def request_draft(
    *,
    by,
    form: Form,
    title: str,
    levels,
    frequency: str,
    first_period: str,
    count=1,
    due_on: dt.date | None,
    unit_ids=None,
) -> DataRequest:
    """A draft request from an admitted catalogue form to the form's sender's grassroots units."""
    s = scope.require(by, SEND)
    if form is None or form.status != FormStatus.ADMITTED:
        raise DomainError(
            "not_admitted",
            _("只能下发报表目录中已准入的报表；目录外的报表不能向基层下发。"),
            field="form",
        )
    if not s.covers_path(form.sender.path):
        raise DomainError(
            "not_sender",
            _("“%(f)s”是%(u)s的报表，只能由该单位下发。") % {"f": form.name, "u": form.sender.name},
            field="form",
        )
    title = _text(title, "title", _("标题"), max_length=200)
    levels = [lv for lv in (levels or ()) if lv in queries.GRASSROOTS_LEVELS]
    if not levels:
        raise DomainError(
            "no_levels", _("请选择填报层级（乡镇、村、学校或企业）。"), field="levels"
        )
    if frequency not in Frequency.values:
        raise DomainError(
            "bad_frequency", _("频次“%(v)s”无效。") % {"v": frequency}, field="frequency"
        )
    keys = _periods(frequency, first_period, count)
    if due_on is None:
        raise DomainError("required", _("请填写截止日期。"), field="due_on")
    if due_on < clock.today():
        raise DomainError(
            "past_due", _("截止日期 %(d)s 已过。") % {"d": due_on.isoformat()}, field="due_on"
        )
    recipients = list(queries.recipients_for(form.sender, levels, unit_ids))
    if not recipients:
        raise DomainError(
            "no_recipients", _("所选层级在%(u)s范围内没有单位。") % {"u": form.sender.name},
            field="levels",
        )  # fmt: skip
    req = DataRequest.objects.create(
        form=form,
        sender=form.sender,
        title=title,
        levels=levels,
        frequency=frequency,
        periods=keys,
        due_on=due_on,
        created_by=by,
    )
    req.fields.set(form.fields.all())
    req.recipients.set(recipients)
    audit.record(
        "jianfu.gate.burden.request.drafted",
        actor=by,
        obj=req,
        extra={"form": form.pk, "recipients": len(recipients), "periods": keys},
    )
    return req


def _draft(req: DataRequest) -> DataRequest:
    req = DataRequest.objects.select_for_update().get(pk=req.pk)
    if req.status != RequestStatus.DRAFT:
        raise DomainError("not_draft", _("该任务已下发，不能再修改。"))
    return req


@transaction.atomic
def request_drop_field(*, by, request: DataRequest, field_id) -> DataRequest:
    """Drop a field from a draft (the sender takes the data from where the platform holds it)."""
    scope.require(by, SEND)
    req = _draft(request)
    fields = {f.pk: f for f in req.fields.all()}
    try:
        f = fields[int(field_id)]
    except (KeyError, TypeError, ValueError):
        raise DomainError("bad_field", _("该任务没有这个数据项。"), field="field") from None
    if len(fields) == 1:
        raise DomainError(
            "last_field", _("这是最后一个数据项；不需要基层填报时，请不要下发这个任务。")
        )
    req.fields.remove(f)
    audit.record(
        "jianfu.gate.burden.request.field_dropped", actor=by, obj=req, extra={"field": f.code}
    )
    return req


@transaction.atomic
def request_send(*, by, request: DataRequest, confirm: bool = False) -> DataRequest:
    """Send a draft: refused while it asks for data the platform holds and the sender has not
    confirmed that; then one return per recipient and period, the estimate and flags frozen, and
    the recipients told."""
    scope.require(by, SEND)
    req = _draft(request)
    found = queries.flags(req)
    if found and not confirm:
        names = "、".join(dict.fromkeys(f.field for f in found))
        raise DomainError(
            "unconfirmed",
            _(
                "有 %(n)s 个数据项平台已经掌握（%(f)s）。"
                "请删去这些数据项，或确认仍需基层填报后再下发。"
            )
            % {"n": len({f.field_id for f in found}), "f": names},
            field="confirm",
        )
    recipients = list(req.recipients.all())
    est = queries.request_estimate(req)
    Return.objects.bulk_create(
        [Return(request=req, unit=u, period=p) for p in req.periods for u in recipients]
    )
    req.flags = [f.as_json() for f in found]
    req.estimated_seconds = est.seconds
    req.status = RequestStatus.SENT
    req.sent_by = by
    req.sent_at = clock.now()
    req.save(update_fields=["flags", "estimated_seconds", "status", "sent_by", "sent_at"])
    notify.send(
        NOTICE_KIND,
        key=f"gate.burden.request:{req.pk}:sent",
        recipients=recipients,
        subject=_("数据填报：%(t)s（%(d)s前）") % {"t": req.title, "d": req.due_on.isoformat()},
        body=_("%(u)s通过报表目录下发“%(f)s”，已按平台掌握的数据预填，请核对后提交。")
        % {"u": req.sender.name, "f": req.form.name},
        link=reverse("burden_todo"),
        by=by,
    )
    audit.record(
        "jianfu.gate.burden.request.sent",
        actor=by,
        obj=req,
        extra={
            "returns": len(recipients) * len(req.periods),
            "estimated_seconds": est.seconds,
            "flags": len(found),
        },
    )
    return req


@transaction.atomic
def request_close(*, by, request: DataRequest) -> DataRequest:
    scope.require(by, SEND)
    req = DataRequest.objects.select_for_update().get(pk=request.pk)
    if req.status != RequestStatus.SENT:
        raise DomainError("not_sent", _("只有已下发的任务可以结束。"))
    req.status = RequestStatus.CLOSED
    req.closed_at = clock.now()
    req.save(update_fields=["status", "closed_at"])
    audit.record("jianfu.gate.burden.request.closed", actor=by, obj=req)
    return req


# --- Returns --------------------------------------------------------------------------------------


@transaction.atomic
def return_open(*, by, ret: Return) -> Return:
    """The first opening starts the return's clock and keeps what the form was pre-filled with."""
    scope.require(by, FILL)
    if ret.started_at is not None or ret.submitted_at is not None:
        return ret
    fields = queries.ordered_fields(ret.request)
    now = clock.now()
    pre = queries.prefill(ret, fields)
    n = Return.objects.filter(pk=ret.pk, started_at__isnull=True).update(
        started_at=now, prefilled=pre
    )
    if n:
        ret.started_at, ret.prefilled = now, pre
        audit.record("jianfu.gate.burden.return.opened", actor=by, obj=ret)
    else:
        ret.refresh_from_db()
    return ret


def parse_value(f: FormField, raw):
    """One typed value, or a DomainError naming the field."""
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        raise DomainError("required", _("请填写“%(f)s”。") % {"f": f.name}, field=f.code)
    if f.type == FieldType.NUMBER:
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise DomainError(
                "not_number",
                _("“%(f)s”应填数字，“%(v)s”不是数字。") % {"f": f.name, "v": text},
                field=f.code,
            )
        return int(number) if number == number.to_integral_value() else float(number)
    if f.type == FieldType.CHOICE:
        if text not in f.choices:
            raise DomainError(
                "bad_choice",
                _("“%(f)s”只能选：%(c)s。") % {"f": f.name, "c": "、".join(f.choices)},
                field=f.code,
            )
        return text
    if f.type == FieldType.DATE:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise DomainError(
                "bad_date",
                _("“%(f)s”应填日期（如 2026-03-31），“%(v)s”不是日期。") % {"f": f.name, "v": text},
                field=f.code,
            ) from None
    if f.type == FieldType.YESNO:
        if text not in ("yes", "no"):
            raise DomainError("bad_yesno", _("“%(f)s”请选是或否。") % {"f": f.name}, field=f.code)
        return text == "yes"
    return _text(text, f.code, f.name, max_length=TEXT_MAX)


@transaction.atomic
def return_submit(*, by, ret: Return, values: dict) -> Return:
    """Submit a return (every field typed and checked, or nothing saved). Submitting a return
    already submitted changes nothing: a second tap, a resent form, a retry are the same return."""
    scope.require(by, FILL)
    ret = Return.objects.select_for_update().select_related("request").get(pk=ret.pk)
    if ret.submitted_at is not None:
        return ret
    if ret.request.status != RequestStatus.SENT:
        raise DomainError("not_open", _("该任务已结束，不能再提交。"))
    fields = queries.ordered_fields(ret.request)
    clean = {f.code: parse_value(f, values.get(f.code)) for f in fields}
    now = clock.now()
    ret.values = clean
    ret.started_at = ret.started_at or now
    ret.submitted_at = now
    ret.submitted_by = by
    ret.save(update_fields=["values", "started_at", "submitted_at", "submitted_by"])
    audit.record(
        "jianfu.gate.burden.return.submitted",
        actor=by,
        obj=ret,
        extra={"seconds": ret.seconds, "confirmed": sum(
            1 for k, v in clean.items() if k in ret.prefilled and ret.prefilled[k] == v
        )},
    )  # fmt: skip
    return ret
