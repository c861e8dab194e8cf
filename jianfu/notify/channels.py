"""Sending one delivery: email through Django's SMTP backend, group robots by an HTTP POST of the
DingTalk or WeCom JSON. Each failure becomes a ChannelError carrying the sentence the delivery log
shows (in Chinese, naming what the office can fix); nothing here touches the database."""

import base64
import hashlib
import hmac
import json
import smtplib
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus

from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from . import config
from .models import Channel

TIMEOUT = 15  # seconds, for the SMTP server and the robots alike


class ChannelError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def text_of(subject: str, body: str, link: str) -> str:
    parts = [body.strip()] if body.strip() else []
    if link:
        parts.append(_("查看详情：%(l)s") % {"l": config.absolute(link)})
    return "\n\n".join(parts) or subject


# --- Email --------------------------------------------------------------------------------------


def send_email(address: str, subject: str, body: str, link: str) -> None:
    smtp = config.smtp()
    if smtp is None:
        raise ChannelError(_("未设置邮件服务器，邮件无法发送。"))
    if not smtp["sender"]:
        raise ChannelError(_("未设置发件人地址，邮件无法发送。"))
    where = f"{smtp['host']}:{smtp['port']}"
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=smtp["host"],
        port=smtp["port"],
        username=smtp["user"] or None,
        password=smtp["password"] or None,
        use_tls=smtp["security"] == "starttls",
        use_ssl=smtp["security"] == "ssl",
        timeout=TIMEOUT,
        fail_silently=False,
    )
    message = EmailMessage(
        subject=subject,
        body=text_of(subject, body, link),
        from_email=smtp["sender"],
        to=[address],
        connection=connection,
    )
    try:
        message.send()
    except smtplib.SMTPAuthenticationError as e:
        raise ChannelError(
            _("邮件服务器 %(w)s 拒绝登录（%(c)s）：请检查用户名和密码。")
            % {"w": where, "c": e.smtp_code}
        ) from e
    except smtplib.SMTPRecipientsRefused as e:
        raise ChannelError(_("邮件服务器拒收收件人 %(a)s。") % {"a": address}) from e
    except smtplib.SMTPNotSupportedError as e:
        raise ChannelError(
            _("邮件服务器 %(w)s 不支持所选的加密方式或登录，请检查“邮件加密方式”。") % {"w": where}
        ) from e
    except smtplib.SMTPResponseException as e:
        raise ChannelError(
            _("邮件服务器 %(w)s 拒绝发送：%(c)s %(m)s")
            % {"w": where, "c": e.smtp_code, "m": _decoded(e.smtp_error)}
        ) from e
    except (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError) as e:
        raise ChannelError(
            _("无法连接邮件服务器 %(w)s：%(e)s。请检查服务器地址、端口和加密方式。")
            % {"w": where, "e": _reason(e)}
        ) from e
    except smtplib.SMTPException as e:
        raise ChannelError(_("邮件服务器 %(w)s 出错：%(e)s") % {"w": where, "e": e}) from e


def _decoded(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _reason(error: Exception) -> str:
    if isinstance(error, ConnectionRefusedError):
        return _("连接被拒绝")
    if isinstance(error, socket.gaierror):
        return _("找不到该主机")
    if isinstance(error, TimeoutError | socket.timeout):
        return _("连接超时")
    return str(error) or error.__class__.__name__


# --- Group robots -------------------------------------------------------------------------------


def robot_payload(channel: str, subject: str, body: str, link: str) -> dict:
    """The group robots' markdown message: the subject as a heading, the body, a link."""
    lines = [f"### {subject}", "", body.strip()] if body.strip() else [f"### {subject}"]
    if link:
        lines += ["", f"[{_('查看详情')}]({config.absolute(link)})"]
    text = "\n".join(lines)
    if channel == Channel.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": subject, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, added to
    the URL with the timestamp."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_robot(channel: str, url: str, secret: str, subject: str, body: str, link: str) -> None:
    if not url:
        raise ChannelError(_("该单位未设置群机器人地址。"))
    if channel == Channel.DINGTALK and secret:
        url = signed_url(url, secret)
    data = json.dumps(robot_payload(channel, subject, body, link), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310  (the scheme is checked when the URL is saved)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    name = Channel(channel).label
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = response.read(65536)
    except urllib.error.HTTPError as e:
        raise ChannelError(_("%(n)s返回 HTTP %(s)s。") % {"n": name, "s": e.code}) from e
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise ChannelError(
            _("无法连接%(n)s：%(e)s。请检查机器人地址。")
            % {"n": name, "e": _reason(reason) if isinstance(reason, Exception) else reason}
        ) from e
    # Both robots answer 200 with {"errcode": 0, "errmsg": "ok"}; a refusal (bad token, bad
    # signature, too many messages) is a 200 with another errcode.
    try:
        result = json.loads(answer or b"{}")
    except ValueError:
        result = {}
    errcode = result.get("errcode", 0) if isinstance(result, dict) else 0
    if errcode not in (0, "0"):
        raise ChannelError(
            _("%(n)s拒绝了消息：%(c)s %(m)s")
            % {"n": name, "c": errcode, "m": str(result.get("errmsg", ""))[:200]}
        )
