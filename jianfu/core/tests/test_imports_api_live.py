"""The import API through the real server (granian, as `jianfu serve` runs it; tasks run in the
request there as in the suite): a token uploads a documents workbook as multipart and its job
says what was written; a bad file's problems come back as (row, column, message); another
principal's job is 404; a token without the code is 403 with the reason; the far-cell file is
refused with the cell named and the server answers afterwards; a session needs its CSRF token."""

import io
import uuid

import pytest
from openpyxl import Workbook

from . import sheets

HEADER = ["文号", "标题", "发文单位", "联合发文单位", "发文日期", "文件类型"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URL = "/api/imports/registry.document"


def issue(server, scopes: list[str]) -> str:
    name = f"live-import-{uuid.uuid4().hex[:8]}"
    out = server.run_python(
        "from jianfu.core import services\n"
        "_t, secret = services.token_issue(by=User.objects.get(username='secadmin'), "
        f"name={name!r}, unit=Unit.objects.get(code='TA'), scopes={scopes!r})\n"
        "print(secret)\n"
    )
    return out.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def oa(granian_server) -> dict:
    secret = issue(granian_server, ["registry.record:view", "registry.record:edit"])
    return {"Authorization": f"Bearer {secret}"}


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file(data: bytes, name: str = "发文登记.xlsx") -> dict:
    return {"file": (name, data, XLSX)}


def test_a_token_imports_a_workbook_through_the_real_server(granian_server, oa):
    tag = uuid.uuid4().hex[:8]
    data = xlsx(
        [
            HEADER,
            [f"甲发〔2025〕{tag}1号", f"关于{tag}的通知", "甲县", "", "2025-03-01", "红头"],
            [f"甲发〔2025〕{tag}2号", f"关于{tag}的函", "甲一镇", "", "2025-03-02", "红头"],
        ]
    )
    system = granian_server.client()
    answer = system.post(URL, files=file(data), headers=oa)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert (job["status"], job["created"], job["updated"], job["errors"]) == ("done", 2, 0, [])
    again = system.get(f"/api/imports/jobs/{job['id']}", headers=oa)
    assert again.status_code == 200 and again.json() == job
    out = granian_server.run_python(
        "from jianfu.registry.models import Document\n"
        f"print(sorted(Document.objects.filter(title__contains={tag!r})"
        ".values_list('unit__code', flat=True)))\n"
        "r = ImportRecord.objects.get(pk=ImportJob.objects.get(pk="
        f"{job['id']}).record_id)\n"
        "print(r.by_id, r.created)\n"
    )
    assert out.split("\n")[:2] == ["['TA', 'TA01']", "None 2"]


def test_a_bad_file_comes_back_with_its_problems(granian_server, oa):
    data = xlsx([HEADER, ["", "关于春耕的通知", "乙县", "", "2025-02-30", "红头"]])
    answer = granian_server.client().post(URL, files=file(data), headers=oa)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] == "failed" and job["created"] is None
    errors = {(e["row"], e["column"]): e["message"] for e in job["errors"]}
    assert errors[(2, "发文单位")] == "“乙县”不在您管理的单位范围内。"
    assert (2, "发文日期") in errors


def test_another_principals_job_is_404(granian_server, oa):
    other = {"Authorization": f"Bearer {issue(granian_server, ['registry.record:edit'])}"}
    data = xlsx([HEADER, ["", f"关于{uuid.uuid4().hex[:6]}的通知", "", "", "2025-03-01", "白头"]])
    system = granian_server.client()
    job = system.post(URL, files=file(data), headers=oa).json()
    refused = system.get(f"/api/imports/jobs/{job['id']}", headers=other)
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    browser = granian_server.client("contact_a")  # the same unit, but not the job's starter
    assert browser.get(f"/api/imports/jobs/{job['id']}").status_code == 404


def test_a_token_without_the_code_is_403_with_the_reason(granian_server):
    reader = {"Authorization": f"Bearer {issue(granian_server, ['registry.record:view'])}"}
    data = xlsx([HEADER, ["", "关于春耕的通知", "", "", "2025-03-01", "白头"]])
    answer = granian_server.client().post(URL, files=file(data), headers=reader)
    assert answer.status_code == 403
    assert answer.json() == {
        "code": "forbidden",
        "detail": "您没有“登记、修改、导入发文、会议、督查检查考核”的权限。",
    }


def test_the_far_cell_file_is_refused_with_the_cell_named_and_the_server_answers(
    granian_server, oa
):
    answer = granian_server.client().post(URL, files=file(sheets.stray_far()), headers=oa)
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert job["status"] == "failed"
    message = job["errors"][0]["message"]
    assert "单元格 XFD1048576 有内容，远在数据区域 A1:H20 之外" in message
    assert "1048576 行 × 16384 列" in message
    assert granian_server.alive()


def test_a_session_upload_needs_its_csrf_token(granian_server):
    browser = granian_server.client("contact_a")
    data = xlsx([HEADER, ["", f"关于{uuid.uuid4().hex[:6]}的通知", "", "", "2025-03-01", "白头"]])
    refused = browser.post(URL, files=file(data))
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    accepted = browser.post(
        URL, files=file(data), headers={"X-CSRFToken": browser.cookies["csrftoken"]}
    )
    assert accepted.status_code == 202 and accepted.json()["status"] == "done", accepted.text
