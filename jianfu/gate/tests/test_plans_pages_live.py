"""A plan's items imported through the real server (granian, CSRF checked, multipart as the
browser sends it): a bad file is refused whole naming its row and column, a good one is saved."""

import io
import re

from openpyxl import Workbook

HEADER = [
    "类别",
    "名称",
    "数量",
    "文件类型",
    "会议类型",
    "会议层级",
    "督查检查考核类别",
    "检查对象",
    "计划月份",
    "备注",
]


def _book(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_plan_items_imported_through_the_real_server(granian_server):
    out = granian_server.run_python(
        "from jianfu.gate.plans import services\n"
        "contact = User.objects.get(username='contact_a')\n"
        "ta = Unit.objects.get(code='TA')\n"
        "plan = services.plan_draft(by=contact, unit=ta, year=2031)\n"
        "print(plan.pk)\n"
    )
    pk = int(out.strip().splitlines()[-1])
    client = granian_server.client("contact_a")
    url = f"/gate/plans/{pk}/import/"
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    headers = {"Referer": f"{granian_server.url}{url}"}
    bad = _book(
        [
            ["发文", "", 12, "红头文件", "", "", "", "", "", ""],
            ["督查检查考核", "安全检查", "", "", "", "", "检查", "甲一镇", "13", ""],
        ]
    )
    answer = client.post(
        url,
        data={"csrfmiddlewaretoken": token},
        files=[("file", ("计划.xlsx", bad, XLSX))],
        headers=headers,
    )
    assert answer.status_code == 400, answer.text[:500]
    assert "计划月份" in answer.text and "13" in answer.text
    count = (
        "from jianfu.gate.plans.models import PlanItem\n"
        f"print(PlanItem.objects.filter(plan_id={pk}).count())\n"
    )
    assert granian_server.run_python(count).split()[-1] == "0"
    good = _book(
        [
            ["发文", "", 12, "红头文件", "", "", "", "", "", ""],
            ["督查检查考核", "安全检查", "", "", "", "", "检查", "甲一镇", "3、9", ""],
        ]
    )
    answer = client.post(
        url,
        data={"csrfmiddlewaretoken": token},
        files=[("file", ("计划.xlsx", good, XLSX))],
        headers=headers,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert granian_server.run_python(count).split()[-1] == "2"
    plan_page = client.get(f"/gate/plans/{pk}/")
    assert "安全检查" in plan_page.text and "甲一镇" in plan_page.text
