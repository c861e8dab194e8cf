"""Named points in long work where the crash-safety tests kill the process.

`reached(name)` does nothing unless the environment variable JIANFU_TEST_CRASHPOINT names that
point (only the tests set it): then it writes its process id to the file JIANFU_TEST_CRASHPOINT_FILE
and waits there, so that a test can SIGKILL the process at exactly that point — in the middle of
an import's transaction, between a bulletin's sections, between the nightly rules.
"""

import os
import time
from pathlib import Path


def reached(name: str) -> None:
    if os.environ.get("JIANFU_TEST_CRASHPOINT") != name:
        return
    Path(os.environ["JIANFU_TEST_CRASHPOINT_FILE"]).write_text(str(os.getpid()))
    time.sleep(600)
