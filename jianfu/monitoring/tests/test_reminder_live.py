"""A reminder read in the tap that opens the report, through the real server (granian, CSRF
checked): the reporter's home shows the reminder, and its button posts to the "read" endpoint,
which goes on to the form. The test client would skip the CSRF check this form depends on."""

import re


def test_the_tap_that_opens_the_report_marks_its_reminder_read(granian_server):
    client = granian_server.client("reporter")
    points = client.get("/api/monitoring/my/points").json()
    point = points[0]["id"]
    unreported = [p["period"] for p in points[0]["periods"] if p["can_fill"] and not p["report"]]
    assert unreported, "the reporter has a period still to fill today"
    period = unreported[-1]  # other tests of this server may fill the newest one
    granian_server.run_python(
        "from jianfu.monitoring.points import services\n"
        f"services.reminders_send(by=None, form_code='burden', period='{period}', kind='manual')"
    )

    home = client.get("/")
    assert home.status_code == 200 and "填报提醒" in home.text
    fill = f"/report/{point}/{period}/"
    forms = re.findall(
        r'<form method="post" action="/monitoring/reminders/read/"[^>]*>(.*?)</form>',
        home.text,
        re.S,
    )
    (form,) = [f for f in forms if f'name="next" value="{fill}"' in f]
    ids = re.findall(r'name="id" value="(\d+)"', form)
    assert ids

    tap = client.post(
        "/monitoring/reminders/read/",
        data={"id": ids, "next": fill, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{granian_server.url}/"},
    )
    assert tap.status_code == 302 and tap.headers["Location"] == fill
    assert client.get(fill).status_code == 200
    unread = granian_server.run_python(
        "from jianfu.monitoring.models import Reminder\n"
        f"print(Reminder.objects.filter(pk__in={[int(i) for i in ids]}, read_at=None).count())"
    )
    assert unread.strip() == "0"
