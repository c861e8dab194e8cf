"""The bulletin's sections, registered by the apps whose data they report.

The registry lives in core, as the home-page cards do, so that every app (whatever its layer) can
register its section from its AppConfig.ready(); the bulletins app, on top, only reads it. A
section's `build(ctx)` returns plain data (numbers, sentences, links), which the bulletin freezes
as JSON when it is drafted: a figure changed later does not change a bulletin already written.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Context:
    """What a section is built for: the period (first and last day), who drafts it (whose scope
    the figures are read in) and the period's label ("1—10月")."""

    principal: Any
    start: dt.date
    end: dt.date
    label: str


@dataclass
class Part:
    """A built section: its figures, one sentence per finding (each with the link to its
    evidence), and an optional bar chart."""

    figures: list[dict] = field(default_factory=list)  # {"label", "value"}
    lines: list[dict] = field(default_factory=list)  # {"text", "url", "public", "unit"}
    chart: dict | None = None  # {"title", "labels", "values", "mark", "unit"}
    note: str = ""  # the sentence that opens the section
    url: str = ""  # the page listing everything the section counts (for the lines left out)

    @property
    def empty(self) -> bool:
        return not self.lines and not any(f.get("value") for f in self.figures)

    def as_json(self) -> dict:
        return {
            "figures": self.figures,
            "lines": self.lines,
            "chart": self.chart,
            "note": self.note,
            "url": self.url,
        }


def line(text: str, url: str = "", *, public: bool = True, unit: int | None = None) -> dict:
    return {"text": str(text), "url": url, "public": public, "unit": unit}


def figure(label: str, value) -> dict:
    return {"label": str(label), "value": value}


@dataclass(frozen=True)
class Section:
    code: str
    label: str
    order: int
    build: Callable[[Context], Part]
    public: bool = True  # False: left out of the public version


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Register (or replace, on a reloaded app) a section."""
    SECTIONS[section.code] = section


def sections() -> list[Section]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.code))
