"""Quotas from last year through the real server: the preview's confirm form carries what the
write needs (its CSRF token and the choices made), and posting it writes the quotas it showed.
The test client skips CSRF, so only the real server shows the confirm form works."""

import datetime as dt
import re

# Five and four years ago: years no other test writes in (the server's database is shared), yet
# within the plausible range of record dates.
BASE = dt.date.today().year - 5
YEAR = BASE + 1

SETUP = f"""
import datetime as dt
from jianfu.core.models import Unit, User
from jianfu.registry.records import services
from jianfu.registry.models import Document
office = User.objects.get(username="office")
unit = Unit.objects.get(code="TA")
for i in range(10):
    services.record_create(
        Document, by=office, unit=unit, title=f"往年第{{i}}号通知", number=f"甲往〔{BASE}〕{{i}}号",
        issued_on=dt.date({BASE}, i + 1, 5), kind="red_header",
    )
"""


def test_the_preview_confirms_through_the_real_server(granian_server):
    granian_server.run_python(SETUP)
    client = granian_server.client("office")
    token = client.cookies["csrftoken"]
    choices = {"year": str(YEAR), "category": "document", "units": "county", "cut_pct": "30"}
    preview = client.post("/registry/quotas/bulk/", data={**choices, "csrfmiddlewaretoken": token})
    assert preview.status_code == 200, preview.text[:500]
    assert f"发文：{BASE} 年全年（{BASE}-01-01 至 {BASE}-12-31）的实际计入数" in preview.text
    form = re.search(
        r'<form method="post" action="/registry/quotas/bulk/".*?</form>', preview.text, re.S
    )
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    assert fields["confirm"] == "1" and fields["year"] == str(YEAR)
    assert fields["csrfmiddlewaretoken"]
    done = client.post("/registry/quotas/bulk/", data=fields)
    assert done.status_code == 302, done.text[:500]
    limit = granian_server.run_python(
        "from jianfu.registry.models import Quota; "
        f"print(Quota.objects.get(unit__code='TA', year={YEAR}, category='document').limit)"
    )
    assert limit.strip() == "7"
