"""The bad-input corpus and the kills, for the hardening bench (bench/hardening.py).

    .venv/bin/python bench/_hardening_corpus.py

On a database of its own (a fresh SQLite file under a new var directory, or the PostgreSQL
database DATABASE_URL names) with the test city: every bad file of the corpus
(jianfu/testing/import_corpus.py) is imported through the one import runner for every registered
import, and the rows of every table and the files under MEDIA_ROOT are counted before and after;
then the task worker is killed with SIGKILL in an import, a bulletin and the nightly run
(jianfu/testing/crash.py), and what it left is looked at.

bad_files_tried: bad files imported; rows_saved_from_bad_files: rows (of any table) and files
that stayed from them (0 expected); kills_tried; partial_states_found: what a kill left half done
or the rerun did not finish (0 expected).

`run()` runs this file in a process of its own (its own Django set-up) and returns the figures.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ("bad_files_tried", "rows_saved_from_bad_files", "kills_tried", "partial_states_found")


def run() -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    out = {}
    for line in done.stdout.splitlines():
        if line.startswith("figure: "):
            name, _eq, value = line[len("figure: ") :].partition(" = ")
            out[name] = int(value)
    return out


def _bad_files() -> tuple[int, int]:
    from django.apps import apps
    from django.conf import settings

    from jianfu.core import clock, excel, imports
    from jianfu.core.models import Unit, User
    from jianfu.testing import import_corpus as corpus

    people = {u.username: u for u in User.objects.select_related("home_unit")}
    units = {u.code: u for u in Unit.objects.all()}
    models = [m for m in apps.get_models() if m._meta.managed]
    media = Path(settings.MEDIA_ROOT)

    def state():
        files = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
        return {m._meta.label: m._default_manager.count() for m in models}, files

    tried = saved = 0
    for kind, k in corpus.KINDS.items():
        ctx = k.setup(people, units) if k.setup else {}
        for case in corpus.all_cases(kind):
            if case.good:
                continue
            tried += 1
            (rows, files) = state()
            try:
                with clock.frozen(k.today):
                    imports.run(
                        kind,
                        by=people[k.by],
                        filename=case.filename,
                        data=case.data,
                        unit=ctx.get("unit"),
                        options=ctx.get("options"),
                    )
            except excel.ImportFailed:
                pass
            (rows_after, files_after) = state()
            saved += sum(max(rows_after[m] - rows[m], 0) for m in rows)
            saved += len(files_after - files)
    return tried, saved


def _kills() -> tuple[int, int]:
    from jianfu.testing import crash

    place = crash.Place(dict(os.environ), Path(os.environ["JIANFU_VAR_DIR"]))
    tried = found = 0
    for scenario in crash.SCENARIOS.values():
        tried += 1
        try:
            found += len(scenario(place))
        except Exception as e:  # noqa: BLE001 - a scenario that breaks is a state found
            print(f"scenario failed: {e}", file=sys.stderr)
            found += 1
    return tried, found


def main() -> None:
    os.environ.setdefault("JIANFU_VAR_DIR", tempfile.mkdtemp(prefix="jianfu-bench-corpus-"))
    os.environ["JIANFU_TESTING"] = "1"  # fast password hashing; tasks at once in this process
    os.environ.setdefault("PYTHONPATH", str(HERE.parent))
    sys.path[:0] = [str(HERE.parent), str(HERE)]
    from jianfu.testing import import_corpus as corpus

    os.environ["JIANFU_UPLOAD_MAX_SHEET_XML_BYTES"] = str(corpus.BOMB_MB // 2 * 1024 * 1024)
    from _setup import figure, start

    start("hardening_corpus")
    from jianfu.core.models import Unit

    if not Unit.objects.filter(code="T").exists():
        from jianfu.conftest import build_city

        build_city()
    bad, saved = _bad_files()
    kills, partial = _kills()
    for name, value in zip(NAMES, (bad, saved, kills, partial), strict=True):
        figure(name, value)


if __name__ == "__main__":
    main()
