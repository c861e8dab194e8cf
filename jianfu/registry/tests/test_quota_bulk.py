"""Quotas from last year's actual figures: the office first sees, unit by unit, the base each
quota is cut from and the period it covers, in particular when that period is short of a year
(the base year still running, the registry starting in the middle of it); the result says the
same; a base year with nothing in it is refused rather than turned into quotas of 0."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import AuditEntry, Unit
from jianfu.registry.models import Document, Quota
from jianfu.registry.records import services

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


def _docs(by, unit, n, day):
    for i in range(n):
        services.record_create(
            Document,
            by=by,
            unit=unit,
            title=f"关于第{i}项工作的通知",
            number=f"{unit.code}发〔{day.year}〕{day.month}-{i}号",
            issued_on=day,
            kind="red_header",
        )


def _post(client, year, confirm=False, **extra):
    data = {"year": str(year), "category": "document", "units": "county", "cut_pct": "30"}
    if confirm:
        data["confirm"] = "1"
    data.update(extra)
    return client.post(reverse("quota_bulk"), data, follow=confirm)


def _cell(body: str, code: str) -> str:
    match = re.search(rf'data-unit="{code}" data-category="document">(.*?)</td>', body, re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def _message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_a_full_base_year_is_previewed_per_unit_then_written_on_confirm(login, people, units):
    _docs(people["office"], units["TA"], 10, dt.date(2024, 1, 10))
    _docs(people["office"], units["TA"], 4, dt.date(2024, 11, 3))
    client = login("office")
    preview = _post(client, 2025)
    assert preview.status_code == 200
    assert not Quota.objects.exists()  # the preview writes nothing
    body = preview.content.decode()
    assert "发文：2024 年全年（2024-01-01 至 2024-12-31）的实际计入数" in body
    assert "不足一年" not in body
    assert _cell(body, "TA") == "14 → 9 1–11 月中 2 个月有登记"
    assert _cell(body, "TB") == "0 → 0 上年无登记"
    assert 'name="confirm" value="1"' in body
    done = _post(client, 2025, confirm=True)
    assert Quota.objects.get(unit=units["TA"], year=2025, category="document").limit == 9
    assert Quota.objects.get(unit=units["TB"], year=2025, category="document").limit == 0
    message = _message(done)
    assert "基数：发文：2024 年全年（2024-01-01 至 2024-12-31）的实际计入数" in message
    assert "其中 1 项上年无登记，新指标为 0" in message
    entry = AuditEntry.objects.get(code="jianfu.registry.quota.derived")
    assert entry.extra["base_from"] == "2024-01-01" and entry.extra["base_complete"] is True


@pytest.mark.django_db
def test_a_running_base_year_is_named_as_year_to_date_in_preview_and_result(login, people, units):
    # Next year's quotas set in June: the base is this year's first five and a half months.
    _docs(people["office"], units["TA"], 10, dt.date(2025, 2, 10))
    _docs(people["office"], units["TB"], 1, dt.date(2024, 1, 10))
    client = login("office")
    body = _post(client, 2026).content.decode()
    base = "发文：2025-01-01 至 2025-06-15 已登记的实际计入数（2025 年尚未结束，不足一年）"
    assert base in body and "基数不足一年" in body
    assert _cell(body, "TA") == "10 → 7 仅 2 月有登记"
    done = _post(client, 2026, confirm=True)
    assert Quota.objects.get(unit=units["TA"], year=2026, category="document").limit == 7
    assert base in _message(done)
    # The quota table says its "last year" figures are year-to-date too.
    table = client.get(reverse("quota_settings"), {"year": "2026"}).content.decode()
    assert "2025 年尚未结束：灰字“上年”是截至 2025-06-15 已登记的数" in table


@pytest.mark.django_db
def test_a_registry_starting_mid_year_is_named(login, people, units):
    _docs(people["office"], units["TA"], 6, dt.date(2024, 3, 4))
    body = _post(login("office"), 2025).content.decode()
    assert (
        "发文：2024-03-01 至 2024-12-31 的实际计入数（平台 2024 年 3 月起才有发文登记，不足一年）"
        in body
    )
    assert 'data-complete="0"' in body


@pytest.mark.django_db
def test_a_closed_predecessor_is_counted_and_named(login, people, units):
    city = units["T"]
    old = Unit.objects.add_child(city, {"code": "TX", "name": "原丙县", "kind": "county"})
    _docs(people["office"], old, 10, dt.date(2024, 5, 5))
    old.valid_until, old.successor = dt.date(2024, 12, 31), units["TA"]
    old.save()
    _docs(people["office"], units["TA"], 10, dt.date(2024, 1, 5))
    body = _post(login("office"), 2025).content.decode()
    assert _cell(body, "TA") == "20 → 14 1–5 月中 2 个月有登记 含已撤销的原丙县"
    assert 'data-unit="TX"' not in body


@pytest.mark.django_db
def test_a_base_year_not_begun_or_empty_is_refused_and_nothing_written(login, people, units):
    client = login("office")
    # 2027's quotas in 2025: 2026 has not begun; before, every quota silently became 0.
    done = _post(client, 2027, confirm=True)
    assert "2026 年尚未开始，没有实际数可作基数" in _message(done)
    preview = _post(client, 2027)
    assert preview.status_code == 302
    # A year with no documents registered at all is refused in the preview and on confirm.
    _docs(people["office"], units["TA"], 3, dt.date(2025, 1, 10))
    body = _post(client, 2024).content.decode()
    assert "平台上 2023 年没有任何发文登记" in body and 'name="confirm"' not in body
    done = _post(client, 2024, confirm=True)
    assert "平台上 2023 年没有任何发文登记" in _message(done)
    assert not Quota.objects.exists()


@pytest.mark.django_db
def test_only_the_office_may_preview(login):
    assert _post(login("leader"), 2025).status_code == 403
    assert _post(login("contact_a"), 2025).status_code == 403
