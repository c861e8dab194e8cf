"""The bulletin's section registry (kept in core/bulletin_sections.py so that apps below the
bulletin can register their sections), re-exported for the bulletin's own code."""

from jianfu.core.bulletin_sections import (
    SECTIONS,
    Context,
    Part,
    Section,
    figure,
    line,
    register,
    sections,
)

__all__ = ["SECTIONS", "Context", "Part", "Section", "figure", "line", "register", "sections"]
