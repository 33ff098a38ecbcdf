"""Hops: a sub-plan whose result feeds the main plan's condition.

"负责X的那个单位还负责哪些目标" is two plans: first the unit of X (a lookup), then the records of
that unit (a list, a count, a leader), in the same or another document. The sub-question is
answered like any lookup, so it is trusted or abstains on the same evidence; its record is left out
of a "还/其他" list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from qa_app.answering import compose as c
from qa_app.answering.plan import Condition, Op
from qa_app.answering.planning import Hop, cues
from qa_app.answering.selection import Knowledge
from qa_app.answering.understanding import Question, understand
from qa_app.answering.vocabulary import unit_is, unit_key
from qa_app.records import Record

_ROLE_FIELDS = {"牵头单位": "lead_units", "责任单位": "units", "承办单位": "units"}
_VERB_FIELDS = {"牵头": "lead_units", "参与": "participating_units", "配合": "participating_units"}  # 牵头X的单位
_GOVERNMENT = ("县政府", "区政府", "政府")
_FIELD_ASKS = {"leader": "leaders", "deadline": "deadline"}
_SCOPE = ("year", "period", "kind")


def sub_question(q: Question, hop: Hop) -> str:
    """The first plan's question in words: the scope written before the hop, then X's unit or leader."""
    start = q.flat.find(hop.subject)
    scope = q.flat[:max(start, 0)]
    for verb in ("负责", "承担", "牵头", "分管", "推动", "主抓", "管"):
        scope = scope.removesuffix(verb)
    asked = "分管市领导是谁" if hop.role == "leaders" else "由哪个单位负责"
    return f"{scope}{hop.subject}{asked}？"


def fed_names(record: Record, hop: Hop, flat: str) -> tuple[str, ...]:
    """What the sub-plan's record feeds on: its leaders, or its units (only the county/district
    government when the question says 那个县政府; only the lead when it says 牵头单位)."""
    if hop.role == "leaders":
        return record.leaders
    before = flat[:max(flat.find(hop.subject), 0)].rstrip("“\"「")
    verb_field = next((f for verb, f in _VERB_FIELDS.items() if before.endswith(verb)), None)
    field = verb_field if record.kind == "task" and verb_field else next(
        (f for word, f in _ROLE_FIELDS.items() if word in flat and record.kind == "task"), "units")
    names = getattr(record, field) or record.units
    if any(word in flat for word in _GOVERNMENT):
        governments = tuple(n for n in names if unit_is(n, "县区人民政府"))
        names = governments or names
    return tuple(n for n in names if not n.startswith("各"))


def answer_hop(q: Question, knowledge: Knowledge, respond: Callable[[Question], c.Reply]) -> c.Reply | None:
    """Run the sub-plan, then the main plan with its result as a condition; None when the question
    holds no answerable hop (the caller answers it as one plan)."""
    hop = q.hop
    first = respond(understand(sub_question(q, hop), knowledge.vocab))
    if first.abstained or not first.records:
        return None
    source = first.records[0]
    names = fed_names(source, hop, q.flat)
    if not names:
        return None
    asked = understand(names[0] + hop.rest, knowledge.vocab)  # the found name in its place: 刘某共分管了几项
    main = _scoped(asked, q, names, hop, source)
    reply = respond(main)
    if reply.abstained:
        return reply
    if asked.intent in _FIELD_ASKS:
        return _field_of_records(reply, asked, names, source)
    return _with_source(reply, source, names)


def _scoped(main: Question, q: Question, names: tuple[str, ...], hop: Hop, source: Record) -> Question:
    """The rest of the question, restricted to the fed names, and to records other than the source
    where the rest says so (还/另外: the sub-plan's record is not an answer; 一共 counts it), in the whole question's scope when the rest
    names none of its own; a field question about them becomes a list of their records."""
    others = bool(cues().patterns["hop_others"].search(hop.rest))  # 还/其他: the source is no answer; 一共: it is
    changes: dict = {"conditions": (*main.conditions, *((Condition("id", Op.NE, source.id),) if others else ()))}
    if hop.role == "leaders":
        changes["leaders"] = names
    else:
        changes.update(units=tuple(unit_key(n) for n in names), any_unit=len(names) > 1)
    if all(getattr(main, name) is None for name in _SCOPE):
        changes.update({name: getattr(q, name) for name in _SCOPE})
    if main.intent not in ("list", "count", "exists", "group"):
        changes["intent"] = "list"
        changes["keywords"] = ()
    return main.with_(**changes, hop=None)


def _field_of_records(reply: c.Reply, main: Question, names: tuple[str, ...], source: Record) -> c.Reply:
    """'…在三季度表里归哪位市领导分管': the asked field over the fed unit's records, most frequent first."""
    field = _FIELD_ASKS[main.intent]
    counts = Counter(v for r in reply.records for v in ((getattr(r, field),) if isinstance(getattr(r, field), str)
                                                        else getattr(r, field)) if v)
    if not counts:
        return c.compose_abstain(f"{c.join_names(names)}相关条目的该字段")
    values = [v for v, _ in counts.most_common()]
    short = "、".join(values[:3])
    answer = (f"{c.source_label(source)}由{c.join_names(names)}负责；{c.join_names(names)}在所问范围内的"
              f"{len(reply.records)}项条目中，{short}" + "".join(f"[{i}]" for i in range(1, len(reply.records) + 1))
              + "。")
    return c.Reply(c.clip(short, c.SHORT_LIMIT), answer, reply.records)


def _with_source(reply: c.Reply, source: Record, names: tuple[str, ...]) -> c.Reply:
    """The main reply, opened by the sub-plan's finding (how the names were found)."""
    intro = f"先查：{c.source_label(source)}“{c.topic(source)}”由{c.join_names(names)}负责。"
    return c.Reply(reply.short, intro + reply.answer, reply.records, reply.scores, reply.abstained)
