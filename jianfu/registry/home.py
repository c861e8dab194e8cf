"""The registry's home-page cards: a contact's quotas near their limit, and a leader's quota use
and pacing."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jianfu.core import home
from jianfu.core.permissions import Role

from .models import Category
from .quotas import queries


def _share(st) -> str:
    if st.exceeded:
        return _("已超出")
    return f"{(st.share_used or 0) * 100:.0f}%"


def contact(user, today) -> list[home.Card]:
    near = [st for st in queries.quota_watch(user, today) if st.near]
    labels = dict(Category.choices)
    units = {st.unit_id for st in near}
    if len(units) == 1:
        url = reverse("quota_unit", args=[next(iter(units))])
    else:
        url = reverse("quota_overview") + "?sort=pace"
    note = "、".join(
        f"{labels.get(st.category, st.category)} {_share(st)}"
        for st in sorted(near, key=lambda s: s.category)[:3]
    )
    return [
        home.Card(
            _("硬性指标接近上限"),
            url,
            count=len(near),
            note=note,
            tone="urgent" if any(st.exceeded for st in near) else "warning",
            icon="speedometer2",
        )
    ]


def glance(user, today) -> list[home.Card]:
    statuses = queries.quota_watch(user, today)
    exceeded = sum(1 for st in statuses if st.exceeded)
    at_risk = sum(1 for st in statuses if st.exhaustion and not st.exceeded)
    fast = sum(1 for st in statuses if (st.pace or 0) > 1 and not st.exceeded)
    url = reverse("quota_overview") + "?sort=pace"
    return [
        home.Card(
            _("硬性指标"),
            url,
            count=len(statuses),
            note=_("今年设定的指标（单位 × 类别）"),
            tone="urgent" if exceeded else ("warning" if at_risk else "calm"),
            parts=(
                home.Part(_("已超出"), exceeded, url, "urgent" if exceeded else "normal"),
                home.Part(_("预计年内用完"), at_risk, url, "warning" if at_risk else "normal"),
                home.Part(_("用量快于时间进度"), fast, url, "warning" if fast else "normal"),
            ),
            icon="speedometer2",
        )
    ]


def register() -> None:
    home.register(
        "registry.quotas",
        contact,
        roles=[Role.CONTACT],
        perms=["registry.quota:view"],
        order=30,
    )
    home.register(
        "registry.glance",
        glance,
        section=home.GLANCE,
        roles=[Role.LEADER],
        perms=["registry.quota:view"],
        order=10,
    )
