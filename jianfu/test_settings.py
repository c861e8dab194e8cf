"""Settings for the test suite: the real settings, with a fast password hasher, the immediate task
backend and a private VAR_DIR per process."""

import os
import tempfile

os.environ["JIANFU_TESTING"] = "1"
os.environ.setdefault("JIANFU_VAR_DIR", tempfile.mkdtemp(prefix="jianfu-test-"))

from .settings import *  # noqa: E402,F403
