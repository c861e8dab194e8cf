"""Problems from any source: a registered kind puts one problem per record on a unit's list, its
renderer words the evidence and its link leads back — rectification imports none of its sources."""

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from jianfu.core import clock
from jianfu.rectification import sources
from jianfu.rectification.models import Problem
from jianfu.rectification.problems import services

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def tours(monkeypatch):
    """A stand-in source app (inspection tours) registered for the test only."""
    monkeypatch.setattr(sources, "_sources", dict(sources._sources))

    def link(tour_id, user):
        return f"/tours/{tour_id}/" if user.home_unit.depth == 1 else None

    def renderer(problem, user):
        return [{"title": "巡察反馈", "text": f"第 {problem.evidence['round']} 轮巡察发现"}]

    return sources.register(
        "tour_finding",
        "巡察反馈问题",
        link=link,
        renderer=renderer,
        link_text="查看巡察反馈",
        note="详见巡察反馈原件。",
    )


def put(people, units, source_id=7, **extra):
    return services.problem_from_source(
        by=people["office"],
        kind="tour_finding",
        source_id=source_id,
        unit_id=units["TA"].pk,
        category=extra.pop("category", "tour"),
        description="督查检查过多",
        severity=extra.pop("severity", 2),
        evidence={"round": 3},
        **extra,
    )


def test_a_source_record_becomes_one_problem_with_its_frozen_evidence(tours, people, units):
    p = put(people, units, note="巡察组移交")
    assert (p.source_kind, p.source_id, p.source) == ("tour_finding", 7, "tour")
    assert p.unit == units["TA"] and p.found_on == TODAY and p.evidence == {"round": 3}
    assert [(s.kind, s.note) for s in p.steps.all()] == [("created", "巡察组移交")]
    with pytest.raises(IntegrityError), transaction.atomic():
        put(people, units)
    assert Problem.objects.filter(source_kind="tour_finding").count() == 1


def test_severity_is_held_to_the_problem_scale(tours, people, units):
    assert put(people, units, 1, severity=9).severity == 3
    assert put(people, units, 2, severity=0).severity == 1


def test_an_unregistered_kind_or_category_is_refused(tours, people, units):
    with pytest.raises(LookupError):
        services.problem_from_source(
            by=people["office"],
            kind="hotline",
            source_id=1,
            unit_id=units["TA"].pk,
            category="complaint",
            description="x",
            severity=2,
            evidence={},
        )
    with pytest.raises(ValueError):
        put(people, units, category="hotline")
    with pytest.raises(ValueError):
        sources.register("no spaces", "x")


def test_a_kind_and_a_record_go_together(people, units):
    p = services.problem_create(
        by=people["office"], unit_id=units["TA"].pk, source="office", description="自行发现"
    )
    assert (p.source_kind, p.source_id) == ("", None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.filter(pk=p.pk).update(source_kind="tour_finding")
    with pytest.raises(IntegrityError), transaction.atomic():
        Problem.objects.filter(pk=p.pk).update(source_id=5)


def test_the_problem_page_words_the_evidence_and_links_back_as_the_source_says(
    tours, people, units, login
):
    p = put(people, units)
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "第 3 轮巡察发现" in html and "巡察反馈" in html
    assert 'href="/tours/7/"' in html and "查看巡察反馈" in html
    # A contact of the unit reads the problem but, by the source's own rule, not the record.
    html = login("contact_a").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "第 3 轮巡察发现" in html and "/tours/7/" not in html


def test_without_a_renderer_the_evidence_is_shown_as_stored_with_the_sources_note(
    people, units, login, monkeypatch
):
    monkeypatch.setattr(sources, "_sources", dict(sources._sources))
    sources.register("tour_finding", "巡察反馈问题", note="详见巡察反馈原件。")
    p = put(people, units)
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "详见巡察反馈原件。" in html and "查看巡察反馈" not in html


def test_a_problem_whose_source_is_not_installed_still_shows(people, units, login, tours):
    p = put(people, units)
    sources._sources.pop("tour_finding")
    html = login("office").get(reverse("problem_detail", args=[p.pk])).content.decode()
    assert "督查检查过多" in html and "/tours/7/" not in html


def test_rectification_imports_none_of_its_sources():
    root = Path(sources.__file__).parent
    imported = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names)
    assert not {m for m in imported if m.startswith(("jianfu.signals", "jianfu.demo"))}
