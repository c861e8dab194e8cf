"""Sample points: designation rules, changes and closing, and who sees which page.

The test city: 甲一村 (TA0101, county A) is a point reported by `reporter`; 甲一镇 (TA01) and
乙一镇 (TB01) are townships that are not points yet; 市教育局 (TD01) is a department.
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry, RoleGrant, Unit, User
from jianfu.monitoring.models import SamplePoint
from jianfu.monitoring.points import services
from jianfu.monitoring.reports import services as report_services
from jianfu.monitoring.tests.test_submit import answers

TODAY = dt.date(2025, 4, 3)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def point(db):
    return SamplePoint.objects.select_related("unit").get(unit__code="TA0101")


def account(username, code, roles=("reporter",), **extra):
    user = User.objects.create(
        username=username, full_name=username, home_unit=Unit.objects.get(code=code), **extra
    )
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    return user


def submit(point, period="2025-03", day=TODAY, **values):
    reporter = point.reporters.first()
    with clock.frozen(day):
        return report_services.report_submit(
            by=reporter,
            point=point,
            period=period,
            values=answers(**values),
            client_key=str(uuid.uuid4()),
        )[0]


# --- Designation rules --------------------------------------------------------------------------


def test_the_office_designates_a_township_with_its_reporter(people, units):
    r = account("r-ta01", "TA01")
    point = services.point_designate(
        by=people["office"], unit=units["TA01"], since=dt.date(2025, 1, 1), reporters=[r]
    )
    assert (point.county.code, point.kind) == ("TA", "township")
    assert list(point.reporters.all()) == [r]
    assert AuditEntry.objects.filter(
        code="jianfu.monitoring.point.designated", object_id=str(point.pk)
    ).exists()


@pytest.mark.parametrize("code", ["TD01", "TA", "T"])
def test_only_grassroots_units_can_be_points(people, units, code):
    with pytest.raises(DomainError) as e:
        services.point_designate(by=people["office"], unit=units[code], since=TODAY)
    assert e.value.code == "bad_kind"


def test_a_unit_outside_scope_cannot_be_designated(people, units):
    county_office = account("office-a", "TA", roles=("office",))
    with pytest.raises(DomainError) as e:
        services.point_designate(by=county_office, unit=units["TB01"], since=TODAY)
    assert e.value.code == "out_of_scope"
    with pytest.raises(PermissionDenied):
        services.point_designate(by=people["contact_a"], unit=units["TA01"], since=TODAY)


def test_a_unit_is_a_point_once(people, units):
    with pytest.raises(DomainError) as e:
        services.point_designate(by=people["office"], unit=units["TA0101"], since=TODAY)
    assert e.value.code == "duplicate"


def test_reporters_must_belong_to_the_unit_and_hold_the_role(people, units, point):
    # The village's reporter cannot report for the township.
    with pytest.raises(DomainError) as e:
        services.point_designate(
            by=people["office"], unit=units["TA01"], since=TODAY, reporters=[people["reporter"]]
        )
    assert e.value.code == "bad_reporter" and e.value.field == "reporters"
    # An account of the village without the reporter role is refused too (the security
    # administrator grants it).
    clerk = account("clerk-ta0101", "TA0101", roles=())
    with pytest.raises(DomainError) as e:
        services.reporters_set(by=people["office"], point=point, reporters=[clerk])
    assert e.value.code == "bad_reporter" and "安全管理员" in str(e.value.message)
    second = account("r2-ta0101", "TA0101")
    services.reporters_set(by=people["office"], point=point, reporters=[people["reporter"], second])
    assert set(point.reporters.values_list("username", flat=True)) == {"reporter", "r2-ta0101"}


def test_dates_may_not_leave_a_report_outside_monitoring(people, point):
    submit(point)  # 2025-03
    with pytest.raises(DomainError) as e:
        services.point_close(by=people["office"], point=point, until=dt.date(2025, 2, 20))
    assert e.value.code == "has_reports" and e.value.field == "until"
    with pytest.raises(DomainError) as e:
        services.point_update(by=people["office"], point=point, since=dt.date(2025, 4, 1))
    assert e.value.code == "has_reports" and e.value.field == "since"
    services.point_close(by=people["office"], point=point, until=dt.date(2025, 4, 30))
    point.refresh_from_db()
    assert point.until == dt.date(2025, 4, 30)
    services.point_close(by=people["office"], point=point, until=None)
    point.refresh_from_db()
    assert point.until is None
    codes = list(
        AuditEntry.objects.filter(
            object_id=str(point.pk), code__startswith="jianfu.monitoring.point"
        )
        .order_by("seq")
        .values_list("code", flat=True)
    )
    assert codes[-2:] == ["jianfu.monitoring.point.closed", "jianfu.monitoring.point.reopened"]


def test_an_update_is_audited_with_its_changes(people, point):
    services.point_update(
        by=people["office"], point=point, since=dt.date(2023, 2, 1), note="重点村"
    )
    entry = AuditEntry.objects.filter(code="jianfu.monitoring.point.updated").latest("seq")
    assert entry.changes["note"] == ["", "重点村"]
    assert entry.changes["since"] == ["2023-01-01", "2023-02-01"]


# --- Pages: designation and edits ---------------------------------------------------------------


def test_designation_search_offers_grassroots_units_in_scope_not_yet_points(login, db):
    client = login("office")
    page = client.get(reverse("point_create"), {"q": "甲一"})
    names = [u.name for u in page.context["candidates"]]
    assert names == ["甲一镇"]  # 甲一村 is a point already
    assert client.get(reverse("point_create"), {"q": "TD01"}).context["candidates"] == []
    partial = client.get(
        reverse("point_create"), {"q": "TB"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidates"
    )
    assert "乙一镇" in partial.content.decode() and "<html" not in partial.content.decode()


def test_designation_without_a_reporter_account_explains_the_three_administrators(login, units):
    page = login("office").get(reverse("point_create"), {"unit": units["TA01"].pk})
    text = page.content.decode()
    assert "系统管理员" in text and "安全管理员" in text


def test_designation_by_the_page(login, units):
    r = account("r-ta01", "TA01")
    client = login("office")
    page = client.get(reverse("point_create"), {"unit": units["TA01"].pk})
    assert r.username in page.content.decode()
    response = client.post(
        reverse("point_create"),
        {"unit": units["TA01"].pk, "since": "2025-04-01", "reporters": [r.pk], "note": ""},
    )
    point = SamplePoint.objects.get(unit=units["TA01"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "point_detail", args=[point.pk]
    )
    assert list(point.reporters.all()) == [r]


def test_designation_errors_are_shown_on_the_form(login, units):
    response = login("office").post(
        reverse("point_create"), {"unit": units["TA01"].pk, "since": "", "reporters": []}
    )
    assert response.status_code == 400 and response.context["form"].errors["since"]


def test_edit_and_close_by_the_page(login, point):
    second = account("r2-ta0101", "TA0101")
    client = login("office")
    response = client.post(
        reverse("point_edit", args=[point.pk]),
        {"since": "2023-01-01", "reporters": [second.pk], "note": "换人"},
    )
    assert response.status_code == 302
    assert list(point.reporters.values_list("username", flat=True)) == ["r2-ta0101"]
    response = client.post(reverse("point_close", args=[point.pk]), {"until": "2023-01-01x"})
    assert response.status_code == 400
    client.post(reverse("point_close", args=[point.pk]), {"until": "2025-04-30"})
    point.refresh_from_db()
    assert point.until == dt.date(2025, 4, 30)
    client.post(reverse("point_close", args=[point.pk]), {"reopen": "1"})
    point.refresh_from_db()
    assert point.until is None


# --- Who sees what ------------------------------------------------------------------------------


def _point_pk():
    return SamplePoint.objects.get(unit__code="TA0101").pk


PAGES = [
    # (url, {role: status}, default); the administrators never see a point: 404, as if missing
    (lambda: reverse("point_list"), {"reporter": 403, "sysadmin": 403, "auditor": 403}, 200),
    (
        lambda: reverse("point_detail", args=[_point_pk()]),
        {"contact_b": 404, "reporter": 403, "sysadmin": 404, "auditor": 404},
        200,
    ),
    (
        lambda: reverse("point_report", args=[_point_pk(), "2025-03"]),
        {"contact_a": 403, "contact_b": 404, "sysadmin": 404, "auditor": 404},
        200,
    ),
    (
        lambda: reverse("point_edit", args=[_point_pk()]),
        {"office": 200, "contact_b": 404, "sysadmin": 404, "auditor": 404},
        403,
    ),
    (
        lambda: reverse("point_close", args=[_point_pk()]),
        {"office": 200, "contact_b": 404, "sysadmin": 404, "auditor": 404},
        403,
    ),
    (lambda: reverse("point_create"), {"office": 200}, 403),
    (lambda: reverse("completeness"), {"reporter": 403, "sysadmin": 403, "auditor": 403}, 200),
]
ROLES = ["office", "leader", "discipline", "contact_a", "contact_b", "reporter", "sysadmin"]
ROLES += ["auditor"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", range(len(PAGES)))
def test_scope_per_role(login, point, role, page):
    submit(point)
    url, overrides, default = PAGES[page]
    response = login(role).get(url())
    assert response.status_code == overrides.get(role, default), (role, url())


def test_the_county_contact_sees_that_its_points_report_not_what(login, point):
    submit(point)
    page = login("contact_a").get(reverse("point_detail", args=[point.pk]))
    text = page.content.decode()
    assert "按时" in text  # that it reported
    assert reverse("point_report", args=[point.pk, "2025-03"]) not in text
    listing = login("contact_a").get(reverse("point_list")).content.decode()
    assert "甲一村" in listing
    assert "甲一村" not in login("contact_b").get(reverse("point_list")).content.decode()


def test_post_actions_are_refused_to_the_wrong_roles(login, point):
    for role in ("leader", "contact_a", "reporter"):
        client = login(role)
        response = client.post(reverse("point_close", args=[point.pk]), {"until": "2025-04-30"})
        assert response.status_code == 403, role
        response = client.post(reverse("period_toggle"), {"period": "2025-03", "closed": "1"})
        assert response.status_code == 403, role
        response = client.post(reverse("completeness_remind"), {"period": "2025-03"})
        assert response.status_code == 403, role
    point.refresh_from_db()
    assert point.until is None


# --- Reports: answers and versions --------------------------------------------------------------


def test_a_report_shows_every_answer_and_what_changed_between_versions(login, point):
    submit(point, docs_total=30)
    submit(point, docs_total=32, burden_score=4)
    page = login("office").get(reverse("point_report", args=[point.pk, "2025-03"]))
    text = page.content.decode()
    assert "本期收到上级文件" in text and "本期总体负担感受" in text
    history = page.context["history"]
    assert [h["version"].version for h in history] == [2, 1]
    changed = {c["label"]: (c["before"], c["after"]) for c in history[0]["changes"]}
    assert changed == {
        "本期收到上级文件（含白头文件、通知、工作群布置工作的消息）共多少件？": (30, 32),
        "本期总体负担感受（1 很轻 — 5 很重）": (3, 4),
    }
    assert (
        login("office").get(reverse("point_report", args=[point.pk, "2025-02"])).status_code == 404
    )


def test_the_point_page_lists_its_periods_with_late_and_on_time(login, point):
    submit(point, period="2025-02", day=dt.date(2025, 3, 20))  # after 5 March: late
    submit(point)
    submit(point)
    page = login("office").get(reverse("point_detail", args=[point.pk]))
    rows = {r.period: r for r in page.context["history"]}
    assert rows["2025-03"].status == "on_time" and rows["2025-03"].report.version == 2
    assert rows["2025-02"].status == "late"
    assert rows["2025-01"].status == "missing"
    # From the point's designation (January 2023) to the latest period that has ended.
    assert list(rows)[0] == "2025-03" and list(rows)[-1] == "2023-01" and len(rows) == 27


# --- Lists keep their queries bounded -----------------------------------------------------------


def _make_points(n, prefix, reporters=1):
    county = Unit.objects.get(code="TA")
    for i in range(n):
        township = Unit.objects.get(code="TA01")
        unit = Unit.objects.add_child(
            township, {"code": f"{prefix}{i:02d}", "name": f"{prefix}村{i}", "kind": "village"}
        )
        point = SamplePoint.objects.create(
            unit=unit, county=county, kind="village", since=dt.date(2024, 1, 1)
        )
        point.reporters.set([account(f"r-{unit.code}-{j}", unit.code) for j in range(reporters)])


@pytest.mark.parametrize("url", ["point_list", "completeness"])
def test_lists_keep_their_queries_bounded(login, db, django_assert_max_num_queries, url):
    client = login("office")
    client.get(reverse("home"))  # the session's first request stamps it (one query fewer)
    _make_points(2, "TA01A")  # 3 points with the village
    with django_assert_max_num_queries(25) as few:
        assert client.get(reverse(url)).status_code == 200
    _make_points(27, "TA01B", reporters=2)
    assert SamplePoint.objects.count() == 30
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        assert client.get(reverse(url)).status_code == 200
    assert len(many.captured_queries) <= len(few.captured_queries)


def test_the_list_filters_and_answers_htmx_with_its_rows(login, point):
    client = login("office")
    page = client.get(reverse("point_list"), {"kind": "village", "county": point.county_id})
    assert [p.unit.code for p in page.context["page"]] == ["TA0101"]
    assert page.context["counts"]["kinds"] == [("village", "村（社区）", 1)]
    assert (
        client.get(reverse("point_list"), {"kind": "school"}).context["page"].paginator.count == 0
    )
    partial = client.get(
        reverse("point_list"), {"q": "TA0101"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="point-rows"
    )
    text = partial.content.decode()
    assert "甲一村" in text and "<html" not in text
