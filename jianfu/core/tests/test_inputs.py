"""The one rule for what people type (core.inputs) and that every door uses it: every form's text
field, every string of the API's input schemas, the units import; the exports' writer replaces
what an .xlsx cannot hold."""

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Annotated, get_args, get_origin

import pytest
from django.urls import reverse
from ninja import Schema
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel

import jianfu
from jianfu.core import clock, excel, inputs, units_import
from jianfu.core.models import Unit, User


def xlsx_with(rows, raw: dict[str, str]) -> bytes:
    """An .xlsx whose cells may hold what openpyxl refuses to write: each placeholder in `raw`
    becomes Excel's escape (`_x0007_`) in the sheet's XML, which readers turn back into the
    character, as they do for a file another program wrote."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    src, dst = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(dst, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            for placeholder, escape in raw.items():
                data = data.replace(placeholder.encode(), escape.encode())
            z.writestr(item, data)
    return dst.getvalue()


@pytest.mark.parametrize(
    "text,multiline,expected",
    [
        ("关于防汛的通知", False, None),
        ("全角　空格 and ‘quotes’", False, None),
        ("a\x07b", False, "“标题”中含有不可见的控制字符（U+0007），请删除后重试。"),
        ("a\x00b", True, "“标题”中含有不可见的控制字符（U+0000），请删除后重试。"),
        ("a\x7fb", False, "“标题”中含有不可见的控制字符（U+007F），请删除后重试。"),
        ("a\x85b", True, "“标题”中含有不可见的控制字符（U+0085），请删除后重试。"),
        ("a\nb", False, "“标题”须写成一行，不能含有换行符或制表符（U+000A）。"),
        ("a\tb", False, "“标题”须写成一行，不能含有换行符或制表符（U+0009）。"),
        ("一\r\n\t二", True, None),
        ("a\ud800b", False, "“标题”中含有无效字符（U+D800），请删除后重试。"),
        ("a\uffffb", True, "“标题”中含有无效字符（U+FFFF），请删除后重试。"),
    ],
)
def test_text_problem_names_the_field_and_the_character(text, multiline, expected):
    assert inputs.text_problem(text, "标题", multiline=multiline) == expected


def test_an_export_cell_replaces_what_an_xlsx_cannot_hold():
    assert excel.neutralise("a\x07b\x00c\ud800") == "a\ufffdb\ufffdc\ufffd"
    assert excel.neutralise("一\n二\t三") == "一\n二\t三"
    assert excel.neutralise("=\x07") == "'=\ufffd"
    data = excel.write_workbook([("表", ["标题"], [["a\x07b"], ["\x1b=SUM(A1)"]])])
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1:] == [("a\ufffdb",), ("\ufffd=SUM(A1)",)]


def test_every_form_text_field_is_a_checked_one():
    """Django's CharField would let a control character through: forms use core.inputs's
    TextField (or a field built on it), wherever they are declared."""
    root = Path(jianfu.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "inputs.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bforms\.(CharField|SlugField|RegexField|EmailField)\b", line):
                offenders.append(f"{path.relative_to(root)}:{n}")
    assert not offenders


def _unchecked(annotation, metadata, where, seen):
    if annotation is str:
        if not inputs.is_checked(metadata):
            yield where
        return
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        yield from _unchecked(base, [*metadata, *extra], where, seen)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for name, field in annotation.model_fields.items():
                yield from _unchecked(
                    field.annotation, field.metadata, f"{annotation.__name__}.{name}", seen
                )
        return
    args = get_args(annotation)
    if get_origin(annotation) is dict:
        args = args[1:]  # the keys of a mapping are the form's question codes, looked up only
    for arg in args:
        yield from _unchecked(arg, [], where, seen)


@pytest.mark.django_db
def test_every_string_of_the_api_input_schemas_is_checked():
    from jianfu.api import api

    offenders, seen = set(), set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    for name, field in model.model_fields.items():
                        if isinstance(field.annotation, type) and issubclass(
                            field.annotation, Schema
                        ):
                            offenders.update(_unchecked(field.annotation, [], name, seen))
    assert not offenders


# --- Forms, API and import of core ----------------------------------------------------------


@pytest.mark.django_db
def test_unit_form_refuses_a_control_character(login, units):
    response = login("sysadmin").post(
        reverse("unit_create"),
        {"code": "TA09", "name": "新\x07镇", "kind": "township", "parent_code": "TA"},
    )
    assert response.status_code in (200, 400)
    assert "“名称”中含有不可见的控制字符（U+0007），请删除后重试。" in response.content.decode()
    assert not Unit.objects.filter(code="TA09").exists()


@pytest.mark.django_db
def test_login_with_a_nul_byte_is_a_form_error(client):
    response = client.post(reverse("login"), {"username": "office\x00", "password": "x"})
    assert response.status_code in (200, 400)
    assert "U+0000" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["新\x07镇", "新\x00镇"])
def test_api_unit_create_refuses_a_control_character(login, units, name):
    response = login("sysadmin").post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "TA09", "name": name, "kind": "township"},
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert not Unit.objects.filter(code="TA09").exists()


@pytest.mark.django_db
def test_api_unit_create_refuses_an_overlong_code(login, units):
    response = login("sysadmin").post(
        "/api/units",
        {"parent_id": units["TA"].pk, "code": "X" * 40, "name": "新镇", "kind": "township"},
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("char,code", [("\x07", "U+0007"), ("\x00", "U+0000")])
def test_units_import_refuses_a_control_character_naming_row_and_column(
    settings, tmp_path, char, code
):
    settings.MEDIA_ROOT = tmp_path
    rows = (
        "单位代码,名称,简称,类型,上级单位代码\nTA09,新镇,,乡镇,TA\nTA10,新" + char + "乡,,乡镇,TA\n"
    )
    if char == "\x00":  # a CSV with NUL is refused as a whole; an .xlsx cell can hold one
        data = xlsx_with(
            [
                ["单位代码", "名称", "简称", "类型", "上级单位代码"],
                ["TA10", "新NULx乡", "", "乡镇", "TA"],
            ],
            {"NULx": "_x0000_"},
        )
        filename, line = "units.xlsx", 2
    else:
        data, filename, line = rows.encode(), "units.csv", 3
    with pytest.raises(excel.ImportFailed) as info:
        units_import.import_units(
            by=User.objects.get(username="sysadmin"), filename=filename, data=data
        )
    messages = [str(e) for e in info.value.errors]
    assert f"第 {line} 行，“名称”列：含有不可见的控制字符（{code}），请删除后重试。" in messages
    assert not Unit.objects.filter(code__in=["TA09", "TA10"]).exists()


@pytest.mark.django_db
def test_the_plausible_range_follows_today():
    with clock.frozen(dt.date(2025, 6, 15)):
        assert inputs.date_range() == (dt.date(2015, 1, 1), dt.date(2026, 12, 31))
        assert inputs.date_problem(dt.date(9999, 12, 31), "会议日期") == (
            "“会议日期”9999-12-31 超出合理范围（2015-01-01 至 2026-12-31），请核对。"
        )
        assert inputs.date_problem(dt.date(2015, 1, 1)) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who,name,params",
    [
        ("sysadmin", "unit_list", {"q": "甲\x00"}),
        ("sysadmin", "unit_list", {"kind": "county\x00"}),
        ("sysadmin", "account_list", {"q": "office\x00", "role": "office\x00"}),
        ("office", "point_create", {"q": "甲\x00"}),
        ("office", "quota_settings", {"q": "甲\x00"}),
        ("office", "document_list", {"q": "通知\x00", "year": ""}),
    ],
)
def test_search_boxes_take_a_nul_byte_without_failing(login, who, name, params):
    response = login(who).get(reverse(name), params)
    assert response.status_code == 200
