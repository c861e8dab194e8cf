"""Shared start-up for the benchmark scripts: a database of their own, migrated.

SQLite by default (under bench/.data/<name>/), or the PostgreSQL database DATABASE_URL names.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(name: str) -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianfu.settings")
    os.environ.setdefault("JIANFU_VAR_DIR", str(ROOT / "bench" / ".data" / name))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor


def figure(name: str, value: float) -> None:
    print(
        f"figure: {name} = {value:.3f}"
        if isinstance(value, float)
        else f"figure: {name} = {value}",
        flush=True,
    )


def median_ms(fn, runs: int = 50) -> float:
    fn()  # warm caches and connections
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return samples[len(samples) // 2]
