"""Set operations beyond list and count: the largest or smallest group, and existence (有/没有 first).

Both run over every record the plan's scope and conditions select (selection.matching_records), so
"哪位市领导分管的目标最多" counts all of them, and "有没有不是年底的" answers 没有 only after looking at
every record it could be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from qa_app.answering import compose as c
from qa_app.answering import listing
from qa_app.answering.lists import scope_words
from qa_app.answering.planning import names_topic
from qa_app.answering.selection import Knowledge, matching_records
from qa_app.answering.understanding import Question
from qa_app.answering.vocabulary import unit_is, unit_key
from qa_app.records import Record

_SHOWN_GROUPS = 3


def _names(record: Record, group_by: str) -> Sequence[str]:
    if group_by == "leaders":
        return record.leaders
    if group_by == "section":
        return (record.section,) if record.section else ()
    if group_by == "counties":
        return tuple(u for u in record.units if unit_is(u, "县区人民政府"))
    return getattr(record, group_by, record.units)


def _key_and_name(knowledge: Knowledge, group_by: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    if group_by in ("leaders", "section"):
        return (lambda n: n), (lambda n: n)
    return unit_key, knowledge.vocab.unit_name


def answer_group(knowledge: Knowledge, q: Question) -> c.Reply:
    """The group (unit, leader, section, county) with the most (or fewest) matching records, with
    its count and the runners-up; "哪条目标的责任单位最多" ranks records by how many units they name."""
    by_unit = q.group_by not in ("leaders", "section")
    grouped = q.with_(units=()) if by_unit else q
    if not names_topic(q.flat):  # "任务最集中的是哪一部分": the words say how to group, not what about
        grouped = grouped.with_(keywords=())
    records = matching_records(knowledge, grouped)
    if not records:
        return c.compose_abstain(f"{scope_words(q, knowledge)}的条目")
    if q.group_by == "record_units":
        return _record_with_most_units(records, q.largest)
    key_of, name_of = _key_and_name(knowledge, q.group_by or "units")
    counts: Counter = Counter()
    members: dict[str, list[Record]] = {}
    excluded = set(q.units) if by_unit else set()  # 除了发改委和工信局: the named units are set aside
    for record in records:
        for name in dict.fromkeys(key_of(n) for n in _names(record, q.group_by or "units")):
            if name and name not in excluded and not name.startswith("各"):
                counts[name] += 1
                members.setdefault(name, []).append(record)
    if not counts:
        return c.compose_abstain(f"{scope_words(q, knowledge)}可分组的条目")
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1] if q.largest else kv[1], kv[0]))
    best = ranked[0][1]
    winners = [(k, n) for k, n in ranked if n == best]
    others = [(k, n) for k, n in ranked if n != best][:_SHOWN_GROUPS]
    short = "、".join(f"{name_of(k)}（{n}项）" for k, n in winners)
    cited = tuple(r for k, _ in winners for r in members[k])[:listing.LIST_CITED]
    rest = "；".join(f"{name_of(k)}{n}项" for k, n in others)
    answer = (f"{scope_words(q, knowledge)}{len(records)}项中，{'最多' if q.largest else '最少'}的是{short}"
              + (f"；其次：{rest}" if rest else "") + "。"
              + "".join(f"[{i}]" for i in range(1, len(cited) + 1)))
    return c.Reply(c.clip(short, c.SHORT_LIMIT), answer, cited)


def _record_with_most_units(records: list[Record], largest: bool) -> c.Reply:
    ranked = sorted(records, key=lambda r: (-len(r.units) if largest else len(r.units), r.id))
    best = len(ranked[0].units)
    top = [r for r in ranked if len(r.units) == best][:_SHOWN_GROUPS]
    short = "；".join(f"{c.topic(r, 30)}（{best}家：{c.join_names(r.units)}）" for r in top)
    answer = "；".join(f"{c.source_label(r)}[{n}]“{c.topic(r)}”的责任单位有{best}家：{c.join_names(r.units)}"
                      for n, r in enumerate(top, 1)) + "。"
    return c.Reply(c.clip(short, c.LIST_LIMIT), answer, tuple(top))


def answer_exists(knowledge: Knowledge, q: Question) -> c.Reply:
    """有 (with the matching records) or 没有 (saying how many records were looked at) first."""
    found = matching_records(knowledge, q)
    scope = scope_words(q, knowledge)
    if found:
        listed = listing.compose_list(found, scope)
        short = f"有，{len(found)}项：" + listing.short_list(found, listing.item, c.LIST_LIMIT - 12)
        return c.Reply(c.clip(short, c.LIST_LIMIT), "有。" + listed.answer, listed.records)
    base = matching_records(knowledge, q.with_(conditions=(), on_schedule=None))
    looked = f"（共查看{len(base)}项）" if base else ""
    return c.Reply(f"没有{looked}", f"没有：{scope}条目一项也没有{looked}。", tuple(base[:listing.LIST_CITED]))

