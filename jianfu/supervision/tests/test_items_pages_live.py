"""A unit's feedback through the real server (granian, CSRF checked), as a browser posts it: the
item's page gives the form and its token, the post without the token is refused, with it the
feedback is saved and the page shows it."""

import re


def test_feedback_posted_with_csrf_through_the_real_server(granian_server):
    out = granian_server.run_python(
        "from jianfu.core.scope_guard import unscoped\n"
        "from jianfu.supervision.items import services\n"
        "import datetime as dt\n"
        "from jianfu.core import clock\n"
        "office = User.objects.get(username='office')\n"
        "ta = Unit.objects.get(code='TA')\n"
        "deadline = clock.today() + dt.timedelta(days=60)\n"
        "item = services.item_create(by=office, source='instruction', title='实时服务器反馈',\n"
        "    deadline=deadline, lead_unit_id=ta.pk, issue=True)\n"
        "print(item.pk)\n"
    )
    pk = int(out.strip().splitlines()[-1])
    client = granian_server.client("contact_a")
    page = client.get(f"/supervision/items/{pk}/")
    assert page.status_code == 200, page.text[:300]
    assert "实时服务器反馈" in page.text
    url = f"/supervision/items/{pk}/feedback/"
    data = {"text": "已完成现场核查", "percent": "30", "evidence_note": ""}
    headers = {"Referer": f"{granian_server.url}/supervision/items/{pk}/"}
    refused = client.post(url, data=data, headers=headers)
    assert refused.status_code == 403  # no CSRF token: another site's page cannot post
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(url, data={**data, "csrfmiddlewaretoken": token}, headers=headers)
    assert answer.status_code == 302, answer.text[:500]
    after = client.get(f"/supervision/items/{pk}/")
    assert "已完成现场核查" in after.text and "30%" in after.text


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def test_feedback_with_an_evidence_file_through_the_real_server(granian_server):
    """Multipart, as the browser sends the feedback form: a bad file is refused naming it with
    the text kept and nothing saved; a good one is kept and downloads for the unit, not for
    another county."""
    out = granian_server.run_python(
        "from jianfu.supervision.items import services\n"
        "import datetime as dt\n"
        "from jianfu.core import clock\n"
        "office = User.objects.get(username='office')\n"
        "ta = Unit.objects.get(code='TA')\n"
        "deadline = clock.today() + dt.timedelta(days=60)\n"
        "item = services.item_create(by=office, source='instruction', title='带附件的反馈',\n"
        "    deadline=deadline, lead_unit_id=ta.pk, issue=True,\n"
        "    evidence_reason='须附验收单')\n"
        "print(item.pk)\n"
    )
    pk = int(out.strip().splitlines()[-1])
    client = granian_server.client("contact_a")
    page = client.get(f"/supervision/items/{pk}/")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "须附验收单" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    url = f"/supervision/items/{pk}/feedback/"
    headers = {"Referer": f"{granian_server.url}/supervision/items/{pk}/"}
    data = {"text": "已验收", "percent": "80", "csrfmiddlewaretoken": token}
    bad = client.post(
        url, data=data, files=[("files", ("验收单.pdf", EXE, "application/pdf"))], headers=headers
    )
    assert bad.status_code == 400, bad.text[:500]
    assert "“验收单.pdf”是一个程序（可执行文件），不是文档，未上传。" in bad.text
    assert "已验收</textarea>" in bad.text
    counted = "from jianfu.supervision.models import Feedback, ItemFile\n" + (
        f"print(Feedback.objects.filter(assignment__item_id={pk}).count(),"
        f" ItemFile.objects.filter(item_id={pk}).count())\n"
    )
    assert granian_server.run_python(counted).split() == ["0", "0"]
    good = client.post(
        url,
        data=data,
        files=[("files", ("验收单.pdf", PDF, "application/pdf"))],
        headers=headers,
    )
    assert good.status_code == 302, good.text[:500]
    assert granian_server.run_python(counted).split() == ["1", "1"]
    after = client.get(f"/supervision/items/{pk}/")
    link = re.search(r'href="(/supervision/files/\d+/)"', after.text).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.content == PDF
    assert granian_server.client("contact_b").get(link).status_code == 404
