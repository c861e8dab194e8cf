"""Every role against the informant's identity: only the discipline commission reads it, each
read is an audit entry the audit administrator sees; a subject unit sees a clue only once
referred, and never the informant; no page, export or bulletin of anyone else shows it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from jianfu.accountability.clues import services
from jianfu.core.models import AuditEntry

from .clues_factory import INFORMANT, make_clue

pytestmark = pytest.mark.django_db

ROLES = [
    "office",
    "leader",
    "discipline",
    "contact_a",
    "contact_b",
    "reporter",
    "sysadmin",
    "secadmin",
    "auditor",
]


@pytest.fixture
def clue(units):
    return make_clue(units["TA"], informant=INFORMANT, real_name=True)


def _shows_informant(text: str) -> bool:
    return any(v in text for v in (INFORMANT["name"], INFORMANT["phone"], INFORMANT["id_number"]))


def test_only_the_commission_reads_the_informant_and_each_read_is_audited(clue, people):
    assert services.informant_read(by=people["discipline"], clue_id=clue.pk) == INFORMANT
    services.informant_read(by=people["discipline"], clue_id=clue.pk)
    reads = AuditEntry.objects.filter(
        code="jianfu.accountability.clue.informant_read", object_id=str(clue.pk)
    )
    assert reads.count() == 2
    assert set(reads.values_list("actor_name", flat=True)) == {"discipline"}
    for name in ROLES:
        if name == "discipline":
            continue
        with pytest.raises((PermissionDenied, Http404)):
            services.informant_read(by=people[name], clue_id=clue.pk)
    assert reads.count() == 2


@pytest.mark.parametrize(
    "name,status",
    [
        ("discipline", 200),
        ("office", 403),
        ("leader", 403),
        ("contact_a", 404),  # not referred yet: the clue does not exist for its unit
        ("contact_b", 404),
        ("reporter", 404),
        ("sysadmin", 404),  # administrators never see clues: as if missing
        ("secadmin", 404),
        ("auditor", 404),
    ],
)
def test_clue_page_by_role_before_referral(clue, login, name, status):
    page = login(name).get(reverse("clue_detail", args=[clue.pk]))
    assert page.status_code == status
    assert not _shows_informant(page.content.decode())


@pytest.mark.parametrize(
    "name,status",
    [("office", 403), ("leader", 403), ("contact_a", 403), ("contact_b", 404), ("sysadmin", 404)],
)
def test_informant_button_refused_to_everyone_else(clue, login, name, status):
    answer = login(name).post(reverse("clue_informant", args=[clue.pk]))
    assert answer.status_code == status
    assert not _shows_informant(answer.content.decode())
    assert not AuditEntry.objects.filter(code="jianfu.accountability.clue.informant_read").exists()


def test_commission_opens_the_informant_behind_a_post(clue, login):
    client = login("discipline")
    page = client.get(reverse("clue_detail", args=[clue.pk]))
    assert "查看举报人信息" in page.content.decode()
    assert not _shows_informant(page.content.decode())
    assert client.get(reverse("clue_informant", args=[clue.pk])).status_code == 405
    opened = client.post(reverse("clue_informant", args=[clue.pk]))
    assert opened.status_code == 200
    assert INFORMANT["name"] in opened.content.decode()
    assert INFORMANT["id_number"] in opened.content.decode()


def test_referred_clue_seen_by_its_unit_without_the_informant(clue, people, login):
    services.clue_refer(by=people["discipline"], clue_id=clue.pk)
    client = login("contact_a")
    page = client.get(reverse("clue_detail", args=[clue.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert clue.text in body
    assert not _shows_informant(body)
    assert "查看举报人信息" not in body
    listing = client.get(reverse("clue_referred")).content.decode()
    assert clue.text[:20] in listing and not _shows_informant(listing)
    assert client.post(reverse("clue_informant", args=[clue.pk])).status_code == 403
    other = login("contact_b")
    assert other.get(reverse("clue_detail", args=[clue.pk])).status_code == 404
    assert clue.text[:20] not in other.get(reverse("clue_referred")).content.decode()


def test_audit_administrator_sees_the_reads_on_the_audit_log(clue, people, login):
    services.informant_read(by=people["discipline"], clue_id=clue.pk)
    page = login("auditor").get(reverse("audit_list"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "查看举报人信息" in body
    assert not _shows_informant(body)


def test_audit_entry_of_creation_says_only_that_an_informant_was_recorded(clue):
    entry = AuditEntry.objects.get(
        code="jianfu.accountability.clue.created", object_id=str(clue.pk)
    )
    assert entry.extra["informant_recorded"] is True
    assert not _shows_informant(repr(entry.extra) + repr(entry.changes))


def test_no_bulletin_section_or_page_shows_the_informant(clue, people, login):
    import datetime as dt

    from jianfu.core import bulletin_sections
    from jianfu.core.scope_guard import active

    services.clue_refer(by=people["discipline"], clue_id=clue.pk)
    sections = bulletin_sections.sections()
    assert sections
    for name in ("office",):  # the office drafts the bulletin
        principal = people[name]
        with active(principal):
            ctx = bulletin_sections.Context(
                principal=principal,
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 12, 31),
                label="1—12月",
            )
            for section in sections:
                part = section.build(ctx)
                assert not _shows_informant(repr(part)), section.code
    for name in ("office", "leader", "contact_a", "discipline"):
        assert not _shows_informant(login(name).get(reverse("home")).content.decode())
    ledger = login("discipline").get(reverse("clue_list")).content.decode()
    assert clue.text[:20] in ledger and not _shows_informant(ledger)


def test_attachment_reached_through_the_clue(units, people, login):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    clue = make_clue(units["TA"], informant=INFORMANT, files=[("现场.png", png)])
    f = clue.files.get()
    url = reverse("clue_file", args=[f.pk])
    assert login("discipline").get(url).status_code == 200
    assert login("contact_a").get(url).status_code == 404  # not referred yet
    services.clue_refer(by=people["discipline"], clue_id=clue.pk)
    assert login("contact_a").get(url).status_code == 200
    assert login("contact_b").get(url).status_code == 404


def test_commission_home_card_counts_clusters_to_dispose(units, login):
    make_clue(units["TA"], "甲县要求每个村每天上传十张工作照片留痕，村干部疲于应付，反映强烈。")
    make_clue(units["TA"], "甲县要求每个村每天上传十张工作照片留痕，村干部疲于应付，反映很强烈！")
    make_clue(units["TB"], "乙县一个月召开全县大会九次，每次要求村支书到场。")
    body = login("discipline").get(reverse("home")).content.decode()
    assert "待处置的问题线索" in body
    import re

    before = body.split("待处置的问题线索")[0]
    assert re.findall(r'jf-todo-count">(\d+)<', before)[-1] == "2"  # the cluster counts once
    assert "待处置的问题线索" not in login("office").get(reverse("home")).content.decode()
