"""Imports through the API (one endpoint shape for every spec the runner runs as a job): a token
uploads a workbook and reads its job; problems come back as (row, column, message); a file that
changes existing records waits for confirmation; a job is its starter's alone; a token imports
only what its scopes let it write; inline imports stay on their pages; and the answers hold to
the OpenAPI document."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from ninja.responses import NinjaJSONEncoder
from openpyxl import Workbook

from jianfu import api as api_module
from jianfu.core import clock
from jianfu.core import services as core_services
from jianfu.core.imports import background
from jianfu.core.models import AuditEntry, ImportJob, ImportRecord, Unit
from jianfu.registry.models import Document, Quota
from jianfu.registry.records import services as registry_services
from jianfu.testing.openapi_check import check_answer

from . import sheets

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 15)
HEADER = ["文号", "标题", "发文单位", "联合发文单位", "发文日期", "文件类型"]
EDIT = ["registry.record:view", "registry.record:edit"]
START = "/api/imports/{kind}"
JOB = "/api/imports/jobs/{job_id}"
CONFIRM = "/api/imports/jobs/{job_id}/confirm"


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(scope="module")
def document():
    schema = api_module.api.get_openapi_schema()
    return json.loads(json.dumps(schema, cls=NinjaJSONEncoder))


def bearer(people, units, scopes=EDIT, unit="TA") -> dict:
    _token, secret = core_services.token_issue(
        by=people["secadmin"], name=f"OA {unit} {len(scopes)}", unit=units[unit], scopes=scopes
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind, data, name="发文.xlsx", **extra):
    return client.post(f"/api/imports/{kind}", {"file": SimpleUploadedFile(name, data)}, **extra)


def documents(*rows) -> bytes:
    return xlsx([HEADER, *rows])


def row(number, title="关于春耕的通知", unit="甲县", day="2025-03-01"):
    return [number, title, unit, "", day, "红头"]


def existing_document(people, units, title):
    """甲县's red-header 甲发〔2025〕7号 of 2025-03-05, registered before the file comes."""
    return registry_services.record_create(
        Document,
        by=people["contact_a"],
        unit=units["TA"],
        title=title,
        issued_on=dt.date(2025, 3, 5),
        kind="red_header",
        number="甲发〔2025〕7号",
    )


def test_a_token_uploads_a_workbook_and_the_job_says_what_was_written(
    client, people, units, document
):
    oa = bearer(people, units)
    data = documents(row("甲发〔2025〕1号"), row("甲发〔2025〕2号", "关于防汛的通知", ""))
    answer = upload(client, "registry.document", data, **oa)
    assert answer.status_code == 202, answer.content
    job = answer.json()
    check_answer(document, START, "post", 202, job)
    assert job["kind"] == "registry.document" and job["filename"] == "发文.xlsx"
    assert (job["status"], job["errors"], job["awaits_confirmation"]) == ("done", [], False)
    assert (job["created"], job["updated"]) == (2, 0)
    assert job["message"] == "导入完成：新增 2 条，更新 0 条。"
    # A row without a unit is the token's unit's, as on the page it is the account's.
    assert set(Document.objects.values_list("unit__code", flat=True)) == {"TA"}
    record = ImportRecord.objects.get()
    assert (record.by, record.unit.code, record.created) == (None, "TA", 2)
    entry = AuditEntry.objects.get(code="jianfu.registry.imported")
    assert entry.actor_name.startswith("token:") and entry.object_id == str(record.pk)
    again = client.get(f"/api/imports/jobs/{job['id']}", **oa)
    assert again.status_code == 200 and again.json() == job
    check_answer(document, JOB, "get", 200, again.json())


def test_a_bad_file_comes_back_with_each_problem_as_row_column_message(
    client, people, units, document
):
    oa = bearer(people, units)
    data = documents(row("甲发〔2025〕1号", day="2025-02-30"), row("", unit="乙县"))
    answer = upload(client, "registry.document", data, **oa)
    assert answer.status_code == 202
    job = answer.json()
    check_answer(document, START, "post", 202, job)
    assert job["status"] == "failed" and job["created"] is None
    problems = {(e["row"], e["column"]) for e in job["errors"]}
    assert (2, "发文日期") in problems
    assert (3, "发文单位") in problems
    assert all(set(e) == {"row", "column", "message", "value"} for e in job["errors"])
    by_cell = {(e["row"], e["column"]): e["message"] for e in job["errors"]}
    assert by_cell[(3, "发文单位")] == "“乙县”不在您管理的单位范围内。"
    assert not Document.objects.exists() and not ImportRecord.objects.exists()


def test_a_file_that_changes_a_record_waits_for_confirmation(client, people, units, document):
    oa = bearer(people, units)
    existing_document(people, units, "关于开展安全检查的通知")
    data = documents(row("甲发〔2025〕7号", "关于开展安全生产大检查的通知", day="2025-03-05"))
    job = upload(client, "registry.document", data, **oa).json()
    check_answer(document, START, "post", 202, job)
    assert job["status"] == "preview" and job["awaits_confirmation"] is True
    preview = job["preview"]
    assert (preview["created"], preview["changed"], preview["unchanged"]) == (0, 1, 0)
    (change,) = preview["changes"]
    assert change["line"] == 2 and change["title"] == "关于开展安全检查的通知"
    assert {
        "column": "标题",
        "old": "关于开展安全检查的通知",
        "new": "关于开展安全生产大检查的通知",
    } in (change["fields"])
    assert Document.objects.get().title == "关于开展安全检查的通知"  # nothing saved yet

    confirmed = client.post(f"/api/imports/jobs/{job['id']}/confirm", **oa)
    assert confirmed.status_code == 202, confirmed.content
    check_answer(document, CONFIRM, "post", 202, confirmed.json())
    assert confirmed.json()["status"] == "done" and confirmed.json()["updated"] == 1
    assert Document.objects.get().title == "关于开展安全生产大检查的通知"
    twice = client.post(f"/api/imports/jobs/{job['id']}/confirm", **oa)
    assert twice.status_code == 400 and twice.json()["code"] == "not_awaiting_confirmation"
    check_answer(document, CONFIRM, "post", 400, twice.json())


def test_a_confirmation_after_the_records_changed_saves_nothing(client, people, units):
    oa = bearer(people, units)
    doc = existing_document(people, units, "旧标题")
    data = documents(row("甲发〔2025〕7号", "新标题", day="2025-03-05"))
    job = upload(client, "registry.document", data, **oa).json()
    assert job["status"] == "preview"
    Document.objects.filter(pk=doc.pk).update(title="别人改过的标题")
    confirmed = client.post(f"/api/imports/jobs/{job['id']}/confirm", **oa).json()
    assert confirmed["status"] == "failed"
    assert "预览之后，相关记录已被修改" in confirmed["errors"][0]["message"]
    assert Document.objects.get().title == "别人改过的标题"


def test_a_job_is_its_starters_alone(client, people, units, login):
    oa = bearer(people, units)
    other_token = bearer(people, units, unit="TA", scopes=["registry.record:edit"])
    job = upload(client, "registry.document", documents(row("甲发〔2025〕1号")), **oa).json()
    url = f"/api/imports/jobs/{job['id']}"
    for who in (other_token, bearer(people, units, unit="TB")):
        refused = client.get(url, **who)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert client.post(f"{url}/confirm", **who).status_code == 404
    # The account that issued nothing sees nothing either, not even a job of its own unit.
    assert login("contact_a").get(url).status_code == 404
    # A page's job is the account's through the API too, and no token's.
    session = login("contact_b")
    page = session.post(
        "/registry/documents/import/",
        {"file": SimpleUploadedFile("b.xlsx", documents(row("乙发〔2025〕1号", unit="乙县")))},
    )
    assert page.status_code == 302
    mine = ImportJob.objects.get(by=people["contact_b"])
    assert session.get(f"/api/imports/jobs/{mine.pk}").json()["status"] == "done"
    assert client.get(f"/api/imports/jobs/{mine.pk}", **oa).status_code == 404
    assert client.get("/api/imports/jobs/999999", **oa).status_code == 404


def test_a_token_without_the_code_is_403_with_the_reason(client, people, units, document):
    reader = bearer(people, units, scopes=["registry.record:view"])
    answer = upload(client, "registry.document", documents(row("甲发〔2025〕1号")), **reader)
    assert answer.status_code == 403
    body = answer.json()
    check_answer(document, START, "post", 403, body)
    assert body["code"] == "forbidden"
    assert body["detail"] == "您没有“登记、修改、导入发文、会议、督查检查考核”的权限。"
    # No token may set quotas or import units: the API gives tokens no write they lack.
    oa = bearer(people, units)
    for kind, what in (("registry.quota", "设定硬性指标"), ("units", "维护单位")):
        answer = upload(client, kind, b"x", **oa)
        assert answer.status_code == 403 and what in answer.json()["detail"], kind
    assert not ImportJob.objects.exists()


def test_an_account_imports_what_its_pages_let_it(login, people, units):
    office = login("office")
    data = xlsx([["单位", "年度", "类别", "指标"], ["甲县", 2025, "发文", 30]])
    answer = upload(office, "registry.quota", data, name="指标.xlsx")
    assert answer.status_code == 202, answer.content
    assert answer.json()["status"] == "done", answer.json()
    assert Quota.objects.get(unit__code="TA").limit == 30
    sysadmin = login("sysadmin")
    units_file = xlsx(
        [["单位代码", "名称", "简称", "类型", "上级单位代码"], ["TA02", "甲二镇", "", "乡镇", "TA"]]
    )
    answer = upload(sysadmin, "units", units_file, name="单位.xlsx")
    assert answer.status_code == 202 and answer.json()["status"] == "done", answer.json()
    assert Unit.objects.get(code="TA02").path.startswith(units["TA"].path)
    refused = upload(login("contact_a"), "units", units_file)
    assert refused.status_code == 403 and "维护单位" in refused.json()["detail"]


def test_inline_and_unknown_kinds(client, people, units, document):
    oa = bearer(people, units)
    for kind in ("rectification.ledger", "rectification.negative_list"):
        answer = upload(client, kind, b"x", **oa)
        assert answer.status_code == 400, (kind, answer.content)
        assert answer.json()["code"] == "import_on_page"
        assert "只能在平台的导入页面上导入" in answer.json()["detail"]
        check_answer(document, START, "post", 400, answer.json())
    unknown = upload(client, "registry.nothing", b"x", **oa)
    assert unknown.status_code == 404 and "registry.document" in unknown.json()["detail"]


def test_the_far_cell_file_is_refused_with_the_cell_named(client, people, units):
    oa = bearer(people, units)
    job = upload(client, "registry.document", sheets.stray_far(), **oa).json()
    assert job["status"] == "failed"
    (problem,) = job["errors"]
    assert "单元格 XFD1048576 有内容，远在数据区域 A1:H20 之外" in problem["message"]
    assert not ImportRecord.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_any_job(client, people, units, settings):
    settings.UPLOAD_MAX_BYTES = 100
    answer = upload(client, "registry.document", b"x" * 101, **bearer(people, units))
    assert answer.status_code == 400 and answer.json()["code"] == "file_refused"
    assert "文件超过大小上限" in answer.json()["detail"]
    assert not ImportJob.objects.exists()


def test_the_body_must_be_multipart_with_a_file(client, people, units):
    oa = bearer(people, units)
    url = "/api/imports/registry.document"
    json_body = client.post(url, {"title": "x"}, content_type="application/json", **oa)
    assert json_body.status_code == 415 and "multipart/form-data" in json_body.json()["detail"]
    no_file = client.post(url, {"other": "x"}, **oa)
    assert no_file.status_code == 422 and no_file.json()["field"] == "file"
    broken = client.post(url, b"--\r\n", content_type="multipart/form-data; boundary=", **oa)
    assert broken.status_code == 400 and broken.json()["code"] == "bad_body", broken.content
    assert broken.json()["detail"] == "上传的请求体不完整或格式不对，读不出文件。"


def test_a_session_upload_needs_the_csrf_token(people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["contact_a"])
    data = documents(row("甲发〔2025〕1号"))
    refused = upload(browser, "registry.document", data)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    browser.get("/")  # the page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = upload(browser, "registry.document", data, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 202 and accepted.json()["status"] == "done"


def test_a_token_revoked_before_the_write_imports_nothing(client, people, units):
    token, secret = core_services.token_issue(
        by=people["secadmin"], name="OA", unit=units["TA"], scopes=EDIT
    )
    existing_document(people, units, "旧标题")
    oa = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    data = documents(row("甲发〔2025〕7号", "新标题", day="2025-03-05"))
    job = ImportJob.objects.get(pk=upload(client, "registry.document", data, **oa).json()["id"])
    assert job.status == "preview"
    core_services.token_revoke(by=people["secadmin"], token=token)
    assert client.post(f"/api/imports/jobs/{job.pk}/confirm", **oa).status_code == 401
    background.confirm(job)  # were it confirmed before the revocation reached the worker
    job.refresh_from_db()
    assert job.status == "failed" and "没有导入这类数据的权限" in job.errors[0]["message"]
    assert Document.objects.get().title == "旧标题"


def test_a_previewed_import_can_be_cancelled(client, people, units, document):
    oa = bearer(people, units)
    existing_document(people, units, "旧标题")
    data = documents(row("甲发〔2025〕7号", "新标题", day="2025-03-05"))
    job = upload(client, "registry.document", data, **oa).json()
    cancelled = client.post(f"/api/imports/jobs/{job['id']}/cancel", **oa)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    check_answer(document, "/api/imports/jobs/{job_id}/cancel", "post", 200, cancelled.json())
    assert Document.objects.get().title == "旧标题"
    again = client.post(f"/api/imports/jobs/{job['id']}/confirm", **oa)
    assert again.status_code == 400 and "已取消" in again.json()["detail"]
