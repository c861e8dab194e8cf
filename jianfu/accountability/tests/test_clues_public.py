"""The public report page (no login): bad input answered in Chinese with what was typed kept and
nothing saved; script shown as text; the flood from one address refused with 429 while another
address still lands; the receipt and query code show the status, never the handling."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from jianfu.accountability.clues import services
from jianfu.accountability.clues.models import Clue, ClueFile
from jianfu.core import crypto, runtime
from jianfu.core.models import RuntimeSetting

pytestmark = pytest.mark.django_db

URL = "/accountability/report/"
TEXT = "甲一镇要求每个村每天在三个工作群里打卡，并上传十张照片，村干部一天要花两个小时应付。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _form(**kw):
    data = {"unit": "甲县（TA）", "category": "forms", "text": TEXT}
    data.update(kw)
    return data


def _post(client, ip="10.0.0.1", **kw):
    return client.post(URL, _form(**kw), REMOTE_ADDR=ip)


def test_url_and_page_without_login():
    assert reverse("clue_report") == URL
    page = Client().get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'list="jf-clue-units"' in body and "甲县（TA）" in body
    assert "<script>" not in body.split("</head>")[1]


def test_anonymous_report_lands_with_receipt_and_code():
    answer = _post(Client())
    assert answer.status_code == 200
    body = answer.content.decode()
    clue = Clue.objects.get()
    assert clue.channel == "public" and clue.informant_sealed is None and not clue.real_name
    assert clue.receipt_no in body
    code = re.search(r'jf-clue-receipt">([A-Z0-9]{8})<', body).group(1)
    assert clue.query_digest == crypto.fingerprint(code)
    assert code not in clue.query_digest


def test_real_name_report_seals_the_informant():
    answer = _post(Client(), real_name="1", informant_name="李四", informant_phone="139-0000-1111")
    assert answer.status_code == 200
    clue = Clue.objects.get()
    assert clue.real_name
    assert crypto.unseal(clue.informant_sealed)["name"] == "李四"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"text": "   "}, "请填写反映内容"),
        ({"unit": ""}, "请从列表中选择被反映单位"),
        ({"unit": "不存在的单位"}, "没有找到单位“不存在的单位”"),
        ({"category": ""}, "请选择问题类别"),
        ({"real_name": "1"}, "实名举报请填写举报人姓名"),
        ({"informant_phone": "abc<>"}, "不像电话号码"),
    ],
)
def test_bad_input_is_refused_in_chinese_keeping_what_was_typed(data, message):
    answer = _post(Client(), **data)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert message in body
    if data.get("text") is None:
        assert TEXT in body
    assert not Clue.objects.exists()


def test_a_village_typed_by_name_or_code_lands_though_the_list_leaves_villages_out(units):
    # The list suggests the units that send work down; a province's 30,000 villages would make the
    # page two megabytes. A village is still found by its name or its code.
    village = units["TA0101"]
    page = Client().get(URL).content.decode()
    assert f"{village.name}（{village.code}）" not in page
    assert _post(Client(), unit=village.name).status_code == 200
    assert _post(Client(), ip="10.0.0.2", unit=village.code).status_code == 200
    assert list(Clue.objects.values_list("subject_unit", flat=True)) == [village.pk] * 2


def test_a_name_two_units_share_asks_for_the_code(units):
    from jianfu.core.models import Unit

    Unit.objects.filter(pk=units["TB01"].pk).update(name=units["TA0101"].name)
    answer = _post(Client(), unit=units["TA0101"].name)
    assert answer.status_code == 400
    assert f"有多个单位名为“{units['TA0101'].name}”" in answer.content.decode()
    assert not Clue.objects.exists()
    assert _post(Client(), unit=units["TB01"].code).status_code == 200


def test_executable_attachment_refused_nothing_saved_text_kept():
    exe = SimpleUploadedFile("照片.jpg", b"MZ" + b"\0" * 200)
    answer = Client().post(URL, {**_form(), "files": [exe]}, REMOTE_ADDR="10.0.0.1")
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "“照片.jpg”是一个程序（可执行文件）" in body
    assert TEXT in body
    assert not Clue.objects.exists() and not ClueFile.objects.exists()


def test_oversized_attachment_refused():
    RuntimeSetting.objects.create(key="files.max_mb", value=1)
    runtime.invalidate()
    big = SimpleUploadedFile("大图.png", PNG + b"\0" * (1024 * 1024 + 10))
    answer = Client().post(URL, {**_form(), "files": [big]}, REMOTE_ADDR="10.0.0.1")
    assert answer.status_code == 400
    assert "超过上限 1 MB" in answer.content.decode()
    assert not Clue.objects.exists()


def test_good_attachment_stored():
    png = SimpleUploadedFile("现场.png", PNG)
    answer = Client().post(URL, {**_form(), "files": [png]}, REMOTE_ADDR="10.0.0.1")
    assert answer.status_code == 200
    f = ClueFile.objects.get()
    assert f.name == "现场.png" and f.kind == "png"


def test_script_in_the_text_is_stored_and_shown_as_text(login):
    script = "<script>alert('x')</script>" + TEXT
    assert _post(Client(), text=script).status_code == 200
    clue = Clue.objects.get()
    assert clue.text == script
    page = login("discipline").get(reverse("clue_detail", args=[clue.pk])).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_flood_from_one_address_refused_others_land():
    RuntimeSetting.objects.create(key="accountability.clues.public_limit", value=3)
    runtime.invalidate()
    client = Client()
    for i in range(3):
        assert _post(client, text=f"{TEXT}（第{i}次，编号{i * 977}）").status_code == 200
    refused = _post(client, text="第四件" + TEXT)
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.content.decode()
    assert "第四件" in refused.content.decode()
    assert _post(Client(), ip="10.0.0.2", text="另一地址" + TEXT).status_code == 200
    assert Clue.objects.count() == 4
    assert not Clue.objects.filter(text__startswith="第四件").exists()


def test_status_lookup_shows_status_only(people):
    body = _post(Client()).content.decode()
    clue = Clue.objects.get()
    code = re.search(r'jf-clue-receipt">([A-Z0-9]{8})<', body).group(1)
    services.clue_set_status(by=people["discipline"], clue_id=clue.pk, status="handling")
    status_url = reverse("clue_report_status")
    ok = Client().post(status_url, {"receipt_no": clue.receipt_no, "code": code.lower()})
    assert ok.status_code == 200
    assert "正在处置" in ok.content.decode()
    assert TEXT not in ok.content.decode()
    wrong = Client().post(status_url, {"receipt_no": clue.receipt_no, "code": "ZZZZZZZZ"})
    assert wrong.status_code == 404
    assert "受理编号或查询码不正确" in wrong.content.decode()
