"""Regenerate the files an office suite wrote (jianfu/testing/corpus/<kind>.<ext>): each import's
two good rows, built with openpyxl and converted by LibreOffice headless to .xlsx, .xls and .ods.
The converted files are committed, so the tests need no LibreOffice; run this when a corpus entry
changes:

    python -m jianfu.testing.corpus.make
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jianfu.testing import import_corpus as corpus

FORMATS = ("xlsx", "xls", "ods")
# .ods is refused by its format alone (excel.read_rows), the same for every import: two suffice.
ODS_KINDS = ("units", "registry.document")


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("LibreOffice (soffice) is not installed", file=sys.stderr)
        return 1
    out = corpus.FIXTURES
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind, k in corpus.KINDS.items():
            source = work / f"{kind}.src.xlsx"
            source.write_bytes(corpus.xlsx([k.header, *k.rows]))
        for fmt in FORMATS:
            kinds = ODS_KINDS if fmt == "ods" else tuple(corpus.KINDS)
            target = work / fmt
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless"]
                + ["--convert-to", fmt, "--outdir", str(target)]
                + [str(work / f"{kind}.src.xlsx") for kind in kinds],
                check=True,
                capture_output=True,
                timeout=600,
            )
            for kind in kinds:
                (out / f"{kind}.{fmt}").write_bytes((target / f"{kind}.src.{fmt}").read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
