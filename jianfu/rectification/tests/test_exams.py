"""The negative list and the self-examination rounds: a list is edited as a draft, frozen when
published and carried into a new version by copying; a round asks the chosen kinds of unit under
its scope; a unit's answers are drafts until it submits them all, and each item found present
becomes a problem on its list."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.core.models import AuditEntry
from jianfu.rectification.models import (
    ExamAnswer,
    NegativeListItem,
    Participation,
    Problem,
    Step,
)
from jianfu.rectification.selfexam import services as exams

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 4, 1)
ITEMS = [
    ("1", "文风会风", "文件照搬照抄上级，没有结合实际提出措施"),
    ("2", "文风会风", "会议层层陪会，要求基层干部全程参加"),
    ("3", "督查检查", "督查检查重复扎堆，多头要求基层提供材料"),
]


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


def refused(call, code: str, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def draft_list(office, year=2026):
    nl = exams.list_create(
        by=office, title="形式主义官僚主义负面清单", issued_by="省委办公厅", year=year
    )
    for number, category, title in ITEMS:
        exams.item_save(
            by=office,
            negative_list=nl,
            data={"number": number, "category": category, "title": title},
        )
    return nl


@pytest.fixture
def published(people):
    nl = draft_list(people["office"])
    return exams.list_publish(by=people["office"], negative_list=nl)


@pytest.fixture
def round_(people, units, published):
    return exams.round_open(
        by=people["office"],
        negative_list=published,
        title="2026年上半年对照负面清单自查",
        scope_unit_id=units["T"].pk,
        deadline=TODAY + dt.timedelta(days=14),
    )


@pytest.fixture
def ta_part(round_, units):
    return Participation.objects.get(round=round_, unit=units["TA"])


def items(nl) -> dict[str, int]:
    return dict(nl.items.values_list("number", "pk"))


def answers(nl, **by_number) -> dict:
    """answers(nl, **{"1": ("present", "…")}) → {item id: (answer, explanation)}."""
    ids = items(nl)
    return {ids[n]: value for n, value in by_number.items()}


# --- Negative list --------------------------------------------------------------------------------


def test_a_published_list_is_frozen(people, published):
    office = people["office"]
    assert published.is_published and published.items.count() == 3
    e = refused(
        exams.item_save,
        "published",
        by=office,
        negative_list=published,
        data={"number": "4", "category": "其他", "title": "新事项"},
    )
    assert e.status == 409 and "新建版本" in str(e.message)
    refused(
        exams.item_delete,
        "published",
        by=office,
        negative_list=published,
        item_id=items(published)["1"],
    )
    refused(exams.list_publish, "published", by=office, negative_list=published)
    assert published.items.count() == 3


def test_a_new_version_copies_the_items_and_leaves_the_old_untouched(people, published):
    office = people["office"]
    old_items = list(published.items.values_list("pk", "number", "title"))
    new = exams.list_new_version(by=office, source=published, year=2026)
    assert (new.year, new.version, new.previous) == (2026, 2, published)
    assert not new.is_published and new.title == published.title
    assert list(new.items.values_list("number", "category", "title")) == ITEMS
    exams.item_save(
        by=office,
        negative_list=new,
        data={"number": "1", "category": "文风会风", "title": "改写后的事项"},
        item_id=items(new)["1"],
    )
    exams.item_delete(by=office, negative_list=new, item_id=items(new)["3"])
    assert list(published.items.values_list("pk", "number", "title")) == old_items
    next_year = exams.list_new_version(by=office, source=published, year=2027)
    assert (next_year.year, next_year.version) == (2027, 1)


def test_items_are_numbered_once_and_need_their_fields(people):
    office = people["office"]
    nl = draft_list(office)
    e = refused(
        exams.item_save,
        "duplicate",
        by=office,
        negative_list=nl,
        data={"number": "2", "category": "文风会风", "title": "重复序号"},
    )
    assert "2" in str(e.message) and e.field == "number"
    e = refused(
        exams.item_save, "required", by=office, negative_list=nl, data={"number": "9", "title": "x"}
    )
    assert e.field == "category"
    other = exams.list_create(by=office, title="另一份清单", year=2026)
    refused(
        exams.item_save,
        "not_found",
        by=office,
        negative_list=other,
        data={"number": "1", "category": "c", "title": "t"},
        item_id=items(nl)["1"],
    )
    assert nl.items.count() == 3 and other.items.count() == 0


def test_an_empty_list_is_not_published(people):
    nl = exams.list_create(by=people["office"], title="空清单", year=2026)
    refused(exams.list_publish, "empty", by=people["office"], negative_list=nl)
    nl.refresh_from_db()
    assert not nl.is_published


def test_only_the_office_keeps_the_list(people):
    with pytest.raises(PermissionDenied):
        exams.list_create(by=people["contact_a"], title="清单", year=2026)


# --- Rounds ---------------------------------------------------------------------------------------


def test_a_round_asks_the_chosen_kinds_under_its_scope_and_not_villages(round_, units):
    asked = set(Participation.objects.filter(round=round_).values_list("unit__code", flat=True))
    assert asked == {"TA", "TB", "TD01", "TA01", "TB01"}
    assert round_.is_open and round_.negative_list.is_published


def test_a_round_under_a_county_asks_only_that_county(people, units, published):
    rnd = exams.round_open(
        by=people["office"],
        negative_list=published,
        title="甲县乡镇自查",
        scope_unit_id=units["TA"].pk,
        deadline=TODAY,
        unit_kinds=["township", "village"],
    )
    asked = set(Participation.objects.filter(round=rnd).values_list("unit__code", flat=True))
    assert asked == {"TA01", "TA0101"}
    assert AuditEntry.objects.filter(code="jianfu.rectification.round.opened").count() == 1


def test_a_round_needs_a_published_list_and_a_deadline_not_past(people, units):
    office = people["office"]
    draft = draft_list(office)
    kwargs = {"by": office, "title": "自查", "scope_unit_id": units["T"].pk}
    e = refused(exams.round_open, "not_published", negative_list=draft, deadline=TODAY, **kwargs)
    assert "已发布" in str(e.message)
    draft = exams.list_publish(by=office, negative_list=draft)
    e = refused(
        exams.round_open,
        "deadline_past",
        negative_list=draft,
        deadline=TODAY - dt.timedelta(days=1),
        **kwargs,
    )
    assert "2026-03-31" in str(e.message)
    refused(
        exams.round_open,
        "no_units",
        negative_list=draft,
        deadline=TODAY,
        **{**kwargs, "scope_unit_id": units["TD01"].pk},
        unit_kinds=["village"],
    )
    assert not Participation.objects.exists()


# --- Answering ------------------------------------------------------------------------------------


def test_answers_are_saved_as_a_draft(people, published, ta_part):
    contact = people["contact_a"]
    exams.exam_save(
        by=contact,
        participation_id=ta_part.pk,
        answers=answers(published, **{"1": ("absent", ""), "2": ("present", "每月陪会三次")}),
    )
    stored = dict(ta_part.answers.values_list("item__number", "answer"))
    assert stored == {"1": "absent", "2": "present"}
    ta_part.refresh_from_db()
    assert ta_part.submitted_at is None and not Problem.objects.exists()
    # An answer cleared on the form is cleared in the draft.
    exams.exam_save(
        by=contact, participation_id=ta_part.pk, answers=answers(published, **{"2": ("", "")})
    )
    assert dict(ta_part.answers.values_list("item__number", "answer")) == {"1": "absent"}


def test_present_needs_an_explanation(people, published, ta_part):
    e = refused(
        exams.exam_save,
        "explanation_required",
        by=people["contact_a"],
        participation_id=ta_part.pk,
        answers=answers(published, **{"1": ("absent", ""), "3": ("partly", "  ")}),
    )
    assert "第 3 项" in str(e.message) and "部分存在" in str(e.message)
    assert not ta_part.answers.exists()


def test_submitting_with_unanswered_items_is_refused_and_saves_nothing(people, published, ta_part):
    e = refused(
        exams.exam_submit,
        "unanswered",
        by=people["contact_a"],
        participation_id=ta_part.pk,
        answers=answers(published, **{"2": ("present", "陪会")}),
    )
    assert "2 项" in str(e.message) and "1、3" in str(e.message)
    ta_part.refresh_from_db()
    assert ta_part.submitted_at is None
    assert not ta_part.answers.exists() and not Problem.objects.exists()


def test_submitting_turns_what_is_present_into_problems(people, units, published, ta_part):
    contact = people["contact_a"]
    exams.exam_save(
        by=contact,
        participation_id=ta_part.pk,
        answers=answers(published, **{"1": ("absent", "")}),
    )
    problems = exams.exam_submit(
        by=contact,
        participation_id=ta_part.pk,
        answers=answers(
            published,
            **{"2": ("present", "乡镇干部每月陪会三次"), "3": ("partly", "检查有时扎堆")},
        ),
    )
    # The returned problems carry their ids (bulk_create on this database returns them).
    assert all(p.pk for p in problems)
    assert [(p.item.number, p.severity, p.description) for p in problems] == [
        ("2", 2, "乡镇干部每月陪会三次"),
        ("3", 1, "检查有时扎堆"),
    ]
    stored = Problem.objects.filter(unit=units["TA"]).order_by("pk")
    assert [p.pk for p in stored] == [p.pk for p in problems]
    for p in stored:
        assert p.source == "self_exam" and p.status == "open" and p.found_on == TODAY
        assert p.exam_answer.participation == ta_part and p.created_by == contact
        assert p.evidence == {
            "round": ta_part.round_id,
            "item": p.item.number,
            "answer": p.exam_answer.answer,
        }
    created = Step.objects.filter(problem__in=stored)
    assert sorted(created.values_list("problem_id", "kind")) == [
        (p.pk, "created") for p in problems
    ]
    ta_part.refresh_from_db()
    assert ta_part.submitted_at == clock.now() and ta_part.submitted_by == contact
    entry = AuditEntry.objects.get(code="jianfu.rectification.exam.submitted")
    assert entry.extra["problems"] == [p.pk for p in problems]


def test_a_unit_submits_once(people, published, ta_part):
    contact = people["contact_a"]
    all_absent = answers(published, **{n: ("absent", "") for n, _c, _t in ITEMS})
    assert exams.exam_submit(by=contact, participation_id=ta_part.pk, answers=all_absent) == []
    e = refused(
        exams.exam_submit,
        "submitted",
        by=contact,
        participation_id=ta_part.pk,
        answers=answers(published, **{"1": ("present", "后来发现")}),
    )
    assert e.status == 409
    refused(exams.exam_save, "submitted", by=contact, participation_id=ta_part.pk, answers={})
    assert not Problem.objects.exists()
    assert set(ta_part.answers.values_list("answer", flat=True)) == {"absent"}


def test_a_closed_round_takes_no_answers(people, published, round_, ta_part):
    exams.round_close(by=people["office"], round=round_)
    e = refused(
        exams.exam_save,
        "closed",
        by=people["contact_a"],
        participation_id=ta_part.pk,
        answers=answers(published, **{"1": ("absent", "")}),
    )
    assert "已结束" in str(e.message)
    assert not ExamAnswer.objects.exists()


def test_only_the_unit_and_its_county_answer(people, published, round_, units, ta_part):
    refused(
        exams.exam_save,
        "not_found",
        by=people["contact_b"],
        participation_id=ta_part.pk,
        answers={},
    )
    with pytest.raises(PermissionDenied):
        exams.exam_save(by=people["office"], participation_id=ta_part.pk, answers={})
    township = Participation.objects.get(round=round_, unit=units["TA01"])
    exams.exam_save(
        by=people["contact_a"],
        participation_id=township.pk,
        answers=answers(published, **{"1": ("absent", "")}),
    )
    assert township.answers.count() == 1


def test_an_item_of_another_list_is_refused(people, published, ta_part):
    other = draft_list(people["office"], year=2025)
    refused(
        exams.exam_save,
        "item",
        by=people["contact_a"],
        participation_id=ta_part.pk,
        answers={NegativeListItem.objects.filter(negative_list=other).first().pk: ("absent", "")},
    )
