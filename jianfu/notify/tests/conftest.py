"""Real receivers for the notifications' tests: an SMTP server (aiosmtpd) and an HTTP server that
plays a group robot, each on a free local port. Nothing of SMTP or HTTP is mocked."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from jianfu.core import runtime
from jianfu.core.models import RuntimeSetting


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, raw message)."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.mails.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8"))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def configure(**values):
    """Runtime settings straight into their table (the settings page has its own tests)."""
    for key, value in values.items():
        RuntimeSetting.objects.update_or_create(key=f"notify.{key}", defaults={"value": value})
    runtime.invalidate()


@pytest.fixture
def smtp(smtp_server, db):
    controller, handler = smtp_server
    configure(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_security="none",
        smtp_sender="jianfu@example.gov.cn",
        site_url="https://jianfu.example.gov.cn",
    )
    return handler


class Robot:
    """A group robot: answers each POST with the next status of `script` (then 200), and keeps
    what it was sent."""

    def __init__(self):
        self.script: list[int] = []
        self.answer = {"errcode": 0, "errmsg": "ok"}
        self.requests: list[tuple[str, dict]] = []
        self.url = ""


@pytest.fixture
def robot():
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.path, json.loads(body)))
            status = state.script.pop(0) if state.script else 200
            payload = json.dumps(state.answer if status == 200 else {"error": "boom"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/robot/send?access_token=t0k3n"
    yield state
    server.shutdown()
    server.server_close()
