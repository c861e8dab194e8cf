"""The public report page through the real server (granian with two worker processes, CSRF
checked, multipart as the browser sends it): an executable attachment refused with the text kept,
a photo stored, and the flood from one client address refused with 429 while a report from
another address lands — the count lives in the database, so both workers see it."""

import re

import httpx
import pytest

from jianfu.testing.live import LiveServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
TEXT = "甲一镇要求村里每周上报五张表格，内容大同小异，村干部反复填写。"
COUNT = (
    "from jianfu.accountability.clues.models import Clue, ClueFile\n"
    "print(Clue.objects.count(), ClueFile.objects.count())\n"
)


@pytest.fixture(scope="module")
def server(worker_id):
    live = LiveServer(suffix=f"clues_{worker_id}", workers=2).start()
    yield live
    live.stop()


def _client(server, address: str) -> httpx.Client:
    # A client bound to its own loopback address: the server sees it as another client.
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, timeout=60, transport=transport)


def _report(client, server, text: str, files=None):
    page = client.get("/accountability/report/")
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = {"csrfmiddlewaretoken": token, "unit": "甲县（TA）", "category": "forms", "text": text}
    return client.post(
        "/accountability/report/",
        data=data,
        files=files or [],
        headers={"Referer": f"{server.url}/accountability/report/"},
    )


def test_public_report_through_the_real_server(server):
    one = _client(server, "127.0.0.1")
    no_token = one.post("/accountability/report/", data={"text": TEXT})
    assert no_token.status_code == 403
    bad = _report(
        one, server, TEXT, files=[("files", ("图.png", b"MZ" + b"\0" * 300, "image/png"))]
    )
    assert bad.status_code == 400
    assert "“图.png”是一个程序（可执行文件）" in bad.text and TEXT in bad.text
    assert server.run_python(COUNT).split() == ["0", "0"]
    good = _report(one, server, TEXT, files=[("files", ("现场.png", PNG, "image/png"))])
    assert good.status_code == 200, good.text[:500]
    assert "受理编号" in good.text
    assert server.run_python(COUNT).split() == ["1", "1"]
    # The default limit is 5 reports an hour per address; 4 more land, the next is refused.
    for i in range(4):
        answer = _report(one, server, f"{TEXT}第{i}次补充，编号{i * 7919}。")
        assert answer.status_code == 200, answer.text[:300]
    flood = _report(one, server, "第六件：" + TEXT)
    assert flood.status_code == 429
    assert "提交过于频繁" in flood.text and "第六件：" in flood.text
    other = _client(server, "127.0.0.2")
    landed = _report(other, server, "另一地址：" + TEXT)
    assert landed.status_code == 200, landed.text[:300]
    assert server.run_python(COUNT).split() == ["6", "1"]
