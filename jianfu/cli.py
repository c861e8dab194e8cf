"""The `jianfu` command line: the management commands users need, under one name.

jianfu demo [--size city|province] [--seed N] [--accounts]
jianfu serve [--port 8000] [--with-worker]
jianfu worker
jianfu audit verify | jianfu audit checkpoint
jianfu backup [--to DIR]   database, uploaded files and audit heads into one directory
jianfu restore PATH [--force]   into an empty database, then verify the audit chain
jianfu init            create the first three administrators of a production install
jianfu migrate | check | shell | …   any other management command
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianfu.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    execute_from_command_line(["jianfu", *args])


if __name__ == "__main__":
    main()
