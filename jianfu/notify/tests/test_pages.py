"""The pages: the inbox (one's own messages only; another's answers 404), the unread count in the
navigation, marking read, the office's delivery log, a unit's robots and channels, the SMTP
settings; bad input answered in Chinese, never with a 5xx."""

import re

import pytest
from django.urls import reverse

from jianfu import notify
from jianfu.core.models import AuditEntry, RuntimeSetting, Unit, User
from jianfu.notify.models import Delivery, Message, Preference, Robot

pytestmark = pytest.mark.django_db


def tell(*usernames, key="notify.test:1", link="/rectification/"):
    users = list(User.objects.filter(username__in=usernames))
    return notify.send("notify.test", key=key, recipients=users, subject="请核对材料", link=link)


def badge(page: str) -> str | None:
    m = re.search(r'id="jf-inbox-bell".*?badge[^>]*>(\d+)</span>', page, re.S)
    return m.group(1) if m else None


def test_the_inbox_shows_ones_messages_and_the_unread_count(login):
    tell("contact_a")
    tell("contact_a", key="notify.test:2")
    tell("contact_b", key="notify.test:3")
    page = login("contact_a").get(reverse("inbox")).content.decode()
    assert page.count("请核对材料") == 2
    assert badge(page) == "2"
    assert "消息（2 条未读）" in page


def test_opening_a_message_marks_it_read_and_opens_what_it_is_about(login):
    tell("contact_a")
    message = Message.objects.get()
    client = login("contact_a")
    response = client.get(reverse("message_open", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/rectification/"
    message.refresh_from_db()
    assert message.read_at is not None
    assert badge(client.get(reverse("inbox")).content.decode()) is None


def test_a_message_without_a_link_opens_as_a_page(login):
    tell("contact_a", link="")
    message = Message.objects.get()
    response = login("contact_a").get(reverse("message_open", args=[message.pk]))
    assert response.status_code == 200
    assert "请核对材料" in response.content.decode()


def test_another_accounts_message_answers_404(login):
    tell("contact_b")
    message = Message.objects.get()
    for who in ("contact_a", "office"):
        assert login(who).get(reverse("message_open", args=[message.pk])).status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_marking_all_read_touches_only_ones_own(login):
    tell("contact_a", "contact_b")
    response = login("contact_a").post(reverse("message_read"))
    assert response.status_code == 302
    unread = Message.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("recipient__username", flat=True)) == ["contact_b"]


def test_the_inbox_bounds_its_queries(login, django_assert_max_num_queries):
    client = login("contact_a")
    for i in range(3):
        tell("contact_a", key=f"k{i}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("inbox"))
    for i in range(3, 30):
        tell("contact_a", key=f"k{i}")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("inbox"))


# --- The delivery log ---------------------------------------------------------------------------


def failed_delivery(unit_code="TA") -> Delivery:
    unit = Unit.objects.get(code=unit_code)
    Robot.objects.create(
        unit=unit, channel="wecom", url="http://127.0.0.1:9/x", updated_at="2026-01-01T00:00Z"
    )
    notice = notify.send("notify.test", key=f"f:{unit_code}", recipients=[unit], subject="逾期提醒")
    d = Delivery.objects.get(notice=notice)
    Delivery.objects.filter(pk=d.pk).update(
        status="failed", attempts=6, last_error="企业微信群机器人返回 HTTP 500。"
    )
    return d


def test_the_office_sees_the_delivery_log_with_the_errors_and_retries(login):
    d = failed_delivery()
    client = login("office")
    page = client.get(reverse("delivery_list")).content.decode()
    assert "逾期提醒" in page and "企业微信群机器人返回 HTTP 500。" in page
    assert "127.0.0.1:9" not in page  # a robot's URL (its token) is not shown in the log
    response = client.post(reverse("delivery_retry", args=[d.pk]))
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 0)
    assert AuditEntry.objects.filter(code="jianfu.notify.delivery.retried").exists()


def test_a_contact_has_no_delivery_log(login):
    own, other = failed_delivery("TA"), failed_delivery("TB")
    client = login("contact_a")
    assert client.get(reverse("delivery_list")).status_code == 403
    assert client.post(reverse("delivery_retry", args=[own.pk])).status_code == 403
    assert client.post(reverse("delivery_retry", args=[other.pk])).status_code == 404


# --- A unit's channels --------------------------------------------------------------------------


def test_a_contact_sets_their_units_robot_and_the_secret_is_not_shown_back(login):
    client = login("contact_a")
    response = client.post(
        reverse("notify_settings"),
        {
            "part": "robots",
            "dingtalk_url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
            "dingtalk_secret": "SECsecret123",
            "wecom_url": "",
        },
    )
    assert response.status_code == 302
    robot = Robot.objects.get()
    assert (robot.unit.code, robot.channel, robot.secret) == ("TA", "dingtalk", "SECsecret123")
    page = client.get(reverse("notify_settings")).content.decode()
    assert "access_token=abc" in page
    assert "SECsecret123" not in page
    assert "已设置，留空不变" in page
    entry = AuditEntry.objects.get(code="jianfu.notify.robot.changed")
    assert "abc" not in str(entry.changes) and "SECsecret123" not in str(entry.changes)
    # Saved again with the secret left empty: kept.
    client.post(
        reverse("notify_settings"),
        {"part": "robots", "dingtalk_url": robot.url, "dingtalk_secret": ""},
    )
    robot.refresh_from_db()
    assert robot.secret == "SECsecret123"


@pytest.mark.parametrize(
    "url", ["oapi.dingtalk.com/robot/send", "ftp://x/y", "https://", "http://a b/c", "https://h:x/"]
)
def test_a_malformed_robot_url_is_refused_in_chinese(login, url):
    response = login("contact_a").post(
        reverse("notify_settings"), {"part": "robots", "dingtalk_url": url, "wecom_url": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "格式不正确" in page or "端口不正确" in page
    assert not Robot.objects.exists()


def test_another_countys_channels_answer_404(login):
    tb = Unit.objects.get(code="TB")
    client = login("contact_a")
    assert client.get(reverse("notify_settings"), {"unit": tb.pk}).status_code == 404
    response = client.post(
        reverse("notify_settings"),
        {"unit": tb.pk, "part": "robots", "dingtalk_url": "https://x.cn/r", "wecom_url": ""},
    )
    assert response.status_code == 404
    assert not Robot.objects.exists()
    assert login("reporter").get(reverse("notify_settings")).status_code == 403


def test_the_office_turns_a_kind_off_by_email_for_a_county(login):
    ta = Unit.objects.get(code="TA")
    on = [
        f"{kind}:{channel}"
        for kind in notify.kinds.KINDS
        for channel in ("email", "dingtalk", "wecom")
        if (kind, channel) != ("monitoring.reminder", "email")
    ]
    response = login("office").post(
        reverse("notify_settings"), {"unit": ta.pk, "part": "preferences", "on": on}
    )
    assert response.status_code == 302
    assert list(Preference.objects.values_list("unit__code", "kind", "channel", "enabled")) == [
        ("TA", "monitoring.reminder", "email", False)
    ]
    assert AuditEntry.objects.filter(code="jianfu.notify.preference.changed").count() == 1


# --- The SMTP settings --------------------------------------------------------------------------


def setting(client, key, value, **extra):
    return client.post(reverse("setting_list"), {"key": key, "value": value, **extra})


def test_the_smtp_password_is_never_shown_back_nor_audited(login):
    client = login("secadmin")
    assert setting(client, "notify.smtp_password", "p@ss-W0rd").status_code == 302
    assert RuntimeSetting.objects.get(key="notify.smtp_password").value == "p@ss-W0rd"
    page = client.get(reverse("setting_list")).content.decode()
    assert "p@ss-W0rd" not in page
    entry = AuditEntry.objects.get(code="jianfu.core.setting.changed")
    assert entry.changes == {"notify.smtp_password": ["", "******"]}
    # An empty field leaves it as it is; clearing is asked for.
    setting(client, "notify.smtp_password", "")
    assert RuntimeSetting.objects.get(key="notify.smtp_password").value == "p@ss-W0rd"
    setting(client, "notify.smtp_password", "", clear="1")
    assert RuntimeSetting.objects.get(key="notify.smtp_password").value == ""


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("notify.smtp_host", "smtp://mail.example.cn:25", "格式不正确"),
        ("notify.smtp_port", "70000", "须在"),
        ("notify.smtp_security", "tls13", "无效"),
        ("notify.smtp_sender", "not-an-address", "不是有效的电子邮件地址"),
    ],
)
def test_bad_smtp_settings_are_refused_in_chinese(login, key, value, words):
    response = setting(login("secadmin"), key, value)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not RuntimeSetting.objects.filter(key=key).exists()


def test_the_office_may_not_set_the_mail_server(login):
    response = setting(login("office"), "notify.smtp_host", "mail.example.cn")
    assert response.status_code == 403
    assert not RuntimeSetting.objects.filter(key="notify.smtp_host").exists()


def test_a_test_message_goes_to_oneself_and_the_units_robot(
    login, robot, django_capture_on_commit_callbacks
):
    Robot.objects.create(
        unit=Unit.objects.get(code="TA"),
        channel="wecom",
        url=robot.url,
        updated_at="2026-01-01T00:00Z",
    )
    client = login("contact_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notify_settings"), {"part": "test"})
    assert response.status_code == 302
    [message] = Message.objects.select_related("notice", "recipient")
    assert message.recipient.username == "contact_a"
    assert message.notice.subject == "测试消息：甲县的通知渠道"
    [(_path, payload)] = robot.requests
    assert payload["markdown"]["content"].startswith("### 测试消息：甲县的通知渠道")
    # Sent twice within the same second: the second is refused with a sentence, not a 5xx.
    response = client.post(reverse("notify_settings"), {"part": "test"})
    assert response.status_code in (302, 400)
