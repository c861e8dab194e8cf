"""The coordination meeting's pages: list, creation, a meeting's page with its agenda, minutes and
decisions, the office's edits through the page, the Word export; the office manages, a leader
reads, a contact (no permission) gets 403 and another unit's meeting is 404."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.supervision.meetings.models import AgendaLine, Meeting, Minutes

from . import meetings_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafted(units):
    f.city(units)
    m = f.meeting(units)
    f.draft(m)
    return m


@pytest.mark.parametrize("who", ["office", "leader"])
def test_pages_render_for_office_and_leader(login, drafted, who):
    client = login(who)
    with clock.frozen(f.TODAY):
        for url in (
            reverse("sup_meeting_list"),
            reverse("sup_meeting_detail", args=[drafted.pk]),
        ):
            answer = client.get(url)
            assert answer.status_code == 200, url
            body = answer.content.decode()
            assert "第四季度秘书长联席会议" in body
            assert "style=" not in body
        body = client.get(reverse("sup_meeting_detail", args=[drafted.pk])).content.decode()
    assert "清理村级组织挂牌" in body and "逾期工作日" in body and "签约未开工" in body
    assert ("重新起草议程" in body) == (who == "office")
    assert ("登记议定事项并转为督办事项" in body) == (who == "office")


def test_a_leader_cannot_edit(login, drafted):
    client = login("leader")
    line = AgendaLine.objects.filter(meeting=drafted).first()
    answer = client.post(
        reverse("sup_meeting_act", args=[drafted.pk, "line_edit"]),
        {"line": line.pk, f"l{line.pk}-text": "x"},
    )
    assert answer.status_code == 403
    assert client.get(reverse("sup_meeting_create")).status_code == 403


def test_a_contact_without_the_permission_is_refused(login, drafted):
    client = login("contact_a")
    assert client.get(reverse("sup_meeting_list")).status_code == 403
    assert client.get(reverse("sup_meeting_detail", args=[drafted.pk])).status_code in (403, 404)
    answer = client.post(reverse("sup_meeting_act", args=[drafted.pk, "draft"]))
    assert answer.status_code in (403, 404)


def test_a_meeting_outside_ones_units_is_404(client, drafted, units):
    from django.contrib.auth.hashers import make_password

    from jianfu.conftest import PASSWORD
    from jianfu.core.models import RoleGrant, User

    county_leader = User.objects.create(
        username="leader_a",
        password=make_password(PASSWORD),
        full_name="甲县领导",
        home_unit=units["TA"],
    )
    RoleGrant.objects.create(user=county_leader, role="leader")
    client.force_login(county_leader)
    # The city's meeting is above the county: not its to see.
    assert client.get(reverse("sup_meeting_detail", args=[drafted.pk])).status_code == 404
    assert client.get(reverse("sup_meeting_agenda_docx", args=[drafted.pk])).status_code == 404
    assert client.get(reverse("sup_meeting_list")).status_code == 200
    assert "第四季度秘书长联席会议" not in client.get(reverse("sup_meeting_list")).content.decode()
    assert client.get(reverse("sup_meeting_detail", args=[999999])).status_code == 404


def test_create_a_meeting_through_the_page(login, units):
    client = login("office")
    with clock.frozen(f.TODAY):
        assert client.get(reverse("sup_meeting_create")).status_code == 200
        answer = client.post(
            reverse("sup_meeting_create"),
            {"title": "秘书长联席会议", "date": "2025-12-05", "attendees": [units["TA"].pk]},
        )
    m = Meeting.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/meetings/{m.pk}/")
    assert list(m.attendees.all()) == [units["TA"]] and m.date == dt.date(2025, 12, 5)
    with clock.frozen(f.TODAY):
        bad = client.post(reverse("sup_meeting_create"), {"title": "", "date": "明天"})
    assert bad.status_code == 400 and "请按 2025-06-30 的样子填写日期" in bad.content.decode()


def test_the_office_edits_the_agenda_through_the_page(login, drafted):
    client = login("office")
    line = AgendaLine.objects.filter(meeting=drafted, section="red_items").get()

    def act(action, data):
        with clock.frozen(f.TODAY):
            return client.post(reverse("sup_meeting_act", args=[drafted.pk, action]), data)

    assert (
        act("line_edit", {"line": line.pk, f"l{line.pk}-text": "甲县说明原因"}).status_code == 302
    )
    line.refresh_from_db()
    assert line.text == "甲县说明原因" and line.edited
    bad = act("line_edit", {"line": line.pk, f"l{line.pk}-text": ""})
    assert bad.status_code == 400 and 'class="invalid-feedback' in bad.content.decode()
    assert act("line_add", {"add-text": "研究明年计划"}).status_code == 302
    free = AgendaLine.objects.get(meeting=drafted, section="free")
    assert act("line_remove", {"line": line.pk}).status_code == 302
    line.refresh_from_db()
    assert line.removed
    assert act("line_restore", {"line": line.pk}).status_code == 302
    assert act("line_remove", {"line": free.pk}).status_code == 302
    assert not AgendaLine.objects.filter(pk=free.pk).exists()
    assert act("draft", {}).status_code == 302
    line.refresh_from_db()
    assert line.text == "甲县说明原因"
    assert act("minutes", {"minutes-text": "会议听取汇报，议定三项事项。"}).status_code == 302
    assert Minutes.objects.get(meeting=drafted).text.startswith("会议听取汇报")
    body = client.get(reverse("sup_meeting_detail", args=[drafted.pk])).content.decode()
    assert "会议听取汇报" in body and "已形成纪要" in body


def test_a_line_of_another_meeting_is_404(login, drafted, units):
    other = f.meeting(units)
    line = AgendaLine.objects.filter(meeting=drafted).first()
    answer = login("office").post(
        reverse("sup_meeting_act", args=[other.pk, "line_remove"]), {"line": line.pk}
    )
    assert answer.status_code == 404
    line.refresh_from_db()
    assert not line.removed


def test_the_agenda_exports_as_word(login, drafted):
    from docx import Document

    answer = login("leader").get(reverse("sup_meeting_agenda_docx", args=[drafted.pk]))
    assert answer.status_code == 200
    doc = Document(io.BytesIO(answer.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (
        "第四季度秘书长联席会议" in text and "红色督办事项" in text and "清理村级组织挂牌" in text
    )
    assert "参会单位：甲县、乙县" in text
