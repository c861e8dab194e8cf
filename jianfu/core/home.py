"""The home page's cards: each app registers what a person has to do (or to watch) there, and the
home page asks every registration that applies to the account. `core` imports no app: an app
registers in its AppConfig.ready() (through its own `home.py`).

Two kinds of registration:
- cards: a function (user, today) -> list[Card] whose figures come from the app's queries.py,
  from scoped querysets, in a fixed number of queries whatever the data;
- panels: a template and a function (request) -> context (or None for nothing to show), shown at
  the top of the page (the reporter's reminders and the report to fill).

A card in the "todo" section with nothing to do is not shown; when no to-do is left the page says
so in one line. A card in the "glance" section (a leader's read-only figures) is always shown.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import clock, scope

TO_DO = "todo"
GLANCE = "glance"
SECTIONS = (TO_DO, GLANCE)
# How pressing a card is: the page colours it and sorts by it (the most pressing first).
TONES = ("urgent", "warning", "normal", "calm")


@dataclass(frozen=True)
class Part:
    """One figure of a card's breakdown (e.g. open signals of high severity), with its link."""

    label: str
    value: int | str
    url: str = ""
    tone: str = "normal"


@dataclass(frozen=True)
class Card:
    title: str
    url: str  # lands on exactly the items counted
    count: int | None = None
    value: str = ""  # a figure that is not a count ("92%"); shown instead of the count
    note: str = ""  # one line under the figure
    tone: str = "normal"
    parts: tuple[Part, ...] = ()
    icon: str = "circle"

    def __post_init__(self):
        if self.tone not in TONES:
            raise ValueError(f"unknown tone {self.tone!r}")

    @property
    def empty(self) -> bool:
        return self.count == 0 and not self.value


@dataclass(frozen=True)
class Provider:
    key: str
    compute: Callable
    section: str = TO_DO
    roles: frozenset[str] = frozenset()  # any of these roles (none: every role)
    perms: frozenset[str] = frozenset()  # all of these codes
    order: int = 100

    def applies(self, user, perms: frozenset[str]) -> bool:
        if self.roles and not (self.roles & user.role_codes):
            return False
        return self.perms <= perms


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable
    roles: frozenset[str] = frozenset()
    perms: frozenset[str] = frozenset()
    order: int = 100

    applies = Provider.applies


PROVIDERS: dict[str, Provider] = {}
PANELS: dict[str, Panel] = {}


def register(
    key: str,
    compute: Callable,
    *,
    section: str = TO_DO,
    roles: Iterable[str] = (),
    perms: Iterable[str] = (),
    order: int = 100,
) -> None:
    """Register cards. The key is unique: registering it again (tests, a reloaded app) replaces
    the earlier registration rather than showing the cards twice."""
    from .permissions import check_code

    if section not in SECTIONS:
        raise ValueError(f"unknown home section {section!r}")
    PROVIDERS[key] = Provider(
        key,
        compute,
        section,
        frozenset(str(r) for r in roles),
        frozenset(check_code(p) for p in perms),
        order,
    )


def register_panel(
    key: str,
    template: str,
    context: Callable,
    *,
    roles: Iterable[str] = (),
    perms: Iterable[str] = (),
    order: int = 100,
) -> None:
    from .permissions import check_code

    PANELS[key] = Panel(
        key,
        template,
        context,
        frozenset(str(r) for r in roles),
        frozenset(check_code(p) for p in perms),
        order,
    )


@dataclass
class Home:
    panels: list[tuple[str, dict]] = field(default_factory=list)
    todo: list[Card] = field(default_factory=list)
    glance: list[Card] = field(default_factory=list)
    has_todo: bool = False  # some registration asks this account for work (even if none now)

    @property
    def has_cards(self) -> bool:
        return self.has_todo or bool(self.glance)


def _rank(card: Card) -> int:
    return TONES.index(card.tone)


def build(request, today: dt.date | None = None) -> Home:
    """The panels and cards that apply to the signed-in account."""
    user = request.user
    today = today or clock.today()
    perms = scope.scope_of(user).perms
    home = Home()
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.applies(user, perms):
            context = panel.context(request)
            if context is not None:
                home.panels.append((panel.template, context))
    for provider in sorted(PROVIDERS.values(), key=lambda p: (p.order, p.key)):
        if not provider.applies(user, perms):
            continue
        cards = list(provider.compute(user, today))
        if provider.section == TO_DO:
            home.has_todo = True
            home.todo += [c for c in cards if not c.empty]
        else:
            home.glance += cards
    # Stable: within a tone the registration order holds.
    home.todo.sort(key=_rank)
    return home
