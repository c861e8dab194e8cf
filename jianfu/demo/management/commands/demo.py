"""`manage.py demo` (and `jianfu demo`): build the demo city (or reuse it); list the accounts.

The build writes the unit tree and the accounts, then runs the demo stages in the pipeline's
order (`generator.PIPELINE`: registry, monitoring, signals, rectification)."""

import argparse
import datetime as dt
import time
import unicodedata

from django.core.management.base import BaseCommand

from jianfu.core.models import UnitKind
from jianfu.demo import generator

NAMED_SHOWN = len(generator.NAMED_ACCOUNTS)
MORE_SHOWN = 8  # accounts listed after the named six unless --all

COUNT_LABELS = {
    **{kind.value: str(kind.label) for kind in UnitKind},
    "units": "单位合计",
    "accounts": "账户",
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式应为 YYYY-MM-DD（例如 2025-06-30），收到：{value}"
        ) from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a plain-text table whose columns line up with Chinese (double-width) text."""
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(_pad(str(h), w) for h, w in zip(header, widths, strict=True)), line]
    out += [
        "  ".join(_pad(str(c), w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return out


class Command(BaseCommand):
    help = (
        "生成演示数据（虚构的市或省：单位树和演示账户，可重复生成）。数据库中已有单位时沿用现有数据；"
        "删除 var/ 目录（或 PostgreSQL 数据库）后重新运行即可重建。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=list(generator.SIZES),
            default="city",
            help="规模：city（一个市，默认）、province（一个省，约 16 个市）、tiny（测试用）",
        )
        parser.add_argument("--seed", type=int, default=2025, help="随机种子，相同种子生成相同数据")
        parser.add_argument(
            "--as-of",
            dest="as_of",
            type=_date,
            default=None,
            help="以该日期为“今天”生成（YYYY-MM-DD），使进度、逾期、同比等结果可复现",
        )
        parser.add_argument("--accounts", action="store_true", help="只列出演示账户")
        parser.add_argument(
            "--all",
            dest="all_accounts",
            action="store_true",
            help="列出全部演示账户（默认只列前几个）",
        )

    def handle(self, *args, size, seed, as_of, accounts, all_accounts, **options):
        if accounts:
            self.print_accounts(all_accounts)
            return
        existed = generator.demo_exists()
        started = time.perf_counter()
        counts = generator.load(size=size, seed=seed, as_of=as_of)
        elapsed = time.perf_counter() - started
        if existed:
            info = generator.loaded_info()
            self.stdout.write(
                self.style.WARNING(
                    "数据库中已有单位数据，沿用现有数据，未重新生成。"
                    "（如需重建：删除 var/ 目录，或换一个空的 PostgreSQL 数据库，再运行本命令。）"
                )
            )
            if info and (info.get("size"), info.get("seed")) != (size, seed):
                self.stdout.write(
                    f"现有演示数据的规模为 {info.get('size')}，随机种子 {info.get('seed')}。"
                )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已生成演示数据：规模 {size}，随机种子 {seed}"
                    + (f"，基准日 {as_of.isoformat()}" if as_of else "")
                    + f"，用时 {elapsed:.1f} 秒。"
                )
            )
        self.stdout.write("")
        rows = [[COUNT_LABELS.get(k, k), f"{v:,}"] for k, v in counts.items() if v]
        for line in table(["项目", "数量"], rows):
            self.stdout.write(line)
        self.stdout.write("")
        self.print_accounts(all_accounts)

    def print_accounts(self, show_all: bool) -> None:
        found = generator.accounts()
        if not found:
            self.stdout.write("没有演示账户（数据库中没有使用演示密码的账户）。")
            return
        shown = found if show_all else found[: NAMED_SHOWN + MORE_SHOWN]
        self.stdout.write(f"演示账户（密码均为 {generator.DEMO_PASSWORD}）：")
        rows = [[a.username, generator.DEMO_PASSWORD, "、".join(a.roles), a.unit] for a in shown]
        for line in table(["用户名", "密码", "角色", "所在单位"], rows):
            self.stdout.write(line)
        rest = len(found) - len(shown)
        if rest:
            self.stdout.write(
                f"…… 另有 {rest} 个账户未列出（共 {len(found)} 个），"
                "用 demo --accounts --all 列出全部。"
            )
