"""The one door (clue_create): checks, clustering of near-duplicates, referral and status handled
once per cluster with every source kept; the ledger shows a cluster as one row with its count."""

import pytest
from django.urls import reverse

from jianfu.accountability.clues import services
from jianfu.accountability.clues.models import Clue, ClueStatus
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry

from .clues_factory import make_clue

pytestmark = pytest.mark.django_db

STORY = (
    "甲县教育局要求每所学校每周上报三张迎检材料表格，并拍摄十张工作照片上传留痕，老师们疲于应付。"
)
RETOLD = (
    "甲县教育局要求每所学校每周上报三张迎检材料表格，还要拍十张工作照片上传留痕，老师疲于应付！"
)
RETOLD2 = (
    "反映：甲县教育局要求每所学校每周上报三张迎检材料表格并拍摄十张工作照片上传留痕，老师们很累。"
)
OTHER = "甲县今年召开全县大会十二次，每次要求村支书到场陪会，一开就是一整天，耽误春耕。"


def test_jaccard_separates_a_retelling_from_another_complaint():
    assert services.jaccard(STORY, RETOLD) >= 0.5
    assert services.jaccard(STORY, OTHER) < 0.2
    assert services.jaccard("", STORY) == 0.0


def test_near_duplicates_of_the_same_unit_join_one_cluster(units):
    first = make_clue(units["TA"], STORY)
    second = make_clue(units["TA"], RETOLD, channel="hotline")
    third = make_clue(units["TA"], RETOLD2, channel="petition")
    other = make_clue(units["TA"], OTHER)
    elsewhere = make_clue(units["TB"], STORY)
    assert first.cluster_id is None
    assert second.cluster_id == first.pk and third.cluster_id == first.pk
    assert other.cluster_id is None and elsewhere.cluster_id is None


def test_closed_clue_does_not_gather_new_ones(units, people):
    first = make_clue(units["TA"], STORY)
    services.clue_set_status(by=people["discipline"], clue_id=first.pk, status=ClueStatus.CLOSED)
    assert make_clue(units["TA"], RETOLD).cluster_id is None


def test_threshold_is_a_runtime_setting(units, people):
    from jianfu.core import runtime
    from jianfu.core.models import RuntimeSetting

    RuntimeSetting.objects.create(key="accountability.clues.cluster_jaccard", value=0.95)
    runtime.invalidate()
    make_clue(units["TA"], STORY)
    assert make_clue(units["TA"], RETOLD).cluster_id is None


def test_cluster_handled_once_every_source_kept(units, people, login):
    first = make_clue(units["TA"], STORY)
    second = make_clue(units["TA"], RETOLD, channel="hotline", external_ref="GD-1")
    make_clue(units["TA"], RETOLD2, channel="petition")
    services.clue_set_status(by=people["discipline"], clue_id=second.pk, status=ClueStatus.HANDLING)
    assert set(Clue.objects.values_list("status", flat=True)) == {ClueStatus.HANDLING}
    services.clue_refer(by=people["discipline"], clue_id=first.pk)
    assert not Clue.objects.filter(referred_at__isnull=True).exists()
    client = login("discipline")
    ledger = client.get(reverse("clue_list")).content.decode()
    assert ledger.count("jf-clue-title") == 1
    assert "并案 3 条" in ledger
    page = client.get(reverse("clue_detail", args=[first.pk])).content.decode()
    for text in (STORY, RETOLD, RETOLD2):
        assert text in page
    assert "GD-1" in page


def test_refusals_name_the_field_and_save_nothing(units):
    with pytest.raises(DomainError) as e:
        make_clue(units["TA"], "   ")
    assert e.value.field == "text"
    with pytest.raises(DomainError) as e:
        make_clue(units["TA"], STORY, category="nonsense")
    assert e.value.field == "category"
    with pytest.raises(DomainError) as e:
        make_clue(units["TA"], STORY, real_name=True)
    assert e.value.code == "informant_required"
    with pytest.raises(DomainError) as e:
        make_clue(units["TA"], STORY, files=[("a.exe", b"MZ" + b"\0" * 100)])
    assert "程序" in e.value.message
    assert not Clue.objects.exists()


def test_same_external_ref_is_refused_and_same_source_returns_the_clue(units):
    make_clue(units["TA"], STORY, channel="hotline", external_ref="GD-9")
    with pytest.raises(DomainError) as e:
        make_clue(units["TA"], OTHER, channel="hotline", external_ref="GD-9")
    assert e.value.code == "duplicate_ref"
    a = make_clue(units["TA"], OTHER, channel="tour", source_kind="tour.finding", source_id=7)
    b = make_clue(units["TA"], OTHER, channel="tour", source_kind="tour.finding", source_id=7)
    assert a.pk == b.pk
    assert Clue.objects.count() == 2


def test_every_write_is_audited(units, people):
    clue = make_clue(units["TA"], STORY, by=people["discipline"])
    services.clue_refer(by=people["discipline"], clue_id=clue.pk)
    services.clue_set_status(by=people["discipline"], clue_id=clue.pk, status="handling")
    codes = set(AuditEntry.objects.filter(object_id=str(clue.pk)).values_list("code", flat=True))
    assert {
        "jianfu.accountability.clue.created",
        "jianfu.accountability.clue.referred",
        "jianfu.accountability.clue.status",
    } <= codes


def _distinct(i: int) -> str:
    """A text of its own: 40 characters drawn by the index, sharing no shingle with another."""
    import random

    rng = random.Random(i)
    return "".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(40))


def test_ledger_queries_are_bounded(units, login, django_assert_max_num_queries):
    client = login("discipline")
    for i in range(3):
        make_clue(units["TA"], _distinct(i))
    with django_assert_max_num_queries(20):
        assert client.get(reverse("clue_list")).status_code == 200
    for i in range(3, 30):
        make_clue(units["TB"], _distinct(i))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("clue_list"))
    assert page.content.decode().count("jf-clue-title") == 30


def test_ledger_filters(units, login):
    make_clue(units["TA"], STORY, channel="hotline")
    make_clue(units["TB"], OTHER, channel="public")
    client = login("discipline")
    body = client.get(reverse("clue_list"), {"channel": "hotline"}).content.decode()
    assert body.count("jf-clue-title") == 1 and "甲县" in body
    body = client.get(reverse("clue_list"), {"unit": units["TB"].pk}).content.decode()
    assert body.count("jf-clue-title") == 1
    assert client.get(reverse("clue_list"), {"start": "bad"}).status_code == 200
