"""The scope guard: guarded queries see the active scope's units, refuse to run outside a scope,
and every views/API module reaches unit-owned data only through the guard or the read path."""

import pytest
from django.apps import apps
from django.http import Http404, HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import include, path

from jianfu.core import scope_guard
from jianfu.core.models import Unit, User
from jianfu.core.scope_guard import ScopeError, unscoped
from jianfu.monitoring.models import SamplePoint
from jianfu.testing.scope_lint import entry_modules, unguarded

pytestmark = pytest.mark.django_db


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


# --- The manager -----------------------------------------------------------------------------


def test_a_guarded_query_outside_any_scope_raises_a_clear_error(units):
    with pytest.raises(ScopeError, match=r"Unit\.scoped: No scope is active"):
        Unit.scoped.all()
    with pytest.raises(ScopeError, match="SamplePoint.scoped"):
        SamplePoint.scoped.filter(pk=1).exists()


def test_the_plain_manager_stays_what_django_and_the_jobs_use(units):
    # Related lookups, migrations, serializers, services and fixtures need `objects` as it was.
    assert Unit._default_manager is Unit.objects
    assert not isinstance(Unit._base_manager, scope_guard.ScopedManager)
    assert Unit.objects.filter(code="TA").exists()


def test_inside_a_scope_a_guarded_query_sees_only_the_subtree(people):
    with scope_guard.active(people["contact_a"]):
        assert codes(Unit.scoped.all()) == {"TA", "TA01", "TA0101"}
        assert not Unit.scoped.filter(code="TB").exists()
        assert [p.unit.code for p in SamplePoint.scoped.all()] == ["TA0101"]
        assert set(User.scoped.values_list("username", flat=True)) == {"contact_a", "reporter"}
    with scope_guard.active(people["contact_b"]):
        assert not SamplePoint.scoped.exists()
    with scope_guard.active(people["reporter"]):  # a unit-only role: its own unit
        assert codes(Unit.scoped.all()) == {"TA0101"}


def test_an_unscoped_job_sees_every_unit_and_the_scope_ends_with_the_block(people):
    with unscoped():
        assert codes(Unit.scoped.all()) == codes(Unit.objects.all())
        with scope_guard.active(people["contact_b"]):  # a job may act for someone
            assert codes(Unit.scoped.all()) == {"TB", "TB01"}
        assert Unit.scoped.count() == Unit.objects.count()
    with pytest.raises(ScopeError):
        Unit.scoped.count()


def test_a_queryset_keeps_the_scope_it_was_made_in(people):
    with scope_guard.active(people["contact_a"]):
        qs = Unit.scoped.order_by("path")
    assert codes(qs) == {"TA", "TA01", "TA0101"}


def test_every_model_that_points_at_a_unit_is_guarded():
    # Import records and jobs (core) answer to the import runner, which adopts the guard later.
    domain = {"registry", "monitoring", "signals", "rectification"}
    bare = [
        m.__name__
        for m in apps.get_models()
        if m._meta.app_label in domain
        and any(
            f.related_model is Unit and (f.many_to_one or f.one_to_one)
            for f in m._meta.get_fields()
        )
        and not isinstance(getattr(m, "scoped", None), scope_guard.ScopedManager)
    ]
    assert bare == []


# --- Requests ----------------------------------------------------------------------------------


def leaky_view(request, pk):
    """A view that forgets every check: it can only reach what the guard lets through."""
    return HttpResponse(Unit.scoped.get(pk=pk).code)


urlpatterns = [path("leaky/<int:pk>/", leaky_view), path("", include("jianfu.urls"))]


@override_settings(ROOT_URLCONF=__name__)
def test_a_request_runs_inside_its_principal_scope(login, units):
    client = login("contact_b")
    other = Unit.objects.get(code="TA")
    with pytest.raises(Unit.DoesNotExist):  # not there for county B, whatever the view forgot
        client.get(f"/leaky/{other.pk}/")
    own = Unit.objects.get(code="TB01")
    assert client.get(f"/leaky/{own.pk}/").content == b"TB01"


def test_a_view_reached_without_the_middleware_fails_instead_of_leaking(people):
    request = RequestFactory().get("/")
    request.user = people["office"]
    with pytest.raises(ScopeError):
        leaky_view(request, Unit.objects.get(code="TA").pk)


def test_the_middleware_resolves_the_api_principal_after_authentication(people):
    request = RequestFactory().get("/")
    request.user = people["office"]
    request.auth = people["contact_b"]  # ninja sets this once a token or session is accepted
    middleware = scope_guard.ScopeMiddleware(
        lambda r: HttpResponse(",".join(codes(Unit.scoped.all())))
    )
    assert set(middleware(request).content.decode().split(",")) == {"TB", "TB01"}


def test_get_for_still_answers_404_outside_and_403_inside(people):
    from django.core.exceptions import PermissionDenied

    from jianfu.core import scope

    with scope_guard.active(people["contact_b"]):
        with pytest.raises(Http404):
            scope.get_for(
                Unit.scoped.all(),
                people["contact_b"],
                Unit.objects.get(code="TA").pk,
                perm="core.unit:view",
                unit_field=None,
            )
        with pytest.raises(PermissionDenied):
            scope.get_for(
                Unit.scoped.all(),
                people["contact_b"],
                Unit.objects.get(code="TB").pk,
                perm="core.unit:manage",
                unit_field=None,
            )


# --- The static half ---------------------------------------------------------------------------


def _free_models() -> frozenset[str]:
    return frozenset(m.__name__ for m in apps.get_models() if not hasattr(m, "scoped"))


def test_views_and_api_reach_unit_owned_data_only_through_the_guard():
    found = [
        f"{p.relative_to(p.parents[2])}:{line}: {text}"
        for p in entry_modules()
        for line, text in unguarded(p.read_text(encoding="utf-8"), _free_models())
    ]
    assert not found, "use Model.scoped, scope.get_for/visible, or say `# unscoped: why`:\n" + (
        "\n".join(found)
    )


def test_the_static_check_finds_a_forgotten_filter():
    source = """
def problem_detail(request, pk):
    problem = Problem.objects.get(pk=pk)
    fine = scope.get_for(Problem.objects.select_related("unit"), request.user, pk, perm="x")
    guarded = Problem.scoped.get(pk=pk)
    setting = RuntimeSetting.objects.first()
    # unscoped: the point was checked above
    report = Report.objects.filter(point=point).first()
    model.objects.filter(pk=pk)  # a variable is not known to be free of units
"""
    found = unguarded(source, frozenset({"RuntimeSetting"}))
    assert [line for line, _ in found] == [3, 9]


def test_the_static_check_covers_every_views_and_api_module():
    names = {p.relative_to(p.parents[2]).as_posix() for p in entry_modules()}
    assert {
        "registry/records/views.py",
        "registry/records/api.py",
        "registry/quotas/status_views.py",
        "monitoring/reports/views.py",
        "monitoring/felt/views.py",
        "jianfu/administration/views.py",
        "rectification/selfexam/views.py",
    } <= names
