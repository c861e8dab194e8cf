"""Supervision items' pages: the board, an item's page with its history and actions, a unit's
to-do list, the leader's phone page and the creation form — for the office, a leader and a
contact; 404 outside one's units; a refused form keeps what was typed."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.supervision.items import queries, services
from jianfu.supervision.items.models import Feedback, Item, ItemSource

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def make(people, units, **kw):
    data = {
        "source": ItemSource.INSTRUCTION,
        "title": "推进农村人居环境整治",
        "deadline": dt.date(2026, 4, 30),
        "lead_unit_id": units["TA"].pk,
        "co_unit_ids": [units["TD01"].pk],
        "instruction": "请于4月底前完成。",
        "leader": "张副市长",
        "issue": True,
    }
    data.update(kw)
    with clock.frozen(DAY):
        return services.item_create(by=people["office"], **data)


@pytest.fixture
def item(people, units):
    return make(people, units)


@pytest.mark.parametrize("who", ["office", "leader", "contact_a"])
def test_pages_render_for_office_leader_and_contact(login, item, who):
    client = login(who)
    with clock.frozen(dt.date(2026, 3, 10)):
        for url in (
            reverse("sup_board"),
            reverse("sup_item_detail", args=[item.pk]),
            reverse("sup_item_phone", args=[item.pk]),
        ):
            answer = client.get(url)
            assert answer.status_code == 200, url
            assert "推进农村人居环境整治" in answer.content.decode()
    assert "style=" not in client.get(reverse("sup_board")).content.decode()


def test_an_item_outside_ones_units_is_404(login, item, units):
    client = login("contact_b")
    assert client.get(reverse("sup_item_detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("sup_item_phone", args=[item.pk])).status_code == 404
    assert client.get(reverse("sup_unit_todo", args=[units["TA"].pk])).status_code == 404
    answer = client.post(reverse("sup_item_act", args=[item.pk, "feedback"]), {"text": "x"})
    assert answer.status_code == 404


def test_the_board_counts_colours_by_unit_and_source_red_first(login, people, units):
    make(people, units, title="已逾期事项", deadline=dt.date(2026, 3, 4))
    make(people, units, title="正常事项", deadline=dt.date(2026, 12, 30))
    with clock.frozen(dt.date(2026, 3, 10)):
        body = login("office").get(reverse("sup_board")).content.decode()
        red = login("office").get(reverse("sup_board"), {"colour": "red"}).content.decode()
    assert "甲县" in body and "领导批示" in body
    assert "已逾期事项" in red and "正常事项" not in red
    assert body.index("已逾期事项") < body.index("正常事项")


def test_the_todo_lists_signing_first_and_shows_requests_this_month(login, item, units):
    with clock.frozen(dt.date(2026, 3, 10)):
        body = login("contact_a").get(reverse("sup_todo")).content.decode()
    assert "待签收" in body and "推进农村人居环境整治" in body
    assert "本月（3月）平台向本单位提出要求" in body


def test_signing_and_feedback_through_the_pages(login, item):
    client = login("contact_a")
    with clock.frozen(dt.date(2026, 3, 10)):
        assert client.post(reverse("sup_item_act", args=[item.pk, "sign"])).status_code == 302
        answer = client.post(
            reverse("sup_item_act", args=[item.pk, "feedback"]),
            {"text": "已完成摸底", "percent": "40", "evidence_note": ""},
        )
        assert answer.status_code == 302
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    fb = Feedback.objects.get(assignment__item=item)
    assert (fb.text, fb.percent) == ("已完成摸底", 40)
    # The next feedback form is pre-filled from the last one.
    assert "已完成摸底</textarea>" in page and 'value="40"' in page


def test_a_refused_feedback_keeps_what_was_typed(login, item):
    with clock.frozen(dt.date(2026, 3, 10)):
        answer = login("contact_a").post(
            reverse("sup_item_act", args=[item.pk, "feedback"]),
            {"text": "写了很多进展", "percent": "150"},
        )
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "完成进度 150% 超出范围" in body
    assert "写了很多进展</textarea>" in body
    assert not Feedback.objects.exists()


def test_the_office_accepts_returns_and_closes(login, item, people):
    a = people["contact_a"]
    with clock.frozen(dt.date(2026, 3, 10)):
        fb = services.feedback_submit(by=a, item_id=item.pk, text="进展", percent=50)
        client = login("office")
        answer = client.post(
            reverse("sup_item_act", args=[item.pk, "return_feedback"]),
            {"target": fb.pk, "note": ""},
        )
        assert answer.status_code == 400  # a return needs its reason
        assert "请填写退回理由" in answer.content.decode()
        client.post(
            reverse("sup_item_act", args=[item.pk, "return_feedback"]),
            {"target": fb.pk, "note": "数据不实"},
        )
        services.completion_submit(by=a, item_id=item.pk, text="已办结")
        assert client.post(reverse("sup_item_act", args=[item.pk, "close"]), {}).status_code == 302
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    item.refresh_from_db()
    assert item.status == "closed"
    for word in ("退回进展反馈", "申请办结", "销号", "数据不实"):
        assert word in page


def test_extension_requested_and_approved_through_the_pages(login, item):
    with clock.frozen(dt.date(2026, 3, 10)):
        login("contact_a").post(
            reverse("sup_item_act", args=[item.pk, "extension"]),
            {"new_deadline": "2026-05-29", "reason": "汛期影响施工"},
        )
        ext = item.extensions.get()
        login("office").post(
            reverse("sup_item_act", args=[item.pk, "approve"]), {"target": ext.pk, "note": ""}
        )
    item.refresh_from_db()
    assert item.deadline == dt.date(2026, 5, 29)


def test_creating_an_item_with_lead_and_co_units(login, units):
    client = login("office")
    data = {
        "source": "instruction",
        "title": "整治形式主义台账",
        "instruction": "清理多余台账",
        "deadline": "2026-06-30",
        "lead_unit": str(units["TA"].pk),
        "co_units": [str(units["TB"].pk)],
        "feedback_rule": "monthly",
        "working_days": "on",
    }
    with clock.frozen(DAY):
        assert client.get(reverse("sup_item_create")).status_code == 200
        answer = client.post(reverse("sup_item_create"), data)
    assert answer.status_code == 302
    item = Item.objects.get(title="整治形式主义台账")
    assert sorted(item.assignments.values_list("unit__code", "role")) == [
        ("TA", "lead"),
        ("TB", "co"),
    ]


def test_above_the_select_limit_the_units_are_typed_with_suggestions(login, units, monkeypatch):
    """A province's units: the lead unit and the co-units are text boxes suggesting the units
    above the townships (the co-units had no choices at all), typed by name or code; a unit
    outside the scope is refused by name with what was typed kept."""
    from jianfu.rectification.problems import forms

    monkeypatch.setattr(forms, "SELECT_LIMIT", 1)
    client = login("office")
    data = {
        "source": "instruction",
        "title": "清理台账",
        "instruction": "清理多余台账",
        "deadline": "2026-06-30",
        "lead_unit": "甲县",
        "feedback_rule": "monthly",
    }
    with clock.frozen(DAY):
        page = client.get(reverse("sup_item_create")).content.decode()
        assert '<select name="co_units"' not in page
        assert '<datalist id="id_co_units-list" data-multi-for="id_co_units">' in page
        assert 'list="id_lead_unit-list"' in page and '<option value="乙县">TB</option>' in page
        assert ">TA0101<" not in page  # villages are typed, not suggested
        refused = client.post(reverse("sup_item_create"), {**data, "co_units": "乙县、丙县"})
        body = refused.content.decode()
        assert refused.status_code == 400 and "丙县：请选择您范围内的单位。" in body
        assert 'value="乙县、丙县"' in body
        made = client.post(reverse("sup_item_create"), {**data, "co_units": "乙县、TD01"})
    assert made.status_code == 302
    item = Item.objects.get(title="清理台账")
    assert sorted(item.assignments.values_list("unit__code", "role")) == [
        ("TA", "lead"),
        ("TB", "co"),
        ("TD01", "co"),
    ]


def test_a_deadline_before_creation_keeps_the_form(login, units):
    data = {
        "source": "annual",
        "title": "年度任务甲",
        "instruction": "内容",
        "deadline": "2026-01-05",
        "lead_unit": str(units["TA"].pk),
        "feedback_rule": "once",
    }
    with clock.frozen(DAY):
        answer = login("office").post(reverse("sup_item_create"), data)
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "早于交办日期" in body and 'value="年度任务甲"' in body
    assert not Item.objects.filter(title="年度任务甲").exists()


def test_a_contact_cannot_create(login):
    assert login("contact_a").get(reverse("sup_item_create")).status_code == 403


def test_home_cards(login, item, people):
    with clock.frozen(dt.date(2026, 3, 10)):
        body = login("contact_a").get(reverse("home")).content.decode()
        assert "督办事项待签收" in body
        services.extension_request(
            by=people["contact_a"], item_id=item.pk, new_deadline=dt.date(2026, 5, 8), reason="x"
        )
        office = login("office").get(reverse("home")).content.decode()
    assert "督办延期待审批" in office
    assert queries.todo_counts(people["office"], dt.date(2026, 3, 10))["extension"] == 1


def test_the_office_splits_an_item_through_the_page(login, item, units):
    client = login("office")
    with clock.frozen(dt.date(2026, 3, 10)):
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
        assert "分解到单位" in page and "改交其他单位" in page
        answer = client.post(
            reverse("sup_item_act", args=[item.pk, "split"]),
            {"unit": str(units["TB"].pk), "task": "负责乙县片区", "deadline": "2026-04-15"},
        )
        assert answer.status_code == 302
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    a = item.assignments.get(unit=units["TB"], active=True)
    assert (a.role, a.task, a.deadline) == ("co", "负责乙县片区", dt.date(2026, 4, 15))
    assert "负责乙县片区" in page and "分解到单位" in page[page.index('id="history"') :]


def test_a_bad_split_says_why_and_keeps_what_was_typed(login, item, units):
    client = login("office")
    with clock.frozen(dt.date(2026, 3, 10)):
        late = client.post(
            reverse("sup_item_act", args=[item.pk, "split"]),
            {"unit": str(units["TB"].pk), "task": "负责乙县片区", "deadline": "2026-12-31"},
        )
        empty = client.post(
            reverse("sup_item_act", args=[item.pk, "split"]),
            {"unit": str(units["TB"].pk), "task": ""},
        )
    body = late.content.decode()
    assert late.status_code == 400
    assert "分解时限 2026-12-31 应在交办日期 2026-03-02 和办理时限 2026-04-30 之间" in body
    assert "负责乙县片区</textarea>" in body
    assert empty.status_code == 400 and "这个字段是必填项" in empty.content.decode()
    assert not item.assignments.filter(unit=units["TB"]).exists()


def test_the_office_reassigns_a_unit_through_the_page(login, item, units):
    client = login("office")
    lead = item.assignments.get(role="lead")
    with clock.frozen(dt.date(2026, 3, 10)):
        answer = client.post(
            reverse("sup_item_act", args=[item.pk, "reassign"]),
            {"assignment": str(lead.pk), "unit": str(units["TB"].pk), "note": "不属甲县职责"},
        )
        assert answer.status_code == 302
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
    lead.refresh_from_db()
    assert not lead.active and lead.returns == 1
    new = item.assignments.get(active=True, role="lead")
    assert new.unit_id == units["TB"].pk
    history = page[page.index('id="history"') :]
    assert "改交其他单位" in history and "不属甲县职责" in history and "（原 甲县）" in history
    # 甲县 no longer carries the item.
    assert login("contact_a").get(reverse("sup_item_detail", args=[item.pk])).status_code == 404


def test_a_bad_reassignment_says_why_and_saves_nothing(login, item, units):
    client = login("office")
    lead = item.assignments.get(role="lead")
    with clock.frozen(dt.date(2026, 3, 10)):
        on_item = client.post(
            reverse("sup_item_act", args=[item.pk, "reassign"]),
            {"assignment": str(lead.pk), "unit": str(units["TD01"].pk), "note": "改交"},
        )
        no_note = client.post(
            reverse("sup_item_act", args=[item.pk, "reassign"]),
            {"assignment": str(lead.pk), "unit": str(units["TB"].pk), "note": ""},
        )
        stranger = client.post(
            reverse("sup_item_act", args=[item.pk, "reassign"]),
            {"assignment": "999999", "unit": str(units["TB"].pk), "note": "改交"},
        )
    assert on_item.status_code == 400
    assert "“市教育局”已是该事项的承办单位。" in on_item.content.decode()
    assert no_note.status_code == 400 and "改交理由" in no_note.content.decode()
    assert stranger.status_code == 400
    assert "请选择该事项现有的承办单位" in stranger.content.decode()
    lead.refresh_from_db()
    assert lead.active and lead.returns == 0
    assert item.assignments.filter(active=True).count() == 2


def test_split_and_reassign_are_the_offices(login, item, units):
    client = login("contact_a")
    lead = item.assignments.get(role="lead")
    with clock.frozen(dt.date(2026, 3, 10)):
        page = client.get(reverse("sup_item_detail", args=[item.pk])).content.decode()
        split = client.post(
            reverse("sup_item_act", args=[item.pk, "split"]),
            {"unit": str(units["TA01"].pk), "task": "交给镇里"},
        )
        reassign = client.post(
            reverse("sup_item_act", args=[item.pk, "reassign"]),
            {"assignment": str(lead.pk), "unit": str(units["TA01"].pk), "note": "推给镇里"},
        )
    assert "分解到单位" not in page[: page.index('id="feedback"')]
    assert split.status_code == 403 and reassign.status_code == 403
    assert item.assignments.count() == 2
    lead.refresh_from_db()
    assert lead.active
