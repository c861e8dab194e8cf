"""A real browser for the tests that look at a page as a person would: Playwright driving the
system's Chromium, run in its own Python (Playwright is not a dependency of the project).

Where they are is the machine's business, not the project's: `JIANFU_PLAYWRIGHT_PYTHON` names a
Python that has Playwright installed, and Chromium is found on the PATH (or `JIANFU_CHROMIUM`).
A machine without them skips these tests and says why; the same flows are also tested through
the real server with an HTTP client, which runs everywhere.
"""

import os
import shutil

import pytest

PYTHON = os.environ.get("JIANFU_PLAYWRIGHT_PYTHON", "")
CHROMIUM = os.environ.get("JIANFU_CHROMIUM") or shutil.which("chromium") or ""

available = bool(PYTHON and os.path.exists(PYTHON) and CHROMIUM)

needed = pytest.mark.skipif(
    not available,
    reason="set JIANFU_PLAYWRIGHT_PYTHON to a Python with Playwright, and install Chromium",
)
