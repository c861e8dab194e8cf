"""Sending: one notice per key, in the inbox at once, by email and group robot in the background;
a failing channel retried with exponential backoff and its error recorded; the unit's choice of
channels. Real SMTP and HTTP receivers (conftest.py)."""

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

import pytest

from jianfu import notify
from jianfu.core import clock
from jianfu.core.models import AuditEntry, Unit, User
from jianfu.notify import services
from jianfu.notify.models import Delivery, Message, Notice, Preference
from jianfu.notify.tests.conftest import configure, free_port

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen(NOW):
        yield NOW


def user(name: str, mail: str = "") -> User:
    u = User.objects.select_related("home_unit").get(username=name)
    if mail:
        u.email = mail
        u.save(update_fields=["email"])
    return u


def send(capture, key="notify.test:1", recipients=None, **kw):
    kw.setdefault("subject", "请于本周五前报送材料")
    kw.setdefault("body", "请登录平台查看。")
    kw.setdefault("link", "/rectification/problems/1/")
    with capture(execute=True):
        return notify.send("notify.test", key=key, recipients=recipients, **kw)


def parsed(raw: str):
    return email.message_from_bytes(raw.encode(), policy=email.policy.default)


def test_a_message_reaches_the_inbox_and_by_email(smtp, django_capture_on_commit_callbacks):
    reporter = user("reporter", "reporter@example.cn")
    notice = send(django_capture_on_commit_callbacks, recipients=[reporter])
    assert Message.objects.get(recipient=reporter).notice == notice
    [(sender, to, raw)] = smtp.mails
    assert (sender, to) == ("jianfu@example.gov.cn", ["reporter@example.cn"])
    mail = parsed(raw)
    assert mail["Subject"] == "请于本周五前报送材料"
    text = mail.get_content()
    assert "请登录平台查看。" in text
    assert "https://jianfu.example.gov.cn/rectification/problems/1/" in text
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    codes = set(AuditEntry.objects.values_list("code", flat=True))
    assert {"jianfu.notify.notice.sent", "jianfu.notify.delivery.sent"} <= codes


def test_the_same_key_twice_is_sent_once(smtp, django_capture_on_commit_callbacks):
    reporter = user("reporter", "reporter@example.cn")
    assert send(django_capture_on_commit_callbacks, recipients=[reporter]) is not None
    assert send(django_capture_on_commit_callbacks, recipients=[reporter], subject="又一次") is None
    assert Notice.objects.count() == 1
    assert Message.objects.count() == 1
    assert len(smtp.mails) == 1
    # In a batch too: a key repeated, or already sent, is left out.
    sent = notify.send_many(
        "notify.test",
        [
            notify.item(key="notify.test:1", recipients=[reporter], subject="x"),
            notify.item(key="notify.test:2", recipients=[reporter], subject="y"),
            notify.item(key="notify.test:2", recipients=[reporter], subject="y"),
        ],
    )
    assert [n.key for n in sent] == ["notify.test:2"]


def test_without_an_smtp_server_or_an_address_only_the_inbox(
    db, django_capture_on_commit_callbacks
):
    send(django_capture_on_commit_callbacks, recipients=[user("reporter", "r@example.cn")])
    assert Message.objects.count() == 1
    assert not Delivery.objects.exists()


def test_a_unit_reaches_its_contacts_and_its_robots(robot, django_capture_on_commit_callbacks):
    office = user("office")
    county_a = Unit.objects.get(code="TA")
    services.robot_set(by=office, unit=county_a, channel="dingtalk", url=robot.url)
    services.robot_set(by=office, unit=county_a, channel="wecom", url=robot.url + "&w=1")
    send(django_capture_on_commit_callbacks, recipients=[county_a])
    assert list(Message.objects.values_list("recipient__username", flat=True)) == ["contact_a"]
    assert len(robot.requests) == 2
    by_path = {path: payload for path, payload in robot.requests}
    ding = by_path["/robot/send?access_token=t0k3n"]
    assert ding["msgtype"] == "markdown"
    assert ding["markdown"]["title"] == "请于本周五前报送材料"
    assert ding["markdown"]["text"].startswith("### 请于本周五前报送材料")
    wecom = by_path["/robot/send?access_token=t0k3n&w=1"]
    assert wecom["msgtype"] == "markdown"
    assert "请登录平台查看。" in wecom["markdown"]["content"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_dingtalk_signing_adds_the_timestamp_and_the_signature(
    robot, django_capture_on_commit_callbacks
):
    county_a = Unit.objects.get(code="TA")
    services.robot_set(
        by=user("office"), unit=county_a, channel="dingtalk", url=robot.url, secret="SECabc"
    )
    send(django_capture_on_commit_callbacks, recipients=[county_a])
    [(path, _payload)] = robot.requests
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["t0k3n"]
    # DingTalk's check: HMAC-SHA256 over "timestamp\nsecret" keyed by the secret, base64.
    timestamp = query["timestamp"][0]
    expected = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(expected).decode()]


def test_a_robot_answering_500_is_retried_with_exponential_backoff(
    robot, django_capture_on_commit_callbacks
):
    robot.script = [500, 500]  # then 200
    county_a = Unit.objects.get(code="TA")
    services.robot_set(by=user("office"), unit=county_a, channel="wecom", url=robot.url)
    send(django_capture_on_commit_callbacks, recipients=[county_a])
    d = Delivery.objects.get()
    assert (d.status, d.attempts) == ("pending", 1)
    assert "HTTP 500" in d.last_error
    assert d.next_attempt_at == NOW + dt.timedelta(seconds=60)
    assert services.deliver_due() == {}  # not due yet
    with clock.frozen(NOW + dt.timedelta(seconds=61)):
        assert services.deliver_due() == {"pending": 1}
    d.refresh_from_db()
    assert d.attempts == 2
    # Twice as long the second time.
    assert d.next_attempt_at == NOW + dt.timedelta(seconds=61 + 120)
    with clock.frozen(NOW + dt.timedelta(seconds=61 + 121)):
        assert services.deliver_due() == {"sent": 1}
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("sent", 3, "")
    assert len(robot.requests) == 3


def test_a_robot_refusing_in_its_answer_is_a_failure(robot, django_capture_on_commit_callbacks):
    robot.answer = {"errcode": 310000, "errmsg": "sign not match"}
    county_a = Unit.objects.get(code="TA")
    services.robot_set(by=user("office"), unit=county_a, channel="dingtalk", url=robot.url)
    send(django_capture_on_commit_callbacks, recipients=[county_a])
    d = Delivery.objects.get()
    assert d.status == "pending"
    assert d.last_error == "钉钉群机器人拒绝了消息：310000 sign not match"


def test_an_smtp_server_that_refuses_is_recorded_and_given_up(
    db, django_capture_on_commit_callbacks
):
    configure(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nothing listens there
        smtp_security="none",
        smtp_sender="jianfu@example.gov.cn",
        max_attempts=2,
    )
    send(django_capture_on_commit_callbacks, recipients=[user("reporter", "r@example.cn")])
    d = Delivery.objects.get()
    assert d.status == "pending"
    assert "无法连接邮件服务器 127.0.0.1:" in d.last_error
    assert "连接被拒绝" in d.last_error
    with clock.frozen(NOW + dt.timedelta(minutes=2)):
        services.deliver_due()
    d.refresh_from_db()
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 2, None)
    assert "连接被拒绝" in d.last_error
    entry = AuditEntry.objects.get(code="jianfu.notify.delivery.failed")
    assert entry.object_id == str(d.pk)


def test_a_unit_turns_email_off_for_one_kind(smtp, django_capture_on_commit_callbacks):
    reporter = user("reporter", "r@example.cn")
    Preference.objects.create(
        unit=reporter.home_unit, kind="notify.test", channel="email", enabled=False
    )
    send(django_capture_on_commit_callbacks, recipients=[reporter])
    assert Message.objects.count() == 1  # the inbox is always on
    assert smtp.mails == []


def test_robots_stay_off_until_a_url_is_set(robot, django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks, recipients=[Unit.objects.get(code="TA")])
    assert not Delivery.objects.exists()
    assert robot.requests == []


def test_a_delivery_is_sent_once_even_when_two_workers_try(
    smtp, django_capture_on_commit_callbacks
):
    reporter = user("reporter", "r@example.cn")
    with django_capture_on_commit_callbacks(execute=False):
        notify.send("notify.test", key="k", recipients=[reporter], subject="s")
    d = Delivery.objects.get()
    assert services.deliver(d.pk) == "sent"
    assert services.deliver(d.pk) == "done"
    assert len(smtp.mails) == 1


def test_an_unknown_kind_is_refused(db):
    with pytest.raises(KeyError):
        notify.send("nope", key="k", recipients=[], subject="s")


def test_starttls_against_a_server_without_it_says_so(smtp, django_capture_on_commit_callbacks):
    configure(smtp_security="starttls")
    send(django_capture_on_commit_callbacks, recipients=[user("reporter", "r@example.cn")])
    d = Delivery.objects.get()
    assert d.status == "pending"
    assert "不支持所选的加密方式或登录" in d.last_error
    assert smtp.mails == []
