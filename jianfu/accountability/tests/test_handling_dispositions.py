"""Dispositions: proposed by one commission account, decided by another (self-approval refused),
each kind's effect on the clue and on its whole cluster, audited; the clue's panel and queue."""

import pytest

from jianfu.accountability.clues.models import ClueStatus
from jianfu.accountability.handling import services
from jianfu.accountability.handling.models import Case, ClueTrack, DispositionStatus
from jianfu.accountability.tests.handling_city import clue, second_commissioner
from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _decide(people, c, kind, **extra):
    d = services.disposition_propose(
        by=people["discipline"], clue_id=c.pk, kind=kind, reason="依据", **extra
    )
    return services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)


def test_the_proposer_cannot_approve_their_own_proposal(people):
    c = clue()
    d = services.disposition_propose(
        by=people["discipline"], clue_id=c.pk, kind="held", reason="暂无查证条件"
    )
    c.refresh_from_db()
    assert c.status == ClueStatus.DISPOSING
    with pytest.raises(DomainError) as e:
        services.disposition_approve(by=people["discipline"], disposition_id=d.pk)
    assert e.value.code == "self_approval" and "不能审批本人提出的处置意见" in str(e.value.message)
    d.refresh_from_db()
    assert d.status == DispositionStatus.PROPOSED
    services.disposition_approve(by=second_commissioner(), disposition_id=d.pk)
    d.refresh_from_db()
    c.refresh_from_db()
    assert d.status == DispositionStatus.APPROVED and d.decided_at is not None
    assert c.status == ClueStatus.HANDLING
    assert AuditEntry.objects.filter(code="jianfu.accountability.disposition.approved").exists()


def test_a_rejection_needs_a_note_and_returns_the_clue(people):
    c = clue()
    d = services.disposition_propose(
        by=people["discipline"], clue_id=c.pk, kind="closed", closed_reason="untrue", reason="不实"
    )
    with pytest.raises(DomainError):
        services.disposition_reject(by=second_commissioner(), disposition_id=d.pk, note="")
    services.disposition_reject(by=second_commissioner(), disposition_id=d.pk, note="再核")
    c.refresh_from_db()
    assert c.status == ClueStatus.RECEIVED


@pytest.mark.parametrize(
    "kind,extra,status",
    [
        ("inquiry", {"inquiry_mode": "talk"}, ClueStatus.HANDLING),
        ("inquiry", {"inquiry_mode": "letter"}, ClueStatus.HANDLING),
        ("verification", {}, ClueStatus.HANDLING),
        ("held", {}, ClueStatus.HANDLING),
        ("closed", {"closed_reason": "unverifiable"}, ClueStatus.CLOSED),
        ("case", {}, ClueStatus.HANDLING),
        ("passed_on", {"passed_to": "省纪委监委"}, ClueStatus.PASSED_ON),
    ],
)
def test_each_disposition_applies_to_the_whole_cluster(people, kind, extra, status):
    first = clue(real_name=True)
    dup = clue(cluster=first, real_name=True)
    _decide(people, first, kind, **extra)
    for c in (first, dup):
        c.refresh_from_db()
        assert c.status == status
    concluded = ClueTrack.objects.filter(clue__in=[first, dup], concluded_at__isnull=False)
    assert concluded.count() == (2 if kind in ("closed", "passed_on") else 0)
    assert Case.objects.filter(clue=first).exists() == (kind == "case")


def test_bad_proposals_are_refused_with_the_field(people):
    first = clue()
    dup = clue(cluster=first)
    with pytest.raises(DomainError) as e:
        services.disposition_propose(
            by=people["discipline"], clue_id=dup.pk, kind="held", reason="x"
        )
    assert e.value.code == "not_first"
    for kind, extra, field in [
        ("inquiry", {}, "inquiry_mode"),
        ("closed", {}, "closed_reason"),
        ("passed_on", {}, "passed_to"),
        ("nonsense", {}, "kind"),
    ]:
        with pytest.raises(DomainError) as e:
            services.disposition_propose(
                by=people["discipline"], clue_id=first.pk, kind=kind, reason="x", **extra
            )
        assert e.value.field == field
    first.refresh_from_db()
    assert first.status == ClueStatus.RECEIVED and not first.dispositions.exists()


def test_the_panel_proposes_and_another_account_approves(people, login, client):
    c = clue()
    page = login("discipline")
    bad = page.post(
        f"/accountability/handling/clues/{c.pk}/propose/",
        {"kind": "closed", "reason": "无法查证的理由"},
    )
    assert bad.status_code == 400 and "予以了结须选择" in bad.content.decode()
    assert "无法查证的理由" in bad.content.decode()  # what was typed survives
    ok = page.post(
        f"/accountability/handling/clues/{c.pk}/propose/",
        {"kind": "closed", "closed_reason": "untrue", "reason": "经了解不实"},
    )
    assert ok.status_code == 302
    d = c.dispositions.get()
    own = page.post(f"/accountability/handling/dispositions/{d.pk}/approve/")
    assert own.status_code == 403 and "不能审批本人提出的处置意见" in own.content.decode()
    queue = page.get("/accountability/handling/")
    assert f"disposition-{d.pk}" in queue.content.decode()
    client.force_login(second_commissioner())
    assert client.post(f"/accountability/handling/dispositions/{d.pk}/approve/").status_code == 302
    c.refresh_from_db()
    assert c.status == ClueStatus.CLOSED


def test_leaders_and_contacts_cannot_handle(people, login):
    c = clue("TA")
    assert login("leader").get(f"/accountability/handling/clues/{c.pk}/").status_code == 403
    assert login("leader").get("/accountability/handling/").status_code == 403
    assert login("contact_b").get(f"/accountability/handling/clues/{c.pk}/").status_code == 404
    assert login("contact_a").get(f"/accountability/handling/clues/{c.pk}/").status_code == 403
    assert login("leader").get("/accountability/handling/outcomes/").status_code == 200


def test_the_queue_lists_oldest_first_in_bounded_queries(
    people, login, django_assert_max_num_queries
):
    from jianfu.accountability.tests.handling_city import at

    old = clue(received=at(2026, 9, 1), real_name=True)
    new = clue(received=at(2026, 9, 20))
    for _ in range(5):
        clue(received=at(2026, 9, 25), real_name=True)
    page = login("discipline")
    with clock.frozen(at(2026, 9, 30)), django_assert_max_num_queries(30):
        body = page.get("/accountability/handling/").content.decode()
    assert body.index(f"clue-{old.pk}") < body.index(f"clue-{new.pk}")
