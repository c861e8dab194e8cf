"""The negative list and self-examination pages, end to end: the office builds a list by hand,
publishes it and copies it to a new version; opens a round; a county contact answers (a draft,
a refused submission, a full one that puts problems on the list); the office sees who has not
finished. Scope: another county's contact sees nothing (404), a leader opens nothing (403)."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.core.models import AuditEntry
from jianfu.rectification.models import (
    ExamAnswer,
    NegativeList,
    Participation,
    Problem,
    Round,
    Source,
)
from jianfu.rectification.selfexam import services as exams

pytestmark = pytest.mark.django_db

ITEMS = [
    ("1", "学风方面", "学习教育搞形式、走过场"),
    ("2", "学风方面", "以考代学、以笔记数量论成效"),
    ("3", "文风会风", "以文件落实文件"),
]


def published(office, items=ITEMS, year=2026) -> NegativeList:
    nl = exams.list_create(by=office, title="负面清单", year=year)
    for number, category, title in items:
        exams.item_save(
            by=office,
            negative_list=nl,
            data={"number": number, "category": category, "title": title},
        )
    return exams.list_publish(by=office, negative_list=nl)


def deadline() -> dt.date:
    return clock.today() + dt.timedelta(days=14)


@pytest.fixture
def office(people):
    return people["office"]


@pytest.fixture
def nl(office):
    return published(office)


@pytest.fixture
def rnd(office, nl, units):
    return exams.round_open(
        by=office,
        negative_list=nl,
        title="2026年度自查",
        scope_unit_id=units["T"].pk,
        deadline=deadline(),
    )


def part(rnd, units, code) -> Participation:
    return Participation.objects.get(round=rnd, unit=units[code])


def answers(nl, **by_number) -> dict:
    """POST data: a<id>/e<id> for each item given as number=(answer, explanation)."""
    data = {}
    for item in nl.items.all():
        if item.number in by_number:
            answer, explanation = by_number[item.number]
            data[f"a{item.pk}"], data[f"e{item.pk}"] = answer, explanation
    return data


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Negative list --------------------------------------------------------------------------------


def test_office_builds_a_list_by_hand_publishes_it_and_copies_a_new_version(login):
    client = login("office")
    data = {"title": "负面清单", "issued_by": "省委办公厅", "year": 2026}
    response = client.post(reverse("negative_list_create"), data)
    nl = NegativeList.objects.get(title="负面清单", year=2026)
    assert response.url == reverse("negative_list_detail", args=[nl.pk])
    detail = reverse("negative_list_detail", args=[nl.pk])
    for number, category, title in ITEMS:
        r = client.post(detail, {"number": number, "category": category, "title": title})
        assert r.status_code == 302
    # A repeated number is refused on the field, keeping what was typed.
    r = client.post(detail, {"number": "1", "category": "文风会风", "title": "重复的一项"})
    assert r.status_code == 400
    assert "序号“1”在本清单中已存在" in r.content.decode()
    assert "重复的一项" in r.content.decode()

    item = nl.items.get(number="3")
    edit = reverse("negative_item_edit", args=[nl.pk, item.pk])
    assert client.get(edit).status_code == 200
    r = client.post(
        edit,
        {"number": "3", "category": "文风会风", "title": "照抄照搬上级文件"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert "照抄照搬上级文件" in r.content.decode()
    assert f'id="item-{item.pk}"' in r.content.decode()
    r = client.post(
        edit, {"number": "", "category": "文风会风", "title": "x"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and "is-invalid" in r.content.decode()

    data = {"number": "4", "category": "其他", "title": "多余"}
    extra = exams.item_save(by=nl.created_by, negative_list=nl, data=data)
    r = client.post(reverse("negative_item_delete", args=[nl.pk, extra.pk]))
    assert r.status_code == 302
    assert list(nl.items.values_list("number", flat=True)) == ["1", "2", "3"]

    page = client.get(detail).content.decode()
    assert page.index("学风方面") < page.index("文风会风")
    assert "发布" in page

    assert client.post(reverse("negative_list_publish", args=[nl.pk])).status_code == 302
    nl.refresh_from_db()
    assert nl.is_published
    # A published list is frozen: adding and editing are refused, and nothing changes.
    r = client.post(detail, {"number": "9", "category": "其他", "title": "迟到的一项"}, follow=True)
    assert any("请新建版本" in m for m in texts(r))
    r = client.post(edit, {"number": "3", "category": "文风会风", "title": "改"}, follow=True)
    assert any("请新建版本" in m for m in texts(r))
    r = client.get(edit, HTTP_HX_REQUEST="true")  # a stale inline form reloads the whole page
    assert r.headers["HX-Redirect"] == detail
    assert nl.items.count() == 3
    assert "照抄照搬上级文件" in nl.items.get(number="3").title

    r = client.post(reverse("negative_list_copy", args=[nl.pk]), {"year": 2027, "title": ""})
    copy = NegativeList.objects.get(year=2027)
    assert r.url == reverse("negative_list_detail", args=[copy.pk])
    assert copy.previous == nl and not copy.is_published and copy.title == nl.title
    before = list(nl.items.values_list("number", "category", "title"))
    assert list(copy.items.values_list("number", "category", "title")) == before
    exams.item_save(
        by=nl.created_by,
        negative_list=copy,
        data={"number": "1", "category": "学风方面", "title": "新口径"},
        item_id=copy.items.get(number="1").pk,
    )
    assert list(nl.items.values_list("number", "category", "title")) == before
    listing = client.get(reverse("negative_list_list")).content.decode()
    assert "v1" in listing and "草稿" in listing and "已发布" in listing


def test_everyone_with_the_code_reads_lists_only_the_office_changes_them(nl, login):
    for who in ("leader", "contact_a", "discipline"):
        client = login(who)
        assert client.get(reverse("negative_list_list")).status_code == 200
        assert client.get(reverse("negative_list_detail", args=[nl.pk])).status_code == 200
        assert client.get(reverse("negative_list_create")).status_code == 403
        assert client.post(reverse("negative_list_copy", args=[nl.pk])).status_code == 403
        assert client.post(reverse("negative_list_publish", args=[nl.pk])).status_code == 403
    assert login("reporter").get(reverse("negative_list_list")).status_code == 403


# --- Rounds ---------------------------------------------------------------------------------------


def test_a_round_takes_the_chosen_kinds_under_the_scope_unit_and_no_villages(nl, units, login):
    client = login("office")
    form = client.get(reverse("round_create"))
    assert form.status_code == 200
    assert set(form.context["form"]["unit_kinds"].initial) == {
        "county",
        "department",
        "county_department",
        "township",
    }
    data = {
        "title": "2026年度自查",
        "negative_list": nl.pk,
        "scope_unit": units["T"].pk,
        "unit_kinds": ["county", "department", "county_department", "township"],
        "deadline": deadline().isoformat(),
    }
    r = client.post(reverse("round_create"), data)
    rnd = Round.objects.get(title="2026年度自查")
    assert r.url == reverse("round_detail", args=[rnd.pk])
    codes = set(rnd.participations.values_list("unit__code", flat=True))
    assert codes == {"TA", "TB", "TD01", "TA01", "TB01"}  # not the village TA0101, not the city

    r = client.post(
        reverse("round_create"),
        {**data, "title": "甲县乡镇自查", "scope_unit": units["TA"].pk, "unit_kinds": ["township"]},
    )
    small = Round.objects.get(title="甲县乡镇自查")
    assert list(small.participations.values_list("unit__code", flat=True)) == ["TA01"]

    past = client.post(reverse("round_create"), {**data, "deadline": "2000-01-01"})
    assert past.status_code == 400
    assert "已过" in past.content.decode()

    listing = client.get(reverse("round_list")).content.decode()
    assert "已提交 0 / 共 5" in listing


def test_a_draft_list_cannot_be_chosen_for_a_round(office, units, login):
    draft = exams.list_create(by=office, title="草稿清单", year=2030)
    r = login("office").post(
        reverse("round_create"),
        {
            "title": "x",
            "negative_list": draft.pk,
            "scope_unit": units["T"].pk,
            "unit_kinds": ["county"],
            "deadline": deadline().isoformat(),
        },
    )
    assert r.status_code == 400
    assert not Round.objects.filter(title="x").exists()


def test_leader_gets_403_on_round_create_and_close(rnd, login):
    client = login("leader")
    assert client.get(reverse("round_create")).status_code == 403
    assert client.post(reverse("round_create"), {}).status_code == 403
    assert client.post(reverse("round_close", args=[rnd.pk])).status_code == 403
    assert client.get(reverse("round_detail", args=[rnd.pk])).status_code == 200


# --- Answering ------------------------------------------------------------------------------------


def test_contact_answers_a_draft_then_a_refused_submission_then_a_full_one(rnd, nl, units, login):
    client = login("contact_a")
    home = client.get(reverse("exam_home"))
    assert home.status_code == 200
    shown = [p.unit.code for r in home.context["rounds"] for p in r["rows"]]
    assert shown == ["TA", "TA01"]  # the county itself, and its township below
    p = part(rnd, units, "TA")
    url = reverse("exam_answer", args=[p.pk])
    page = client.get(url).content.decode()
    assert page.count('type="radio"') == 9 and "暂存" in page and "提交" in page

    # A draft: what is answered is kept, the rest stays open.
    r = client.post(url, {"action": "save", **answers(nl, **{"1": ("present", "要求手抄笔记")})})
    assert r.status_code == 302
    assert ExamAnswer.objects.filter(participation=p).count() == 1
    page = client.get(url).content.decode()
    assert "要求手抄笔记" in page and "checked" in page

    # Submitting with items unanswered: refused, the numbers named, nothing saved or created.
    typed = answers(nl, **{"1": ("present", "要求手抄笔记并拍照"), "3": ("", "还没想好")})
    r = client.post(url, {"action": "submit", **typed})
    assert r.status_code == 400
    body = r.content.decode()
    assert "还有 2 项未作答（序号：2、3）" in body
    assert "要求手抄笔记并拍照" in body and "还没想好" in body  # what was typed is kept
    assert ExamAnswer.objects.get(participation=p).explanation == "要求手抄笔记"
    assert not Problem.objects.exists()
    p.refresh_from_db()
    assert p.submitted_at is None

    # "Present" without saying how: the item is named.
    typed = answers(
        nl, **{"1": ("present", "要求手抄笔记"), "2": ("partly", ""), "3": ("absent", "")}
    )
    r = client.post(url, {"action": "submit", **typed})
    assert r.status_code == 400
    assert "第 2 项选择了“部分存在”，请写明具体表现" in r.content.decode()
    assert not Problem.objects.exists()

    # Complete: each present or partly present item becomes a problem of the unit.
    full = {"1": ("present", "要求手抄笔记"), "2": ("partly", "个别科室以考代学")}
    typed = answers(nl, **full, **{"3": ("absent", "")})
    r = client.post(url, {"action": "submit", **typed}, follow=True)
    assert any("登记了 2 个问题" in m for m in texts(r))
    problems = Problem.objects.filter(unit=units["TA"]).order_by("item__position")
    assert [(pr.source, pr.item.number, pr.description) for pr in problems] == [
        (Source.SELF_EXAM, "1", "要求手抄笔记"),
        (Source.SELF_EXAM, "2", "个别科室以考代学"),
    ]
    assert AuditEntry.objects.filter(code="jianfu.rectification.exam.submitted").count() == 1

    # After submission the page is read-only and says what came of it.
    page = client.get(url).content.decode()
    assert 'type="radio"' not in page and "<textarea" not in page
    assert "登记了 2 个问题" in page
    assert reverse("problem_list") + f"?source=self_exam&amp;unit={units['TA'].pk}" in page
    r = client.post(url, {"action": "save", **typed}, follow=True)
    assert any("不能再修改" in m for m in texts(r))
    assert Problem.objects.count() == 2


def test_round_detail_shows_who_has_not_finished(rnd, nl, units, login, people):
    exams.exam_submit(
        by=people["contact_a"],
        participation_id=part(rnd, units, "TA").pk,
        answers={i.pk: ("present", "有") for i in nl.items.all()},
    )
    client = login("office")
    url = reverse("round_detail", args=[rnd.pk])
    r = client.get(url)
    rows = list(r.context["page"])
    assert [p.unit.code for p in rows][-1] == "TA"  # unfinished first
    assert r.context["summary"] == {
        "total": 5,
        "submitted": 1,
        "pending": 4,
        "items": 3,
        "problems": 3,
        "present": 3,
        "partly": 0,
    }
    ta = rows[-1]
    assert (ta.present, ta.problems) == (3, 3)
    pending = client.get(url, {"status": "pending"}).context["page"]
    assert {p.unit.code for p in pending} == {"TB", "TD01", "TA01", "TB01"}
    county_a = client.get(url, {"county": units["TA"].pk}).context["page"]
    assert [p.unit.code for p in county_a] == ["TA01", "TA"]
    assert "未完成" in r.content.decode()
    # The office reads a unit's answers, but cannot answer for it.
    answers_page = client.get(reverse("exam_answer", args=[ta.pk]))
    assert answers_page.status_code == 200
    assert client.post(reverse("exam_answer", args=[ta.pk]), {}).status_code == 403


def test_overdue_rounds_are_marked(rnd, login):
    with clock.frozen(rnd.deadline + dt.timedelta(days=1)):
        listing = login("office").get(reverse("round_list")).content.decode()
        assert "已逾期" in listing


def test_closing_a_round_ends_answering(rnd, nl, units, login):
    p = part(rnd, units, "TA")
    assert login("office").post(reverse("round_close", args=[rnd.pk])).status_code == 302
    client = login("contact_a")
    assert client.get(reverse("exam_home")).context["rounds"] == []
    r = client.post(
        reverse("exam_answer", args=[p.pk]),
        {"action": "save", **answers(nl, **{"1": ("absent", "")})},
        follow=True,
    )
    assert any("已结束" in m for m in texts(r))
    assert not ExamAnswer.objects.exists()


def test_another_countys_contact_gets_404(rnd, nl, units, login):
    p = part(rnd, units, "TA")
    client = login("contact_b")
    assert client.get(reverse("exam_answer", args=[p.pk])).status_code == 404
    r = client.post(
        reverse("exam_answer", args=[p.pk]),
        {"action": "submit", **answers(nl, **{n: ("absent", "") for n, _c, _t in ITEMS})},
    )
    assert r.status_code == 404
    assert not ExamAnswer.objects.exists()
    home = client.get(reverse("exam_home")).context["rounds"]
    shown = [p.unit.code for r in home for p in r["rows"]]
    assert shown == ["TB", "TB01"]
    # Rounds are read through their scope unit: one opened over the city is not 乙县's.
    assert client.get(reverse("round_detail", args=[rnd.pk])).status_code == 404


def test_pages_bound_their_queries(office, people, units, django_assert_max_num_queries):
    from django.test import Client

    clients = {}
    for who in ("office", "contact_a"):
        clients[who] = Client()
        clients[who].force_login(people[who])
    small = published(office, ITEMS, year=2026)
    many = [(str(i), f"类别{i % 5}", f"事项{i}") for i in range(1, 31)]
    large = published(office, many, year=2027)
    for nl in (small, large):
        rnd = exams.round_open(
            by=office,
            negative_list=nl,
            title=f"自查{nl.year}",
            scope_unit_id=units["T"].pk,
            deadline=deadline(),
        )
        p = part(rnd, units, "TA")
        exams.exam_save(
            by=people["contact_a"],
            participation_id=p.pk,
            answers={i.pk: ("absent", "") for i in nl.items.all()},
        )
        with django_assert_max_num_queries(12):
            assert clients["contact_a"].get(reverse("exam_answer", args=[p.pk])).status_code == 200
        with django_assert_max_num_queries(14):
            r = clients["office"].get(reverse("round_detail", args=[rnd.pk]))
            assert r.status_code == 200
        with django_assert_max_num_queries(10):
            assert clients["contact_a"].get(reverse("exam_home")).status_code == 200
        with django_assert_max_num_queries(10):
            assert clients["office"].get(reverse("round_list")).status_code == 200
        with django_assert_max_num_queries(10):
            url = reverse("negative_list_detail", args=[nl.pk])
            assert clients["office"].get(url).status_code == 200
        exams.exam_submit(
            by=people["contact_a"],
            participation_id=p.pk,
            answers={i.pk: ("present", "有") for i in nl.items.all()},
        )
        with django_assert_max_num_queries(12):  # read-only, each answer linking its problem
            assert clients["contact_a"].get(reverse("exam_answer", args=[p.pk])).status_code == 200
