"""Gaps found in review: the assigned verifier's reach ends with the verification and covers only
reading (and verifying); the office assigns only the people its pages offer; odd dates."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import RoleGrant, Unit, User
from jianfu.rectification.models import Attachment, Measure, Problem, ProblemStatus
from jianfu.rectification.problems import measures

from .test_pages import PDF, TODAY, act, measure, problem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


def _assigned(people, m: Measure, verifier) -> Measure:
    m.refresh_from_db()
    return measures.measure_assign_verifier(
        by=people["office"], measure_id=m.pk, version=m.version, verifier_id=verifier.pk
    )


def test_an_assigned_verifier_cannot_look_back_once_the_measure_is_verified(units, people):
    a, b = people["contact_a"], people["contact_b"]
    p = problem(a, units["TA"], "甲县长效机制未落实")
    m = measure(
        a, p, "建立会议审批制度", dt.date(2026, 9, 30),
        kind="long_term", mechanism="会议审批办法", review_on=dt.date(2026, 9, 30),
    )  # fmt: skip
    act(a, m, "start")
    act(a, m, "submit", "制度已印发")
    _assigned(people, m, b)
    act(b, m, "verify", "属实")
    with pytest.raises(DomainError) as e:
        act(b, m, "review", "又开始层层陪会", held=False, deadline=dt.date(2026, 12, 1))
    assert e.value.status == 404
    p.refresh_from_db()
    assert (p.status, p.relapses) == (ProblemStatus.CLOSED, 0)


def test_the_office_assigns_only_business_people_of_its_own_units(units, people):
    office = people["office"]
    elsewhere = Unit.objects.add_root({"code": "S", "name": "外市", "kind": "city"})
    stranger = User.objects.create(username="stranger", full_name="外市人员", home_unit=elsewhere)
    RoleGrant.objects.create(user=stranger, role="office")
    p = problem(office, units["TA"], "甲县材料过多")
    m = measure(office, p, "精简材料", dt.date(2026, 10, 1))
    for outsider in (stranger, people["reporter"]):
        with pytest.raises(DomainError) as e:
            _assigned(people, m, outsider)
        assert e.value.code == "verifier"
    m.refresh_from_db()
    assert m.verifier_id is None
    assert _assigned(people, m, people["contact_b"]).verifier_id == people["contact_b"].pk


def test_an_assigned_verifier_reads_the_problem_but_its_write_pages_answer_404(
    units, people, login
):
    a, b = people["contact_a"], people["contact_b"]
    p = problem(a, units["TA"], "甲县督查检查过多")
    m = measure(a, p, "合并督查", dt.date(2026, 9, 30))
    act(a, m, "start")
    act(a, m, "submit", "已合并")
    _assigned(people, m, b)
    client = login("contact_b")
    assert client.get(reverse("problem_detail", args=[p.pk])).status_code == 200
    assert client.get(reverse("measure_create", args=[p.pk])).status_code == 404
    upload = SimpleUploadedFile("乙县.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("attachment_add", args=[p.pk]), {"files": upload})
    assert response.status_code == 404
    assert not Attachment.objects.filter(problem=p).exists()


def test_an_implausible_found_on_date_is_refused_with_the_typed_text_kept(units, login):
    client = login("office")
    response = client.post(
        reverse("problem_create"),
        {
            "unit": str(units["TA"].pk),
            "source": "office",
            "description": "甲县要求每日报送",
            "severity": "2",
            "found_on": "0026-09-01",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "“发现日期”0026-09-01 超出合理范围" in html and "甲县要求每日报送" in html
    assert not Problem.objects.filter(description="甲县要求每日报送").exists()
