import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from jianfu.core import audit, services
from jianfu.core.models import AuditEntry, AuditHead, Unit
from jianfu.testing.insider import triggers_off


def _make_entries(people, units, n=3):
    for i in range(n):
        services.unit_update(by=people["sysadmin"], unit=units["TA01"], name=f"甲一镇{i}")


@pytest.mark.django_db
def test_every_write_records_who_what_and_before_after(login, units):
    client = login("sysadmin")
    client.post(
        reverse("unit_edit", args=[units["TA01"].pk]),
        {
            "code": "TA01",
            "name": "甲一镇新名",
            "short_name": "",
            "kind": "township",
            "parent_code": "TA",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    entry = AuditEntry.objects.filter(code="jianfu.core.unit.updated").latest("seq")
    assert entry.actor_name == "sysadmin"
    assert entry.ip == "10.1.2.3"
    assert entry.object_type == "core.unit" and entry.object_id == str(units["TA01"].pk)
    assert entry.changes == {"name": ["甲一镇", "甲一镇新名"]}


@pytest.mark.django_db
def test_verify_passes_on_an_intact_chain(people, units):
    _make_entries(people, units)
    assert audit.verify() is None
    call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_names_the_altered_entry(people, units):
    _make_entries(people, units, 4)
    target = AuditEntry.objects.order_by("seq")[1]
    with triggers_off(), connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET actor_name = %s WHERE seq = %s",
            ["someone-else", target.seq],
        )
    finding = audit.verify()
    assert finding is not None and finding.seq == target.seq
    with pytest.raises(CommandError, match=f"第 {target.seq} 条"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_names_a_removed_entry(people, units):
    _make_entries(people, units, 4)
    target = AuditEntry.objects.order_by("seq")[2]
    with triggers_off(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE seq = %s", [target.seq])
    finding = audit.verify()
    assert finding is not None and finding.seq == target.seq
    assert "缺失" in finding.problem


@pytest.mark.django_db
def test_truncating_the_newest_entries_is_detected_by_the_written_head(people, units):
    _make_entries(people, units, 3)
    seq, _ = audit.write_checkpoint()
    with triggers_off(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE seq = %s", [seq])
        cur.execute(
            "UPDATE core_audithead SET seq = %s, hash = (SELECT hash FROM "
            "core_auditentry WHERE seq = %s)",
            [seq - 1, seq - 1],
        )
    finding = audit.verify()
    assert finding is not None and finding.seq == seq
    audit.checkpoint_path().unlink()


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted_through_the_application(people, units):
    _make_entries(people, units, 1)
    entry = AuditEntry.objects.latest("seq")
    entry.actor_name = "x"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.django_db
def test_failed_audit_write_rolls_the_change_back(people, units, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "_digest", broken)
    with pytest.raises(RuntimeError):
        services.unit_update(by=people["sysadmin"], unit=units["TA01"], name="不应保存")
    assert Unit.objects.get(code="TA01").name == "甲一镇"


@pytest.mark.django_db
def test_auditor_page_shows_field_names_not_business_values(login, people, units):
    services.unit_update(by=people["sysadmin"], unit=units["TA01"], name="机密新名称")
    response = login("auditor").get(reverse("audit_list"), {"code": "jianfu.core.unit"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "机密新名称" not in body
    assert "name" in body
    assert "修改单位" in body


@pytest.mark.django_db
def test_audit_search_by_actor_and_failed_only(login, client, people):
    client.post(reverse("login"), {"username": "office", "password": "wrong-Pass1"})
    response = login("auditor").get(reverse("audit_list"), {"failed_only": "on"})
    entries = list(response.context["page"])
    assert entries and all(not e.success for e in entries)
    assert {e.code for e in entries} == {"jianfu.core.login.failed"}


@pytest.mark.django_db
def test_checkpoint_task_writes_the_head_and_records_a_verification(people, units):
    from jianfu.core.models import AuditVerification
    from jianfu.core.tasks import audit_checkpoint

    _make_entries(people, units, 2)
    audit_checkpoint.enqueue()
    head = AuditHead.objects.get()
    assert f" head {head.seq} {head.hash} " in audit.checkpoint_path().read_text()
    assert AuditVerification.objects.latest("at").ok
    audit.checkpoint_path().unlink()


@pytest.mark.django_db
def test_the_auditor_verifies_the_chain_from_the_page(login, people, units):
    from jianfu.core.models import AuditVerification

    client = login("auditor")
    page = client.get(reverse("audit_list")).content.decode()
    assert f'action="{reverse("audit_verify")}"' in page and "尚未校验" in page
    response = client.post(reverse("audit_verify"))  # the task runs at once in the tests
    assert response.status_code == 302
    assert AuditVerification.objects.get().ok
    assert "审计链完整" in client.get(reverse("audit_list")).content.decode()
    assert login("office").post(reverse("audit_verify")).status_code == 403


@pytest.mark.django_db
def test_the_payload_put_together_around_the_head_is_the_whole_list_dumped(people, units):
    import json

    _make_entries(people, units, n=1)
    entry = AuditEntry.objects.order_by("-seq").first()
    entry.changes = {"名称": ["甲一镇", '甲一镇"新"'], "n": [1, 2.5], "z": None}
    whole = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(),
            entry.actor_id,
            entry.actor_name,
            entry.ip,
            entry.code,
            entry.success,
            entry.object_type,
            entry.object_id,
            entry.changes,
            entry.extra,
            entry.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert audit._payload(entry) == whole


@pytest.mark.django_db
def test_begin_and_commit_go_with_a_statement_only_in_a_transaction_of_its_own(people, units):
    from django.db import transaction

    from jianfu.core import prepared

    # Inside another transaction (here the test's), nothing is committed early: the statement is
    # left to the caller and the transaction commits, or rolls back, as a whole.
    with transaction.atomic():
        assert prepared.begin_with("SELECT 1", []) is None
        assert prepared.execute_and_commit("SELECT 1", []) is False
        with transaction.atomic(savepoint=False):
            assert prepared.execute_and_commit("SELECT 1", []) is False
    head = AuditHead.objects.get(id=1).seq
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(
            "jianfu.core.unit.updated", actor=people["sysadmin"], obj=units["TA01"], last=True
        )
        raise RuntimeError("a later failure in the same transaction")
    assert AuditHead.objects.get(id=1).seq == head
    assert audit.verify() is None
