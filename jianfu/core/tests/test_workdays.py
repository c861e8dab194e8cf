import datetime as dt

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jianfu.core import clock, services, workdays
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry, HolidayOverride

D = dt.date
# A year chinese-calendar 1.11 does not know, and one nobody will ever have entered.
UNKNOWN = workdays.LAST_KNOWN_YEAR + 1
FAR = 2090


def _override(day, kind, name=""):
    return HolidayOverride.objects.create(day=day, kind=kind, name=name)


# --- The State Council schedule the library knows ------------------------------------------------


@pytest.mark.django_db
def test_national_day_2026_is_off_and_its_make_up_days_are_worked():
    # Checked against the library itself, so a changed schedule fails here rather than silently.
    assert not chinese_calendar.is_workday(D(2026, 10, 1))
    assert chinese_calendar.is_workday(D(2026, 9, 20)) and chinese_calendar.is_workday(
        D(2026, 10, 10)
    )
    assert not workdays.is_workday(D(2026, 10, 1))
    assert not workdays.is_workday(D(2026, 10, 7))
    assert workdays.is_workday(D(2026, 9, 20))  # Sunday, make-up day
    assert workdays.is_workday(D(2026, 10, 10))  # Saturday, make-up day
    assert not workdays.is_workday(D(2026, 10, 11))  # an ordinary Sunday
    assert workdays.coverage(D(2026, 10, 1)) == workdays.CALENDAR


@pytest.mark.django_db
def test_add_workdays_skips_the_national_day_week_and_counts_the_make_up_saturday():
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 9, 29), 2) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert workdays.add_workdays(D(2026, 9, 18), 1) == D(2026, 9, 20)
    with pytest.raises(ValueError):
        workdays.add_workdays(D(2026, 9, 30), 0)


@pytest.mark.django_db
def test_workdays_between_counts_after_a_up_to_b_and_is_negative_when_late():
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert workdays.workdays_between(D(2026, 9, 29), D(2026, 10, 10)) == 4
    assert workdays.workdays_between(D(2026, 10, 8), D(2026, 10, 8)) == 0
    assert workdays.workdays_between(D(2026, 10, 12), D(2026, 10, 9)) == -2  # Sat and Mon late
    for start, n in [(D(2026, 9, 25), 7), (D(2026, 12, 28), 15), (D(2026, 1, 1), 30)]:
        assert workdays.workdays_between(start, workdays.add_workdays(start, n)) == n


# --- Office overrides ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_override_makes_a_holiday_and_a_make_up_day_in_a_year_the_library_does_not_know():
    year = UNKNOWN
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(year, 10, 1))
    friday = next(D(year, 10, d) for d in range(1, 8) if D(year, 10, d).weekday() == 4)
    saturday = friday + dt.timedelta(days=8)
    assert workdays.coverage(friday) == workdays.WEEKENDS_ONLY
    assert workdays.is_workday(friday) and not workdays.is_workday(saturday)

    _override(friday, "holiday", "国庆节")
    _override(saturday, "workday", "国庆节")
    assert workdays.coverage(D(year, 1, 1)) == workdays.OVERRIDES
    assert not workdays.is_workday(friday)
    assert workdays.is_workday(saturday)
    thursday = friday - dt.timedelta(days=1)
    assert workdays.add_workdays(thursday, 1) == friday + dt.timedelta(days=3)  # Monday
    # The following Friday, then the make-up Saturday.
    assert workdays.add_workdays(thursday, 6) == saturday


@pytest.mark.django_db
def test_an_override_wins_over_the_library():
    _override(D(2026, 10, 10), "holiday", "更正")
    assert not workdays.is_workday(D(2026, 10, 10))
    assert workdays.add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 12)
    assert workdays.coverage(D(2026, 10, 10)) == workdays.CALENDAR


@pytest.mark.django_db
def test_beyond_every_schedule_only_weekends_are_off_and_callers_are_warned():
    new_year = D(FAR, 1, 1)
    assert workdays.coverage(new_year) == workdays.WEEKENDS_ONLY
    assert workdays.is_workday(new_year) == (new_year.weekday() < 5)
    # From the last known December into the first unknown year: only that year is guessed.
    note = workdays.deadline_note(D(UNKNOWN - 1, 12, 20), 20)
    assert note.due == workdays.add_workdays(D(UNKNOWN - 1, 12, 20), 20)
    assert note.weekends_only_years == (UNKNOWN,) and note.approximate
    assert str(UNKNOWN) in note.warning and "只按周末" in note.warning
    sentence = workdays.coverage_sentence(FAR, workdays.coverage(new_year))
    assert "只按周末计算" in sentence


@pytest.mark.django_db
def test_a_deadline_inside_the_known_schedule_carries_no_warning():
    note = workdays.deadline_note(D(2026, 9, 30), 1)
    assert note.due == D(2026, 10, 8)
    assert not note.approximate and note.warning == ""


@pytest.mark.django_db
def test_a_long_span_reads_the_overrides_once(django_assert_max_num_queries):
    _override(D(UNKNOWN, 2, 8), "holiday", "春节")
    with django_assert_max_num_queries(1):
        due = workdays.add_workdays(D(2026, 3, 1), 250)
    with django_assert_max_num_queries(1):
        assert workdays.workdays_between(D(2026, 3, 1), due) == 250
    with django_assert_max_num_queries(1):
        workdays.deadline_note(D(2026, 3, 1), 250)
    cal = workdays.load(D(2026, 1, 1), D(UNKNOWN, 12, 31))
    with django_assert_max_num_queries(0):
        [
            cal.workdays_between(D(2026, 1, 1), D(2026, 1, 1) + dt.timedelta(days=i))
            for i in range(50)
        ]


# --- Services ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_office_sets_changes_and_deletes_an_override_each_audited(people):
    office, day = people["office"], D(UNKNOWN, 10, 1)
    row = services.holiday_override_set(by=office, day=day, kind="holiday", name="国庆节")
    assert row.created_by == office
    entry = AuditEntry.objects.latest("seq")
    assert entry.code == "jianfu.core.holiday_override.created"
    assert entry.object_type == "core.holidayoverride" and entry.object_id == str(row.pk)
    assert entry.changes["kind"] == [None, "holiday"]

    services.holiday_override_set(by=office, day=day, kind="workday", name="国庆节")
    assert AuditEntry.objects.latest("seq").code == "jianfu.core.holiday_override.changed"
    assert workdays.is_workday(day)

    services.holiday_override_delete(by=office, day=day)
    entry = AuditEntry.objects.latest("seq")
    assert entry.code == "jianfu.core.holiday_override.deleted"
    assert entry.object_id == str(row.pk)
    assert not HolidayOverride.objects.exists()


@pytest.mark.django_db
def test_leader_may_not_set_or_delete_overrides(people):
    with pytest.raises(PermissionDenied):
        services.holiday_override_set(by=people["leader"], day=D(UNKNOWN, 10, 1), kind="holiday")
    _override(D(UNKNOWN, 10, 1), "holiday")
    with pytest.raises(PermissionDenied):
        services.holiday_override_delete(by=people["leader"], day=D(UNKNOWN, 10, 1))
    assert not AuditEntry.objects.filter(code__startswith="jianfu.core.holiday_override").exists()


@pytest.mark.django_db
def test_bad_input_is_refused_with_a_code_and_a_field(people):
    office, day = people["office"], D(UNKNOWN, 10, 1)
    with pytest.raises(DomainError) as e:
        services.holiday_override_set(by=office, day=day, kind="weekend")
    assert (e.value.code, e.value.field) == ("bad_kind", "kind")
    services.holiday_override_set(by=office, day=day, kind="holiday", name="国庆节")
    with pytest.raises(DomainError) as e:
        services.holiday_override_set(by=office, day=day, kind="holiday", name="国庆节")
    assert (e.value.code, e.value.field) == ("already", "day")
    with pytest.raises(DomainError) as e:
        services.holiday_override_delete(by=office, day=day + dt.timedelta(days=1))
    assert e.value.code == "not_found"


# --- The page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_lists_the_schedule_and_says_the_year_is_covered(login):
    with clock.frozen(D(2026, 11, 25)):
        page = login("office").get(reverse("calendar"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "按国务院办公厅公布的安排计算" in text
    assert "2026-10-10" in text and "2026-10-01" in text
    assert "2026-10-03" not in text  # a holiday on a Saturday is no exception to the week
    assert reverse("calendar_delete") not in text  # nothing entered, nothing to delete
    assert 'name="kind"' in text


@pytest.mark.django_db
def test_page_says_when_only_weekends_are_counted(login):
    page = login("leader").get(reverse("calendar"), {"year": FAR})
    text = page.content.decode()
    assert page.status_code == 200
    assert "只按周末计算工作日" in text
    assert 'name="kind"' not in text  # a reader gets no form


@pytest.mark.django_db
def test_office_adds_an_override_on_the_page_and_errors_keep_what_was_typed(login):
    client = login("office")
    url = reverse("calendar")
    response = client.post(url, {"day": f"{UNKNOWN}-10-01", "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 302 and response.url == f"{url}?year={UNKNOWN}"
    page = client.get(response.url).content.decode()
    assert "国庆节" in page and "按办公室录入的节假日" in page
    assert reverse("calendar_delete") in page

    again = client.post(url, {"day": f"{UNKNOWN}-10-01", "kind": "holiday", "name": "国庆节"})
    assert again.status_code == 400
    text = again.content.decode()
    assert "已经录入为" in text and f'value="{UNKNOWN}-10-01"' in text

    response = client.post(reverse("calendar_delete"), {"day": f"{UNKNOWN}-10-01"})
    assert response.status_code == 302
    assert not HolidayOverride.objects.exists()


@pytest.mark.django_db
def test_readers_cannot_post_and_others_cannot_see_the_page(login):
    assert login("leader").post(reverse("calendar"), {"day": "2030-10-01"}).status_code == 403
    assert (
        login("leader").post(reverse("calendar_delete"), {"day": "2030-10-01"}).status_code == 403
    )
    assert login("contact_a").get(reverse("calendar")).status_code == 403
