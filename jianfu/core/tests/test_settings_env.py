"""Settings read from the environment, as a service file sets it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_an_empty_database_url_means_the_embedded_database(tmp_path):
    """`DATABASE_URL=` with nothing after it (an env file's line left blank) starts on SQLite in
    the var directory instead of stopping at start-up."""
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "jianfu.settings",
        "JIANFU_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    read = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        " print(d['ENGINE'], d['NAME'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", read], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    engine, name = out.stdout.split()
    assert engine == "django.db.backends.sqlite3" and name.startswith(str(tmp_path))
