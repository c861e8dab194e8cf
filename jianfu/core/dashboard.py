"""The leaders' dashboard: panels the apps register, shown for the whole city at a glance and on
one county's or department's profile. `core` imports no app: an app registers its panels in its
AppConfig.ready() (through its own `dashboard.py`), as it registers home-page cards; a later app
(supervision's colours, the gate's returns) adds a panel the same way.

A panel is a function (user, unit, today) -> Figures | None. `unit` is None for the whole of the
user's scope (the city for leaders and the office) or the unit whose profile is shown (already
checked to be in scope). Its figures come from the app's queries.py, from scoped querysets, in a
fixed number of queries whatever the data; each figure links to the page that lists what it
counts. None: nothing to show for this unit (a department has no sample points).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from . import clock, scope

VIEW = "core.dashboard:view"


@dataclass(frozen=True)
class Figure:
    """One number of a panel with the page that lists what it counts."""

    label: str
    value: int | str
    url: str = ""
    tone: str = "normal"  # as the home cards: urgent, warning, normal, calm


@dataclass
class Figures:
    """What one panel shows: its figures, an ECharts option (rendered with json_script and drawn
    by static/js/charts.js), an optional small table of rows (label, figures…) and a note."""

    title: str
    url: str  # the page behind the panel as a whole
    figures: list[Figure] = field(default_factory=list)
    chart: dict | None = None
    chart_height: int = 300
    chart_label: str = ""  # what the chart shows, for screen readers
    headers: list[str] = field(default_factory=list)
    rows: list[list[Figure]] = field(default_factory=list)
    note: str = ""
    key: str = ""  # filled from the registration

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


@dataclass(frozen=True)
class Panel:
    key: str
    compute: Callable
    perms: frozenset[str] = frozenset()  # all of these codes
    order: int = 100


PANELS: dict[str, Panel] = {}


def register(key: str, compute: Callable, *, perms: Iterable[str] = (), order: int = 100) -> None:
    """Register a panel. Registering a key again replaces the earlier registration."""
    from .permissions import check_code

    PANELS[key] = Panel(key, compute, frozenset(check_code(p) for p in perms), order)


def build(user, unit=None, today: dt.date | None = None) -> list[Figures]:
    """The panels that apply to the user, for their whole scope (unit None) or one unit."""
    today = today or clock.today()
    perms = scope.scope_of(user).perms
    out = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        if not panel.perms <= perms:
            continue
        figures = panel.compute(user, unit, today)
        if figures is not None:
            figures.key = panel.key.replace(".", "-")
            out.append(figures)
    return out
