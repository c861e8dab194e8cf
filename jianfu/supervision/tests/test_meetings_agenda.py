"""The coordination meeting's draft agenda: a red item, a unit over its quota, an overdue
rectification and a troubled project, each with its figures, and none of their clean twins; the
office's edits (text, order, removal, a free line) survive drafting again; lines registered by
another part (supervision/agenda.py) join the draft."""

import pytest

from jianfu.core import clock
from jianfu.core.errors import DomainError
from jianfu.signals.rules import RULES
from jianfu.supervision import agenda
from jianfu.supervision.meetings import services
from jianfu.supervision.meetings.models import AgendaLine

from . import meetings_factory as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(units):
    return f.city(units)


def lines(m, **kw):
    return list(AgendaLine.objects.filter(meeting=m, **kw).order_by("order", "pk"))


def figs(line) -> dict:
    return {x["label"]: x["value"] for x in line.figures}


def test_the_draft_lists_each_trouble_with_its_figures_and_not_the_clean_ones(world, units):
    m = f.meeting(units)
    counts = f.draft(m)
    assert counts["added"] == 4
    by_section = {line.section: line for line in lines(m)}
    assert set(by_section) == {"red_items", "quotas", "rectification", "projects"}

    red = by_section["red_items"]
    assert (red.source_kind, red.source_id) == ("supervision.item", world["red"].pk)
    assert "清理村级组织挂牌" in red.text and "甲县" in red.text
    assert figs(red)["办理时限"] == "2025-10-31" and figs(red)["完成进度"] == "0%"
    assert figs(red)["逾期工作日"] == 14
    assert red.link.endswith(f"/supervision/items/{world['red'].pk}/")

    quota = by_section["quotas"]
    assert quota.unit == units["TA"] and "已超指标" in quota.text
    assert figs(quota)["年度指标"] == 5 and figs(quota)["已使用"] == 6

    rect = by_section["rectification"]
    assert (rect.source_kind, rect.source_id) == ("rectification.unit", units["TB"].pk)
    assert figs(rect)["逾期措施"] == 1 and figs(rect)["最早时限"] == "2025-11-10"
    assert figs(rect)["最长逾期工作日"] == 8

    project = by_section["projects"]
    assert project.source_id == world["unstarted"].pk and "签约未开工" in project.text
    assert figs(project)["预警"] == str(RULES["proj_unstarted"].label)
    assert figs(project)["签约额（万元）"] == "2000.00"
    # The clean twins are nowhere.
    text = " ".join(line.text for line in lines(m))
    assert "完善监测点联系机制" not in text and "乙县发文" not in text
    assert "市教育局" not in text and "签约已开工" not in text


def test_sections_come_in_their_order(world, units):
    m = f.meeting(units)
    f.draft(m)
    from jianfu.supervision.meetings import queries

    assert [s["code"] for s in queries.sections(m)] == [
        "red_items",
        "quotas",
        "rectification",
        "projects",
    ]


def test_edits_survive_drafting_again(world, units):
    office = f.user("office")
    m = f.meeting(units)
    f.draft(m)
    red = lines(m, section="red_items")[0]
    quota = lines(m, section="quotas")[0]
    with clock.frozen(f.TODAY):
        services.line_edit(by=office, line_id=red.pk, text="请甲县说明挂牌清理滞后原因")
        services.line_remove(by=office, line_id=quota.pk)
        free = services.line_add(by=office, meeting_id=m.pk, text="研究明年督查检查计划")
    counts = f.draft(m)
    assert counts["kept"] == 2 and counts["added"] == 0
    red.refresh_from_db()
    quota.refresh_from_db()
    assert red.text == "请甲县说明挂牌清理滞后原因" and red.edited
    assert figs(red)["办理时限"] == "2025-10-31"  # the figures are refreshed all the same
    assert quota.removed  # not brought back
    assert AgendaLine.objects.filter(pk=free.pk, section=agenda.FREE).exists()
    assert len(lines(m, removed=False)) == 4


def test_moving_a_line_is_kept(world, units, people):
    extra = f.user("office")
    with clock.frozen(f.TODAY):
        from jianfu.supervision.items import services as item_services

        item_services.item_create(
            by=extra,
            source="instruction",
            title="压减报表填报频次",
            deadline=f.TODAY.replace(month=11, day=3),
            created_on=f.TODAY.replace(month=10, day=1),
            lead_unit_id=units["TB"].pk,
            issue=True,
        )
    m = f.meeting(units)
    f.draft(m)
    first, second = lines(m, section="red_items")
    with clock.frozen(f.TODAY):
        services.line_move(by=extra, line_id=second.pk, direction="up")
    f.draft(m)
    assert [x.pk for x in lines(m, section="red_items")] == [second.pk, first.pk]


def test_an_edited_line_no_longer_found_is_kept_and_marked(world, units):
    from jianfu.supervision.items import services as item_services

    office = f.user("office")
    m = f.meeting(units)
    f.draft(m)
    red = lines(m, section="red_items")[0]
    with clock.frozen(f.TODAY):
        services.line_edit(by=office, line_id=red.pk, text="挂牌清理")
        item_services.item_split(
            by=office, item_id=world["red"].pk, unit_id=units["TB"].pk, task="x"
        )
        # Extended: no longer red.
        ext = item_services.extension_request(
            by=f.user("contact_a"),
            item_id=world["red"].pk,
            new_deadline=f.TODAY.replace(month=12, day=31),
            reason="等待上级批复",
        )
        item_services.extension_approve(by=office, extension_id=ext.pk)
    f.draft(m)
    red.refresh_from_db()
    assert red.stale and red.text == "挂牌清理"


def test_another_parts_source_joins_the_draft(world, units):
    def build(principal, as_of, meeting):
        return [
            agenda.Line("乙县信息报送连续两月为零", "reporting.unit", units["TB"].pk, [("报送", 0)])
        ]

    agenda.register(agenda.Source("reporting_test", "信息报送滞后单位", 25, build))
    try:
        m = f.meeting(units)
        f.draft(m)
        from jianfu.supervision.meetings import queries

        codes = [s["code"] for s in queries.sections(m)]
        assert codes.index("reporting_test") == 2
        line = lines(m, section="reporting_test")[0]
        assert figs(line) == {"报送": 0}
    finally:
        agenda.SOURCES.pop("reporting_test")


def test_a_minuted_meetings_agenda_is_frozen(world, units):
    office = f.user("office")
    m = f.meeting(units)
    f.draft(m)
    with clock.frozen(f.TODAY):
        services.minutes_save(by=office, meeting_id=m.pk, text="会议听取了各单位汇报。")
        with pytest.raises(DomainError) as e:
            services.agenda_draft(by=office, meeting_id=m.pk)
    assert "纪要" in str(e.value.message)
