import datetime as dt
import uuid

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.monitoring.models import Report, ReportVersion
from jianfu.monitoring.reports import services

TODAY = dt.date(2025, 4, 3)  # March's report is due on 5 April


def answers(**overrides):
    values = {
        "docs_total": 30,
        "docs_city": 5,
        "docs_county": 15,
        "docs_township": 10,
        "docs_senders": "",
        "meetings_total": 8,
        "meetings_hours": 14.5,
        "meetings_video": 3,
        "meetings_county": 4,
        "inspections_total": 3,
        "inspection_days": 2,
        "inspections_remote": 1,
        "inspections_county": 2,
        "forms_filled": 12,
        "trace_demands": 4,
        "app_checkins": 3,
        "hours_burden_week": 15,
        "hours_service_week": 25,
        "burden_score": 3,
        "problems": "",
        "suggestions": "",
    }
    values.update(overrides)
    return values


def submit(reporter, point, period="2025-03", key=None, **values):
    with clock.frozen(TODAY):
        return services.report_submit(
            by=reporter,
            point=point,
            period=period,
            values=answers(**values),
            client_key=key or str(uuid.uuid4()),
        )


def test_a_retry_with_the_same_key_is_the_same_report(reporter, point):
    key = str(uuid.uuid4())
    report, version, created = submit(reporter, point, key=key)
    again, same, created_again = submit(reporter, point, key=key)
    assert created and not created_again
    assert (again.pk, same.pk) == (report.pk, version.pk)
    assert Report.objects.count() == 1 and ReportVersion.objects.count() == 1


def test_a_correction_is_a_new_version_and_every_version_is_kept(reporter, point):
    submit(reporter, point, docs_total=30)
    report, version, _ = submit(reporter, point, docs_total=31)
    assert report.version == 2 and report.values["docs_total"] == 31
    assert list(
        report.versions.order_by("version").values_list("values__docs_total", flat=True)
    ) == [30, 31]
    entry = AuditEntry.objects.filter(code="jianfu.monitoring.report.corrected").latest("seq")
    assert entry.changes == {"docs_total": [30, 31]}


def test_after_the_deadline_a_report_is_accepted_and_marked_late(reporter, point):
    with clock.frozen(dt.date(2025, 4, 20)):
        report, _v, _c = services.report_submit(
            by=reporter, point=point, period="2025-03", values=answers(), client_key="late-1"
        )
    assert report.late


def test_closed_and_future_periods_are_refused(reporter, point):
    with pytest.raises(DomainError) as closed:
        submit(reporter, point, period="2024-12")
    assert closed.value.code == "closed"
    with pytest.raises(DomainError) as future:
        submit(reporter, point, period="2025-06")
    assert future.value.code == "future"
    with pytest.raises(DomainError) as bad:
        submit(reporter, point, period="2025-13")
    assert bad.value.code == "bad_period"


def test_a_reporter_cannot_submit_for_another_point(point, people):
    with pytest.raises(DomainError) as e:
        submit(people["contact_a"], point)
    assert e.value.code == "not_found" and e.value.status == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("docs_total", -1, "负数"),
        ("docs_total", "三十", "不是数字"),
        ("burden_score", 6, "之间"),
        ("meetings_total", "", "没有请填 0"),
        ("docs_county", 40, "不能大于"),
        ("meetings_hours", 800, "之间"),
        ("hours_service_week", 160, "168"),
    ],
)
def test_bad_answers_are_named_per_question(reporter, point, field, value, message):
    with pytest.raises(services.ReportInvalid) as e:
        submit(reporter, point, **{field: value})
    assert field in e.value.errors and message in e.value.errors[field]
    assert Report.objects.count() == 0


def test_full_width_digits_are_read(reporter, point):
    report, _v, _c = submit(reporter, point, docs_total="３０")
    assert report.values["docs_total"] == 30


# --- What the point and the office's closure decide --------------------------------------------


def test_a_point_on_a_form_that_does_not_exist_is_refused(reporter, point):
    point.form_code = "village-2026"
    point.save(update_fields=["form_code"])
    with pytest.raises(DomainError) as e:
        submit(reporter, point)
    assert e.value.code == "no_form" and not Report.objects.exists()


def test_a_point_outside_its_monitoring_period_is_refused(reporter, point):
    point.until = dt.date(2025, 2, 20)
    point.save(update_fields=["until"])
    with pytest.raises(DomainError) as e:
        submit(reporter, point)
    assert e.value.code == "inactive" and not Report.objects.exists()


def test_a_period_the_office_closed_early_is_refused(reporter, point, people):
    services.period_close(by=people["office"], form_code=point.form_code, period="2025-03")
    with pytest.raises(DomainError) as e:
        submit(reporter, point)
    assert e.value.code == "closed" and not Report.objects.exists()


def test_a_period_the_office_reopened_is_accepted_after_it_closed_by_itself(
    reporter, point, people
):
    services.period_close(
        by=people["office"], form_code=point.form_code, period="2024-12", closed=False
    )
    report, _v, created = submit(reporter, point, period="2024-12")
    assert created and report.late and report.period == "2024-12"
