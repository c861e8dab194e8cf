"""Evidence in words for the problem page, from the apps above rectification.

A problem carries the evidence it came with (a confirmed signal's frozen figures and thresholds),
but only the app that made the evidence knows what its keys mean. Imports go downward only
(DESIGN): rectification never imports signals, so the signals app registers a renderer here in its
`ready()`, and the problem page asks the renderers in turn.

A renderer is `renderer(problem, user) -> list[section] | None`: None when the evidence is not its
own. A section is a dict, every key optional but the title:
- "title": the card's heading;
- "text": a sentence shown first (the finding in one line);
- "rows": [(label, value)] or [(label, value, help)];
- "tables": [{"label", "months", "rows": [{"year", "cells", "total"}], "chart"?}] (monthly series);
- "note": a small line under the card (the rule in words).
All strings in the reader's language (the renderer runs inside the request).
"""

from collections.abc import Callable

Renderer = Callable[..., list[dict] | None]

_renderers: list[Renderer] = []


def register(renderer: Renderer) -> Renderer:
    """Add a renderer (once, however often the app registry is set up)."""
    if renderer not in _renderers:
        _renderers.append(renderer)
    return renderer


def render(problem, user) -> list[dict] | None:
    """The first answer of the registered renderers, or None (the page's generic view)."""
    for renderer in _renderers:
        sections = renderer(problem, user)
        if sections is not None:
            return sections
    return None
