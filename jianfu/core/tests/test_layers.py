"""Imports follow the pipeline, downward only (DESIGN.md, "Shape of the code").

Every Python file under jianfu/ is read as source (nothing is imported, so this test does not itself
reach into the apps), migrations included. Tests sit on top, beside `demo`: a test builds its city
from every stage (the demo generator plants the cases a rule must catch), so a test module may
import any app; the application code they test may not. An edge from one app to another is:
- an import, at any depth in the file (a function-level import counts as much as a top one);
- a model named by its label: the target of a ForeignKey, OneToOneField or ManyToManyField, and
  `apps.get_model("label", …)` in a data migration;
- a migration's dependency on another app's migration.

The rule, in layers (an app may use the layers below its own, never one above, nor one beside
it unless BESIDE says so):

    core
    notify
    registry, monitoring, administration
    rectification
    signals
    supervision, gate, accountability
    bulletins
    demo, and the project's own modules (urls, api, cli, settings, conftest)

`rectification` sits below `signals`, although the pipeline's work flows the other way: problems
come from many sources (signals today; supervision, accountability and the gate next) and
rectification imports none of them — each source registers itself with rectification, so the
source imports rectification. `core` imports no app. No domain app imports `demo`. Test support
(`jianfu.testing`) may be imported by tests only. Inside an app split into parts (PARTS), a part
imports only the parts below it.
"""

import ast
from pathlib import Path

import jianfu

ROOT = Path(jianfu.__file__).resolve().parent

TOP = 7
LAYERS = {
    "core": 0,
    # Notifications sit directly above core: every app below the bulletin sends through them.
    "notify": 1,
    "registry": 2,
    "monitoring": 2,
    "administration": 2,
    "rectification": 3,
    "signals": 4,
    "supervision": 5,
    "gate": 5,
    "accountability": 5,
    "bulletins": 6,
    "demo": TOP,
}
# The project's own modules at the top of the package: they wire the apps together.
TOP_MODULES = {"urls", "api", "cli", "settings", "test_settings", "wsgi", "conftest"}
TEST_SUPPORT = "testing"

# Apps in the same layer that may read one another, one way, and why.
BESIDE = {
    ("monitoring", "registry"): "felt against registered sets the points' reports beside what "
    "their counties registered (monitoring/felt/), and registry never reads monitoring",
}

# Known violations being worked off. Each is (file under jianfu/, app it reaches) with the reason;
# an entry that no longer occurs fails the test too, so the list only shrinks. Empty it as the
# work lands; add nothing here without saying why in the review.
ALLOWED: dict[tuple[str, str], str] = {}

FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _module_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _area(parts: list[str]) -> str | None:
    """The app (or "top", or test support) a module path under jianfu/ belongs to."""
    if not parts:
        return "top"
    head = parts[0]
    if head in LAYERS:
        return head
    if head == TEST_SUPPORT:
        return TEST_SUPPORT
    if head in TOP_MODULES or len(parts) == 1:
        return "top"
    return None  # static files and the like: not code


def _rank(area: str) -> int:
    return TOP if area == "top" else LAYERS[area]


def _imported(path: Path, node) -> list[list[str]]:
    """Module paths (under jianfu, without the leading "jianfu") an import statement names."""
    if isinstance(node, ast.Import):
        names = [a.name.split(".") for a in node.names]
    elif node.level:
        package = _module_of(path)
        if path.name != "__init__.py":
            package = package[:-1]
        base = package[: len(package) - (node.level - 1)]
        target = base + (node.module.split(".") if node.module else [])
        return [target] if node.module else [target + [a.name] for a in node.names]
    elif node.module == "jianfu":  # from jianfu import api
        names = [["jianfu", a.name] for a in node.names]
    else:
        names = [node.module.split(".")]
    # A bare `import jianfu` names no app.
    return [n[1:] for n in names if n[0] == "jianfu" and len(n) > 1]


def _label(value) -> str | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and "." in value.value:
        return value.value.split(".")[0]
    return None


def _references(tree, migration: bool) -> set[str]:
    """App labels a file names as data: model fields' targets; in a migration also get_model and
    the dependencies. (A test may read a model by name to stay out of an app's code.)"""
    labels = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in FIELDS:
                targets = [k.value for k in node.keywords if k.arg == "to"] + node.args[:1]
                labels.update(filter(None, map(_label, targets)))
            elif not migration:
                continue
            elif name == "get_model" and node.args and isinstance(node.args[0], ast.Constant):
                labels.add(str(node.args[0].value).split(".")[0])
        elif (
            migration
            and isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "dependencies" for t in node.targets)
        ):
            for item in getattr(node.value, "elts", []):
                if isinstance(item, ast.Tuple) and isinstance(item.elts[0], ast.Constant):
                    labels.add(item.elts[0].value)
    return {label for label in labels if label in LAYERS}


def edges():
    """(file under jianfu/, its app, the app it reaches, whether the file is a test)."""
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        source = _area(_module_of(path))
        if source is None or "__pycache__" in rel:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        reached = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _imported(path, node):
                    area = _area(target)
                    if area is not None:
                        reached.add(area)
        reached |= _references(tree, "migrations" in path.parts)
        is_test = "tests" in path.relative_to(ROOT).parts or path.name == "conftest.py"
        for target in sorted(reached - {source}):
            yield rel, source, target, is_test


def allowed(source: str, target: str, is_test: bool) -> bool:
    if target == TEST_SUPPORT or is_test:
        return is_test
    if source == TEST_SUPPORT:
        return True  # test support starts servers and builds data for any app's tests
    if _rank(target) < _rank(source):
        return True
    return (source, target) in BESIDE


def test_imports_go_down_the_pipeline():
    found = list(edges())
    wrong = [
        f"{rel}: {source} → {target}"
        for rel, source, target, is_test in found
        if not allowed(source, target, is_test) and (rel, target) not in ALLOWED
    ]
    assert not wrong, "Imports against the layers (see this test's docstring):\n" + "\n".join(wrong)
    occurring = {(rel, target) for rel, _source, target, _t in found}
    stale = sorted(f"{rel} → {target}" for rel, target in ALLOWED if (rel, target) not in occurring)
    assert not stale, "Fixed — remove from ALLOWED:\n" + "\n".join(stale)


# Inside an app split into parts, the parts are layered too (bottom first). The app's own modules
# (models, apps, home, …) sit beside them: models below every part, the wiring above.
PARTS = {
    # The reporter's side knows nothing of the office's; felt against registered reads both.
    "monitoring": ["reports", "points", "felt"],
    # A self-examination puts what a unit found on its problem list; a problem cites a list item
    # only as a model.
    "rectification": ["problems", "selfexam"],
    # Quotas count what the records add up to (through the monthly rollup) and borrow the records'
    # unit check and import columns; a record knows nothing of quotas.
    "registry": ["records", "quotas"],
    # Key projects and supervision items stand apart; an item may cite a project, never the reverse.
    # Information reporting stands on its own (it may read projects); the mid-year review reads
    # items and projects; the coordination meeting reads items and projects and takes the others'
    # agenda lines through supervision/agenda.py.
    "supervision": ["projects", "reporting", "items", "review", "meetings"],
    # Copy-through is plain text comparison; the burden meter holds the form catalogue and what the
    # platform already holds; plans read neither; a proposal reads all three (its review page sets
    # the plan, the copies and the data already held beside it).
    "gate": ["copies", "burden", "plans", "proposals"],
    # The clue ledger stands alone; handling decides on clues and opens cases; a tour refers clues
    # to the ledger; a typical case is drafted from a case.
    "accountability": ["clues", "handling", "tours", "exposure"],
}


def test_parts_of_an_app_import_downward():
    wrong = []
    for app, order in PARTS.items():
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = _module_of(path)
            if len(parts) < 2 or parts[1] not in order:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                for target in _imported(path, node):
                    sibling = target[1] if len(target) > 1 and target[0] == app else None
                    if sibling in order and order.index(sibling) > order.index(parts[1]):
                        wrong.append(f"{path.relative_to(ROOT)}: {parts[1]} → {sibling}")
    assert not wrong, "\n".join(wrong)


def test_allowances_are_exceptions_to_the_rule():
    # Nothing in ALLOWED that the rule already permits: each entry is a real, known violation.
    assert not [
        key
        for key in ALLOWED
        if allowed(_area(key[0].split("/")), key[1], "tests" in key[0].split("/"))
    ]
    assert all(_rank(a) == _rank(b) for a, b in BESIDE), (
        "BESIDE is for apps of one layer; a lower layer is allowed already"
    )


def test_the_check_sees_each_kind_of_edge(tmp_path):
    # The reader itself: relative and absolute imports, nested ones, fields and migrations.
    code = (
        "from jianfu.registry.models import Document\n"
        "from ..signals import runner\n"
        "from jianfu import api\n"
        "import jianfu\n"
        "def f():\n"
        "    import jianfu.demo.generator\n"
        "x = models.ForeignKey('rectification.Problem', on_delete=None)\n"
        "y = models.OneToOneField(to='monitoring.report', on_delete=None)\n"
        "dependencies = [('administration', '0001_initial')]\n"
    )
    tree = ast.parse(code)
    path = ROOT / "core" / "example.py"
    imported = {
        _area(t)
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for t in _imported(path, n)
    }
    assert imported == {"registry", "signals", "demo", "top"}
    assert _references(tree, migration=True) == {"rectification", "monitoring", "administration"}
    assert _references(tree, migration=False) == {"rectification", "monitoring"}
