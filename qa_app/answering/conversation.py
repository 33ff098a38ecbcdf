"""Follow-up questions: "它的完成时限呢？", "那2021年的呢？", "牵头单位还有谁？".

A follow-up names no subject of its own, so it borrows the previous turn's question (its keywords
and scope) and, unless it changes the year, period or document, the records that turn cited. The
history items are previous Answer dicts (tolerating missing keys) or plain previous questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qa_app.answering import cues
from qa_app.answering.understanding import Question, understand
from qa_app.answering.vocabulary import Vocabulary

_SCOPE = ("year", "period", "kind")


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


def is_followup(question: Question) -> bool:
    """A question with no subject of its own, or one that opens by pointing back (它, 那, 还有)."""
    if question.leaders or question.units or question.quoted:
        return False
    own = [k for k in question.keywords if len(k) >= 2]
    if not own:
        return True
    return bool(cues.FOLLOWUP_START.match(question.flat)) and sum(map(len, own)) <= 4


def resolve(question: Question, history: Sequence | None, vocab: Vocabulary) -> Question:
    """The question as meant in the conversation: a follow-up merged with the previous turn."""
    turns = parse_history(history)
    if not turns or not is_followup(question):
        return question
    previous = turns[-1]
    base = understand(previous.question, vocab)
    intent = question.intent if question.intent != "general" else (previous.intent or base.intent)
    changes = {name: getattr(question, name) for name in _SCOPE if getattr(question, name) is not None}
    if "year" in changes and "period" not in changes:
        changes["period"] = None
    scope_changed = any(getattr(base, name) != value for name, value in changes.items())
    asks = question.asks if any(a.wants_figure for a in question.asks) else base.asks
    merged = base.with_(text=question.text, flat=question.flat, intent=intent, asks=asks, followup=True,
                        absent=question.absent or base.absent, query=base.text, **changes)
    if not scope_changed and previous.record_ids:
        merged = merged.with_(record_ids=previous.record_ids)
    return merged
