"""Control characters through the real server (granian, CSRF checked, the suite's database
engine): the office's export survives a record that holds one, and the form refuses a NUL with
the message instead of an error page."""

import io
import uuid

from openpyxl import load_workbook


def test_the_office_exports_documents_holding_a_control_character(granian_server):
    title = f"关于\x07报送材料的通知{uuid.uuid4().hex[:8]}"
    granian_server.run_python(
        "import datetime\n"
        "from jianfu.core.models import Unit\n"
        "from jianfu.registry.models import Document\n"
        f"Document.objects.create(unit=Unit.objects.get(code='TA'), title={title!r},"
        " issued_on=datetime.date.today(), kind='white_header')\n"
    )
    client = granian_server.client("office")
    response = client.get("/registry/documents/export.xlsx", params={"year": ""})
    assert response.status_code == 200, response.text[:500]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = {c for row in sheet.iter_rows(values_only=True) for c in row}
    assert title.replace("\x07", "\ufffd") in values
    assert granian_server.alive()


def test_the_document_form_refuses_a_nul_byte_with_the_message(granian_server):
    client = granian_server.client("contact_a")
    number = f"甲NUL〔2026〕{uuid.uuid4().hex[:6]}号"
    response = client.post(
        "/registry/documents/new/",
        data={
            "unit": "TA",
            "title": "关于\x00防汛的通知",
            "number": number,
            "issued_on": "2026-01-05",
            "kind": "red_header",
            "pages": "3",
            "characters": "2100",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{granian_server.url}/registry/documents/new/"},
    )
    assert response.status_code == 400, response.text[:500]
    assert "“标题”中含有不可见的控制字符（U+0000），请删除后重试。" in response.text
    count = granian_server.run_python(
        "from jianfu.registry.models import Document\n"
        f"print(Document.objects.filter(number={number!r}).count())\n"
    )
    assert count.strip() == "0"
