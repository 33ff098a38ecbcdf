"""Overview answers ("总结一下2023年三季度的整体进展", "某某分管的目标概况"): the figures of a scope.

The records are every record the question's structured scope selects (year, period, document,
leader, unit…; words left after the overview wording narrow them further); the figures are those of
`qa_app.overview`, one paragraph per year + period + document. Every record counted is cited, so
the figures' records stay reachable (and exportable).
"""

from __future__ import annotations

from qa_app.answering import compose as c
from qa_app.answering.selection import Knowledge, matching_records
from qa_app.answering.understanding import Question, overview_subject
from qa_app.overview import Group, group_of

TOP = 3


def answer_overview(knowledge: Knowledge, q: Question) -> c.Reply:
    """Totals, on-schedule share, top leaders and units, deadlines: per group, with the records."""
    records = matching_records(knowledge, q.with_(intent="list", keywords=overview_subject(q.keywords)))
    if not records:
        return c.compose_abstain("符合这些条件的条目")
    keys = list(dict.fromkeys((r.year, r.period, r.kind) for r in records))
    groups = [(key, [r for r in records if (r.year, r.period, r.kind) == key]) for key in keys]
    shorts, texts, cited = [], [], []
    for _key, rows in groups:
        group = group_of(rows)
        first = len(cited) + 1
        cited += rows
        shorts.append(summary(group))
        texts.append(f"{summary(group, detailed=True)}（见[{first}]至[{len(cited)}]）")
    items = "；".join(f"{c.topic(r)}[{n}]" for n, r in enumerate(cited, 1))
    answer = "。".join(texts) + f"。条目：{items}。"
    return c.Reply(c.clip("；".join(shorts), c.LIST_LIMIT), answer, tuple(cited))


def summary(group: Group, detailed: bool = False) -> str:
    """A group in one sentence: 2023年三季度推进情况表共161项，按计划推进（是）161项；…"""
    top = None if detailed else TOP
    parts = [f"{group.label}共{group.items}项"]
    if group.on_schedule:
        parts.append("是否按计划推进：" + _counts(group.on_schedule, top, quote=True))
    if group.by_leader:
        parts.append("分管市领导：" + _counts(group.by_leader, top))
    if group.by_unit:
        word = "责任单位" if group.kind == "target" else "牵头单位"
        parts.append(f"{word}{len(group.by_unit)}个，最多的是" + _counts(group.by_unit, TOP))
    if group.by_deadline and detailed:
        parts.append("完成时限：" + _counts(group.by_deadline, None, quote=True))
    return "，".join(parts)


def _counts(counts: dict[str, int], top: int | None, quote: bool = False) -> str:
    shown = list(counts.items())[:top] if top else list(counts.items())
    text = "、".join(f"{'“' + k + '”' if quote else k}{n}项" for k, n in shown)
    return text + ("等" if top and len(counts) > top else "")
