"""The notification settings: the SMTP server (the security administrator's: its password is a
credential), the platform's address for links, and how deliveries are retried (the office's)."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jianfu.core import runtime
from jianfu.core.runtime import SettingDef

HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")


def check_host(value: str) -> None:
    if not HOST.match(value):
        raise ValueError(
            _("邮件服务器地址“%(v)s”格式不正确：请填写主机名或 IP 地址，不含协议和端口。")
            % {"v": value}
        )


def check_email(value: str) -> None:
    try:
        validate_email(value)
    except ValidationError as e:
        raise ValueError(_("“%(v)s”不是有效的电子邮件地址。") % {"v": value}) from e


def check_url(value: str) -> None:
    """A full http(s) address (robot webhooks, the platform's own address)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError(
            _("地址“%(v)s”格式不正确：须是以 https:// 或 http:// 开头的完整网址。") % {"v": value}
        )
    try:
        parts.port  # noqa: B018  (a non-numeric port raises here)
    except ValueError as e:
        raise ValueError(_("地址“%(v)s”的端口不正确。") % {"v": value}) from e


SECURITY_CHOICES = (
    ("starttls", _lazy("STARTTLS（通常为 587 端口）")),
    ("ssl", _lazy("SSL/TLS（通常为 465 端口）")),
    ("none", _lazy("不加密（仅限内网）")),
)

runtime.define(
    SettingDef(
        "notify.smtp_host",
        "",
        _lazy("邮件服务器（SMTP）"),
        _lazy("发送通知邮件的服务器主机名；留空则不发邮件，只发站内消息和群机器人。"),
        "security",
        check=check_host,
    ),
    SettingDef(
        "notify.smtp_port", 587, _lazy("邮件服务器端口"), _lazy("SMTP 端口。"), "security", 1, 65535
    ),
    SettingDef(
        "notify.smtp_security",
        "starttls",
        _lazy("邮件加密方式"),
        _lazy("与邮件服务器连接的加密方式。"),
        "security",
        choices=SECURITY_CHOICES,
    ),
    SettingDef(
        "notify.smtp_user",
        "",
        _lazy("邮件服务器用户名"),
        _lazy("登录邮件服务器的账号；服务器不要求登录则留空。"),
        "security",
    ),
    SettingDef(
        "notify.smtp_password",
        "",
        _lazy("邮件服务器密码"),
        _lazy("登录邮件服务器的密码或授权码；保存后不再显示，审计日志只记“已修改”。"),
        "security",
        secret=True,
    ),
    SettingDef(
        "notify.smtp_sender",
        "",
        _lazy("发件人地址"),
        _lazy("通知邮件的发件人，如 jianfu@example.gov.cn。"),
        "security",
        check=check_email,
    ),
    SettingDef(
        "notify.site_url",
        "",
        _lazy("平台访问地址"),
        _lazy(
            "邮件和群机器人消息中链接的前缀，如 https://jianfu.example.gov.cn；留空则只写页面路径。"
        ),
        "business",
        check=check_url,
    ),
    SettingDef(
        "notify.max_attempts",
        6,
        _lazy("通知最多发送次数"),
        _lazy("邮件或群机器人发送失败后重试，达到此次数仍失败即记为发送失败。"),
        "business",
        1,
        20,
    ),
    SettingDef(
        "notify.retry_seconds",
        60,
        _lazy("首次重试间隔（秒）"),
        _lazy("发送失败后等待此时长再试，此后每次加倍。"),
        "business",
        10,
        3600,
    ),
)

SMTP_KEYS = (
    "notify.smtp_host",
    "notify.smtp_port",
    "notify.smtp_security",
    "notify.smtp_user",
    "notify.smtp_password",
    "notify.smtp_sender",
)


def smtp() -> dict | None:
    """The SMTP settings, or None when no server is set (email is off)."""
    values = runtime.get_many(SMTP_KEYS)
    if not values["notify.smtp_host"]:
        return None
    return {key.removeprefix("notify.smtp_"): value for key, value in values.items()}


def absolute(link: str) -> str:
    base = runtime.get("notify.site_url")
    if not link or link.startswith(("http://", "https://")) or not base:
        return link
    return base.rstrip("/") + "/" + link.lstrip("/")
