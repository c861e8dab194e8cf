"""The navigation shows only pages that work for the account: each entry names the permission
code that opens it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import scope


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    perm: str | None  # None: every signed-in account
    icon: str
    section: str = ""
    # Other pages under this entry: URL names, or prefixes ending in "_". A "<x>_list" entry
    # covers every "<x>_…" page by default.
    also: tuple[str, ...] = ()
    # A count shown beside the entry (unread messages): a function of the account, one query.
    badge: Callable[[Any], int] | None = None

    def covers(self, current: str | None) -> bool:
        if not current:
            return False
        names = (self.url_name, *self.also)
        if self.url_name.endswith("_list"):
            names += (self.url_name.removesuffix("list"),)
        return any(current == n or (n.endswith("_") and current.startswith(n)) for n in names)


# The home page; every other app adds its pages in its AppConfig.ready(), in INSTALLED_APPS order.
ENTRIES: list[Entry] = [
    Entry(_("首页"), "home", None, "house"),
    # The leaders' dashboard (a contact lands on its own unit's profile).
    Entry(_("驾驶舱"), "dashboard", "core.dashboard:view", "speedometer", also=("dashboard_unit",)),
]


def register(*entries: Entry, before: str | None = None) -> None:
    """Later apps add their pages (in AppConfig.ready())."""
    if before is None:
        ENTRIES.extend(entries)
        return
    index = next(i for i, e in enumerate(ENTRIES) if e.url_name == before)
    ENTRIES[index:index] = entries


def context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    s = scope.scope_of(user)
    current = getattr(request.resolver_match, "url_name", None)
    items = [
        {
            "label": e.label,
            "url": reverse(e.url_name),
            "icon": e.icon,
            "section": e.section,
            "active": e.covers(current),
            "badge": e.badge(user) if e.badge else 0,
            "key": e.url_name,
        }
        for e in ENTRIES
        if e.perm is None or e.perm in s.perms
    ]
    return {"nav": items, "scope": s}
