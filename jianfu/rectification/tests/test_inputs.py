"""Rectification's inputs and exports: control characters refused on the forms, the API and the
ledger and negative-list imports (naming row and column), the ledger export surviving one already
stored, and an implausible found date refused."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jianfu.core import clock, excel
from jianfu.core.tests.test_inputs import xlsx_with
from jianfu.rectification.models import Measure, MeasureKind, Problem, Source
from jianfu.rectification.problems import ledger_import, measures, services

TODAY = dt.date(2026, 10, 20)
HEADER = ["序号", "问题描述", "整改措施", "责任单位", "责任人", "完成时限", "整改进展", "完成情况"]


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def started(people, units):
    office = people["office"]
    p = services.problem_create(
        by=office,
        unit_id=units["TA"].pk,
        source=Source.SELF_EXAM,
        description="会议过多",
        found_on=dt.date(2026, 9, 1),
    )
    m = measures.measure_create(
        by=office,
        problem=p,
        data={
            "content": "精简会议",
            "kind": MeasureKind.IMMEDIATE,
            "responsible_unit_id": units["TA"].pk,
            "responsible_person": "张三",
            "deadline": dt.date(2026, 12, 31),
        },
    )
    return measures.measure_act(by=office, measure_id=m.pk, version=m.version, action="start")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def csv_bytes(rows) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def import_fails(user, unit, data, filename) -> list[str]:
    before = (Problem.objects.count(), Measure.objects.count())
    with pytest.raises(excel.ImportFailed) as info:
        ledger_import.import_ledger(
            by=user, unit=unit, source=Source.SELF_EXAM, filename=filename, data=data
        )
    assert (Problem.objects.count(), Measure.objects.count()) == before
    return [str(e) for e in info.value.errors]


# --- Export ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_export_survives_a_control_character_already_stored(login, units, started):
    Problem.objects.filter(pk=started.problem_id).update(description="会议\x07过多")
    Measure.objects.filter(pk=started.pk).update(content="精简\x1b会议", progress="已\x08精简")
    response = login("office").get(reverse("ledger_export", args=[units["TA"].pk]))
    assert response.status_code == 200
    values = [
        c
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "会议\ufffd过多" in values and "精简\ufffd会议" in values


# --- Forms and API --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_problem_form_refuses_a_control_character_and_keeps_the_typing(login, units):
    response = login("office").post(
        reverse("problem_create"),
        {
            "unit": str(units["TA"].pk),
            "source": "office",
            "description": "甲县要求\x00每日报送\r\n第二行",
            "severity": "2",
            "found_on": "2026-09-01",
        },
    )
    assert response.status_code == 400
    assert "“问题描述”中含有不可见的控制字符（U+0000），请删除后重试。" in text_of(response)
    assert not Problem.objects.filter(description__startswith="甲县要求").exists()


@pytest.mark.django_db
def test_problem_form_description_keeps_line_breaks(login, units):
    response = login("office").post(
        reverse("problem_create"),
        {
            "unit": str(units["TA"].pk),
            "source": "office",
            "description": "甲县要求每日报送\r\n第二行",
            "severity": "2",
            "found_on": "2026-09-01",
        },
    )
    assert response.status_code == 302
    assert Problem.objects.filter(description="甲县要求每日报送\r\n第二行").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("note", ["已精简\x00会议", "已精简\x07会议"])
def test_api_progress_refuses_a_control_character(login, started, note):
    response = login("contact_a").post(
        f"/api/rectification/measures/{started.pk}/progress",
        {"version": started.version, "note": note},
        "application/json",
    )
    assert 400 <= response.status_code < 500
    started.refresh_from_db()
    assert started.progress == ""


@pytest.mark.django_db
def test_api_progress_keeps_line_breaks(login, started):
    response = login("contact_a").post(
        f"/api/rectification/measures/{started.pk}/progress",
        {"version": started.version, "note": "一、精简会议\n二、合并会议"},
        "application/json",
    )
    assert response.status_code == 200
    assert response.json()["progress"] == "一、精简会议\n二、合并会议"


@pytest.mark.django_db
def test_api_list_filter_refuses_a_nul_byte(login):
    response = login("office").get("/api/rectification/problems", {"unit": "TA\x00"})
    assert 400 <= response.status_code < 500


# --- Imports --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_import_refuses_a_control_character_naming_row_and_column(people, units):
    rows = [
        HEADER,
        ["1", "会议过多", "精简会议\n合并会议", "甲县", "张三", "2026-12-31", "", ""],
        ["2", "材料过多", "清理\x07材料", "甲县", "张\x1b三", "2026-12-31", "", ""],
    ]
    errors = import_fails(people["contact_a"], units["TA"], csv_bytes(rows), "台账.csv")
    assert "第 3 行，“整改措施”列：含有不可见的控制字符（U+0007），请删除后重试。" in errors
    assert "第 3 行，“责任人”列：含有不可见的控制字符（U+001B），请删除后重试。" in errors
    assert len(errors) == 2  # the line break of row 2's measures is fine


@pytest.mark.django_db
def test_ledger_import_refuses_a_nul_byte(people, units):
    data = xlsx_with(
        [HEADER, ["1", "会议NULx过多", "精简会议", "甲县", "张三", "2026-12-31", "", ""]],
        {"NULx": "_x0000_"},
    )
    errors = import_fails(people["contact_a"], units["TA"], data, "台账.xlsx")
    assert errors == ["第 2 行，“问题描述”列：含有不可见的控制字符（U+0000），请删除后重试。"]


@pytest.mark.django_db
def test_ledger_import_refuses_an_implausible_found_date(people, units):
    rows = [
        [*HEADER, "发现日期"],
        ["1", "会议过多", "精简会议", "甲县", "张三", "2026-12-31", "", "", "2002-03-01"],
    ]
    errors = import_fails(people["contact_a"], units["TA"], csv_bytes(rows), "台账.csv")
    assert errors == ["第 2 行，“发现日期”列：日期“2002-03-01”超出合理范围（不早于 2016-01-01）。"]


@pytest.mark.django_db
def test_negative_list_import_refuses_a_control_character(people):
    from jianfu.rectification.selfexam import list_import
    from jianfu.rectification.selfexam import services as exams

    negative_list = exams.list_create(
        by=people["office"], title="负面清单", issued_by="市委办", year=2026
    )
    data = csv_bytes([["序号", "类别", "表现形式"], ["1", "文山会海", "层层\x07发文"]])
    with pytest.raises(excel.ImportFailed) as info:
        list_import.import_items(
            by=people["office"], negative_list=negative_list, filename="清单.csv", data=data
        )
    assert [str(e) for e in info.value.errors] == [
        "第 2 行，“表现形式”列：含有不可见的控制字符（U+0007），请删除后重试。"
    ]


@pytest.mark.django_db
def test_an_exam_answer_with_a_nul_byte_is_refused_naming_the_item(login, people, units):
    from jianfu.rectification.models import ExamAnswer, Participation
    from jianfu.rectification.selfexam import services as exams
    from jianfu.rectification.tests.test_exam_pages import answers, published

    nl = published(people["office"])
    rnd = exams.round_open(
        by=people["office"],
        negative_list=nl,
        title="2026年度自查",
        scope_unit_id=units["T"].pk,
        deadline=TODAY + dt.timedelta(days=14),
    )
    p = Participation.objects.get(round=rnd, unit=units["TA"])
    url = reverse("exam_answer", args=[p.pk])
    data = answers(nl, **{"1": ("present", "要求手抄\x00笔记\n并拍照")})
    response = login("contact_a").post(url, {"action": "save", **data})
    assert response.status_code == 400
    assert "“第 1 项的具体表现”中含有不可见的控制字符（U+0000），请删除后重试。" in text_of(
        response
    )
    assert not ExamAnswer.objects.filter(participation=p).exists()
