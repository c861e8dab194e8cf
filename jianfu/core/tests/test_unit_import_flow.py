"""The units import page as the system administrator: a file that changes existing units is
previewed (field: old → new) and applied only when confirmed, with the old values audited; new
units import at once; the template's example rows are skipped."""

import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jianfu.core.models import AuditEntry, ImportJob, Unit

HEADER = ["单位代码", "名称", "简称", "类型", "上级单位代码"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def post(client, rows=None, data=None):
    if data is None:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    f = io.BytesIO(data)
    f.name = "单位.xlsx"
    return client.post(reverse("unit_import"), {"file": f})


@pytest.mark.django_db
def test_renaming_and_moving_units_is_previewed_then_applied_and_audited(login):
    client = login("sysadmin")
    response = post(
        client,
        [HEADER, ["TB01", "乙一镇（新）", "", "乡镇", "TB"], ["TB02", "乙二镇", "", "乡镇", "TA"]],
    )
    assert response.status_code == 302 and response.url.startswith("/imports/")
    job = ImportJob.objects.get()
    assert job.status == "preview" and job.preview["created"] == 1
    page = client.get(response.url).content.decode()
    assert "新增 1 条，修改 1 条已有记录" in page
    assert "乙一镇（TB01）" in page and "乙一镇（新）" in page and "名称" in page
    tb01 = Unit.objects.get(code="TB01")
    assert tb01.name == "乙一镇" and not Unit.objects.filter(code="TB02").exists()
    done = client.post(reverse("import_confirm", args=[job.pk]))
    assert done.url == reverse("unit_list")
    assert [str(m) for m in get_messages(done.wsgi_request)] == [
        "导入完成：新增 1 个，更新 1 个单位。"
    ]
    tb01.refresh_from_db()
    assert tb01.name == "乙一镇（新）"
    entry = AuditEntry.objects.filter(code="jianfu.core.unit.imported").latest("seq")
    assert entry.changes == {f"{tb01.pk}.name": ["乙一镇", "乙一镇（新）"]}


@pytest.mark.django_db
def test_a_moved_unit_shows_its_old_and_new_parent(login):
    client = login("sysadmin")
    response = post(client, [HEADER, ["TA01", "甲一镇", "", "乡镇（街道）", "TB"]])
    page = client.get(response.url).content.decode()
    assert "上级单位代码" in page and "<del>TA</del>" in page and ">TB<" in page
    assert Unit.objects.get_parent(Unit.objects.get(code="TA01")).code == "TA"


@pytest.mark.django_db
def test_the_templates_examples_are_skipped(login):
    client = login("sysadmin")
    template = client.get(reverse("unit_template")).content
    book = load_workbook(io.BytesIO(template))
    assert book.active["A2"].value.startswith("【示例】")
    book.active.append(["TA02", "甲二镇", "", "乡镇", "TA"])
    out = io.BytesIO()
    book.save(out)
    response = post(client, data=out.getvalue())
    assert response.status_code == 302 and response.url == reverse("unit_list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "导入完成：新增 1 个，更新 0 个单位。已跳过模板中的示例行（第 2、3 行）。"
    ]
    assert not Unit.objects.filter(name="示例街道办事处").exists()
