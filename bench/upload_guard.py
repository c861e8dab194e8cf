"""What the spreadsheet guard (core.sheet_guard) costs an import, and what it saves.

    .venv/bin/python bench/upload_guard.py

The data: a 10,000-row document registry (8 columns: texts, a date, a number; written by
openpyxl), the same file with one space in A1048576, and a 3 KB file with a table in A1:H20 and
one value in XFD1048576 (the file that stopped the server).

anchor: calamine reading the normal file in this process, as the reader did before the guard
(plain_parse_ms, plain_peak_mb). guarded: excel.read_rows on the same bytes: the look at the
sheet's XML, the fork of a child under a memory limit, calamine there, the rows pickled back.
peak_mb: the highest resident memory of the reading process or of the child it forks, above the
process's resident memory before the read (each measured in a fresh forked process, so one read's
peak does not hide the next). Times: median of 5 runs. fork_roundtrip_ms: forking a child that
returns None, here, in a process holding Django (a web worker holds about as much).
"""

import contextlib
import ctypes
import gc
import io
import os
import resource
import statistics
import time

from _setup import figure, start

start("upload_guard")

from openpyxl import Workbook  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402

from jianfu.core import excel, sheet_guard  # noqa: E402
from jianfu.core.tests import sheets  # noqa: E402

ROWS = 10_000
RUNS = 5


def normal_and_spaced() -> tuple[bytes, bytes]:
    import datetime as dt

    book = Workbook()
    ws = book.active
    ws.append(["外部编号", "文号", "标题", "发文单位", "发文日期", "文件类型", "页数", "备注"])
    for i in range(ROWS):
        ws.append(
            [
                f"OA-{i}",
                f"县委发〔2025〕{i}号",
                f"关于进一步做好第{i}项工作的通知",
                f"某某县委办公室{i % 50}",
                dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
                "红头文件",
                i % 40,
                "" if i % 3 else "备注文字",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    normal = out.getvalue()
    ws["A1048576"] = " "
    out = io.BytesIO()
    book.save(out)
    return normal, out.getvalue()


def plain(data: bytes):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python(skip_empty_area=False)


def guarded(data: bytes):
    return excel.read_rows("x.xlsx", data)


def median_ms(fn, data) -> float:
    fn(data)
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn(data)
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_mb(fn, data) -> float:
    """Peak resident memory of one read above the process's own, in a fresh forked process."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            # Free memory this process still holds would be reused unseen: hand it back first.
            gc.collect()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            base = _status_kb("VmRSS")
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current resident size
            with contextlib.suppress(excel.ImportFailed):
                fn(data)
            own = _status_kb("VmHWM")
            child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB on Linux
            os.write(w, str(max(own, child) - base).encode())
        finally:
            os._exit(0)
    os.close(w)
    answer = os.read(r, 100)
    os.close(r)
    os.waitpid(pid, 0)
    return int(answer) / 1024


def refusal(data: bytes):
    try:
        excel.read_rows("联系人.xlsx", data)
    except excel.ImportFailed:
        return
    raise AssertionError("the far-cell file was not refused")


normal, spaced = normal_and_spaced()
far = sheets.stray_far()
assert guarded(normal) == plain(normal)
assert guarded(spaced) == plain(normal)[: ROWS + 1]
print(f"files: normal {len(normal) // 1024} KB, spaced {len(spaced) // 1024} KB, far {len(far)} B")

anchor_ms = median_ms(plain, normal)
anchor_mb = peak_mb(plain, normal)
figure("normal_plain_parse_ms", anchor_ms)
figure("normal_plain_peak_mb", anchor_mb)

normal_ms = median_ms(guarded, normal)
normal_mb = peak_mb(guarded, normal)
figure("normal_guarded_read_ms", normal_ms)
figure("normal_guarded_peak_mb", normal_mb)
figure("normal_guarded_over_plain_time_ratio", normal_ms / anchor_ms)

spaced_ms = median_ms(guarded, spaced)
spaced_mb = peak_mb(guarded, spaced)
figure("space_in_A1048576_guarded_read_ms", spaced_ms)
figure("space_in_A1048576_guarded_peak_mb", spaced_mb)
figure("space_over_normal_guarded_time_ratio", spaced_ms / normal_ms)
# What the same file cost before the guard (calamine built all 1,048,576 rows).
before_ms = median_ms(plain, spaced)
before_mb = peak_mb(plain, spaced)
figure("space_in_A1048576_plain_parse_ms", before_ms)
figure("space_in_A1048576_plain_peak_mb", before_mb)
figure("space_plain_over_guarded_time_ratio", before_ms / spaced_ms)

figure("far_cell_XFD1048576_refusal_ms", median_ms(refusal, far))
figure("far_cell_XFD1048576_refusal_peak_mb", peak_mb(refusal, far))

limits = excel._child_limits()
figure("fork_roundtrip_ms", median_ms(lambda _d: sheet_guard.in_child(lambda: None, limits), None))
# A file too large to read in the asking process (over IN_PROCESS_CELLS or its XML over
# IN_PROCESS_XML_BYTES) goes to a child: what that costs, on the same normal file.
child_ms = median_ms(
    lambda d: sheet_guard.in_child(
        lambda: sheet_guard.parse_workbook("xlsx", d, excel._limits()), limits
    ),
    normal,
)
figure("normal_read_in_child_ms", child_ms)
figure("child_overhead_per_import_ms", child_ms - normal_ms)
