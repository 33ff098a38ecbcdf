"""Picking the clause that answers a figure question, from a record's wording or its progress.

"城区今年新增了多少个公共停车位？" is answered by one clause of the progress cell, "新增车位11594个";
"煤矿智能化建设今年要搞到几处？" by one clause of the task wording, "全市开展智能化建设煤矿达到8处以上".
Clauses are scored by shared terms with the sub-question (and, more weakly, the whole question), a
number in the asked measure, and whether the question asks about the plan or what has been done.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_app.answering.matching import (
    LexicalIndex,
    characters,
    clause_score,
    figures,
    has_figure,
    measure_follows,
    split_clauses,
    terms,
)
from qa_app.answering.understanding import Ask, keywords
from qa_app.answering.vocabulary import Vocabulary, simplify
from qa_app.records import Record

MAIN_WEIGHT = 0.5
# The words just before the question word say which clause holds the answer (同比增长了多少).
FOCUS_WEIGHT = 3.0
# In the progress cell, words that only repeat the target's own wording say little about which
# clause holds the asked figure (every clause is about the same target).
TOPIC_WEIGHT = 0.3


@dataclass(frozen=True)
class Clause:
    """A clause of one record field, as written, with the score that chose it."""

    record: Record
    field: str
    text: str
    score: float
    hints: tuple[str, ...] = ()


def clauses_of(record: Record) -> list[tuple[str, str]]:
    """(field, clause) pairs: the target/task wording first, then the progress cell."""
    out = [("content", c) for c in split_clauses(record.content)]
    out += [("progress", c) for c in split_clauses(record.progress)]
    return out


def best_clause(record: Record, ask: Ask, main_keywords: tuple[str, ...], vocab: Vocabulary,
                index: LexicalIndex, exclude: tuple[str, ...] = ()) -> Clause | None:
    """The clause of `record` that best answers one sub-question (None if the record is empty)."""
    ask_words = keywords(ask.text, vocab)
    ask_terms = set(terms(" ".join(ask_words)))
    main_terms = set(terms(" ".join(main_keywords))) - ask_terms
    weights = {t: index.weight(t) for t in ask_terms} | {t: MAIN_WEIGHT * index.weight(t) for t in main_terms}
    for term in terms(ask.focus):
        weights[term] = FOCUS_WEIGHT * index.weight(term)
    topic = set(terms(record.content))
    progress_weights = {t: w * (TOPIC_WEIGHT if t in topic else 1.0) for t, w in weights.items()}
    chars = characters("".join(ask_words))
    best: Clause | None = None
    for field, text in _pool(record, ask, exclude):
        used = progress_weights if field == "progress" else weights
        score = clause_score(text, used, chars, ask.unit_hints)
        if best is None or score > best.score:
            best = Clause(record, field, text, score, ask.unit_hints)
    return best


def _pool(record: Record, ask: Ask, exclude: tuple[str, ...]) -> list[tuple[str, str]]:
    """Clauses to choose from: those of the field the question is about (the plan wording, or the
    progress when it asks what has been done) holding a figure if one is asked; else all."""
    preferred = "content" if ask.wants_plan or record.kind == "task" else "progress"
    every = [(f, t) for f, t in clauses_of(record) if t not in exclude]
    pool = [(f, t) for f, t in every if f == preferred and (has_figure(t) or not ask.wants_figure)] or every
    focused = [(f, t) for f, t in pool if ask.focus and ask.focus in simplify(t)]
    return focused or pool


def summary(text: str, limit: int = 80) -> str:
    """A long cell shortened to its first and last clauses (the last usually states where things stand)."""
    parts = split_clauses(text)
    if not parts:
        return ""
    whole = "，".join(parts)
    if len(whole) <= limit:
        return whole
    first, last = parts[0], parts[-1]
    if len(first) + len(last) + 2 <= limit and len(parts) > 1:
        return f"{first}……{last}"
    return clip(last if len(last) <= limit else first, limit)


def focus(text: str, limit: int, hints: tuple[str, ...] = ()) -> str:
    """A long clause cut to `limit` characters around its figure (the one in the asked measure if
    any), so the number is never the part that is cut away."""
    if len(text) <= limit:
        return text
    found = figures(text)
    chosen = next((m for m in found for h in hints if measure_follows(text, m, h)), None)
    chosen = chosen or (found[0] if found else None)
    if chosen is None:
        return clip(text, limit)
    start = max(0, chosen.end() + 8 - (limit - 2))
    end = min(len(text), start + limit - 2)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def clip(text: str, limit: int) -> str:
    """Cut a text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
