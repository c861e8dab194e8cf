"""Imports through the pages, as a county contact and as the office: a preview with old → new
before existing records change, confirmation that applies exactly what was shown (or refuses when
the records changed meanwhile), the old values kept in the audit entry, links the file does not
mention kept, progress shown while the file is checked, the templates' example rows skipped, and
"outside your units" for a unit that exists elsewhere."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.core import clock, imports
from jianfu.core.imports import background as importjobs
from jianfu.core.models import AuditEntry, ImportJob, ImportRecord, User
from jianfu.registry.models import Document, Meeting, Quota
from jianfu.registry.records import services

TODAY = dt.date(2025, 6, 15)
DOC_HEADER = [
    "文号",
    "标题",
    "发文单位",
    "联合发文单位",
    "发文日期",
    "文件类型",
    "是否向基层布置工作",
]


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(name: str, data: bytes):
    f = io.BytesIO(data)
    f.name = name
    return f


def post_file(client, url_name, rows=None, *, data=None, name="登记.xlsx", **headers):
    data = xlsx(rows) if data is None else data
    return client.post(reverse(url_name), {"file": upload(name, data)}, headers=headers)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def existing_document(people, units):
    """A red-header document of 甲县 with co-issuer 甲一镇, as if registered on the page."""
    return services.record_create(
        Document,
        by=people["contact_a"],
        unit=units["TA"],
        co_units=[units["TA01"]],
        title="关于开展安全检查的通知",
        issued_on=dt.date(2025, 3, 5),
        kind="red_header",
        number="甲发〔2025〕7号",
        assigns_work=True,
    )


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:3000]
    pk = int(response.url.rstrip("/").split("/")[-1])
    assert response.url == reverse("import_job", args=[pk])
    return ImportJob.objects.get(pk=pk)


# --- Preview and confirmation ------------------------------------------------------------------


@pytest.mark.django_db
def test_new_rows_only_import_at_once_without_a_preview(login):
    client = login("contact_a")
    response = post_file(
        client,
        "document_import",
        [DOC_HEADER, ["甲发〔2025〕1号", "关于春耕的通知", "甲县", "", "2025-03-01", "红头", "是"]],
    )
    assert response.status_code == 302 and response.url == reverse("document_list")
    assert messages_of(response) == ["导入完成：新增 1 条，更新 0 条。"]
    assert Document.objects.filter(number="甲发〔2025〕1号").exists()
    assert ImportJob.objects.get().status == "done"
    assert not list(Path(importjobs.settings.MEDIA_ROOT, "imports", "pending").iterdir())


@pytest.mark.django_db
def test_the_same_file_imported_again_says_its_rows_are_already_there(login):
    client = login("contact_a")
    rows = [DOC_HEADER] + [
        [f"甲发〔2025〕{i}号", f"关于第{i}项工作的通知", "甲县", "", "2025-03-01", "红头", "是"]
        for i in (1, 2)
    ]
    post_file(client, "document_import", rows)
    again = post_file(
        client, "document_import", rows[:2] + [[*rows[2][:4], "2025-03-02", *rows[2][5:]]]
    )
    # The second row changed its date: previewed, then confirmed; the first is as it was.
    confirmed = client.post(reverse("import_confirm", args=[job_of(again).pk]))
    assert (
        messages_of(confirmed)[-1]
        == "导入完成：新增 0 条，更新 1 条。另有 1 条与已有记录相同，未改动。"
    )
    response = post_file(client, "document_import", rows[:2])
    assert (
        messages_of(response)[-1]
        == "导入完成：新增 0 条，更新 0 条。另有 1 条与已有记录相同，未改动。"
    )
    assert Document.objects.count() == 2


@pytest.mark.django_db
def test_a_file_that_changes_a_document_is_previewed_then_applied_keeping_its_co_issuers(
    login, people, units
):
    d = existing_document(people, units)
    client = login("contact_a")
    row = [
        "甲发〔2025〕7号",
        "关于开展安全生产大检查的通知",
        "甲县",
        "",
        "2025-03-06",
        "白头",
        "是",
    ]
    response = post_file(client, "document_import", [DOC_HEADER, row])
    job = job_of(response)
    assert job.status == "preview"
    d.refresh_from_db()
    assert d.title == "关于开展安全检查的通知"  # nothing saved yet
    page = client.get(response.url).content.decode()
    assert "本次导入会修改已有记录" in page
    assert "新增 0 条，修改 1 条已有记录，0 条与已有记录相同" in page
    for text in ("标题", "关于开展安全检查的通知", "关于开展安全生产大检查的通知"):
        assert text in page
    assert "2025-03-05" in page and "2025-03-06" in page and "红头文件" in page
    assert "确认导入" in page and "取消" in page

    confirmed = client.post(reverse("import_confirm", args=[job.pk]))
    assert confirmed.status_code == 302 and confirmed.url == reverse("document_list")
    assert messages_of(confirmed) == ["导入完成：新增 0 条，更新 1 条。"]
    d.refresh_from_db()
    assert (d.title, d.issued_on, d.kind) == (
        "关于开展安全生产大检查的通知",
        dt.date(2025, 3, 6),
        "white_header",
    )
    assert [u.code for u in d.co_issuers.all()] == ["TA01"]  # the empty cell dropped nothing
    entry = AuditEntry.objects.filter(code="jianfu.registry.imported").latest("seq")
    assert entry.changes[f"{d.pk}.title"] == [
        "关于开展安全检查的通知",
        "关于开展安全生产大检查的通知",
    ]
    assert entry.changes[f"{d.pk}.issued_on"] == ["2025-03-05", "2025-03-06"]
    assert entry.changes[f"{d.pk}.kind"] == ["red_header", "white_header"]
    assert entry.extra["updated_ids"] == [d.pk]
    # Confirming again does nothing more.
    again = client.post(reverse("import_confirm", args=[job.pk]))
    assert again.status_code == 302 and ImportRecord.objects.count() == 1


@pytest.mark.django_db
def test_co_issuers_the_file_names_are_added_and_shown_in_the_preview(login, people, units):
    d = existing_document(people, units)
    client = login("office")
    row = ["甲发〔2025〕7号", d.title, "甲县", "乙县", "2025-03-05", "红头", "是"]
    job = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "联合发文单位" in page and "甲一镇、乙县" in page
    client.post(reverse("import_confirm", args=[job.pk]))
    assert sorted(u.code for u in d.co_issuers.all()) == ["TA01", "TB"]
    entry = AuditEntry.objects.filter(code="jianfu.registry.imported").latest("seq")
    assert entry.changes == {
        f"{d.pk}.co_units": [[units["TA01"].pk], sorted([units["TA01"].pk, units["TB"].pk])]
    }


@pytest.mark.django_db
def test_confirming_after_the_record_changed_meanwhile_is_refused(login, people, units):
    d = existing_document(people, units)
    client = login("contact_a")
    row = ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"]
    job = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    # Someone edits the document on its page between the preview and the confirmation.
    services.record_update(d, by=people["office"], title="市委办改过的标题")
    response = client.post(reverse("import_confirm", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("import_job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "预览之后，相关记录已被修改" in page and "重新上传" in page
    d.refresh_from_db()
    assert d.title == "市委办改过的标题" and not ImportRecord.objects.exists()


@pytest.mark.django_db
def test_cancelling_a_preview_saves_nothing_and_drops_the_file(login, people, units, media):
    d = existing_document(people, units)
    client = login("contact_a")
    row = ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"]
    job = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    assert (Path(media) / job.pending_as).exists()
    response = client.post(reverse("import_cancel", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("document_import")
    d.refresh_from_db()
    assert d.title == "关于开展安全检查的通知" and not ImportRecord.objects.exists()
    assert not (Path(media) / job.pending_as).exists()
    assert client.post(reverse("import_confirm", args=[job.pk])).status_code == 302
    d.refresh_from_db()
    assert d.title == "关于开展安全检查的通知"


@pytest.mark.django_db
def test_previews_left_waiting_a_day_are_swept_with_their_files(login, people, units, media):
    import datetime

    from django.utils import timezone

    from jianfu.core.tasks import sweep_import_jobs

    existing_document(people, units)
    client = login("contact_a")
    row = ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"]
    old = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    new = job_of(post_file(client, "document_import", [DOC_HEADER, row], name="二.xlsx"))
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    ImportJob.objects.filter(pk=old.pk).update(created_at=day_ago)
    sweep_import_jobs.enqueue()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("cancelled", "preview")
    assert not (Path(media) / old.pending_as).exists() and (Path(media) / new.pending_as).exists()


@pytest.mark.django_db
def test_a_job_is_its_uploaders_alone(login, people, units):
    existing_document(people, units)
    client = login("contact_a")
    row = ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"]
    job = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    other = Client()
    other.force_login(User.objects.get(username="contact_b"))
    assert other.get(reverse("import_job", args=[job.pk])).status_code == 404
    assert other.post(reverse("import_confirm", args=[job.pk])).status_code == 404
    assert other.post(reverse("import_cancel", args=[job.pk])).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "preview"


@pytest.mark.django_db
def test_a_long_preview_is_capped_but_counts_everything(login, people, units, monkeypatch):
    from jianfu.core.imports import previews as preview

    monkeypatch.setattr(preview, "SHOWN", 2)
    for n in range(3):
        services.record_create(
            Document,
            by=people["office"],
            unit=units["TA"],
            title=f"通知{n}",
            issued_on=dt.date(2025, 3, 5),
            kind="red_header",
            number=f"甲发〔2025〕{n + 20}号",
        )
    rows = [DOC_HEADER] + [
        [f"甲发〔2025〕{n + 20}号", f"改{n}", "甲县", "", "2025-03-05", "红头", "否"]
        for n in range(3)
    ]
    client = login("office")
    job = job_of(post_file(client, "document_import", rows))
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "修改 3 条已有记录" in page and "只列出前 2 条修改（共 3 条）" in page


@pytest.mark.django_db
def test_an_empty_merged_into_cell_keeps_a_meetings_merge(login, people, units):
    header = ["外部编号", "会议名称", "主办单位", "会议日期", "会议层级", "会议形式", "合并到"]
    client = login("contact_a")
    rows = [
        header,
        ["HY-1", "全县安全生产会", "甲县", "2025-04-02", "县", "现场", ""],
        ["HY-2", "全县防汛会", "甲县", "2025-04-02", "县", "合并召开", "HY-1"],
    ]
    assert post_file(client, "meeting_import", rows).status_code == 302
    merged = Meeting.objects.get(external_id="HY-2")
    assert merged.merged_with.external_id == "HY-1"
    rows[2][1], rows[2][6] = "全县防汛抗旱会", ""  # a new title; 合并到 left empty
    job = job_of(post_file(client, "meeting_import", rows))
    client.post(reverse("import_confirm", args=[job.pk]))
    merged.refresh_from_db()
    assert merged.title == "全县防汛抗旱会" and merged.merged_with.external_id == "HY-1"


# --- Quotas --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_changed_quotas_are_previewed_and_their_old_values_audited(login, units):
    header = ["单位", "年度", "类别", "指标"]
    client = login("office")
    assert (
        post_file(client, "quota_import", [header, ["甲县", 2026, "发文", 100]]).status_code == 302
    )
    q = Quota.objects.get(unit=units["TA"], year=2026)
    job = job_of(post_file(client, "quota_import", [header, ["甲县", 2026, "发文", 80]]))
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "甲县 2026" in page and "100" in page and "80" in page
    q.refresh_from_db()
    assert q.limit == 100
    response = client.post(reverse("import_confirm", args=[job.pk]))
    assert response.url == reverse("quota_settings")
    q.refresh_from_db()
    assert q.limit == 80
    entry = AuditEntry.objects.filter(code="jianfu.registry.quota.imported").latest("seq")
    assert entry.changes == {f"{units['TA'].pk}:2026:document": [100, 80]}


# --- Progress ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_page_shows_progress_and_polls_while_the_file_is_checked(login, people, units):
    client = login("contact_a")
    job = ImportJob.objects.create(
        kind="registry.document",
        by=people["contact_a"],
        unit=units["TA"],
        filename="大文件.xlsx",
        sha256="0" * 64,
        status="checking",
        step=2,
        steps=4,
        step_label="检查每一行",
    )
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert '<progress class="d-block w-100 mb-2" max="4" value="2">' in page
    assert "第 2 步，共 4 步：检查每一行" in page
    assert 'hx-trigger="every 1s"' in page
    # The poll gets the card alone; once the job is done it sends the person back to the list.
    part = client.get(reverse("import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert "<html" not in part.content.decode() and 'hx-trigger="every 1s"' in part.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(
        status="done", result={"message": "导入完成：新增 5 条，更新 0 条。"}
    )
    done = client.get(reverse("import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Redirect"] == reverse("document_list")


@pytest.mark.django_db
def test_the_check_reports_each_step(people, units):
    steps = []
    imports.preview(
        "registry.document",
        by=people["office"],
        filename="x.xlsx",
        data=xlsx([DOC_HEADER, ["甲1号", "通知", "甲县", "", "2025-03-01", "红头", "是"]]),
        progress=lambda step, label: steps.append((step, str(label))),
    )
    assert steps == [(1, "读取文件"), (2, "检查每一行（共 1 行）"), (3, "与已登记的记录核对")]
    # A write says its last step before its transaction starts, so that a poller sees it.
    steps.clear()
    imports.run(
        "registry.document",
        by=people["office"],
        filename="x.xlsx",
        data=xlsx([DOC_HEADER, ["甲1号", "通知", "甲县", "", "2025-03-01", "红头", "是"]]),
        progress=lambda step, label: steps.append((step, str(label))),
    )
    assert steps == [
        (1, "读取文件"),
        (2, "检查每一行（共 1 行）"),
        (3, "与已登记的记录核对并保存"),
    ]


@pytest.mark.django_db
def test_a_first_pass_that_finds_changes_saves_nothing_and_keeps_no_file(people, units, media):
    from jianfu.core.imports import NeedsConfirmation

    d = existing_document(people, units)
    rows = [
        DOC_HEADER,
        ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"],
        ["甲发〔2025〕8号", "另一份", "甲县", "", "2025-03-05", "红头", "是"],
    ]
    with pytest.raises(NeedsConfirmation) as info:
        imports.run(
            "registry.document", by=people["contact_a"], filename="x.xlsx", data=xlsx(rows),
            confirm_changes=True,
        )  # fmt: skip
    assert (info.value.preview.created, info.value.preview.changed) == (1, 1)
    d.refresh_from_db()
    assert d.title == "关于开展安全检查的通知" and Document.objects.count() == 1
    assert not ImportRecord.objects.exists() and not list(Path(media).rglob("*.xlsx"))


@pytest.mark.django_db
def test_the_upload_form_shows_it_is_working_and_a_script_upload_is_redirected(login):
    client = login("contact_a")
    page = client.get(reverse("document_import")).content.decode()
    assert "data-import-upload" in page and "data-upload-bar" in page and "正在导入…" in page
    response = post_file(
        client,
        "document_import",
        [DOC_HEADER, ["甲1号", "通知", "甲县", "", "2025-03-01", "红头", "是"]],
        HX_Request="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("document_list")
    bad = post_file(
        client,
        "document_import",
        [DOC_HEADER, ["", "", "", "", "", "", ""], ["甲2号"]],
        HX_Request="true",
    )
    assert bad.status_code == 204 and bad["HX-Redirect"].startswith("/imports/")
    page = client.get(bad["HX-Redirect"]).content.decode()
    assert "导入未成功，未保存任何数据" in page


# --- Example rows and units outside the scope ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["contact_a", "office"])
def test_a_template_filled_in_below_its_examples_imports_and_skips_them(login, username):
    client = login(username)
    template = client.get(reverse("document_template")).content
    book = load_workbook(io.BytesIO(template))
    sheet = book.active
    assert sheet["A2"].value.startswith("【示例】") and sheet["A3"].value.startswith("【示例】")
    assert sheet["C2"].font.italic
    headers = [c.value for c in sheet[1]]
    row = dict.fromkeys(headers, "")
    row |= {
        "标题": "关于秋季开学的通知",
        "发文单位": "甲县",
        "发文日期": "2025-06-01",
        "文件类型": "白头",
    }
    sheet.append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)
    response = post_file(client, "document_import", data=out.getvalue())
    assert response.status_code == 302, response.content.decode()[:3000]
    assert messages_of(response) == [
        "导入完成：新增 1 条，更新 0 条。已跳过模板中的示例行（第 2、3 行）。"
    ]
    assert Document.objects.get().title == "关于秋季开学的通知"


@pytest.mark.django_db
def test_a_unit_outside_the_contacts_units_is_named_as_such_on_the_page(login):
    client = login("contact_a")
    row = ["", "通知", "市教育局", "", "2025-03-01", "白头", "是"]
    response = post_file(client, "document_import", [DOC_HEADER, row])
    body = response.content.decode()
    assert response.status_code == 400
    assert "“市教育局”不在您管理的单位范围内。" in body and "您是不是要找" not in body


@pytest.mark.django_db
def test_with_the_database_task_backend_the_page_waits_for_the_worker(
    login, people, units, settings
):
    """As deployed: the upload only enqueues the check (a row the worker picks up); the job page
    shows it waiting until the worker has run it, then the preview."""
    from django_tasks_db.models import DBTaskResult

    def work():
        """What `jianfu worker` does with each task waiting in the queue."""
        for result in DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"):
            assert result.task_path == "jianfu.core.tasks.run_import_job"
            importjobs.run(*result.args_kwargs["args"])
            result.delete()

    existing_document(people, units)
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    client = login("contact_a")
    row = ["甲发〔2025〕7号", "新标题", "甲县", "", "2025-03-05", "红头", "是"]
    job = job_of(post_file(client, "document_import", [DOC_HEADER, row]))
    assert job.status == "queued"
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert "排队等待检查" in page and 'hx-trigger="every 1s"' in page
    work()
    job.refresh_from_db()
    assert job.status == "preview" and job.step == 3
    client.post(reverse("import_confirm", args=[job.pk]))
    assert ImportJob.objects.get(pk=job.pk).status == "applying"
    work()
    assert ImportJob.objects.get(pk=job.pk).status == "done"
    assert Document.objects.get(number="甲发〔2025〕7号").title == "新标题"
