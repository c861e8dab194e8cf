"""The main journeys in a real browser (Chromium, driven by Playwright) on the real server
(granian), at a desk's width (1366 px) and a phone's (375 px): log in and out, register a
document, import a workbook, triage a signal, rectify a problem and verify it, and — on the phone
only — a sample point's monthly report. Every journey also fails on an error in the browser's
console (a script that breaks, a style or script the Content-Security-Policy refused), on any
request to a host other than the server (refused, and named), on a server error, and on any page
wider than the window.

The journeys have a server of their own, with the test city (jianfu/conftest.py) and what WORLD
adds for them to start from.
"""

import io
import json
import re

import pytest
from openpyxl import Workbook

from jianfu.testing import browser
from jianfu.testing.browser import DESK, PHONE, Visit

pytestmark = browser.needed_here

WIDTHS = [pytest.param(DESK, id="1366px"), pytest.param(PHONE, id="375px")]

# Per width: an open signal about 甲一村's report (the sample point `reporter` fills) to triage,
# and a problem of 甲县 to rectify.
WORLD = """
import datetime as dt, json
from jianfu.core import clock
from jianfu.rectification.problems import services as problems
from jianfu.signals.models import Signal
from jianfu.signals.rules import RULES, current_settings
office = User.objects.get(username="office")
ta, village = Unit.objects.get(code="TA"), Unit.objects.get(code="TA0101")
now, today = clock.now(), clock.today()
world = {"village": village.pk, "signals": {}, "problems": {},
         "today": today.isoformat(), "in_a_month": (today + dt.timedelta(days=30)).isoformat()}
rule, settings = RULES["truth_copies"], current_settings()
for width, days in (({desk}, 60), ({phone}, 30)):
    # As the rule writes it: one report of the month holds a run of the same number.
    signal = Signal.objects.create(
        rule="truth_copies", unit=village, period=f"{today - dt.timedelta(days=days):%Y-%m}",
        subject="straight_line", severity=1, first_raised_at=now, last_seen_at=now,
        evidence={"run": 9, "value": 5, "as_of": today.isoformat()},
        threshold={k: settings[k] for k in rule.settings})
    world["signals"][width] = signal.pk
    problem = problems.problem_create(
        by=office, unit_id=ta.pk, source="office", severity=2,
        description=f"村级组织工作台账重复报送（{width}）")
    world["problems"][width] = problem.pk
print(json.dumps(world))
"""


@pytest.fixture(scope="module")
def server(worker_id):
    """A server of the journeys' own: what they write (a month's report, documents, closed
    problems) is no other test's business, nor the other way round."""
    from jianfu.testing.live import LiveServer

    live = LiveServer(suffix=f"journeys_{worker_id}").start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def world(server) -> dict:
    code = WORLD.replace("{desk}", str(DESK)).replace("{phone}", str(PHONE))
    return json.loads(server.run_python(code).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def chromium():
    if browser.REQUIRED and browser.missing(in_process=True):
        pytest.fail(f"a real browser needs {browser.missing(in_process=True)}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = browser.launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def visit(chromium, server, request):
    """Open a window: visit(width) → a Visit; each is checked for faults when the test ends."""
    opened: list[Visit] = []

    def _open(width: int) -> Visit:
        name = f"{request.node.name}-{len(opened) + 1}"
        v = Visit(chromium, server.url, width, name=name)
        opened.append(v)
        return v

    yield _open
    faults = [f for v in opened for f in v.faults()]
    for v in opened:
        v.close()
    assert not faults, "\n".join(faults)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_log_in_find_a_page_in_the_menu_and_log_out(visit, width):
    v = visit(width).log_in("office")
    assert v.page.url == v.base_url + "/" and "您好，office" in v.text()
    menu = v.page.locator("#jf-sidebar")
    if width == PHONE:  # the menu folds away behind a button
        assert not menu.is_visible()
        v.page.get_by_role("button", name="菜单").click()
    v.follow("预警", within=menu)
    assert v.page.url.endswith("/signals/")
    v.page.locator("button.jf-user-toggle").click()
    v.press("退出登录")
    assert "/login/" in v.page.url
    v.open("/signals/")  # signed out: back to the login form
    assert "/login/" in v.page.url


@pytest.mark.parametrize("width", WIDTHS)
def test_register_a_document(visit, width, world):
    title = f"关于做好春季防汛工作的通知{width}"
    number = f"甲发〔{world['today'][:4]}〕{width}号"
    v = visit(width).log_in("contact_a").open("/registry/documents/")
    v.follow("登记")
    v.fill("标题", title).fill("文号", number).fill("发文日期", world["today"])
    v.choose("文件类型", "红头文件")
    v.press("保存")
    shown = v.text()
    assert f"已登记“{title}”" in shown and "甲县" in shown and "红头文件" in shown
    assert "计入指标" in shown  # the counting rules judged it: a red-header document counts
    v.follow("发文登记", within=v.page.locator(".breadcrumb"))
    assert title in v.text()


@pytest.mark.parametrize("width", WIDTHS)
def test_import_a_workbook(visit, width, world):
    number = f"甲办〔{world['today'][:4]}〕{width}号"
    title = f"关于开展安全生产大检查的通知{width}"
    book = _xlsx(
        [
            ["文号", "标题", "发文单位", "联合发文单位", "发文日期", "文件类型"],
            [number, title, "甲县", "", world["today"], "红头"],
        ]
    )
    v = visit(width).log_in("contact_a").open("/registry/documents/")
    v.follow("导入")
    v.page.get_by_label("文件").set_input_files(
        {
            "name": "发文.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": book,
        }
    )
    v.press("导入")
    assert v.page.url.endswith("/registry/documents/")
    shown = v.text()
    assert "导入完成：新增 1 条" in shown and title in shown and number in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_triage_a_signal(visit, width, world):
    pk = world["signals"][str(width)]
    v = visit(width).log_in("office").open(f"/signals/?unit={world['village']}")
    v.tap(v.page.locator(f"a[href='/signals/{pk}/']").first)
    triage = v.page.locator("#triage form").first
    triage.get_by_label("确认说明").fill("经核实，该村当月填报系照抄，已责成如实重报。")
    v.press("确认预警", within=triage)
    assert "预警已确认" in v.text() and "已确认" in v.text(".jf-page-header")
    v.follow("问题 #", exact=False)  # the problem it became, on 甲一村's list
    shown = v.text()
    assert "/rectification/problems/" in v.page.url and "甲一村 · 照抄照搬" in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_rectify_and_verify_a_problem(visit, width, world):
    pk = world["problems"][str(width)]
    unit = visit(width).log_in("contact_a").open(f"/rectification/problems/{pk}/")
    unit.follow("制定整改措施")
    unit.fill("整改措施", f"合并村级组织工作台账（{width}），同一事项只报一次。")
    unit.fill("责任人", "张明").fill("完成日期", world["in_a_month"])
    unit.press("保存")
    assert "整改措施已制定" in unit.text()
    for action, note in (("开始整改", ""), ("提交核验", "台账已由 12 本合并为 3 本。")):
        step = unit.page.locator("details.jf-action", has_text=action).first
        step.locator("summary").click()
        if note:
            step.get_by_label("完成情况").fill(note)
        unit.press(f"确认{action}", within=step)
        assert f"已“{action}”" in unit.text()

    office = visit(width).log_in("office").open("/rectification/verify/")
    office.follow(f"合并村级组织工作台账（{width}）", exact=False)
    step = office.page.locator("details.jf-action", has_text="核验通过").first
    step.locator("summary").click()
    office.press("确认核验通过", within=step)
    shown = office.text()
    assert "已“核验通过”" in shown and "已销号" in shown  # its only measure verified: closed


# The month's answers, as the reporter types them (a consistent report: parts within totals).
ANSWERS = {
    "docs_total": "30",
    "docs_city": "5",
    "docs_county": "15",
    "docs_township": "10",
    "meetings_total": "8",
    "meetings_hours": "14.5",
    "meetings_video": "3",
    "meetings_county": "4",
    "inspections_total": "3",
    "inspection_days": "2",
    "inspections_remote": "1",
    "inspections_county": "2",
    "forms_filled": "12",
    "trace_demands": "4",
    "app_checkins": "3",
    "hours_burden_week": "15",
    "hours_service_week": "25",
    "burden_score": "3",
}


def test_a_sample_point_report_on_a_phone(visit, world):
    v = visit(PHONE).log_in("reporter")
    v.follow(re.compile("^填报"))  # the first thing on the reporter's home: this month's report
    form = v.page.locator("#jf-report-form")
    for _section in range(12):  # on a phone, one section to a screen, then 下一步
        shown = form.locator("[data-step]:visible [data-question]")
        for key in shown.evaluate_all("nodes => nodes.map(n => n.dataset.question)"):
            if key == "burden_score":  # a row of buttons, 1 to 5
                form.locator(f"label[for=q-{key}-{ANSWERS[key]}]").click()
            elif key in ANSWERS:
                form.locator(f"[name={key}]").fill(ANSWERS[key])
        v.arrived()  # each screen of the phone's form is checked as a page is
        if not form.locator("[data-next]").is_visible():
            break
        form.locator("[data-next]").click()
    assert "14.5" in form.locator("[data-review]").inner_text()  # read back before submitting
    v.press("提交")
    assert v.page.url.endswith("/done/")
    shown = v.text()
    assert "甲一村" in shown and "的填报已提交" in shown and "（第 1 版）" in shown
    v.follow("更正本期填报")  # what was stored, as the reporter reads it back
    assert v.page.input_value("[name=docs_total]") == "30"
    assert v.page.input_value("[name=meetings_hours]") == "14.5"
