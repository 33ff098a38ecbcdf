"""Follow-up questions: "它的完成时限呢？", "那2021年的呢？", "牵头单位还有谁？".

A follow-up names no subject of its own, so it borrows the previous turn's question (its keywords
and scope) and, unless it changes the year, period or document, the records that turn cited. The
history items are previous Answer dicts (tolerating missing keys) or plain previous questions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa_app.answering import cues
from qa_app.answering.understanding import Question, detect_intent, understand
from qa_app.answering.vocabulary import Vocabulary

_SCOPE = ("year", "period", "kind")
MAX_TURNS = 6
SHORT_FOLLOWUP_CHARS = 8


@dataclass(frozen=True)
class Turn:
    """What a follow-up needs from one previous turn."""

    question: str
    record_ids: tuple[str, ...] = ()
    intent: str | None = None


def parse_history(history: Sequence | None) -> list[Turn]:
    """Previous turns from Answer dicts or plain strings; anything else is skipped."""
    turns = []
    for item in history or ():
        if isinstance(item, str) and item.strip():
            turns.append(Turn(item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("question"), str) and item["question"].strip():
            cited = item.get("citations") or []
            ids = tuple(c["record_id"] for c in cited if isinstance(c, dict) and isinstance(c.get("record_id"), str))
            if item.get("abstained"):
                ids = ()
            intent = item.get("intent") if isinstance(item.get("intent"), str) else None
            turns.append(Turn(item["question"].strip(), ids, intent))
    return turns


def is_followup(question: Question, covered_by_previous: bool = False) -> bool:
    """A question with no subject of its own ("它的完成时限呢？"), one that opens by pointing back
    with little of its own ("那2021年的呢？"), a name swapped in ("王昌华呢？"), or a short one whose
    words the previous answer's records hold best ("同比增长多少？")."""
    own = [k for k in question.keywords if len(k) >= 2]
    if question.quoted:
        return False
    if question.leaders or question.units:
        return not own and detect_intent(question.flat) == "general" and question.flat.rstrip("？?。！!").endswith("呢")
    if not own:
        return True
    if cues.FOLLOWUP_START.match(question.flat) and sum(map(len, own)) <= 4:
        return True
    return covered_by_previous


def resolve(question: Question, history: Sequence | None, vocab: Vocabulary,
            covers: Callable[[Question, tuple[str, ...]], bool] | None = None) -> Question:
    """The question as meant in the conversation: a follow-up merged with the previous turn (itself
    resolved against the turns before it). `covers(question, record_ids)` says whether the previous
    answer's records hold the question's words at least as well as any other record."""
    turns = parse_history(history)[-MAX_TURNS:]
    if not turns:
        return question
    previous = turns[-1]
    covered = bool(covers and previous.record_ids and _short(question) and covers(question, previous.record_ids))
    if not is_followup(question, covered):
        return question
    base = resolve(understand(previous.question, vocab), [t.question for t in turns[:-1]], vocab)
    return _merge(question, base, previous)


def _short(question: Question) -> bool:
    return sum(len(k) for k in question.keywords) <= SHORT_FOLLOWUP_CHARS


def _merge(question: Question, base: Question, previous: Turn) -> Question:
    """The previous question with this one's intent, scope, names and sub-questions where it has them."""
    own_intent = detect_intent(question.flat) != "general" or question.intent == "cross_doc" or (
        question.intent != "general" and any(a.wants_figure or a.wants_detail for a in question.asks))
    intent = question.intent if own_intent else (previous.intent or base.intent)
    changes = {name: getattr(question, name) for name in _SCOPE if getattr(question, name) is not None}
    if "year" in changes and "period" not in changes:
        changes["period"] = None
    if question.leaders or question.units:
        changes.update(leaders=question.leaders, units=question.units)
    scope_changed = any(getattr(base, name) != value for name, value in changes.items())
    asks = question.asks if any(a.wants_figure for a in question.asks) else base.asks
    merged = base.with_(text=question.text, flat=question.flat, intent=intent, asks=asks, followup=True,
                        absent=question.absent or base.absent, query=base.search_text, **changes)
    if not scope_changed and previous.record_ids:
        merged = merged.with_(record_ids=previous.record_ids)
    return merged
