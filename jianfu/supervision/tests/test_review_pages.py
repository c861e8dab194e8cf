"""The review's pages for the office, a leader and a unit's contact: the review (lagging first,
filter by kind), a unit's review with its items and projects, the forms keeping what was typed
when refused (a percent over 100, a negative value), another unit answering 404, the export
opening with openpyxl, the bulletin section's figures equal to the page's, the home cards."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock
from jianfu.core.models import AuditEntry, User
from jianfu.supervision.items import services as item_services
from jianfu.supervision.items.models import ItemSource
from jianfu.supervision.review import home, queries
from jianfu.supervision.review.models import Target

from . import review_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(units):
    targets = f.city(units)
    with clock.frozen(dt.date(2025, 3, 1)):
        item_services.item_create(
            by=f.office(),
            source=ItemSource.ANNUAL,
            title="推进农村人居环境整治",
            deadline=dt.date(2025, 6, 1),
            lead_unit_id=units["TA"].pk,
            co_unit_ids=[],
            issue=True,
        )
    return targets


@pytest.mark.parametrize("who", ["office", "leader", "contact_a"])
def test_pages_render(who, city, units, login):
    client = login(who)
    with clock.frozen(f.AS_OF):
        for url in (
            reverse("review_board") + "?year=2025",
            reverse("review_board") + "?year=2025&kind=economic",
            reverse("review_unit", args=[units["TA"].pk]) + "?year=2025",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "甲县" in response.content.decode()


def test_the_review_lists_lagging_units_first_with_their_figures(city, units, login):
    with clock.frozen(f.AS_OF):
        page = login("office").get(reverse("review_board") + "?year=2025").content.decode()
    assert page.index("甲县") < page.index("乙县")
    assert "49.6%" in page and "落后 24.6 个百分点" in page
    with clock.frozen(f.AS_OF):
        page = login("office").get(reverse("review_board") + "?year=2025&kind=key_work")
    assert "乙县" in page.content.decode() and "甲县" not in page.content.decode()


def test_the_unit_page_shows_its_items_and_projects(city, units, login):
    with clock.frozen(f.AS_OF):
        page = login("office").get(reverse("review_unit", args=[units["TA"].pk]) + "?year=2025")
    text = page.content.decode()
    assert "推进农村人居环境整治" in text and "逾期 1 项" in text
    assert "列为滞后单位" in text


def test_the_contact_sees_its_own_unit_only(city, units, login):
    client = login("contact_a")
    with clock.frozen(f.AS_OF):
        page = client.get(reverse("review_board") + "?year=2025").content.decode()
        assert "甲县" in page and "乙县" not in page
        assert client.get(reverse("review_unit", args=[units["TB"].pk])).status_code == 404
        b1 = city["b1"]
        assert client.get(reverse("review_target_progress", args=[b1.pk])).status_code == 404
        assert (
            client.post(reverse("review_target_progress", args=[b1.pk]), {"done_value": "1"})
        ).status_code == 404
        # The office's forms are not the contact's.
        assert client.get(reverse("review_target_create")).status_code == 403
        assert client.get(reverse("review_target_edit", args=[city["a1"].pk])).status_code == 403
        assert client.get(reverse("review_date")).status_code == 403
    assert Target.objects.get(pk=b1.pk).done_value == 110


def test_the_leader_views_but_does_not_enter(city, units, login):
    client = login("leader")
    assert client.get(reverse("review_target_create")).status_code == 403
    assert client.get(reverse("review_target_progress", args=[city["a1"].pk])).status_code == 403


def test_the_contact_enters_its_values(city, login):
    client = login("contact_a")
    a1, a2 = city["a1"], city["a2"]
    with clock.frozen(f.AS_OF):
        r = client.post(
            reverse("review_target_progress", args=[a1.pk]),
            {"done_value": "48.5", "note": "上半年增长较快"},
        )
        assert r.status_code == 302
        r = client.post(reverse("review_target_progress", args=[a2.pk]), {"percent": "55"})
        assert r.status_code == 302
    a1.refresh_from_db(), a2.refresh_from_db()
    assert float(a1.done_value) == 48.5 and float(a2.percent) == 55
    assert AuditEntry.objects.filter(code="jianfu.supervision.review.progress").count() == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("percent", "120", "不能超过 100，收到 120"),
        ("percent", "-5", "不能为负数，收到 -5"),
        ("percent", "过半", "应为数字，收到“过半”"),
    ],
)
def test_a_bad_percent_is_refused_keeping_what_was_typed(city, login, field, value, message):
    a2 = city["a2"]
    r = login("contact_a").post(
        reverse("review_target_progress", args=[a2.pk]), {field: value, "note": "我的说明"}
    )
    text = r.content.decode()
    assert r.status_code == 400 and message in text
    assert f'value="{value}"' in text and "我的说明" in text
    a2.refresh_from_db()
    assert float(a2.percent) == 30


def test_a_negative_done_value_is_refused(city, login):
    a1 = city["a1"]
    r = login("contact_a").post(
        reverse("review_target_progress", args=[a1.pk]), {"done_value": "-3"}
    )
    assert r.status_code == 400 and "“累计完成值”不能为负数，收到 -3" in r.content.decode()
    a1.refresh_from_db()
    assert a1.done_value == 20


def test_the_office_registers_and_is_refused_with_typed_input_kept(units, login):
    client = login("office")
    data = {
        "unit": units["TA"].pk,
        "kind": "livelihood",
        "name": "新建幼儿园",
        "target_value": "",
        "measure": "",
        "done_value": "",
        "percent": "101",
        "note": "",
    }
    with clock.frozen(f.AS_OF):
        url = reverse("review_target_create") + "?year=2025"
        r = client.post(url, data)
        assert r.status_code == 400 and "不能超过 100" in r.content.decode()
        assert "新建幼儿园" in r.content.decode()
        assert not Target.objects.exists()
        r = client.post(url, data | {"target_value": "-2", "percent": ""})
        assert r.status_code == 400 and "“年度目标值”不能为负数" in r.content.decode()
        r = client.post(url, data | {"percent": "40"})
        assert r.status_code == 302
        r = client.post(url, data | {"percent": "40"})
        assert r.status_code == 400 and "请勿重复登记" in r.content.decode()
    t = Target.objects.get()
    assert t.review.year == 2025 and float(t.percent) == 40 and t.entered_at is not None
    # Edit and delete.
    with clock.frozen(f.AS_OF):
        r = client.post(
            reverse("review_target_edit", args=[t.pk]),
            data | {"percent": "60", "name": "新建幼儿园3所"},
        )
        assert r.status_code == 302
        t.refresh_from_db()
        assert t.name == "新建幼儿园3所" and float(t.percent) == 60
        r = client.post(reverse("review_target_edit", args=[t.pk]), {"delete": "1"})
        assert r.status_code == 302 and not Target.objects.exists()


def test_the_office_sets_the_date(login):
    client = login("office")
    with clock.frozen(f.AS_OF):
        assert client.get(reverse("review_date") + "?year=2025").status_code == 200
        r = client.post(reverse("review_date") + "?year=2025", {"stock_date": "2026-06-30"})
        assert r.status_code == 400 and "不在 2025 年内" in r.content.decode()
        r = client.post(reverse("review_date") + "?year=2025", {"stock_date": "2025-07-15"})
        assert r.status_code == 302
    assert queries.stock_date(2025) == dt.date(2025, 7, 15)


def test_the_export_opens_and_holds_the_page_figures(city, login):
    with clock.frozen(f.AS_OF):
        r = login("office").get(reverse("review_export") + "?year=2025")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    units, targets = book.worksheets
    rows = list(units.iter_rows(values_only=True))
    assert rows[0][0] == "单位"
    assert rows[1][:5] == ("甲县", 49.6, 25.0, 24.6, "是")
    assert rows[2][0] == "乙县" and rows[2][4] == "否"
    assert rows[1][8] == 1 and rows[1][9] == 1  # one open item, red
    assert len(list(targets.iter_rows(values_only=True))) == 5


def test_the_bulletin_section_equals_the_page(city, units):
    office = User.objects.get(username="office")
    ctx = bs.Context(office, dt.date(2025, 6, 1), dt.date(2025, 6, 30), "6月")
    with clock.frozen(f.AS_OF):
        part = bs.SECTIONS["supervision_review"].build(ctx)
        stock = queries.stock(office, 2025)
    figures = {x["label"]: x["value"] for x in part.figures}
    assert figures == {"时间进度（%）": 49.6, "参加回头看单位": 2, "滞后单位": 1}
    assert [line["unit"] for line in part.lines] == [r.unit_id for r in stock.lagging]
    assert "甲县：完成进度 25.0%，低于时间进度 24.6 个百分点" in part.lines[0]["text"]
    assert "督办事项逾期 1 项" in part.lines[0]["text"]
    # Before the stock-taking date the section is empty.
    early = bs.Context(office, dt.date(2025, 5, 1), dt.date(2025, 5, 31), "5月")
    with clock.frozen(f.AS_OF):
        assert bs.SECTIONS["supervision_review"].build(early).empty


def test_home_cards(city, people):
    with clock.frozen(dt.date(2025, 6, 20)):
        assert home.office_cards(people["office"], dt.date(2025, 6, 20)) == []
        cards = home.contact_cards(people["contact_a"], dt.date(2025, 6, 20))
    # Entered in July (the factory's clock), so nothing waits before the month of the date...
    assert cards == []
    with clock.frozen(f.AS_OF):
        card = home.office_cards(people["office"], f.AS_OF)[0]
    assert card.count == 1 and card.tone == "urgent"
    Target.objects.filter(pk=city["a2"].pk).update(entered_at=None, percent=None)
    with clock.frozen(f.AS_OF):
        card = home.contact_cards(people["contact_a"], f.AS_OF)[0]
        assert card.count == 1
        assert home.contact_cards(people["contact_b"], f.AS_OF) == []


def test_the_home_page_shows_the_cards(city, login):
    with clock.frozen(f.AS_OF):
        page = login("office").get(reverse("home")).content.decode()
    assert "年中回头看滞后单位" in page
