"""The sources of problems: the apps that put problems on units' lists, registered here.

A problem may come from a record of another app — a confirmed signal today; supervision items,
discipline cases, inspection tours and proposals at the gate later. Imports go downward only
(DESIGN): rectification imports none of them. Each source app registers its kind here in its
`AppConfig.ready()`, and puts a problem on a list with `problems.services.problem_from_source`,
naming the kind and its record's id. The problem keeps that pair (`Problem.source_kind`,
`Problem.source_id`; one problem per record) and the evidence frozen when it was put on the list;
the source's renderer words that evidence on the problem's page and its link leads back to the
record.

`Problem.source` is something else: the category shown to people (self-examination, signal,
inspection tour, complaint …), which a source chooses per record — a confirmed signal of a
sample-point rule is a problem "from the sample points".
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# renderer(problem, user) -> the evidence's sections (evidence.py), or None for the page's generic
# view.
Renderer = Callable[..., list[dict] | None]
# link(source_id, user) -> the URL of the record's page for this reader, or None where they may
# not open it.
Link = Callable[[int, Any], str | None]


@dataclass(frozen=True)
class ProblemSource:
    kind: str  # the key stored on the problem, e.g. "signal"
    label: str  # what the kind is called, e.g. 预警
    link: Link | None = None
    renderer: Renderer | None = None  # see evidence.py
    link_text: str = ""  # the link's words on the problem's page, e.g. 查看来源预警
    icon: str = "box-arrow-up-right"  # a Bootstrap icon beside them
    # A line under the evidence when it is shown as stored (no renderer answered): where the rest
    # of it is.
    note: str = ""


KIND = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # fits Problem.source_kind

_sources: dict[str, ProblemSource] = {}


def register(
    kind: str,
    label,
    *,
    link: Link | None = None,
    renderer: Renderer | None = None,
    link_text="",
    icon: str = "box-arrow-up-right",
    note="",
) -> ProblemSource:
    """Register a source kind (again: the app registry may be set up more than once)."""
    if not KIND.match(kind):
        raise ValueError(f"a problem source kind is a short lower-case key: {kind!r}")
    source = ProblemSource(kind, label, link, renderer, link_text, icon, note)
    _sources[kind] = source
    return source


def get(kind: str) -> ProblemSource | None:
    return _sources.get(kind) if kind else None


def registered() -> list[ProblemSource]:
    return list(_sources.values())


def of(problem) -> ProblemSource | None:
    """The registered source a problem came from; None for one entered on the list itself (or
    whose source app is not installed)."""
    return get(problem.source_kind) if problem.source_id is not None else None


def link(problem, user) -> dict | None:
    """The link back to the problem's source record, for this reader: {url, text, icon}."""
    source = of(problem)
    url = source.link(problem.source_id, user) if source and source.link else None
    if not url:
        return None
    return {"url": url, "text": source.link_text or source.label, "icon": source.icon}
