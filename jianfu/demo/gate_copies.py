"""Copy-through demo stage (照抄照搬): the registry's documents get their text, and one county is
planted copying the city's.

Up to PER_UNIT of this year's documents of each county and city department get a plausible
official text of 1,500–5,000 characters: a masthead line, the addressees, a preamble and three
numbered parts, each sentence drawn word by word from banks (modifier, verb, an area and an
aspect, result) with the unit's own random generator. Words are two to four characters long, so
two units share a run of 12 characters (three or four words in one order) only by rare chance,
and their shingles' Jaccard is about 0.02 (a bank of 30 objects made it 0.12, and every document
an LSH candidate of a dozen others): every clean unit's
documents stay far below the 70 % threshold. The planted county (the city's last county: in
the tiny city it also carries a registry pattern, so no county is left without a planted case
while every clean unit stays clean) issues COPIED of its documents as copies of an earlier city
department's document: the source's sentences in order, the department's name replaced by its
own, a tenth of them dropped and a sentence of its own added to each part. Then the texts are
indexed (the signatures and the copies found) and the gate_copied rule is run, so the inbox shows
the planted county.
"""

import random

from jianfu.core import clock
from jianfu.core.models import Unit
from jianfu.demo.generator import DemoContext, register
from jianfu.gate.copies import index
from jianfu.gate.copies.models import Match, Signature
from jianfu.registry.models import Document

PER_UNIT = 8
COPIED = 4

MODIFIERS = ("切实", "进一步", "扎实", "持续", "全面", "认真", "大力", "坚决", "积极", "着力",
             "稳步", "深入", "有序", "统筹", "加快", "严格", "不断", "有效", "主动", "精准",
             "逐步", "全力", "系统", "科学")  # fmt: skip
VERBS = ("加强", "推进", "落实", "健全", "完善", "深化", "压实", "规范", "优化", "提升", "强化",
         "抓好", "推动", "细化", "建立", "改进", "夯实", "创新", "整治", "保障", "做实", "统筹",
         "巩固", "拓展", "畅通", "织密", "筑牢", "盯紧")  # fmt: skip
AREAS = ("基层", "乡村", "社区", "校园", "企业", "园区", "城市", "农村", "流域", "山区", "街道",
         "窗口", "网格", "行业", "市场", "财政", "人才", "数据", "项目", "资金", "信访", "安全",
         "生态", "民生", "文化", "交通", "医疗", "养老", "就业", "教育", "住房", "水利", "林业",
         "审计", "统计", "应急", "消防", "食品", "药品", "能源")  # fmt: skip
ASPECTS = ("治理", "服务", "监管", "减负", "考核", "台账", "队伍", "制度", "机制", "保障", "风险",
           "隐患", "协同", "执法", "调度", "预警", "评估", "督导", "整改", "宣传", "培训", "改革",
           "建设", "管理", "规划")  # fmt: skip
RESULTS = ("取得实效", "落到实处", "见到成效", "形成合力", "久久为功", "抓出成效", "常态长效",
           "务求实效", "走深走实", "提质增效", "善作善成", "行稳致远", "落细落小",
           "压茬推进")  # fmt: skip
LINKS = ("坚持", "围绕", "聚焦", "结合", "针对", "按照", "通过", "依托", "立足", "紧扣")
PARTS = ("一、总体要求", "二、主要任务", "三、保障措施")
NUMBERS = "一二三四五六七八九十"


def _count() -> dict[str, int]:
    return {"文件正文指纹": Signature.objects.count(), "照抄照搬比对结果": Match.objects.count()}


def _object(rng: random.Random) -> str:
    return rng.choice(AREAS) + rng.choice(ASPECTS)


def _sentence(rng: random.Random) -> str:
    clauses = [
        rng.choice(LINKS) + _object(rng) + _object(rng)
        if rng.random() < 0.3
        else rng.choice(MODIFIERS) + rng.choice(VERBS) + _object(rng)
        for _ in range(rng.randint(2, 4))
    ]
    return "，".join(clauses) + "，" + rng.choice(RESULTS) + "。"


def _paragraphs(rng: random.Random, length: int) -> list[list[str]]:
    """Three parts of numbered paragraphs of sentences, about `length` characters in all."""
    parts: list[list[str]] = [[] for _ in PARTS]
    total = 0
    while total < length:
        sentences = [_sentence(rng) for _ in range(rng.randint(3, 6))]
        part = parts[rng.randrange(len(parts))]
        part.append("".join(sentences))
        total += sum(len(s) for s in sentences)
    return parts


def _render(unit_name: str, title: str, parts: list[list[str]]) -> str:
    lines = [title, "各有关单位：", f"为做好相关工作，经{unit_name}研究，现就有关事项通知如下。"]
    for heading, paragraphs in zip(PARTS, parts, strict=True):
        lines.append(heading)
        for n, p in enumerate(paragraphs):
            lines.append(f"（{NUMBERS[n % len(NUMBERS)]}）{p}")
    lines.append(unit_name)
    return "\n".join(lines)


def _own(rng: random.Random, unit_name: str, title: str) -> tuple[str, list[list[str]]]:
    parts = _paragraphs(rng, rng.randint(1500, 4800))
    return _render(unit_name, title, parts), parts


def document_text(rng: random.Random, unit_name: str, title: str) -> str:
    """A document in the unit's own wording (the demo's proposals draft theirs with it too, so
    that no two clean drafts look alike)."""
    return _own(rng, unit_name, title)[0]


def _copy(rng, source_parts, source_name: str, unit_name: str, title: str) -> str:
    parts = []
    for paragraphs in source_parts:
        kept = [p.replace(source_name, unit_name) for p in paragraphs if rng.random() > 0.1]
        kept.insert(rng.randint(0, len(kept)), _sentence(rng))
        parts.append(kept)
    return _render(unit_name, title, parts)


@register(count=_count)
def gate_copies(ctx: DemoContext) -> dict[str, int]:
    rng = ctx.rng
    year = ctx.as_of.year
    cities = ctx.units["city"] or [ctx.root]
    city = cities[0]
    departments = [
        u
        for u in ctx.units["department"]
        if u.path.startswith(city.path) and u.depth == city.depth + 1
    ]
    counties = [u for u in ctx.units["county"] if u.path.startswith(city.path)]
    if not departments or not counties:
        return {}
    planted = counties[-1]
    docs = Document.objects.filter(
        unit__in=[*departments, *counties], issued_on__year=year, issued_on__lte=ctx.as_of
    ).order_by("unit_id", "issued_on", "pk")
    by_unit: dict[int, list[Document]] = {}
    for d in docs:
        by_unit.setdefault(d.unit_id, []).append(d)
    names = {u.pk: u.name for u in Unit.objects.filter(pk__in=list(by_unit))}
    city_parts: list[tuple[Document, list[list[str]]]] = []
    written: list[Document] = []
    for unit in departments + [c for c in counties if c.pk != planted.pk]:
        chosen = by_unit.get(unit.pk, [])
        chosen = sorted(rng.sample(chosen, min(PER_UNIT, len(chosen))), key=lambda d: d.pk)
        for d in chosen:
            d.full_text, parts = _own(rng, names[unit.pk], d.title)
            written.append(d)
            if unit in departments:
                city_parts.append((d, parts))
    mine = by_unit.get(planted.pk, [])
    mine = sorted(rng.sample(mine, min(PER_UNIT, len(mine))), key=lambda d: d.issued_on)
    copied = 0
    for d in mine:
        earlier = [(s, p) for s, p in city_parts if s.issued_on < d.issued_on]
        if copied < COPIED and earlier:
            source, parts = rng.choice(earlier)
            d.full_text = _copy(rng, parts, names[source.unit_id], names[planted.pk], d.title)
            copied += 1
        else:
            d.full_text, _parts = _own(rng, names[planted.pk], d.title)
        written.append(d)
    Document.objects.bulk_update(written, ["full_text"], batch_size=500)
    signed = index.index_documents([d.pk for d in written])
    from jianfu.signals import runner

    with clock.frozen(ctx.as_of):
        runner.run(as_of=ctx.as_of, rules=["gate_copied"])
    return {
        "文件正文指纹": signed,
        f"照抄照搬样例：{planted.name}（照抄市直部门文件 {copied} 件）": 1,
    }
