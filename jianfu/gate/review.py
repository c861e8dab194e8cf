"""The panels of a proposal's review page: the shared place each part of the gate registers what
it sets beside a proposal, so that the proposals part (the top one) shows them without the parts
below it knowing proposals, and without proposals importing their internals.

    from jianfu.gate import review

    review.register(review.Panel("copies", _("照抄照搬比对"), 30, "gate/copies/_panel.html", build))

`build(proposal, principal)` returns the panel's template context, or None when it has nothing to
say for this proposal (a meeting has no text to compare); a context's "warnings" (a list of short
sentences) are also gathered at the top of the page, so the reviewer sees every concern at once.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    code: str
    label: object
    order: int
    template: str
    build: Callable  # (proposal, principal) -> dict | None


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    PANELS[panel.code] = panel


def build(proposal, principal) -> list[tuple[Panel, dict]]:
    """The panels that have something to say for this proposal, in order, with their context."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.code)):
        context = panel.build(proposal, principal)
        if context is not None:
            shown.append((panel, context))
    return shown


def render(built: list[tuple[Panel, dict]], request) -> list[tuple[Panel, str]]:
    """Each panel drawn from its own template with its own context alone: one part's panel cannot
    read (or be misled by) the page's or another panel's names."""
    return [(panel, render_to_string(panel.template, ctx, request)) for panel, ctx in built]


def warnings(built: list[tuple[Panel, dict]]) -> list[str]:
    return [w for _panel, context in built for w in context.get("warnings", ())]
