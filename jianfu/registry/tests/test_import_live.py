"""An import through the real server, as a county contact: an upload that changes an existing
document is previewed, and confirming (a real form post with its CSRF token) applies it; the
upload the page's script sends (HX-Request) is answered with HX-Redirect."""

import io
import re
import uuid

from openpyxl import Workbook

HEADER = ["文号", "标题", "发文单位", "联合发文单位", "发文日期", "文件类型"]


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_changing_import_is_previewed_and_confirmed_on_the_real_server(granian_server):
    c = granian_server.client("contact_a")
    token = c.cookies["csrftoken"]
    number = f"甲发〔2025〕{uuid.uuid4().hex[:8]}号"
    first = xlsx([HEADER, [number, "第一版标题", "甲县", "甲一镇", "2025-03-05", "红头"]])
    answer = c.post(
        "/registry/documents/import/",
        files={"file": ("a.xlsx", first)},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/registry/documents/"

    second = xlsx([HEADER, [number, "第二版标题", "甲县", "", "2025-03-05", "红头"]])
    answer = c.post(
        "/registry/documents/import/",
        files={"file": ("b.xlsx", second)},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 302 and answer.headers["location"].startswith("/imports/")
    page = c.get(answer.headers["location"]).text
    assert "第一版标题" in page and "第二版标题" in page and "确认导入" in page
    confirm = re.search(r'action="(/imports/\d+/confirm/)"', page).group(1)
    done = c.post(confirm, data={"csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done.headers["location"] == "/registry/documents/"
    out = granian_server.run_python(
        "from jianfu.registry.models import Document\n"
        f"d = Document.objects.get(number={number!r})\n"
        "print(d.title, [u.code for u in d.co_issuers.all()])"
    )
    assert out.strip() == "第二版标题 ['TA01']"
