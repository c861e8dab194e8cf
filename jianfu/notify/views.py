"""The inbox (every account's own), the delivery log (the office's) and a unit's notification
settings (its robots and which channels are on for which kind), for the unit's contact or the
office."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from jianfu.core import scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit

from . import kinds, queries, services
from .models import ROBOTS, SWITCHABLE, Channel, Delivery, DeliveryStatus

# Column headings narrow enough for a phone.
SHORT = {
    Channel.EMAIL: _lazy("邮件"),
    Channel.DINGTALK: _lazy("钉钉"),
    Channel.WECOM: _lazy("企业微信"),
}


@login_required
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(queries.inbox(request.user, unread_only=unread_only), queries.PAGE).get_page(
        request.GET.get("page")
    )
    for m in page:
        m.kind_label = kinds.label(m.notice.kind)
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread_only": unread_only, "unread": queries.unread_count(request.user)},
    )


@login_required
def message_open(request, pk):
    """Open a message: it is marked read and, when it is about a page, that page opens."""
    message = queries.message_for(request.user, pk)
    if message.read_at is None:
        services.messages_read(by=request.user, ids=[message.pk])
    link = message.notice.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    message.kind_label = kinds.label(message.notice.kind)
    return render(request, "notify/message.html", {"message": message})


@login_required
@require_POST
def messages_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    n = services.messages_read(by=request.user, ids=ids)
    messages.success(request, _("已标记 %(n)s 条消息为已读。") % {"n": n})
    return redirect("inbox")


@login_required
def delivery_list(request):
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    if status not in DeliveryStatus.values:
        status = ""
    if channel not in Channel.values:
        channel = ""
    qs = queries.deliveries(request.user, status=status, channel=channel)
    page = Paginator(qs, queries.PAGE).get_page(request.GET.get("page"))
    for d in page:
        d.kind_label = kinds.label(d.notice.kind)
    return render(
        request,
        "notify/delivery_list.html",
        {
            "page": page,
            "status": status,
            "channel": channel,
            "statuses": DeliveryStatus.choices,
            "channels": [(c.value, c.label) for c in (Channel.EMAIL, *ROBOTS)],
        },
    )


@login_required
@require_POST
def delivery_retry(request, pk):
    delivery = scope.get_for(Delivery, request.user, pk, perm="notify.delivery:view")
    try:
        services.delivery_retry(by=request.user, delivery=delivery)
    except DomainError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已重新安排发送。"))
    return redirect("delivery_list")


@login_required
def notify_settings(request):
    """A unit's channels: the account's own unit by default, any unit it covers by ?unit=."""
    units = queries.manageable_units(request.user)
    unit_id = request.GET.get("unit") or request.POST.get("unit") or request.user.home_unit_id
    unit = scope.get_for(units, request.user, unit_id, perm=services.MANAGE, unit_field=None)
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _save_settings(request, unit)
        if not errors:
            messages.success(request, _("通知设置已保存。"))
            return redirect(f"{request.path}?unit={unit.pk}")
    data = queries.unit_channels(unit)
    for robot in data["robots"]:
        robot["field"] = f"{robot['channel']}_url"
        robot["error"] = errors.get(robot["field"])
        if errors:  # what was typed stays in the field beside its message
            robot["url"] = request.POST.get(robot["field"], "")
    return render(
        request,
        "notify/settings.html",
        {
            "unit": unit,
            "units": units if units.count() <= 500 else None,
            "errors": errors,
            "switchable": [SHORT[c] for c in SWITCHABLE],
            **data,
        },
        status=400 if errors else 200,
    )


def _save_settings(request, unit: Unit) -> dict[str, str]:
    post = request.POST
    errors = {}
    if post.get("part") == "robots":
        for channel in ROBOTS:
            secret = post.get(f"{channel}_secret", "")
            keep_secret = not secret and not post.get(f"{channel}_secret_clear")
            try:
                services.robot_set(
                    by=request.user,
                    unit=unit,
                    channel=channel,
                    url=post.get(f"{channel}_url", ""),
                    secret=None if keep_secret else secret,
                )
            except DomainError as e:
                errors[f"{channel}_url"] = str(e.message)
    elif post.get("part") == "preferences":
        choices = {
            (k.code, c): f"{k.code}:{c}" in post.getlist("on")
            for k in queries.switchable_kinds()
            for c in SWITCHABLE
        }
        try:
            services.preferences_set(by=request.user, unit=unit, choices=choices)
        except DomainError as e:
            errors["preferences"] = str(e.message)
    elif post.get("part") == "test":
        try:
            services.test_send(by=request.user, unit=unit)
        except DomainError as e:
            errors["test"] = str(e.message)
        else:
            messages.info(
                request,
                _("测试消息已发出：站内消息即时送达，邮件和群机器人的结果见发送记录。")
                if scope.can(request.user, "notify.delivery:view")
                else _("测试消息已发出，请查看站内消息、邮箱和群聊。"),
            )
    else:
        raise Http404
    return errors


urlpatterns = [
    path("", inbox, name="inbox"),
    path("<int:pk>/", message_open, name="message_open"),
    path("read/", messages_read, name="message_read"),
    path("settings/", notify_settings, name="notify_settings"),
    path("deliveries/", delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/retry/", delivery_retry, name="delivery_retry"),
]
