"""The hardening figures: what was tried against the platform, and what got through.

    .venv/bin/python bench/hardening.py                     # SQLite
    DATABASE_URL=postgres://…/jianfu_bench_hardening .venv/bin/python bench/hardening.py

Each part is a script of its own, run here as a child process (each sets Django up over its own
database), whose `figure:` lines are passed on:

- bench/_hardening_scope.py: every URL and API operation in the access table, for every role, on
  an object inside and one outside the account's units (`endpoints_x_roles_checked`, `leaks_found`);
  schemathesis over the OpenAPI document against a real server, as the office and as a county
  contact (`schemathesis_cases`, `schemathesis_server_errors`);
- bench/_hardening_corpus.py: every import's bad files (`bad_files_tried`,
  `rows_saved_from_bad_files`), and SIGKILL in the middle of an import, a bulletin and a nightly run
  (`kills_tried`, `partial_states_found`).

The figures that must be 0 are checked at the end: the script exits 1 when one is not.
"""

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ["_hardening_scope.py", "_hardening_corpus.py"]
MUST_BE_ZERO = [
    "leaks_found",
    "schemathesis_server_errors",
    "rows_saved_from_bad_files",
    "partial_states_found",
]
FIGURE = re.compile(r"^figure: (\w+) = (\S+)")


def main() -> int:
    figures: dict[str, str] = {}
    for part in PARTS:
        started = time.perf_counter()
        print(f"== {part}", flush=True)
        run = subprocess.run(
            [sys.executable, str(HERE / part)], capture_output=True, text=True, check=False
        )
        for line in run.stdout.splitlines():
            print(line, flush=True)
            if match := FIGURE.match(line):
                figures[match[1]] = match[2]
        if run.returncode != 0:
            print(run.stderr[-4000:], file=sys.stderr)
            print(f"{part} failed with exit code {run.returncode}", flush=True)
            return run.returncode
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    failed = [name for name in MUST_BE_ZERO if float(figures.get(name, "nan")) != 0]
    for name in failed:
        print(f"NOT ZERO: {name} = {figures.get(name, 'missing')}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
