"""The agenda sources of the coordination meeting (秘书长联席会议): the shared place each part of
supervision (and any app above it) registers into, so that the meeting's draft agenda can carry
their lines without the meetings part importing them.

It sits at the app's level, beside the parts, because the parts that feed it sit below the
meetings part (`PARTS` in core/tests/test_layers.py): information reporting and the mid-year review
register their sources here from their own `setup.ready()`:

    from jianfu.supervision import agenda

    agenda.register(agenda.Source("reporting", _("信息报送滞后单位"), 25, build, perm=VIEW))

`build(principal, as_of, meeting)` returns the lines (`Line`) the account drafting may see, worst
first; each names its record by a kind and an id (kept per meeting: a re-drafted line is the same
line) and carries its figures as (label, value) pairs. The meetings part registers the four
sections of the issue itself (red items, quotas, rectification, key projects).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The section of lines the office adds by hand.
FREE = "free"
FREE_LABEL = _("其他事项")
FREE_ORDER = 1000


@dataclass
class Line:
    text: str
    source_kind: str
    source_id: int
    figures: list[tuple[str, object]] = field(default_factory=list)
    link: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class Source:
    code: str
    label: object
    order: int
    build: Callable  # (principal, as_of, meeting) -> list[Line]
    # Skipped for an account without this code (the lines would come from pages it cannot read).
    perm: str | None = None


SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or replace, by code) a source of agenda lines."""
    SOURCES[source.code] = source


def sources() -> list[Source]:
    """The sources in the order of their sections."""
    return sorted(SOURCES.values(), key=lambda s: (s.order, s.code))


def section_label(code: str) -> str:
    if code == FREE:
        return str(FREE_LABEL)
    source = SOURCES.get(code)
    return str(source.label) if source else code


def section_order(code: str) -> int:
    if code == FREE:
        return FREE_ORDER
    source = SOURCES.get(code)
    return source.order if source else FREE_ORDER - 1
