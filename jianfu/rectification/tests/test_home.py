"""The home page's rectification cards: the office's measures waiting for verification, reviews
due and self-examination rounds not finished; a county contact's overdue and due-soon measures
and self-examinations owed; a leader's problem figures. Each count's link lands on exactly the
items counted."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from jianfu.core import clock
from jianfu.rectification.models import MeasureKind
from jianfu.rectification.selfexam import services as exams
from jianfu.rectification.tests.test_exams import draft_list
from jianfu.rectification.tests.test_pages import PDF, act, ledger, measure, problem  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 15)


@pytest.fixture(autouse=True)
def today():
    with clock.frozen(TODAY):
        yield TODAY


def cards(client) -> dict[str, tuple[int, str, str]]:
    """The to-do cards of the home page: title → (count, note, link)."""
    page = client.get(reverse("home")).content.decode()
    out = {}
    for m in re.finditer(r'<a class="card jf-todo[^"]*" href="([^"]+)">(.*?)</a>', page, re.S):
        body = m.group(2)
        count = int(re.search(r'jf-todo-count">(\d+)<', body).group(1))
        title = re.sub(r"<[^>]+>|\s+", "", re.search(r'jf-todo-title">(.*?)</div>', body).group(1))
        note = re.search(r'jf-todo-note">(.*?)</div>', body)
        out[title] = (count, note.group(1) if note else "", m.group(1).replace("&amp;", "&"))
    return out


def test_the_contacts_overdue_and_due_soon_measures_lead_to_exactly_those(ledger, login):  # noqa: F811
    client = login("contact_a")
    found = cards(client)
    count, _note, url = found["整改措施已逾期"]
    assert count == 2
    listed = client.get(url).content.decode()
    assert "压减会议：逾期十天" in listed and "合并会议：逾期两天" in listed
    assert "清理工作群：三天后到期" not in listed and "取消陪会" not in listed
    count, _note, url = found["整改措施即将到期"]
    assert count == 1
    listed = client.get(url).content.decode()
    assert "清理工作群：三天后到期" in listed and "逾期十天" not in listed
    assert "建立会议计划：十月底" not in listed  # six weeks away is not "soon"
    # County B's contact has its own ledger: nothing of county A.
    assert "整改措施已逾期" not in cards(login("contact_b"))


def test_the_office_sees_what_waits_for_verification_and_review(ledger, login, people):  # noqa: F811
    office = people["office"]
    long_term = measure(
        people["contact_a"],
        ledger["p1"],
        "建立会议审批制度",
        dt.date(2026, 9, 10),
        kind=MeasureKind.LONG_TERM,
        mechanism="会议计划管理",
        review_on=dt.date(2026, 9, 12),
    )
    act(people["contact_a"], long_term, "start")
    act(people["contact_a"], long_term, "submit", "已建立", uploads=[("制度.pdf", PDF)])
    act(office, long_term, "verify", "属实")
    found = cards(login("office"))
    count, note, url = found["待核验整改"]
    assert (count, url) == (1, reverse("verify_queue"))  # 乙县's submitted measure
    count, note, url = found["到期回头看"]
    assert count == 1 and "1 项已过回头看日期" in note
    assert url == reverse("verify_queue") + "#reviews"
    page = login("office").get(reverse("verify_queue")).content.decode()
    assert "乙县统一报送口径" in page and "建立会议审批制度" in page


@pytest.fixture
def round_(people, units):
    nl = exams.list_publish(by=people["office"], negative_list=draft_list(people["office"]))
    return exams.round_open(
        by=people["office"],
        negative_list=nl,
        title="2026年对照负面清单自查",
        scope_unit_id=units["T"].pk,
        deadline=TODAY + dt.timedelta(days=10),
    )


def test_rounds_not_finished_and_self_examinations_owed(round_, login):
    count, note, url = cards(login("office"))["未结束的自查"]
    total = round_.participations.count()
    assert count == 1 and note == f"{total} 个单位尚未提交"
    assert url == reverse("round_detail", args=[round_.pk]) + "?status=pending"
    owed = round_.participations.filter(unit__path__startswith=round_.scope_unit.path)
    a_units = owed.filter(unit__code__startswith="TA").count()
    count, note, url = cards(login("contact_a"))["自查待提交"]
    assert count == a_units and note == f"截止 {TODAY + dt.timedelta(days=10)}"
    listed = login("contact_a").get(url).content.decode()
    assert "2026年对照负面清单自查" in listed
    exams.round_close(by=round_.opened_by, round=round_)
    assert "未结束的自查" not in cards(login("office"))
    assert "自查待提交" not in cards(login("contact_a"))


def test_the_round_list_shows_the_rounds_not_finished(round_, login, people):
    page = login("office").get(reverse("round_list") + "?status=open").content.decode()
    assert "2026年对照负面清单自查" in page


def test_the_leader_sees_problem_figures(ledger, login):  # noqa: F811
    page = login("leader").get(reverse("home")).content.decode()
    glance = page[page.index("问题整改") :]
    figures = dict(
        re.findall(r'<a href="([^"]+)">[^<]+</a>\s*<span class="jf-part-value[^"]*">(\d+)<', glance)
    )
    assert figures[reverse("problem_list") + "?status=open"] == "3"
    assert figures[reverse("problem_list") + "?overdue=1"] == "1"
    assert figures[reverse("problem_list") + "?status=closed"] == "0"
    assert "待办事项" not in page  # figures, not work


def test_the_office_home_takes_the_same_queries_for_more_work(
    ledger,  # noqa: F811
    login,
    people,
    django_assert_max_num_queries,
):
    client = login("office")
    client.get(reverse("home"))
    # Every app's cards share this budget (supervision's parts added theirs); what must not
    # happen is growth with the work, checked below.
    with django_assert_max_num_queries(25) as first:  # +1: the tours cards
        client.get(reverse("home"))
    for i in range(10):
        p = problem(people["contact_b"], ledger["p3"].unit, f"乙县问题{i}")
        m = measure(people["contact_b"], p, f"乙县措施{i}", dt.date(2026, 9, 30))
        act(people["contact_b"], m, "start")
        act(people["contact_b"], m, "submit", "已完成", uploads=[(f"{i}.pdf", PDF)])
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(reverse("home")).content.decode()
    assert cards(client)["待核验整改"][0] == 11
    assert "待核验整改" in page
