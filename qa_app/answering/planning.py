"""Reading the plan parts that go beyond equality: conditions, aggregates, existence, hops.

`read_parts(flat, vocab)` finds, from the wording tables in data/plan_cues.json, the conditions a
question sets (完成时限不是年底, 两家以上单位共同负责, 只是参与单位, 进展里写着“土地组卷”), whether it asks
for the largest or smallest group (哪位市领导分管的目标最多) or whether any record matches (有没有…), and
a hop (负责X的那个单位还负责哪些目标). Each reading reports the span of the question it used, so the
words that set a condition are not taken again as a topic. `plan_of(question)` gives the typed plan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from qa_app.answering.plan import Condition, Op, Operation, Plan
from qa_app.answering.vocabulary import Vocabulary


@dataclass(frozen=True)
class Cues:
    """The wording tables, compiled once."""

    patterns: dict
    filler: frozenset
    topic_noise: tuple[str, ...]
    units_at_least: tuple[tuple[re.Pattern, int], ...]
    units_exactly: tuple[tuple[re.Pattern, int], ...]
    group: tuple[tuple[re.Pattern, str], ...]


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = json.loads(resources.files("qa_app.answering").joinpath("data/plan_cues.json").read_text("utf-8"))
    patterns = {k: v for k, v in data.items() if isinstance(v, str) and not k.startswith("_")}
    tables = ("units_at_least", "units_exactly", "group")
    compiled = {text: re.compile(text) for text in [*patterns.values(), *(p for k in tables for p, _ in data[k])]}
    pairs = {k: tuple((compiled[p], v) for p, v in data[k]) for k in tables}
    plain = {k: compiled[v] for k, v in patterns.items()}
    noise = tuple(sorted(data["topic_noise"], key=len, reverse=True))
    return Cues(plain, frozenset(data["filler"]), noise, pairs["units_at_least"], pairs["units_exactly"], pairs["group"])


def topic_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """A question's content words less those that only join its parts (名下, 一共, 分别), and less the
    phrases inside them that say how to list rather than what about (我想整理一下, 出现过)."""
    filler, out = cues().filler, []
    for word in words:
        for noise in cues().topic_noise:
            word = word.replace(noise, "")
        word = word.strip("在里中的了")
        if word and word not in filler:
            out.append(word)
    return tuple(out)


@dataclass(frozen=True)
class Hop:
    """A sub-question whose answer feeds the main one: the `role` (units, leaders) of `subject`."""

    subject: str
    role: str
    rest: str


@dataclass(frozen=True)
class Parts:
    """What `read_parts` found, and the spans of the question it used."""

    conditions: tuple[Condition, ...] = ()
    group_by: str | None = None
    largest: bool = True
    exists: bool = False
    co_lead: bool = False
    hop: Hop | None = None
    spans: tuple[tuple[int, int], ...] = ()


def read_parts(flat: str, vocab: Vocabulary, units: tuple[str, ...] = ()) -> Parts:
    """The conditions, aggregate, existence and hop a (simplified) question sets."""
    c = cues()
    found: list[Condition] = []
    spans: list[tuple[int, int]] = []
    co_lead = c.patterns["co_lead"].search(flat)
    if co_lead:
        spans.append(co_lead.span())
    _deadline_conditions(flat, vocab, found, spans)
    _unit_count(flat, found, spans)
    for name in ("status_not_done", "exists"):
        spans += [m.span() for m in c.patterns[name].finditer(flat)]
    roles = _unit_roles(flat, vocab, units, spans)
    found += roles
    only = c.patterns["only_participating"].search(flat)
    if only and units and not roles:
        found += [Condition("participating_units", Op.ONLY_PARTICIPATING, vocab.unit_name(u)) for u in units]
        spans.append(only.span())
    for name, op in (("field_phrase", Op.CONTAINS), ("starts_with", Op.STARTS)):
        for match in c.patterns[name].finditer(flat):
            field = _field_of(match.group(1)) if name == "field_phrase" else "content"
            found.append(Condition(field, op, match.group(match.lastindex)))
            spans.append(match.span())
    group_by, largest = _group(flat, spans)
    exists = bool(c.patterns["exists"].search(flat))
    hop = None if group_by else read_hop(flat)  # 负责目标最多的单位: an aggregate, not X's unit
    return Parts(tuple(found), group_by, largest, exists, bool(co_lead), hop, tuple(spans))


def _unit_roles(flat: str, vocab: Vocabulary, units: tuple[str, ...], spans: list) -> list[Condition]:
    """商务局牵头、发改委排在参与单位里: each unit in the column the words right after it name, when the
    question gives two units two different roles (else the question's one role applies to all)."""
    if len(units) < 2:
        return []
    p, roles = cues().patterns, {}
    for alias, key in vocab.unit_aliases:
        if key in units and key not in roles and alias in flat:
            after = flat[flat.index(alias) + len(alias):][:8]
            role = p["unit_lead_after"].search(after) and "lead_units" or (
                p["unit_part_after"].search(after) and "participating_units")
            if role:
                roles[key] = role
    if len(set(roles.values())) < 2:
        return []
    spans += [m.span() for name in ("unit_lead_after", "unit_part_after") for m in p[name].finditer(flat)]
    return [Condition(role, Op.CONTAINS, vocab.unit_name(key)) for key, role in roles.items()]


def records_asked(flat: str) -> bool:
    """有没有…的目标/任务, 有没有说到X的: the question asks whether any record is such, not about one record."""
    return bool(cues().patterns["records_asked"].search(flat))


def status_said(flat: str) -> tuple[str, str] | None:
    """(header, 是/否) where the question names a status column's header and the value it asks for."""
    found = cues().patterns["status_said"].search(flat)
    return (found.group(1), found.group(2)) if found else None


def names_topic(flat: str) -> bool:
    """Whether the question marks a topic (涉及…, 关于…, …方面): an aggregate's words are then a condition."""
    return bool(cues().patterns["topic_markers"].search(flat))


def not_on_schedule(flat: str) -> bool:
    """不是“是”, 掉队, 没按计划: the schedule column says anything but 是."""
    return bool(cues().patterns["status_not_done"].search(flat))


def _field_of(word: str) -> str:
    return "progress" if word in ("进展", "进度", "完成情况", "推进情况", "情况") else "content"


def _deadline_conditions(flat: str, vocab: Vocabulary, found: list, spans: list) -> None:
    """完成时限不是年底 (≠), 具体到某个月 (a month), 9月底前到期 (no later than), 6月底、9月底 (one of)."""
    p = cues().patterns
    if not p["deadline_words"].search(flat):
        return
    month = p["month_deadline"].search(flat)
    if month:
        found.append(Condition("deadline", Op.MONTH_END))
        spans.append(month.span())
    named, negated = _deadline_values(flat, vocab, spans)
    if month:
        return
    found += [Condition("deadline", Op.NE, v) for v in dict.fromkeys(negated)]
    before = p["before_month"].search(flat)
    if before and not negated:
        month_value = int(before.group(1)) if before.group(1) else max(_month(v) or 0 for v in named or ["12月"])
        found.append(Condition("deadline", Op.BEFORE_MONTH, month_value))
        spans.append(before.span())
    elif len(set(named)) > 1:
        found.append(Condition("deadline", Op.EQ, "|".join(dict.fromkeys(named))))


def _deadline_values(flat: str, vocab: Vocabulary, spans: list) -> tuple[list[str], list[str]]:
    """Deadline values the question writes, split into those it names and those it negates (不是年底;
    也不算“长期坚持”“持续推进”: a value right after a negated one is negated too)."""
    p = cues().patterns
    matches = sorted((m.start(), m.end(), v) for v in vocab.deadlines for m in re.finditer(re.escape(v), flat))
    named, negated, last_end, last_negated = [], [], -10, False
    for start, end, value in matches:
        if any(s <= start < e for s, e in spans):
            continue
        before, after = flat[max(0, start - 4):start], flat[end:end + 4]
        chained = last_negated and all(ch in "“”\"'「」、和或及与," for ch in flat[last_end:start])
        is_not = chained or bool(p["negation"].search(before) or p["negation_after"].search(after))
        (negated if is_not else named).append(value)
        spans.append((start, end))
        last_end, last_negated = end, is_not
    return named, negated


def _month(value: str) -> int | None:
    digits = re.match(r"(\d{1,2})月", value)
    return int(digits.group(1)) if digits else None


def _count_tables():
    return ((Op.EXACTLY, cues().units_exactly), (Op.AT_LEAST, cues().units_at_least))


def _unit_count(flat: str, found: list, spans: list) -> None:
    """两个或以上单位共同负责 (≥2), 写了两家单位 (=2): one condition; every span that says it is used."""
    for op, table in _count_tables():
        for pattern, count in table:
            matches = [m for m in pattern.finditer(flat) if not any(s <= m.start() < e for s, e in spans)]
            if matches:
                found.append(Condition("units", op, count))
                spans += [m.span() for m in matches]
                spans += [m.span() for _, table2 in _count_tables() for pat, _ in table2 for m in pat.finditer(flat)]
                return


def _group(flat: str, spans: list) -> tuple[str | None, bool]:
    for pattern, group_by in cues().group:
        match = pattern.search(flat)
        if match:
            spans.append(match.span())
            return group_by, not cues().patterns["smallest"].search(match.group(0))
    return None, True


def read_hop(flat: str) -> Hop | None:
    """负责X的那个单位还负责哪些目标 / X的责任单位，在…里牵头几条: X's unit (or leader) feeds the rest."""
    p = cues().patterns
    for name in ("hop", "hop_field"):
        match = p[name].search(flat)
        if match and p["hop_rest"].search(match.group("rest")):
            role = "leaders" if "领导" in match.group("role") else "units"
            return Hop(match.group("subject"), role, match.group("rest"))
    return None


def masked(flat: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The question with the spans that set conditions replaced by separators (for keywords)."""
    chars = list(flat)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = "|"
    return "".join(chars)


_FIELD_OF_INTENT = {"unit": ("units",), "lead_unit": ("lead_units",), "participants": ("participating_units",),
                    "leader": ("leaders",), "deadline": ("deadline",), "progress": ("progress",),
                    "status": ("on_schedule",), "task_content": ("content",), "yes_no": ("判断",),
                    "cross_doc": ("progress",)}
_OPERATION_OF_INTENT = {"list": Operation.LIST, "count": Operation.COUNT, "overview": Operation.OVERVIEW,
                        "help": Operation.HELP, "group": Operation.GROUP, "exists": Operation.EXISTS,
                        "compare": Operation.COMPARE}


def plan_of(q, vocab: Vocabulary | None = None) -> Plan:
    """The typed plan of an understood question (understanding.Question)."""
    scope = tuple((k, v) for k, v in (("place", q.place), ("year", q.year), ("period", q.period), ("kind", q.kind),
                                      ("section", q.sections[0] if q.sections else None), ("number", q.number))
                  if v is not None)
    operation = _OPERATION_OF_INTENT.get(q.intent, Operation.LOOKUP)
    if q.hop:  # the names in the hop's subject feed it; they are no condition of the main plan
        q = q.with_(units=(), leaders=())
        operation = operation if operation is not Operation.LOOKUP else Operation.LIST
    topic = _topic(q) if operation is not Operation.GROUP or names_topic(q.flat) else ""
    return Plan(operation=operation, scope=scope,
                conditions=_equalities(q, vocab) + tuple(q.conditions), topic=topic,
                fields=_FIELD_OF_INTENT.get(q.intent, ()), group_by=q.group_by or "", largest=q.largest,
                subplans=_subplans(q))


def _subplans(q) -> tuple[Plan, ...]:
    if q.hop:
        return (Plan(Operation.LOOKUP, topic=q.hop.subject, fields=(q.hop.role,), feeds=q.hop.role),)
    if q.intent == "cross_doc" or len({a.kind for a in q.asks if a.kind}) > 1:  # an ask per document
        return tuple(_subplan(a) for a in q.asks[1:])
    return ()


def _subplan(ask) -> Plan:
    scope = tuple((k, v) for k, v in (("year", ask.year), ("period", ask.period), ("kind", ask.kind)) if v)
    return Plan(Operation.LOOKUP, scope=scope, topic=ask.focus)


def _topic(q) -> str:
    words = [k for k in q.keywords if len(k) >= 2]
    return "、".join(words[:4])


def _equalities(q, vocab: Vocabulary | None) -> tuple[Condition, ...]:
    out = [Condition("leaders", Op.EQ, name) for name in q.leaders]
    column = {"lead": "lead_units", "participating": "participating_units"}.get(q.role or "", "units")
    set_aside = q.group_by not in (None, "leaders", "section")  # 除了发改委: not counted in the groups
    if q.group_by == "counties":
        q = q.with_(units=())  # 县区人民政府 names the groups themselves
    placed = any(c.field in ("lead_units", "participating_units") for c in q.conditions)
    for key in q.units:
        if not placed:
            out.append(Condition(column, Op.NE if set_aside else Op.CONTAINS, vocab.unit_name(key) if vocab else key))
    if q.only_units:
        out.append(Condition("units", Op.EXACTLY, len(q.units)))
    if q.deadline and not any(c.field == "deadline" for c in q.conditions):
        out.append(Condition("deadline", Op.EQ, q.deadline))
    if q.on_schedule:
        out.append(Condition("on_schedule", Op.EQ if q.on_schedule == "是" else Op.NE, "是"))
    if q.missing:
        out.append(Condition(q.missing, Op.EMPTY))
    if q.min_leaders:
        out.append(Condition("leaders", Op.AT_LEAST, q.min_leaders))
    if q.any_of:
        out.append(Condition("content", Op.CONTAINS, "或".join(q.any_of)))
    return tuple(out)
