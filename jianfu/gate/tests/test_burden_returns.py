"""The recipient's return: opened pre-filled with what the platform holds, submitted once (a
second submission changes nothing), refused with the field named and what was typed kept; a
village sees its own returns only, another county's are not there; and the platform asks no
photo, location or check-in."""

import datetime as dt
import re

import pytest

from jianfu.core.models import AuditEntry, Unit, User
from jianfu.gate.burden import services
from jianfu.gate.burden.models import FieldType, Return
from jianfu.gate.tests.burden_city import admitted_form, dictionary, draft
from jianfu.registry.models import Document

pytestmark = pytest.mark.django_db

VALUES = {"households": "312", "docs_received": "4", "road": "良好", "clinic": "yes"}


@pytest.fixture
def sent(people, units):
    fields = dictionary(people["office"])
    form = admitted_form(people, units, fields)
    req = draft(people, form)
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    return req


def _ret(req):
    return Return.objects.get(request=req)


def test_the_form_opens_prefilled_from_the_registry_and_the_last_return(people, units, sent, login):
    # The city's document reaching the grassroots in March is the village's "documents received".
    Document.objects.create(
        unit=units["T"], title="关于春耕的通知", issued_on=dt.date(2026, 3, 5), kind="notice",
        reaches_grassroots=True,
    )  # fmt: skip
    Document.objects.create(  # not to the grassroots: not counted
        unit=units["T"], title="内部通知", issued_on=dt.date(2026, 3, 6), kind="notice"
    )
    Document.objects.create(  # another county's: does not reach 甲一村
        unit=units["TB"], title="乙县通知", issued_on=dt.date(2026, 3, 7), kind="notice",
        reaches_grassroots=True,
    )  # fmt: skip
    earlier = draft(people, sent.form, title="村情（2月）", first="2026-02")
    services.request_send(by=people["contact_a"], request=earlier, confirm=True)
    services.return_submit(
        by=people["reporter"], ret=_ret(earlier),
        values={**VALUES, "households": "310", "road": "一般"},
    )  # fmt: skip

    page = login("reporter").get(f"/gate/burden/returns/{_ret(sent).pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'name="docs_received"[^>]*value="1"', html)
    assert re.search(r'name="households"[^>]*value="310"', html)
    assert re.search(r'value="一般" checked', html)
    assert re.search(r'value="yes" checked', html)
    ret = _ret(sent)
    assert ret.started_at is not None
    assert ret.prefilled == {"docs_received": 1, "households": 310, "road": "一般", "clinic": True}


def test_opening_again_keeps_the_first_opening_time(people, sent, login):
    client = login("reporter")
    client.get(f"/gate/burden/returns/{_ret(sent).pk}/")
    first = _ret(sent).started_at
    client.get(f"/gate/burden/returns/{_ret(sent).pk}/")
    assert _ret(sent).started_at == first


def test_submitting_twice_is_the_same_return(people, sent, login):
    client = login("reporter")
    url = f"/gate/burden/returns/{_ret(sent).pk}/"
    assert client.post(url, VALUES).status_code == 302
    done = _ret(sent)
    again = client.post(url, {**VALUES, "households": "999"})
    assert again.status_code == 302
    after = _ret(sent)
    assert after.values == done.values == {
        "households": 312, "docs_received": 4, "road": "良好", "clinic": True
    }  # fmt: skip
    assert after.submitted_at == done.submitted_at
    assert AuditEntry.objects.filter(code="jianfu.gate.burden.return.submitted").count() == 1


def test_a_value_that_is_not_a_number_names_the_field_saves_nothing_and_keeps_the_typing(
    people, sent, login
):
    client = login("reporter")
    url = f"/gate/burden/returns/{_ret(sent).pk}/"
    client.get(url)
    answer = client.post(url, {**VALUES, "households": "三百", "road": "较差"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "“农户户数”应填数字，“三百”不是数字。" in html
    assert re.search(r'name="households"[^>]*value="三百"', html)
    assert re.search(r'value="较差" checked', html)
    ret = _ret(sent)
    assert ret.submitted_at is None and ret.values == {}


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("road", "很好", "“村道路况”只能选"),
        ("clinic", "", "请填写“是否有卫生室”"),
        ("households", "1e400", "“农户户数”应填数字"),
    ],
)
def test_other_bad_values_are_named(people, sent, login, field, value, says):
    answer = login("reporter").post(
        f"/gate/burden/returns/{_ret(sent).pk}/", {**VALUES, field: value}
    )
    assert answer.status_code == 400 and says in answer.content.decode()


def test_another_county_does_not_see_the_request_or_the_return(people, sent, login):
    client = login("contact_b")
    assert client.get(f"/gate/burden/requests/{sent.pk}/").status_code == 404
    assert client.get(f"/gate/burden/returns/{_ret(sent).pk}/").status_code == 404
    assert client.post(f"/gate/burden/returns/{_ret(sent).pk}/", VALUES).status_code == 404
    assert client.post(f"/gate/burden/requests/{sent.pk}/close/").status_code == 404


def test_a_village_cadre_sees_only_its_own_village(people, units, login):
    other = Unit.objects.add_child(
        units["TA01"], {"code": "TA0102", "name": "甲二村", "kind": "village"}
    )
    fields = dictionary(people["office"])
    req = draft(people, admitted_form(people, units, fields))
    services.request_send(by=people["contact_a"], request=req, confirm=True)
    mine = Return.objects.get(request=req, unit=units["TA0101"])
    theirs = Return.objects.get(request=req, unit=other)
    client = login("reporter")
    assert client.get(f"/gate/burden/returns/{theirs.pk}/").status_code == 404
    assert client.get(f"/gate/burden/returns/{mine.pk}/").status_code == 200
    todo = client.get("/gate/burden/todo/").content.decode()
    assert f"/gate/burden/returns/{mine.pk}/" in todo
    assert f"/gate/burden/returns/{theirs.pk}/" not in todo
    # The sender's request page is not the village's to read.
    assert client.get(f"/gate/burden/requests/{req.pk}/").status_code == 404


def test_no_photo_location_or_check_in_is_ever_asked(people, sent, login):
    types = set(FieldType.values)
    assert types == {"number", "text", "choice", "date", "yesno"}
    banned = ("photo", "image", "picture", "file", "location", "gps", "geo", "checkin", "sign")
    assert not [t for t in types if any(b in t for b in banned)]
    labels = "".join(str(c.label) for c in FieldType)
    assert not any(w in labels for w in ("照片", "图片", "定位", "位置", "打卡", "签到"))
    html = login("reporter").get(f"/gate/burden/returns/{_ret(sent).pk}/").content.decode()
    assert 'type="file"' not in html and "capture" not in html and "geolocation" not in html
    assert "enctype" not in html  # nothing to upload


def test_the_senders_ranking_ranks_units_never_the_platform_users(people, sent, login):
    services.return_submit(by=people["reporter"], ret=_ret(sent), values=VALUES)
    html = login("office").get("/gate/burden/senders/?start=2020-01-01&end=2030-12-31")
    text = html.content.decode()
    assert "甲县" in text
    usernames = set(User.objects.values_list("username", flat=True)) - {"office"}
    body = text.split('id="senders"')[1]
    assert not [u for u in usernames if u in body]
