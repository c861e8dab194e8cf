"""docs/architecture.md names the files of the code; a rename must not leave it pointing at
nothing. Every backticked span that looks like a path (it has a "/" and ends in .py, .html, .md
or "/") must exist, relative to the package jianfu/ or to the repository. Patterns with a
placeholder (`<app>`) or a wildcard are not paths and are skipped."""

import re
from pathlib import Path

import jianfu

PACKAGE = Path(jianfu.__file__).resolve().parent
REPO = PACKAGE.parent
DOC = REPO / "docs" / "architecture.md"
SPAN = re.compile(r"`([^`\n]+)`")
PATHLIKE = re.compile(r"^[\w./-]*/[\w./-]*$")


def named_paths(text: str) -> list[str]:
    return [
        span
        for span in SPAN.findall(text)
        if PATHLIKE.match(span) and span.endswith((".py", ".html", ".md", "/"))
    ]


def test_every_path_the_architecture_page_names_exists():
    paths = named_paths(DOC.read_text(encoding="utf-8"))
    assert len(paths) > 50  # the page names the code it describes
    missing = [p for p in paths if not ((PACKAGE / p).exists() or (REPO / p).exists())]
    assert not missing, "docs/architecture.md names paths that do not exist: " + ", ".join(missing)


def test_placeholders_and_other_spans_are_not_taken_for_paths():
    text = "`core/imports/` `<app>/apps.py` `signals/rules/<rule>.py` `Model.scoped` `/api/docs`"
    assert named_paths(text) == ["core/imports/"]
