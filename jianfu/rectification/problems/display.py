"""How the ledger reads on the page: a deadline as working days left or days overdue, the actions a
person may take on a measure now, a problem's history with its changes labelled, the evidence a
problem came with as label/value pairs, and what differs between a measure or a problem as typed
and as saved (the edit conflict). Nothing here writes; the services decide again at every click.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianfu.core import runtime, scope, workdays
from jianfu.core.models import Unit, User

from ..models import (
    UNFINISHED,
    Answer,
    Measure,
    MeasureKind,
    MeasureStatus,
    NegativeListItem,
    Problem,
    ProblemStatus,
    Severity,
)
from . import queries
from .forms import ActionForm, AssignVerifierForm
from .measures import ACTION_LABELS, EDITABLE
from .services import EDIT, REVIEW, VERIFY

SOON = dt.timedelta(days=7)


# --- Deadlines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    state: str  # overdue, today, soon, left, submitted, verified
    text: str
    # The span crosses a year whose holidays nobody has entered: counted by weekends only.
    approx: bool = False

    @property
    def css(self) -> str:
        return {
            "overdue": "text-danger fw-semibold",
            "today": "text-danger",
            "soon": "text-warning-emphasis fw-semibold",
            "submitted": "text-primary",
            "verified": "text-success",
        }.get(self.state, "")


def _calendar(measures, today: dt.date) -> workdays.WorkCalendar | None:
    ahead = [m.deadline for m in measures if m.status in UNFINISHED and m.deadline > today]
    return workdays.load(today, max(ahead)) if ahead else None


def due(m: Measure, today: dt.date, cal: workdays.WorkCalendar | None) -> Due:
    if m.status == MeasureStatus.VERIFIED:
        return Due("verified", _("已核验销号"))
    if m.status == MeasureStatus.SUBMITTED:
        return Due("submitted", _("已提交，待核验"))
    if m.deadline < today:
        return Due("overdue", _("已逾期 %(n)s 天") % {"n": (today - m.deadline).days})
    if m.deadline == today:
        return Due("today", _("今天到期"))
    n = cal.workdays_between(today, m.deadline)
    approx = bool(cal.weekends_only_years(today, m.deadline))
    state = "soon" if m.deadline - today <= SOON else "left"
    if n == 0:
        return Due(state, _("到期前已无工作日"), approx)
    return Due(state, _("还剩 %(n)s 个工作日") % {"n": n}, approx)


def ledger_rows(measures: list[Measure], today: dt.date) -> list[Measure]:
    cal = _calendar(measures, today)
    for m in measures:
        m.due = due(m, today, cal)
        done = m.status in (MeasureStatus.SUBMITTED, MeasureStatus.VERIFIED)
        m.latest = (m.completion if done else "") or m.progress
    return measures


# --- What a person may do -----------------------------------------------------------------------


def may_verify(user, s: scope.Scope, problem: Problem, m: Measure) -> bool:
    """measures._verifier_allowed, read-only: hides the buttons the service would refuse."""
    if user.home_unit_id in (problem.unit_id, m.responsible_unit_id):
        return False
    if m.submitted_by_id is not None and m.submitted_by_id == user.pk:
        return False
    return m.verifier_id == user.pk or s.can(VERIFY)


def actions_for(user, s: scope.Scope, problem: Problem, m: Measure, own: bool = True) -> list[str]:
    """`own`: the problem is in the user's units; otherwise the user reached it as the verifier
    the office assigned, and may only verify or return what was assigned."""
    if not own:
        assigned = m.verifier_id == user.pk and m.status == MeasureStatus.SUBMITTED
        return ["verify", "return"] if assigned and may_verify(user, s, problem, m) else []
    out = []
    if s.can(EDIT):
        if m.status == MeasureStatus.DRAFT:
            out.append("start")
        elif m.status in (MeasureStatus.IN_PROGRESS, MeasureStatus.RETURNED):
            out += ["progress", "submit"]
    if m.status == MeasureStatus.SUBMITTED and may_verify(user, s, problem, m):
        out += ["verify", "return"]
    if m.status == MeasureStatus.VERIFIED and m.is_long_term and s.can(REVIEW):
        out.append("review")
    return out


BUTTON = {
    "start": "btn-primary",
    "progress": "btn-outline-primary",
    "submit": "btn-success",
    "verify": "btn-success",
    "return": "btn-outline-danger",
    "review": "btn-primary",
}
ICON = {
    "start": "play-fill",
    "progress": "journal-text",
    "submit": "send-check",
    "verify": "patch-check",
    "return": "arrow-return-left",
    "review": "arrow-repeat",
}


def measure_cards(
    user,
    problem: Problem,
    measures,
    today: dt.date,
    failed=None,
    *,
    own: bool = True,
    opened: tuple[int | None, str | None] = (None, None),
) -> list[dict]:
    """Each measure with its deadline, the actions this person may take (one form each), whether
    it may still be edited or (a draft) deleted, and the office's form to assign its verifier.
    `failed`: (measure id, action, bound form) to show again ("verifier" for the assignment);
    `opened`: (measure id, action) whose form a link asked to open."""
    s = scope.scope_of(user)
    cal = _calendar(measures, today)
    may_assign = own and s.can(VERIFY)
    candidates = []
    if may_assign and any(m.status != MeasureStatus.VERIFIED for m in measures):
        candidates = queries.verifier_candidates(user, problem)
    cards = []
    for number, m in enumerate(measures, 1):
        names = actions_for(user, s, problem, m, own)
        failed_here = failed if failed and failed[0] == m.pk else None
        failed_action = failed_here[1] if failed_here else None
        if failed_action in ACTION_LABELS and failed_action not in names:
            names.append(failed_action)  # what the person typed is never dropped
        actions = []
        for name in names:
            is_failed = failed_action == name
            form = failed_here[2] if is_failed else ActionForm(measure=m, action=name)
            actions.append(
                {
                    "name": name,
                    "label": ACTION_LABELS[name],
                    "form": form,
                    "open": is_failed or (not failed and opened == (m.pk, name)),
                    "button": BUTTON[name],
                    "icon": ICON[name],
                }
            )
        assign = None
        if may_assign and m.status != MeasureStatus.VERIFIED:
            if failed_action == "verifier":
                assign = {"form": failed_here[2], "open": True}
            else:
                others = [u for u in candidates if u.home_unit_id != m.responsible_unit_id]
                assign = {"form": AssignVerifierForm(measure=m, candidates=others), "open": False}
        cards.append(
            {
                "number": number,
                "m": m,
                "due": due(m, today, cal),
                "actions": actions,
                "assign": assign,
                "can_edit": own and s.can(EDIT) and m.status in EDITABLE,
                "can_delete": own and s.can(EDIT) and m.status == MeasureStatus.DRAFT,
                # Not once looked at again since its verification (queries.review_pending_q).
                "review_due": m.is_long_term
                and m.status == MeasureStatus.VERIFIED
                and m.review_on is not None
                and m.review_on <= today
                and (m.reviewed_at is None or (m.verified_at and m.reviewed_at < m.verified_at)),
            }
        )
    return cards


# --- History ------------------------------------------------------------------------------------

STATUS_LABELS = {**dict(MeasureStatus.choices), **dict(ProblemStatus.choices)}


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except Exception:  # noqa: BLE001  (a field since renamed: show its stored name)
        return name


class _Names:
    """The names behind the ids in a history's changes: one query per kind of id."""

    def __init__(self, steps):
        units, users, items = set(), set(), set()
        for step in steps:
            for name, pair in (step.changes or {}).items():
                ids = {v for v in (pair if isinstance(pair, list) else [pair]) if v}
                if name == "responsible_unit_id":
                    units |= ids
                elif name == "verifier_id":
                    users |= ids
                elif name == "item":
                    items |= ids
        self.units = dict(Unit.objects.filter(pk__in=units).values_list("pk", "name"))
        self.users = {
            u.pk: u.full_name or u.username
            for u in User.objects.filter(pk__in=users).only("full_name", "username")
        }
        self.items = {
            i.pk: f"{i.number}. {i.title}" for i in NegativeListItem.objects.filter(pk__in=items)
        }

    def show(self, name: str, value) -> str:
        if name == "verifier_id" and not value:
            return _("市委办（默认）")
        if value is None or value == "":
            return "—"
        if name == "responsible_unit_id":
            return self.units.get(value, f"#{value}")
        if name == "verifier_id":
            return self.users.get(value, f"#{value}")
        if name == "item":
            return self.items.get(value, f"#{value}")
        if name == "kind":
            return str(dict(MeasureKind.choices).get(value, value))
        if name == "severity":
            return str(dict(Severity.choices).get(value, value))
        return str(value)


def history_rows(steps) -> list[dict]:
    names = _Names(steps)
    rows = []
    for step in steps:
        model = Measure if step.measure_id else Problem
        changes = [
            (_label(model, n), names.show(n, pair[0]), names.show(n, pair[1]))
            for n, pair in sorted((step.changes or {}).items())
            if isinstance(pair, list) and len(pair) == 2
        ]
        deleted = "deleted_measure" in (step.changes or {})
        rows.append(
            {
                "step": step,
                "title": _("删除草稿措施") if deleted else step.get_kind_display(),
                "deleted": deleted,
                "from": STATUS_LABELS.get(step.from_status, ""),
                "to": STATUS_LABELS.get(step.to_status, ""),
                "changes": changes,
            }
        )
    return rows


# --- Evidence -----------------------------------------------------------------------------------

# The generic view of a problem's evidence, used when no renderer registered by an app above
# (evidence.py) answers for it: the keys problems are given by the signals app and by
# self-examination, labelled; a threshold under its setting's label; other keys as stored.
EVIDENCE_LABELS = {
    "signal": gettext_lazy("预警编号"),
    "rule": gettext_lazy("预警规则"),
    "period": gettext_lazy("期间"),
    "subject": gettext_lazy("对象"),
    "severity": gettext_lazy("严重程度"),
    "at": gettext_lazy("确认时间"),
    "evidence": gettext_lazy("证据"),
    "threshold": gettext_lazy("阈值"),
    "figures": gettext_lazy("数字"),
    "series": gettext_lazy("月度数据"),
    "records": gettext_lazy("相关登记记录"),
    "compared": gettext_lazy("比较期间"),
    "as_of": gettext_lazy("数据截至"),
    "round": gettext_lazy("自查轮次"),
    "item": gettext_lazy("负面清单事项"),
    "answer": gettext_lazy("自查结果"),
}
EVIDENCE_ROWS = 40
# Containers whose name adds nothing in front of their rows (the card is titled 证据).
TRANSPARENT = {"evidence", "figures"}


# Codes only the app that made the evidence can put into words (its renderer does, see
# evidence.py); the generic view leaves them out rather than show a code.
HIDDEN = {"rule"}


def _evidence_label(key: str) -> str:
    label = EVIDENCE_LABELS.get(key)
    if label is not None:
        return str(label)
    setting = runtime.DEFINITIONS.get(key)  # a threshold: a runtime setting's code
    return str(setting.label) if setting is not None else key


def _scalar(key: str, value) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if key == "answer":
        return str(dict(Answer.choices).get(value, value))
    if key == "signal":
        return f"#{value}"
    if key == "severity" and value in Severity.values:
        return str(Severity(value).label)
    if key == "at" and isinstance(value, str):
        try:
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _join(prefix: str, label: str) -> str:
    return f"{prefix} · {label}" if prefix else label


def _flatten(prefix: str, key: str, value, out: list) -> None:
    """Label/value rows from nested evidence: dicts by key, figure lists ({key, value, unit}) by
    their key, record references as a count, long series as a pointer to the signal's page."""
    if len(out) >= EVIDENCE_ROWS:
        return
    if isinstance(value, dict):
        if isinstance(value.get("ids"), list):
            out.append((prefix, _("%(n)s 件") % {"n": value.get("count", len(value["ids"]))}))
            return
        for k, v in value.items():
            if k in HIDDEN:
                continue
            _flatten(prefix if k in TRANSPARENT else _join(prefix, _evidence_label(k)), k, v, out)
        return
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "key" in v and "value" in v for v in value):
            for v in value:
                _flatten(_join(prefix, str(v["key"])), str(v["key"]), v["value"], out)
                if v.get("unit") == "pct" and isinstance(v["value"], int | float):
                    out[-1] = (out[-1][0], out[-1][1] + "%")
            return
        if any(isinstance(v, dict | list) for v in value):
            out.append((prefix, _("%(n)s 组，详见来源预警页") % {"n": len(value)}))
            return
        out.append((prefix, "、".join(str(v) for v in value) or "—"))
        return
    out.append((prefix, "—" if value is None or value == "" else _scalar(key, value)))


def evidence_rows(evidence: dict | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    _flatten("", "", evidence or {}, out)
    return out


# --- The edit conflict --------------------------------------------------------------------------


def _deadline_text(deadline, working_days, start) -> str:
    if deadline is None:
        return "—"
    text = deadline.isoformat()
    if working_days:
        text += _("（自 %(s)s 起 %(n)s 个工作日）") % {
            "s": start.isoformat() if start else "—",
            "n": working_days,
        }
    return text


def latest_rows(form, current: Measure) -> list[dict]:
    """The fields where what the person typed differs from what is saved now."""
    typed = form.service_data()
    if typed["working_days"]:
        from .forms import deadline_preview

        note = deadline_preview(typed["working_days"], typed["deadline_from"])
        typed["deadline"] = note.due if note else None
    if typed["kind"] != MeasureKind.LONG_TERM:
        typed["review_on"] = None
    unit_names = dict(
        Unit.objects.filter(
            pk__in=[typed["responsible_unit_id"], current.responsible_unit_id]
        ).values_list("pk", "name")
    )
    users = {
        u.pk: u.full_name or u.username
        for u in User.objects.filter(pk__in=[typed["verifier_id"], current.verifier_id])
    }

    def show(name, data) -> str:
        value = data[name]
        if name == "deadline":
            return _deadline_text(value, data["working_days"], data["deadline_from"])
        if name == "kind":
            return str(dict(MeasureKind.choices).get(value, value))
        if name == "responsible_unit_id":
            return unit_names.get(value, "—")
        if name == "verifier_id":
            return users.get(value, _("市委办（默认）")) if value else _("市委办（默认）")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value or "—"

    saved = {
        "content": current.content,
        "kind": current.kind,
        "responsible_unit_id": current.responsible_unit_id,
        "responsible_person": current.responsible_person,
        "deadline": current.deadline,
        "working_days": current.working_days,
        "deadline_from": current.deadline_from,
        "mechanism": current.mechanism,
        "review_on": current.review_on,
        "verifier_id": current.verifier_id,
    }
    names = (
        "content",
        "kind",
        "responsible_unit_id",
        "responsible_person",
        "deadline",
        "mechanism",
        "review_on",
        "verifier_id",
    )
    return _differences(Measure, names, typed, saved, show)


def _differences(model, names, typed: dict, saved: dict, show) -> list[dict]:
    """The conflict panel's rows (rectification/_latest.html): each field, labelled by the
    model, where what the person typed reads differently from what is saved now."""
    rows = []
    for name in names:
        mine, theirs = show(name, typed), show(name, saved)
        if mine != theirs:
            rows.append({"label": _label(model, name), "mine": mine, "saved": theirs})
    return rows


def problem_latest_rows(form, current: Problem) -> list[dict]:
    """A problem's fields where what the person typed differs from what is saved now."""
    d = form.cleaned_data
    typed = {"description": d["description"], "severity": d["severity"], "item": d["item"]}
    saved = {
        "description": current.description,
        "severity": current.severity,
        "item": current.item,
    }

    def show(name, data) -> str:
        value = data[name]
        if name == "severity":
            return str(dict(Severity.choices).get(value, value))
        if name == "item":
            return f"{value.number}. {value.title}" if value else _("（不对应负面清单事项）")
        return value or "—"

    return _differences(Problem, ("description", "item", "severity"), typed, saved, show)
