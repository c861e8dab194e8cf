"""The leaders' dashboard and a unit's profile, on the tiny demo city (built once for the module,
as of 25 November 2026, rolled back at the end): every panel's figures equal what the platform's
own pages show for the same units (quota overview, signal list, felt against registered, problem
list and rectification overview), the planted cases show, scope holds (404 outside, a contact
on its own profile), the queries are bounded and the page folds to a phone's width."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import Unit, User
from jianfu.demo import generator
from jianfu.demo import rectification as demo_rect
from jianfu.demo import registry as demo_registry

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            generator.populate("tiny", 11, AS_OF, username_prefix="demo-")
            root = Unit.objects.get(code="410900")
            units = {
                kind: list(Unit.objects.filter(kind=kind, path__startswith=root.path))
                for kind in ("county", "department", "township")
            }
            _city, counties, departments = demo_rect.first_city({"city": [root], **units}, root)
            _reports(counties, units["township"])
            yield {
                "root": root,
                "counties": counties,
                "departments": departments,
                "quota_planted": demo_registry.choose_planted(counties, departments),
                "rect_planted": demo_rect.choose_planted(counties, departments, units["township"]),
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _reports(counties, townships) -> None:
    """The tiny demo has no sample points: two per county, reporting most months of three years
    (a few missing), a burden rising in the first county."""
    from django.utils import timezone

    from jianfu.monitoring.models import Report, ReportForm, SamplePoint

    form = ReportForm.objects.get(code="burden")
    reporter = User.objects.get(username="reporter")
    at = timezone.make_aware(dt.datetime(2026, 11, 1, 9))
    rows = []
    for c, county in enumerate(counties):
        towns = [t for t in townships if t.path.startswith(county.path)][:2]
        for p, town in enumerate(towns):
            point = SamplePoint.objects.create(
                unit=town, county=county, kind="township", since=dt.date(2023, 1, 1)
            )
            for i in range(40):
                y, m = 2023 + (i + 6) // 12, (i + 6) % 12 + 1
                if (i + p + c) % 7 == 3:
                    continue  # a month not reported
                score = 2 + (i // 12 if c == 0 else 0) % 3 + p
                values = {"burden_score": min(5, score), "docs_total": 10 + i % 5 + 3 * p}
                rows.append(
                    Report(
                        point=point,
                        period=f"{y}-{m:02d}",
                        form=form,
                        values=values,
                        reporter=reporter,
                        first_submitted_at=at,
                        submitted_at=at,
                    )
                )
    Report.objects.bulk_create(rows)


@pytest.fixture
def leader(demo, db, client):
    client.force_login(User.objects.get(username="demo-leader"))
    return client


def get(client, url, **params):
    with clock.frozen(AS_OF):
        return client.get(url, params)


def panels(response) -> dict:
    return {p.key: p for p in response.context["panels"]}


def follow(client, url: str):
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return get(client, parts.path, **params)


# --- Figures equal the pages ---------------------------------------------------------------------


def test_the_quota_table_equals_the_overview_filtered_by_kind_and_state(leader):
    panel = panels(get(leader, reverse("dashboard")))["registry-quotas"]
    checked = 0
    for row in panel.rows:
        for cell in row[1:]:
            page = follow(leader, cell.url)
            assert page.context["page"].paginator.count == cell.value, cell.url
            checked += cell.value
    assert checked > 0


def test_the_planted_county_over_pace_is_in_the_chart_and_its_profile(leader, demo):
    pacing = demo["quota_planted"]["pacing"]
    city = panels(get(leader, reverse("dashboard")))["registry-quotas"]
    assert (pacing.short_name or pacing.name) in city.chart["yAxis"]["data"]
    profile = panels(get(leader, reverse("dashboard_unit", args=[pacing.pk])))["registry-quotas"]
    page = get(leader, reverse("quota_unit", args=[pacing.pk]))
    statuses = {card["status"].category: card["status"] for card in page.context["cards"]}
    shown = {row[0].value: (row[1].value, row[2].value, row[5].value) for row in profile.rows}
    assert len(shown) == len(statuses)
    for st in statuses.values():
        from jianfu.registry.models import Category
        from jianfu.registry.quotas.figures import State

        limit = st.limit if st.limit is not None else "—"
        assert shown[str(Category(st.category).label)] == (
            limit,
            st.used,
            str(State(st.state).label),
        )
    assert any(
        row[5].value in ("进度偏快", "已超指标", "预计年内用尽", "已用尽") for row in profile.rows
    )


def _signal_count(client, url) -> tuple[int, str]:
    page = follow(client, url)
    tabs = {code: n for code, _label, n in page.context["tabs"]}
    status = parse_qs(urlsplit(url).query).get("status", ["open"])[0]
    return tabs[status], status


def test_signal_figures_equal_the_signal_list(leader, demo):
    panel = panels(get(leader, reverse("dashboard")))["signals-families"]
    for figure in panel.figures:
        assert _signal_count(leader, figure.url)[0] == figure.value
    # The demo's planted cases: gaming units, a rising unit, a county over pace.
    from jianfu.signals.rules import RULES

    shown = {row[0].value for row in panel.rows}
    for code in ("gaming", "quota_rising", "quota_pacing"):
        assert str(RULES[code].label) in shown, code
    for row in panel.rows:
        for cell in row[1:]:
            assert _signal_count(leader, cell.url)[0] == cell.value, cell.url
    # The chart's families add up to the totals.
    for series, figure in zip(panel.chart["series"], panel.figures, strict=True):
        assert sum(series["data"]) == figure.value


def test_a_county_profile_counts_the_signals_of_its_subtree_as_the_list_does(leader, demo):
    for county in demo["counties"]:
        panel = panels(get(leader, reverse("dashboard_unit", args=[county.pk])))["signals-families"]
        for figure in panel.figures:
            assert _signal_count(leader, figure.url)[0] == figure.value


def test_burden_equals_the_felt_pages_means(leader, demo):
    from jianfu.monitoring.felt import queries as felt

    for county in demo["counties"]:
        panel = panels(get(leader, reverse("dashboard_unit", args=[county.pk])))
        burden = panel["monitoring-burden"]
        assert burden.url == reverse("felt_county", args=[county.pk])
        keys = burden.chart["xAxis"]["data"]
        assert len(keys) == 36 and keys[-1] == "2026-10"
        years = sorted({int(k[:4]) for k in keys})
        means = felt.felt([county.pk], years).get(county.pk, {}).get("burden_score", {})
        expected = [
            None
            if means.get(int(k[:4]), [None] * 12)[int(k[5:]) - 1] is None
            else round(means[int(k[:4])][int(k[5:]) - 1], 2)
            for k in keys
        ]
        assert burden.chart["series"][0]["data"] == expected
        assert any(v is not None for v in expected)


def test_the_city_burden_is_the_mean_of_every_report(leader, demo):
    from jianfu.monitoring.models import Report

    burden = panels(get(leader, reverse("dashboard")))["monitoring-burden"]
    keys = burden.chart["xAxis"]["data"]
    values = Report.objects.filter(
        period__in=keys, point__unit__path__startswith=demo["root"].path
    ).values_list("period", "values")
    by_period: dict[str, list[float]] = {}
    for period, answers in values:
        if answers.get("burden_score") is not None:
            by_period.setdefault(period, []).append(float(answers["burden_score"]))
    expected = [
        round(sum(by_period[k]) / len(by_period[k]), 2) if k in by_period else None for k in keys
    ]
    assert burden.chart["series"][0]["data"] == expected


def test_rectification_figures_equal_the_problem_list_and_overview(leader, demo):
    city = panels(get(leader, reverse("dashboard")))["rectification-status"]
    figures = {f.label: f for f in city.figures}
    for label in ("整改中", "有措施逾期", "已销号"):
        page = follow(leader, figures[label].url)
        assert page.context["page"].paginator.count == figures[label].value, label
    overview = get(leader, reverse("rect_overview"))
    assert overview.context["totals"]["relapsed"] == figures["回头看反弹"].value > 0
    assert figures["有措施逾期"].value > 0


def test_the_planted_rectification_cases_show_on_their_profiles(leader, demo):
    planted = demo["rect_planted"]
    overdue = panels(get(leader, reverse("dashboard_unit", args=[planted["overdue_holiday"].pk])))
    assert {f.label: f.value for f in overdue["rectification-status"].figures}["有措施逾期"] > 0
    relapse = panels(get(leader, reverse("dashboard_unit", args=[planted["relapse"].pk])))
    assert {f.label: f.value for f in relapse["rectification-status"].figures}["回头看反弹"] > 0


def test_every_county_and_department_has_a_profile_linked_from_the_dashboard(leader, demo):
    body = get(leader, reverse("dashboard")).content.decode()
    for unit in demo["counties"] + demo["departments"]:
        url = reverse("dashboard_unit", args=[unit.pk])
        assert f'href="{url}"' in body
    for county in demo["counties"]:
        response = get(leader, reverse("dashboard_unit", args=[county.pk]))
        assert response.status_code == 200
        assert {"registry-quotas", "signals-families", "rectification-status"} <= set(
            panels(response)
        )


# --- Who sees it ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contact_lands_on_its_own_profile(login, units):
    response = login("contact_a").get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard_unit", args=[units["TA"].pk])
    page = login("contact_a").get(response["Location"])
    assert page.status_code == 200
    # What the points report is not the county's to read (as the signal list hides it).
    assert "monitoring-burden" not in panels(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who,code,status",
    [
        ("contact_a", "TB", 404),
        ("contact_b", "TA", 404),
        ("contact_a", "TD01", 404),
        ("contact_a", "T", 404),
        ("contact_a", "TA01", 200),
        ("leader", "TB", 200),
        ("office", "TD01", 200),
        ("reporter", "TA0101", 403),
        ("discipline", "TA", 403),
    ],
)
def test_a_profile_outside_scope_answers_404(login, units, who, code, status):
    assert login(who).get(reverse("dashboard_unit", args=[units[code].pk])).status_code == status


@pytest.mark.django_db
def test_the_leaders_navigation_leads_to_the_dashboard(login):
    body = login("leader").get(reverse("home")).content.decode()
    assert f'href="{reverse("dashboard")}"' in body
    assert (
        f'href="{reverse("dashboard")}"'
        not in login("reporter").get(reverse("home")).content.decode()
    )


@pytest.mark.django_db
def test_the_dashboard_answers_403_without_the_permission(login):
    assert login("sysadmin").get(reverse("dashboard")).status_code == 403


# --- Speed and layout ----------------------------------------------------------------------------


def test_the_dashboard_runs_a_bounded_number_of_queries(
    leader, demo, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        get(leader, reverse("dashboard"))
    with django_assert_max_num_queries(30):
        get(leader, reverse("dashboard_unit", args=[demo["counties"][0].pk]))


def test_the_page_folds_to_a_phone(leader, demo):
    body = get(leader, reverse("dashboard_unit", args=[demo["counties"][0].pk])).content.decode()
    # One panel a row below 1200 px; tables scroll inside their box; figures two a row.
    assert len(re.findall(r'<section class="col-12 col-xl-6"', body)) >= 3
    assert body.count('<div class="table-responsive">') >= 1
    assert 'class="col-6 col-md-3"' in body
    # Charts are drawn from json_script data by the static script: no inline script.
    assert re.search(r'<script id="chart-registry-quotas" type="application/json">', body)
    assert not re.search(r"<script>(?!</script>)", body)
    assert "js/charts.js" in body
