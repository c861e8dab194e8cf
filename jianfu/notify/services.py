"""Writes of notifications: sending (a notice, its inbox messages and its deliveries, once per
key), delivering in the background with retries, reading one's messages, and a unit's robots and
channel preferences. Every write is audited here."""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jianfu.core import audit, clock, runtime, scope
from jianfu.core.errors import DomainError
from jianfu.core.models import Unit, User
from jianfu.core.permissions import Role

from . import channels, config, kinds
from .models import (
    ROBOTS,
    SWITCHABLE,
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
    Notice,
    Preference,
    Robot,
)

log = logging.getLogger("jianfu.notify")

MANAGE = "notify.channel:manage"
# A delivery being sent is leased for this long: a worker that dies mid-send leaves it to be
# retried after the lease, never lost and never sent twice by two live workers.
LEASE = dt.timedelta(minutes=5)
# Who reads a unit's messages: its contacts (for the city, the office's staff).
UNIT_ROLES = (Role.CONTACT, Role.OFFICE)

audit.describe(
    {
        "jianfu.notify.notice.sent": _lazy("发出通知"),
        "jianfu.notify.delivery.sent": _lazy("通知已送达（邮件或群机器人）"),
        "jianfu.notify.delivery.failed": _lazy("通知发送失败（重试用尽）"),
        "jianfu.notify.delivery.retried": _lazy("重新发送通知"),
        "jianfu.notify.robot.changed": _lazy("修改单位群机器人"),
        "jianfu.notify.preference.changed": _lazy("修改单位通知渠道"),
    }
)


@dataclass
class Item:
    """One message of a batch: its key, who it is for (accounts and units), what it says, and the
    page it is about."""

    key: str
    recipients: list = field(default_factory=list)
    subject: str = ""
    body: str = ""
    link: str = ""
    # Units whose group robots get it without their accounts (the settings page's test message).
    robots: list = field(default_factory=list)


def send(
    kind: str, *, key: str, recipients, subject: str, body: str = "", link: str = "", by=None
) -> Notice | None:
    """Tell `recipients` (accounts and/or units) something, once: a second send with the same key
    does nothing and returns None. Call it inside the transaction of the change it is about; the
    email and robot deliveries are enqueued when that commits."""
    sent = send_many(kind, [Item(key, list(recipients), subject, body, link)], by=by)
    return sent[0] if sent else None


@transaction.atomic
def send_many(kind: str, items: list[Item], *, by=None) -> list[Notice]:
    """The batch form of `send` (a reminder run): one audit entry for the batch. Returns the
    notices created (the items whose key was new)."""
    kinds.check(kind)
    for item in items:
        if not item.key or not item.subject or len(item.key) > 200:
            raise ValueError("a notification needs a key (at most 200 characters) and a subject")
    seen: set[str] = set(
        Notice.objects.filter(key__in=[i.key for i in items]).values_list("key", flat=True)
    )
    fresh = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            fresh.append(item)
    if not fresh:
        return []
    now = clock.now()
    notices = _create_notices(kind, fresh, now)
    if not notices:
        return []
    readers = _readers([item for item, _n in notices])
    messages, deliveries = _plan(kind, notices, readers, now)
    Message.objects.bulk_create(messages, ignore_conflicts=True)
    created = Delivery.objects.bulk_create(deliveries)
    audit.record(
        "jianfu.notify.notice.sent",
        actor=by,
        object_type="notify.notice",
        object_id=notices[0][1].pk if len(notices) == 1 else "",
        extra={
            "kind": kind,
            "notices": [n.pk for _i, n in notices],
            "messages": len(messages),
            "deliveries": len(deliveries),
        },
    )
    if created:
        from .tasks import deliver

        ids = [d.pk for d in created]
        transaction.on_commit(lambda: [deliver.enqueue(pk) for pk in ids])
    return [n for _i, n in notices]


def _create_notices(kind: str, items: list[Item], now) -> list[tuple[Item, Notice]]:
    rows = [
        Notice(
            key=i.key,
            kind=kind,
            subject=str(i.subject)[:200],
            body=str(i.body),
            link=i.link[:500],
            created_at=now,
        )
        for i in items
    ]
    try:
        with transaction.atomic():
            return list(zip(items, Notice.objects.bulk_create(rows), strict=True))
    except IntegrityError:
        pass
    # A concurrent send took one of the keys: keep the others, one at a time.
    done = []
    for item, row in zip(items, rows, strict=True):
        row.pk = None
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        done.append((item, row))
    return done


def _readers(items: list[Item]) -> dict[int, list[User]]:
    """Per unit named as a recipient, its accounts that read its messages."""
    unit_ids = {r.pk for i in items for r in i.recipients if isinstance(r, Unit)}
    readers: dict[int, list[User]] = defaultdict(list)
    if unit_ids:
        for user in (
            User.objects.filter(
                home_unit_id__in=unit_ids, is_active=True, role_grants__role__in=UNIT_ROLES
            )
            .select_related("home_unit")
            .distinct()
            .order_by("pk")
        ):
            readers[user.home_unit_id].append(user)
    return readers


def _plan(kind, notices, readers, now) -> tuple[list[Message], list[Delivery]]:
    smtp_on = config.smtp() is not None
    # Every unit a message reaches: the units named, and the units of the accounts named.
    reach: dict[int, tuple[set[int], set[int]]] = {}
    accounts: dict[int, User] = {}
    for item, notice in notices:
        users, robot_units = set(), set()
        for r in item.recipients:
            if isinstance(r, Unit):
                robot_units.add(r.pk)
                for u in readers.get(r.pk, []):
                    users.add(u.pk)
                    accounts[u.pk] = u
            elif isinstance(r, User):
                users.add(r.pk)
                accounts[r.pk] = r
            else:
                raise TypeError(f"a recipient is an account or a unit, not {r!r}")
        robot_units |= {u.pk for u in item.robots}
        reach[notice.pk] = (users, robot_units)
    unit_ids = {pk for _u, units_of in reach.values() for pk in units_of} | {
        u.home_unit_id for u in accounts.values() if u.home_unit_id
    }
    prefs = {
        (p.unit_id, p.channel): p.enabled
        for p in Preference.objects.filter(unit_id__in=unit_ids, kind=kind)
    }
    robots = {
        (r.unit_id, r.channel) for r in Robot.objects.filter(unit_id__in=unit_ids).exclude(url="")
    }
    messages, deliveries = [], []
    for _item, notice in notices:
        users, robot_units = reach[notice.pk]
        for pk in sorted(users):
            user = accounts[pk]
            if not user.is_active:
                continue
            messages.append(Message(notice=notice, recipient=user, created_at=now))
            if (
                smtp_on
                and user.email
                and user.home_unit_id
                and prefs.get((user.home_unit_id, Channel.EMAIL), True)
            ):
                deliveries.append(
                    _delivery(notice, Channel.EMAIL, user.home_unit_id, now, user, user.email)
                )
        # The robots of the units named, and of the units of the accounts named when no unit is.
        for unit_id in sorted(robot_units or {accounts[pk].home_unit_id for pk in users} - {None}):
            for channel in ROBOTS:
                if (unit_id, channel) in robots and prefs.get((unit_id, channel), True):
                    deliveries.append(_delivery(notice, channel, unit_id, now))
    # One email per address and notice, even when an account is reached twice.
    unique = {(d.notice_id, d.channel, d.unit_id, d.address): d for d in deliveries}
    return messages, list(unique.values())


def _delivery(notice, channel, unit_id, now, user=None, address="") -> Delivery:
    return Delivery(
        notice=notice,
        channel=channel,
        unit_id=unit_id,
        recipient=user,
        address=address,
        next_attempt_at=now,
        created_at=now,
    )


# --- Delivering ---------------------------------------------------------------------------------


def deliver(delivery_id: int) -> str:
    """One attempt at one delivery, if it is due and nobody else holds it. Returns its status."""
    now = clock.now()
    row = (
        Delivery.objects.select_related("notice")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if row is None:
        return "done"
    if row.next_attempt_at and row.next_attempt_at > now:
        return "later"
    # Claim by a conditional UPDATE: of two workers, only the one that moves the attempt count
    # from the value it read sends.
    claimed = Delivery.objects.filter(
        pk=row.pk, status=DeliveryStatus.PENDING, attempts=row.attempts
    ).update(attempts=row.attempts + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return "taken"
    attempts = row.attempts + 1
    error = ""
    try:
        _send(row)
    except channels.ChannelError as e:
        error = e.message
    except Exception as e:  # an unforeseen failure is recorded like any other, never lost
        log.exception("delivery %s failed", row.pk)
        error = _("发送出错：%(e)s") % {"e": e.__class__.__name__}
    return _record(row, attempts, error)


def _send(row: Delivery) -> None:
    n = row.notice
    if row.channel == Channel.EMAIL:
        channels.send_email(row.address, n.subject, n.body, n.link)
        return
    robot = Robot.objects.filter(unit_id=row.unit_id, channel=row.channel).first()
    channels.send_robot(
        row.channel,
        robot.url if robot else "",
        robot.secret if robot else "",
        n.subject,
        n.body,
        n.link,
    )


@transaction.atomic
def _record(row: Delivery, attempts: int, error: str) -> str:
    now = clock.now()
    settings = runtime.get_many(["notify.max_attempts", "notify.retry_seconds"])
    fields = {"attempts": attempts, "last_error": error[:2000]}
    if not error:
        fields |= {"status": DeliveryStatus.SENT, "sent_at": now, "next_attempt_at": None}
        code = "jianfu.notify.delivery.sent"
    elif attempts >= settings["notify.max_attempts"]:
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        code = "jianfu.notify.delivery.failed"
    else:
        # Exponential backoff: the first retry after retry_seconds, then twice as long each time.
        wait = settings["notify.retry_seconds"] * 2 ** (attempts - 1)
        fields |= {"next_attempt_at": now + dt.timedelta(seconds=wait)}
        code = None
    Delivery.objects.filter(pk=row.pk).update(**fields)
    if code:
        audit.record(
            code,
            object_type="notify.delivery",
            object_id=row.pk,
            extra={
                "channel": row.channel,
                "unit": row.unit_id,
                "attempts": attempts,
                "notice": row.notice_id,
            },
        )
    return fields.get("status", DeliveryStatus.PENDING)


def deliver_due(limit: int = 500) -> dict:
    """The due-deliveries job: every pending delivery whose time has come, oldest first."""
    now = clock.now()
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = defaultdict(int)
    for pk in ids:
        counts[deliver(pk)] += 1
    return dict(counts)


@transaction.atomic
def delivery_retry(*, by, delivery: Delivery) -> Delivery:
    """The office sends a failed delivery again (after fixing the server or the robot)."""
    scope.require(by, "notify.delivery:view")
    if delivery.status != DeliveryStatus.FAILED:
        raise DomainError("not_failed", _("只有发送失败的记录可以重新发送。"))
    now = clock.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
    )
    audit.record("jianfu.notify.delivery.retried", actor=by, obj=delivery)
    from .tasks import deliver as deliver_task

    transaction.on_commit(lambda: deliver_task.enqueue(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def test_send(*, by, unit: Unit) -> Notice:
    """A test message from the settings page: to the person (inbox and email) and to the unit's
    group robots, through the same background delivery; the outcome shows in the log."""
    _require_unit(by, unit)
    now = clock.now()
    item = Item(
        key=f"notify.test:{unit.pk}:{by.pk}:{now.timestamp():.0f}",
        recipients=[by],
        subject=_("测试消息：%(u)s的通知渠道") % {"u": unit.name},
        body=_("这是一条测试消息。收到即说明该渠道设置正确。"),
        robots=[unit],
    )
    sent = send_many("notify.test", [item], by=by)
    if not sent:
        raise DomainError("too_often", _("刚刚已发送过测试消息，请稍后再试。"))
    return sent[0]


# --- Reading one's messages ---------------------------------------------------------------------


def messages_read(*, by, ids: list[int] | None = None) -> int:
    """Mark one's own messages read (all when ids is None). A message's read state is not
    business data: not audited (as the reminders' own)."""
    qs = Message.objects.filter(recipient=by, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())


# --- A unit's robots and preferences ------------------------------------------------------------


def _require_unit(by, unit: Unit) -> None:
    scope.require(by, MANAGE)
    if not scope.scope_of(by).covers_path(unit.path):
        raise DomainError("out_of_scope", _("所选单位不在您的范围内。"), field="unit")


@transaction.atomic
def robot_set(*, by, unit: Unit, channel: str, url: str, secret: str | None = None) -> Robot | None:
    """Set (or with an empty URL remove) a unit's group robot. `secret` None keeps the one kept."""
    _require_unit(by, unit)
    if channel not in ROBOTS:
        raise DomainError("bad_channel", _("未知的群机器人类型。"), field="channel")
    url = (url or "").strip()
    if url:
        try:
            config.check_url(url)
        except ValueError as e:
            raise DomainError("bad_url", str(e), field=f"{channel}_url") from e
    row = Robot.objects.select_for_update().filter(unit=unit, channel=channel).first()
    before = {"url": bool(row and row.url), "secret": bool(row and row.secret)}
    if not url:
        if row:
            row.delete()
        row = None
    else:
        row = row or Robot(unit=unit, channel=channel)
        url_changed = row.url != url
        row.url = url
        if secret is not None:
            row.secret = secret.strip()
        row.updated_at = clock.now()
        row.updated_by = by
        row.save()
    after = {"url": bool(row and row.url), "secret": bool(row and row.secret)}
    if before != after or (row and url_changed) or secret:
        # The robot's URL carries its access token and the secret signs: the log says what
        # changed, not what it became.
        audit.record(
            "jianfu.notify.robot.changed",
            actor=by,
            object_type="core.unit",
            object_id=unit.pk,
            changes={channel: [before, after]},
        )
    return row


@transaction.atomic
def preferences_set(*, by, unit: Unit, choices: dict[tuple[str, str], bool]) -> int:
    """Set which channels are on for which kinds of message for a unit: {(kind, channel): on}."""
    _require_unit(by, unit)
    current = {(p.kind, p.channel): p for p in Preference.objects.filter(unit=unit)}
    changes = {}
    for (kind, channel), on in choices.items():
        kinds.check(kind)
        if channel not in SWITCHABLE:
            raise DomainError("bad_channel", _("未知的通知渠道。"))
        # Without a row, a channel is on (email goes where an address is known, a robot once
        # its URL is set).
        row = current.get((kind, channel))
        before = row.enabled if row else True
        if before == on and row is None:
            continue
        Preference.objects.update_or_create(
            unit=unit, kind=kind, channel=channel, defaults={"enabled": on}
        )
        if before != on:
            changes[f"{kind}:{channel}"] = [before, on]
    if changes:
        audit.record(
            "jianfu.notify.preference.changed",
            actor=by,
            object_type="core.unit",
            object_id=unit.pk,
            changes=changes,
        )
    return len(changes)
