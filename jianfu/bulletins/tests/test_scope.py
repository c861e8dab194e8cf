"""Who sees which bulletin: the office and leaders every one of their units; a county contact
the published bulletins addressed to it, never a draft; anything else 404; without the
permission 403."""

import pytest
from django.urls import reverse

from jianfu.bulletins.models import Receipt

from .conftest import draft, published

pytestmark = pytest.mark.django_db


def test_a_county_contact_sees_published_bulletins_addressed_to_it_not_drafts(city, people, login):
    b = published(people)
    d = draft(people["office"])
    client = login("contact_a")
    assert client.get(reverse("bulletin_detail", args=[b.pk])).status_code == 200
    assert client.get(reverse("bulletin_detail", args=[d.pk])).status_code == 404
    assert client.get(reverse("bulletin_docx", args=[d.pk])).status_code == 404
    listing = client.get(reverse("bulletin_list")).content.decode()
    assert reverse("bulletin_detail", args=[b.pk]) in listing
    assert reverse("bulletin_detail", args=[d.pk]) not in listing


def test_a_bulletin_not_addressed_to_the_unit_is_404(city, people, login):
    b = published(people)
    Receipt.objects.filter(bulletin=b, unit__code="TB").delete()
    client = login("contact_b")
    assert client.get(reverse("bulletin_detail", args=[b.pk])).status_code == 404
    assert client.post(reverse("bulletin_act", args=[b.pk, "confirm"])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("office", 200), ("leader", 200), ("contact_a", 404), ("reporter", 403), ("sysadmin", 404)],
)
def test_a_draft_page_by_role(city, people, login, who, status):
    d = draft(people["office"])
    assert login(who).get(reverse("bulletin_detail", args=[d.pk])).status_code == status


def test_a_leader_approves_but_does_not_publish(city, people, login):
    from jianfu.bulletins import services

    b = draft(people["office"])
    services.bulletin_submit(bulletin=b, by=people["office"])
    client = login("leader")
    client.post(reverse("bulletin_act", args=[b.pk, "approve"]))
    b.refresh_from_db()
    assert b.status == "approved"
    assert client.post(reverse("bulletin_act", args=[b.pk, "publish"])).status_code == 403
    assert (
        login("contact_a").post(reverse("bulletin_act", args=[b.pk, "approve"])).status_code == 404
    )


def test_home_cards(city, people, login):
    from jianfu.bulletins import services

    b = draft(people["office"])
    services.bulletin_submit(bulletin=b, by=people["office"])
    page = login("office").get(reverse("home")).content.decode()
    assert "待审核的通报" in page
    services.bulletin_approve(bulletin=b, by=people["leader"])
    services.bulletin_publish(bulletin=b, by=people["office"])
    page = login("contact_a").get(reverse("home")).content.decode()
    assert "待确认阅读的通报" in page and b.title in page


def test_a_unit_follows_the_evidence_of_its_own_lines_only(city, people, login):
    b = published(people)
    page = login("contact_b").get(reverse("bulletin_detail", args=[b.pk])).content.decode()
    quota_a = next(
        ln for ln in b.content[0]["lines"] if ln["unit"] == city["problems"]["TA"].unit_id
    )
    assert quota_a["text"] in page and f'href="{quota_a["url"]}"' not in page
    overdue_b = next(ln for ln in b.content[4]["lines"] if "乙县" in ln["text"])
    assert f'href="{overdue_b["url"]}"' in page
    assert login("contact_b").get(overdue_b["url"]).status_code == 200
