"""Evidence in words for the problem page, from the app the problem came from.

A problem carries the evidence it came with (a confirmed signal's frozen figures and thresholds),
but only the app that made the evidence knows what its keys mean. Imports go downward only
(DESIGN): rectification never imports its sources, so each source app registers a renderer with
its problem source (sources.py) in its `ready()`, and the problem page asks the renderer of the
problem's source.

A renderer is `renderer(problem, user) -> list[section] | None`: None when it cannot word this
evidence (the page then shows it as stored). A section is a dict, every key optional but the title:
- "title": the card's heading;
- "text": a sentence shown first (the finding in one line);
- "rows": [(label, value)] or [(label, value, help)];
- "tables": [{"label", "months", "rows": [{"year", "cells", "total"}], "chart"?}] (monthly series);
- "note": a small line under the card (the rule in words).
All strings in the reader's language (the renderer runs inside the request).
"""

from . import sources


def render(problem, user) -> list[dict] | None:
    """The sections the problem's source words its evidence in; None for the generic view."""
    source = sources.of(problem)
    return source.renderer(problem, user) if source and source.renderer else None
