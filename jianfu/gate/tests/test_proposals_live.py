"""A draft uploaded through the real server (granian, CSRF checked, multipart as the browser sends
it): a program renamed .docx is refused naming it, with the typed title kept and nothing saved; a
real .docx is read into the draft."""

import re

from .proposals_factory import EXE, chinese, docx_bytes  # noqa: F401


def test_a_draft_uploaded_through_the_real_server(granian_server):
    client = granian_server.client("contact_a")
    page = client.get("/gate/proposals/new/")
    assert page.status_code == 200, page.text[:300]
    assert 'enctype="multipart/form-data"' in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    headers = {"Referer": f"{granian_server.url}/gate/proposals/new/"}
    data = {
        "csrfmiddlewaretoken": token,
        "category": "document",
        "title": "实时服务器上传的通知",
        "document_kind": "white_header",
        "draft_text": "",
        "then": "save",
    }
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    bad = client.post(
        "/gate/proposals/new/",
        data=data,
        files=[("file", ("通知.docx", EXE, docx))],
        headers=headers,
    )
    assert bad.status_code == 400, bad.text[:500]
    assert "“通知.docx”是一个程序（可执行文件），不是文档，未上传。" in bad.text
    assert 'value="实时服务器上传的通知"' in bad.text
    count = (
        "from jianfu.gate.proposals.models import Proposal, ProposalFile\n"
        "print(Proposal.objects.count(), ProposalFile.objects.count())\n"
    )
    assert granian_server.run_python(count).split() == ["0", "0"]
    good = client.post(
        "/gate/proposals/new/",
        data=data,
        files=[("file", ("通知.docx", docx_bytes("请各乡镇按时报送春耕进度。"), docx))],
        headers=headers,
    )
    assert good.status_code == 302, good.text[:500]
    assert granian_server.run_python(count).split() == ["1", "1"]
    detail = client.get(good.headers["location"])
    assert "请各乡镇按时报送春耕进度。" in detail.text
    link = re.search(r'href="(/gate/proposals/files/\d+/)"', detail.text).group(1)
    assert client.get(link).status_code == 200
    assert granian_server.client("contact_b").get(link).status_code == 404
