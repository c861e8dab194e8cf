"""What the platform already holds: the shared place a request for data is checked against before
it goes down (基层数据“最多报一次”).

An inspection's proposal that demands materials, or a form request in the catalogue that asks for a
field, is read against these entries: each names a piece of data the platform holds, where it is
held (the page a reader can open) and the words by which a demand for it is recognised. The
entries below are the platform's own registries and reports; the burden meter's form catalogue adds
its dictionary's fields (each earlier return is data held too) from its own `setup.ready()`:

    from jianfu.gate import held

    held.register(held.Held("form.households", _("农户户数"), _("报表目录：…"), ("户数",), "…"))

`matches(text)` returns the entries whose words occur in the text, each once, in the order they
were registered; `entry(code)` returns one by its code.

Data that becomes held as the platform runs (a catalogue form's field, once returned) cannot be
registered at start-up: a part registers a provider instead (`provide(fn)`, fn() -> [Held]), read
each time `matches` or `entry` is asked, so every worker process sees the same database.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Held:
    code: str
    name: object  # what the data is, e.g. 发文数量
    where: object  # where the platform holds it, e.g. 发文登记
    words: tuple[str, ...]  # the words by which a demand for it is recognised
    url_name: str = ""  # the page that shows it, if any


HELD: dict[str, Held] = {}
PROVIDERS: dict[str, Callable[[], list]] = {}


def register(*entries: Held) -> None:
    """Add entries (a second registration of a code replaces the first: ready() may run twice)."""
    for e in entries:
        HELD[e.code] = e


def provide(key: str, fn: Callable[[], list]) -> None:
    """Add (or replace) a provider of entries read from the database when asked."""
    PROVIDERS[key] = fn


def entries() -> list[Held]:
    """Every entry: the registered ones, then the providers'."""
    found = dict(HELD)
    for fn in PROVIDERS.values():
        for e in fn():
            found.setdefault(e.code, e)
    return list(found.values())


def entry(code: str) -> Held | None:
    if code in HELD:
        return HELD[code]
    return next((e for e in entries() if e.code == code), None)


def matches(text: str) -> list[Held]:
    """The entries a demand written as `text` asks for again, in registration order."""
    if not text:
        return []
    return [e for e in entries() if any(w and w in text for w in e.words)]


register(
    Held(
        "registry.documents",
        _("发文情况（件数、文号、发文日期、字数）"),
        _("发文登记"),
        ("发文情况", "发文数量", "发文件数", "发文清单", "文件清单", "发文台账"),
        "document_list",
    ),
    Held(
        "registry.meetings",
        _("会议情况（次数、日期、形式、参会人数）"),
        _("会议登记"),
        ("会议情况", "会议次数", "会议台账", "会议记录", "会议清单", "参会人数"),
        "meeting_list",
    ),
    Held(
        "registry.inspections",
        _("督查检查考核情况（项目、方式、对象）"),
        _("督查检查考核登记"),
        ("督查检查考核情况", "检查台账", "督查台账", "迎检", "检查清单", "考核台账"),
        "inspection_list",
    ),
    Held(
        "monitoring.reports",
        _("基层负担监测数据（收文、会议、检查、报表、填报耗时）"),
        _("样本点月报"),
        ("负担情况", "收文数量", "基层负担", "填报表格数", "报表数量", "工作群数量"),
        "point_list",
    ),
    Held(
        "rectification.ledger",
        _("问题整改情况（问题清单、整改台账、销号情况）"),
        _("问题清单和整改台账"),
        ("整改情况", "整改台账", "问题清单", "整改报告", "销号情况"),
        "problem_list",
    ),
    Held(
        "supervision.items",
        _("督办事项进展（反馈、办结情况）"),
        _("督办事项"),
        ("督办事项进展", "办理情况", "落实情况报告", "进展情况", "工作进展"),
        "sup_board",
    ),
    Held(
        "supervision.projects",
        _("重点项目进度（开工、投资完成、资金到位）"),
        _("重点项目"),
        ("项目进度", "投资完成", "资金到位", "开工情况", "项目台账"),
        "project_list",
    ),
)
