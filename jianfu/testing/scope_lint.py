"""The static half of the scope guard: views and API modules reach unit-owned data only through
the guard (`Model.scoped`) or the read path that names a permission (`scope.get_for()`,
`scope.visible()`). A `Model.objects` (or `_default_manager`) anywhere else in them is a filter
someone may forget; it is allowed only where a comment says why, `# unscoped: <reason>`, at the
end of its line or on the comment line just above (a record reached through one already checked,
a lookup bound to the account itself).

Used by core/tests/test_scope_guard.py over every views/api module of the project.
"""

import ast
import re
from pathlib import Path

MANAGERS = frozenset({"objects", "_default_manager"})
READ_PATH = frozenset({"get_for", "visible"})
MARK = re.compile(r"#\s*unscoped:\s*\S")
ROOT = Path(__file__).resolve().parent.parent


def entry_modules(root: Path = ROOT) -> list[Path]:
    """Every module that answers a request: views.py, *_views.py, api.py (tests excluded)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        if path.name in ("views.py", "api.py") or path.name.endswith("_views.py"):
            found.append(path)
    return found


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _base_name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def unguarded(source: str, unscoped_models: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, text) of each `X.objects` in `source` that is neither inside the first argument of
    get_for/visible, nor of a model known to hold no unit-owned data, nor marked `# unscoped:`."""
    tree = ast.parse(source)
    lines = source.splitlines()
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in READ_PATH and node.args:
            allowed.update(id(n) for n in ast.walk(node.args[0]))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in MANAGERS):
            continue
        if id(node) in allowed or _base_name(node.value) in unscoped_models:
            continue
        text = lines[node.end_lineno - 1]
        above = lines[node.end_lineno - 2].strip() if node.end_lineno > 1 else ""
        if MARK.search(text) or (above.startswith("#") and MARK.search(above)):
            continue
        found.append((node.end_lineno, text.strip()))
    return sorted(found)
