"""The signal inbox and a signal's page, with the office's triage (confirm, dismiss).

Thin: every signal is reached through scope.get_for (404 outside the account's units, 403 without
the code); writes go through services. Nothing here runs a rule: rules run in the worker.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from jianfu.core import scope
from jianfu.core.errors import DomainError

from . import calibration, display, links, problems, queries, services
from .forms import BulkForm, ConfirmForm, DismissForm
from .models import Severity, Signal, SignalStatus
from .rules import RULES, current_settings

PER_PAGE = 50
STATUS_TABS = [("open", SignalStatus.OPEN.label)] + [
    (s.value, s.label) for s in SignalStatus if s != SignalStatus.OPEN
]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def signal_list(request):
    return _inbox(request)


# The rules page's sections, in the order the office reads them.
RULE_GROUPS = {
    "quota": _lazy("登记的发文、会议、督查检查考核"),
    "felt": _lazy("基层感受与登记对照"),
    "truth": _lazy("样本点填报的真实性"),
    "rectification": _lazy("整改台账"),
    "projects": _lazy("重点项目"),
    "gate": _lazy("发文、会议、督查检查考核关口"),
    "accountability": _lazy("监督问责"),
}


@login_required
def signal_rules(request):
    """Every rule in one plain sentence with the thresholds in force, and what the detectors bench
    measured of it: how often it flags a unit that did nothing wrong, how often it finds a planted
    case."""
    scope.require(request.user, "signals.signal:view")
    settings = current_settings()
    sections = {group: [] for group in RULE_GROUPS}
    for code, rule in RULES.items():
        sections.setdefault(rule.group, []).append(
            {
                "code": code,
                "label": rule.label,
                "sentence": rule.describe({k: settings[k] for k in rule.settings}),
                "measured": calibration.of(code),
            }
        )
    context = {
        "sections": [
            {"label": RULE_GROUPS.get(group, group), "rules": rules}
            for group, rules in sections.items()
            if rules
        ],
        "calibration": calibration.about(),
        "can_settings": scope.can(request.user, "core.setting:view"),
    }
    return render(request, "signals/rules.html", context)


def _inbox(request, *, bulk_form=None, chosen=(), http_status=200):
    scope.require(request.user, "signals.signal:view")
    g = request.GET
    status = g.get("status", "open")
    if status not in SignalStatus.values and status != "all":
        status = "open"
    filters = {
        "rule": g.get("rule", "") if g.get("rule", "") in RULES else "",
        "severity": _int(g.get("severity")) if _int(g.get("severity")) in Severity.values else None,
        "unit_id": _int(g.get("unit")),
        "under": _int(g.get("under")),
        "period": g.get("period", "").strip()[:24],
    }
    order = "newest" if g.get("order") == "newest" else "severity"
    filtered = queries.inbox(request.user, **filters)
    counts = queries.status_counts(filtered)
    signals = queries.inbox(
        request.user, status="" if status == "all" else status, order=order, **filters
    )
    page = Paginator(signals, PER_PAGE).get_page(g.get("page"))
    page.object_list = display.decorate(page.object_list)
    context = {
        "page": page,
        "status": status,
        "tabs": [(code, label, counts.get(code, 0)) for code, label in STATUS_TABS]
        + [("all", _("全部"), counts["all"])],
        "filters": filters,
        "order": order,
        "rules": [(code, r.label) for code, r in RULES.items()],
        "severities": Severity.choices,
        "choices": queries.filter_choices(request.user),
        "can_settings": scope.can(request.user, "core.setting:view"),
        "can_triage": scope.can(request.user, "signals.signal:triage"),
        "bulk_form": bulk_form or BulkForm(),
        "chosen": {str(pk) for pk in chosen},
        "query": g.urlencode(),
    }
    if request.htmx and request.htmx.target == "signal-rows":
        return render(request, "signals/signal_list.html#rows", context, status=http_status)
    return render(request, "signals/signal_list.html", context, status=http_status)


@login_required
@require_POST
def signal_bulk(request):
    """One decision for the signals ticked in the inbox (services.signals_decide: all or none).
    The inbox's filters ride on the query string, so an error shows the same rows, ticked."""
    scope.require(request.user, "signals.signal:triage")
    chosen = [pk for pk in request.POST.getlist("signal") if pk.isdigit()][: services.BATCH_MAX + 1]
    form = BulkForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = services.signals_decide(
                by=request.user, signal_ids=chosen, action=d["action"], text=d["text"]
            )
        except DomainError as e:
            if e.status == 404:
                raise Http404 from None
            form.add_error("text" if e.field in ("text", "reason") else None, str(e.message))
        else:
            if d["action"] == "confirm":
                text = _("已确认 %(n)s 条预警，已分别列入所属单位的问题清单。")
            else:
                text = _("已排除 %(n)s 条预警。")
            messages.success(request, text % {"n": len(done)})
            query = request.GET.urlencode()
            return redirect(reverse("signal_list") + (f"?{query}" if query else ""))
    return _inbox(request, bulk_form=form, chosen=chosen, http_status=400)


def _signal(request, pk, perm="signals.signal:view") -> Signal:
    return scope.get_for(
        queries.readable(request.user).select_related("unit", "decided_by"),
        request.user,
        pk,
        perm=perm,
    )


def _detail(request, signal: Signal, *, confirm_form=None, dismiss_form=None, status=200):
    evidence, threshold = display.shown(signal)
    rule = RULES.get(signal.rule)
    can_triage = signal.is_open and scope.can(request.user, "signals.signal:triage")
    context = {
        "signal": signal,
        "rule_label": display.rule_label(signal.rule),
        "subject_label": display.subject_label(signal.rule, signal.subject),
        "sentence": rule.describe(threshold) if rule else "",
        "headline": display.headline(signal, evidence),
        "compared": evidence.get("compared", ""),
        "as_of": evidence.get("as_of", ""),
        "figures": display.figures(evidence),
        "against_chance": display.against_chance(evidence),
        "tables": display.series_tables(evidence),
        "records": display.records(signal, evidence, request.user),
        "links": links.evidence_links(signal, evidence, request.user),
        "months": display.months(signal, evidence, request.user),
        "thresholds": display.thresholds(threshold),
        "frozen": signal.status == SignalStatus.CONFIRMED and bool(signal.frozen),
        "events": signal.events.select_related("by").order_by("-at", "-pk"),
        "can_triage": can_triage,
        "can_settings": scope.can(request.user, "core.setting:view"),
        "confirm_form": confirm_form or ConfirmForm(),
        "dismiss_form": dismiss_form or DismissForm(),
        "problem": _problem(request.user, signal),
    }
    return render(request, "signals/signal_detail.html", context, status=status)


def _problem(user, signal: Signal):
    """The problem a confirmed signal became, when the reader may see problems."""
    if signal.status != SignalStatus.CONFIRMED or not scope.can(user, "rectification.problem:view"):
        return None
    return scope.visible(
        problems.problems([signal]), user, perm="rectification.problem:view"
    ).first()


@login_required
def signal_detail(request, pk):
    return _detail(request, _signal(request, pk))


@login_required
@require_POST
def signal_confirm(request, pk):
    signal = _signal(request, pk, "signals.signal:triage")
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.signal_confirm(by=request.user, signal=signal, note=form.cleaned_data["note"])
        except DomainError as e:
            form.add_error(None, str(e.message))
        else:
            messages.success(request, _("预警已确认，已列入该单位的问题清单。"))
            return redirect("signal_detail", pk=signal.pk)
    return _detail(request, signal, confirm_form=form, status=400)


@login_required
@require_POST
def signal_dismiss(request, pk):
    signal = _signal(request, pk, "signals.signal:triage")
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.signal_dismiss(
                by=request.user, signal=signal, reason=form.cleaned_data["reason"]
            )
        except DomainError as e:
            form.add_error("reason" if e.field == "reason" else None, str(e.message))
        else:
            messages.success(request, _("预警已排除。"))
            return redirect("signal_detail", pk=signal.pk)
    return _detail(request, signal, dismiss_form=form, status=400)
