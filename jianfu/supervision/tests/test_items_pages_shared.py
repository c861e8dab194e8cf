"""What supervision items put in the shared places: the bulletin section (its figures equal the
board's for the same day), the problem source (a returned item on its lead unit's list), and the
Excel import (all or nothing, errors by row and column in Chinese)."""

import datetime as dt

import pytest
from django.urls import reverse

from jianfu.core import bulletin_sections as bs
from jianfu.core import clock, excel
from jianfu.core.imports import run
from jianfu.core.models import AuditEntry, ImportRecord
from jianfu.rectification.models import Problem
from jianfu.supervision.items import queries, services, sources
from jianfu.supervision.items.models import Item, ItemStatus
from jianfu.supervision.tests.test_items_pages import make

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def test_the_bulletin_section_equals_the_board(people, units):
    make(people, units, title="逾期甲", deadline=dt.date(2026, 3, 4))
    make(people, units, title="逾期乙", deadline=dt.date(2026, 3, 5), lead_unit_id=units["TB"].pk)
    make(people, units, title="临期", deadline=dt.date(2026, 3, 11))
    make(people, units, title="正常", deadline=dt.date(2026, 12, 30))
    office = people["office"]
    with clock.frozen(TODAY):
        board = queries.board(office, TODAY)
        part = bs.SECTIONS["supervision_items"].build(
            bs.Context(office, dt.date(2026, 3, 1), TODAY, "3月")
        )
    figures = {f["label"]: f["value"] for f in part.figures}
    assert figures["在办督办事项"] == sum(board.totals.values()) == 4
    assert figures["红色（逾期）"] == board.totals["red"] == 2
    assert figures["蓝色（临期）"] == board.totals.get("blue", 0)
    red_by_unit = {r.label: r.counts.get("red", 0) for r in board.by_unit if r.counts.get("red")}
    lines = " ".join(line["text"] for line in part.lines)
    for name, n in red_by_unit.items():
        assert f"{name}承办的督办事项中，逾期（红色）{n}项" in lines


def test_a_returned_item_opens_a_problem_on_the_lead_units_list(people, units, login):
    item = make(people, units)
    a = people["contact_a"]
    with clock.frozen(TODAY):
        services.completion_submit(by=a, item_id=item.pk, text="已办结")
        services.item_return(by=people["office"], item_id=item.pk, note="未见成效")
        answer = login("office").post(
            reverse("sup_item_act", args=[item.pk, "problem"]), {"note": "列入整改"}
        )
    problem = Problem.objects.get(source_kind=sources.KIND, source_id=item.pk)
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "problem_detail", args=[problem.pk]
    )
    assert problem.unit_id == units["TA"].pk
    assert "被退回重办" in problem.description
    page = login("office").get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "查看来源督办事项" in page and item.number in page
    # Once only.
    with clock.frozen(TODAY):
        again = login("office").post(
            reverse("sup_item_act", args=[item.pk, "problem"]), {}, follow=True
        )
    assert "该督办事项已列入问题清单" in again.content.decode()
    assert Problem.objects.filter(source_kind=sources.KIND, source_id=item.pk).count() == 1


def test_an_item_on_track_cannot_become_a_problem(people, units, login):
    item = make(people, units)
    with clock.frozen(TODAY):
        answer = login("office").post(
            reverse("sup_item_act", args=[item.pk, "problem"]), {}, follow=True
        )
    assert "未被退回、也未逾期" in answer.content.decode()
    assert not Problem.objects.filter(source_kind=sources.KIND).exists()


HEADER = "事项名称,主办单位,协办单位,办理时限,来源,责任领导,交办内容,反馈要求\n"


def _csv(rows: str) -> bytes:
    return (HEADER + rows).encode("utf-8")


def test_importing_a_leaders_instructions_list(people):
    data = _csv(
        "解决供暖问题,甲县,乙县、市教育局,2026-06-30,,王书记,尽快解决,每月反馈\n"
        "年度重点任务一,TB,,2026-12-31,年度重点任务,,,\n"
    )
    with clock.frozen(TODAY):
        record = run("supervision.items", by=people["office"], filename="批示.csv", data=data)
    assert isinstance(record, ImportRecord)
    first = Item.objects.get(title="解决供暖问题")
    assert first.source == "instruction" and first.leader_instruction
    assert first.status == ItemStatus.ISSUED and first.feedback_rule == "monthly"
    assert sorted(first.assignments.values_list("unit__code", flat=True)) == ["TA", "TB", "TD01"]
    assert Item.objects.get(title="年度重点任务一").source == "annual"
    assert AuditEntry.objects.filter(code="jianfu.supervision.items.imported").count() == 1


def test_an_import_with_one_bad_row_saves_nothing(people):
    data = _csv("好的一行,甲县,,2026-06-30,,,,\n坏的一行,不存在县,,2026-02-01,领导指示,,,\n")
    with clock.frozen(TODAY), pytest.raises(excel.ImportFailed) as failed:
        run("supervision.items", by=people["office"], filename="x.csv", data=data)
    errors = [(e.row, e.column, e.message) for e in failed.value.errors]
    assert any(row == 3 and col == "主办单位" for row, col, _m in errors), errors
    assert any(row == 3 and col == "来源" and "领导指示" in m for row, col, m in errors), errors
    assert not Item.objects.exists()


def test_the_import_page_and_template(login):
    client = login("office")
    assert client.get(reverse("sup_item_import")).status_code == 200
    answer = client.get(reverse("sup_item_template"))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/vnd")
    assert login("contact_a").get(reverse("sup_item_import")).status_code == 403
