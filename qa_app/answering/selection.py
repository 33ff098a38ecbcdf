"""Choosing records: every record that meets a list's filters, or the best few for one question.

Lists and counts run over all records that pass the structured filters, never over a top-k. A
single answer ranks the records in scope by lexical coverage of the question's keywords, nudged by
the retriever's rank (which knows paraphrases), and reports the coverage so the caller can say
"not in the documents" when even the best record covers too little of the question.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import jieba

from qa_app.answering import cues
from qa_app.answering.config import DEFAULT_CONFIG, AnswerConfig
from qa_app.answering.matching import LexicalIndex, build_lexical_index, figure_tails, holds_measure, terms
from qa_app.answering.understanding import Question, unit_matches
from qa_app.answering.vocabulary import Vocabulary, build_vocabulary, simplify
from qa_app.profile import place_of
from qa_app.records import Hit, Record, one_per_target

jieba.setLogLevel(logging.WARNING)



@dataclass(frozen=True)
class Knowledge:
    """What the answerer derives once from a record set: vocabulary and lexical index."""

    records: tuple[Record, ...]
    vocab: Vocabulary
    lexical: LexicalIndex
    flat_text: tuple[str, ...]
    topic_terms: tuple[frozenset, ...]
    words: jieba.Tokenizer = field(compare=False, repr=False)
    row_of: dict = field(default_factory=dict, compare=False, repr=False)
    tails: tuple[tuple[str, ...], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Candidate:
    """A record ranked for a question: `coverage` is lexical, `score` adds retrieval and names."""

    record: Record
    coverage: float
    score: float
    matched: int = 0


def build_knowledge(records: Sequence[Record]) -> Knowledge:
    records = tuple(records)
    return Knowledge(records=records, vocab=build_vocabulary(records), lexical=build_lexical_index(records),
                     flat_text=tuple(simplify(r.content + "|" + r.progress) for r in records),
                     topic_terms=tuple(frozenset(terms(_subject(r))) for r in records),
                     words=_word_tokenizer(), row_of={r.id: i for i, r in enumerate(records)},
                     tails=tuple(figure_tails(r.content + "|" + r.progress) for r in records))


def _word_tokenizer() -> jieba.Tokenizer:
    """A private jieba instance (initialised here, read-only afterwards, so threads may share it)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def word_coverage(knowledge: Knowledge, keywords: Sequence[str], row: int) -> float | None:
    """Share of the question's words (jieba, two characters or more; weighted by how rare they are in
    the records) that a record holds. Bigrams can match across word boundaries (足球场建设 ~ 市场建设);
    whole words cannot, which is what tells "not in the documents" from a paraphrase."""
    words = [w for k in keywords for w in knowledge.words.lcut(k) if len(w) >= 2]
    if not words:
        return None
    total = got = 0.0
    for word in words:
        df = sum(1 for text in knowledge.flat_text if word in text)
        weight = math.log(1 + len(knowledge.records) / df) if df else math.log(1 + len(knowledge.records))
        total += weight
        if word in knowledge.flat_text[row]:
            got += weight
    return got / total


def _subject(record: Record) -> str:
    """What a record is about: a task's heading sentence, a target's first clause."""
    if record.kind == "task":
        return record.content.split("。")[0]
    return re.split(r"[,，;；。]", record.content)[0]


class KnowledgeCache:
    """Knowledge per record set, built once; a lock keeps concurrent first calls from racing."""

    def __init__(self, size: int = 4):
        self._lock = threading.Lock()
        self._items: dict[int, tuple[tuple[Record, ...], Knowledge]] = {}
        self._size = size

    def get(self, records: Sequence[Record]) -> Knowledge:
        records = tuple(records)
        key = hash(tuple(r.id for r in records)) ^ len(records)
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] == records:
                return item[1]
            knowledge = build_knowledge(records)
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (records, knowledge)
            return knowledge


def required_kind(question: Question) -> str | None:
    """Lead/participating units exist only on tasks; leaders, deadlines and status only on targets."""
    if question.intent in ("lead_unit", "participants") or question.missing in ("lead_units", "participating_units"):
        return "task"
    if question.leaders or question.min_leaders:
        return "target"
    if question.intent in ("list", "count") and question.role and question.units and question.kind != "target":
        return "task"
    if question.intent in ("list", "count") and question.kind is None:
        return _named_kind(question.flat)
    if question.intent in ("leader", "deadline", "status"):
        return "target"
    if question.intent == "progress" and question.kind is None and any(a.wants_done for a in question.asks):
        return "target"
    return question.kind


def _named_kind(flat: str) -> str | None:
    """A list of 目标 means table rows, of 任务 the notice's tasks; both or neither: any."""
    target, task = bool(cues.ANY_TARGET_WORD.search(flat)), bool(cues.ANY_TASK_WORD.search(flat))
    return None if target == task else ("target" if target else "task")


def in_scope(record: Record, question: Question, kind: str | None) -> bool:
    if question.year is not None and record.year != question.year:
        return False
    if question.period is not None and record.period != question.period:
        return False
    if question.number is not None and record.number != question.number:
        return False
    if question.place is not None and place_of(record.title) != question.place:
        return False
    return kind is None or record.kind == kind


def scope_rows(knowledge: Knowledge, question: Question, kind: str | None) -> list[int]:
    rows = [i for i, r in enumerate(knowledge.records) if in_scope(r, question, kind)]
    if question.record_ids:
        wanted = set(question.record_ids)
        rows = [i for i in rows if knowledge.records[i].id in wanted]
    return rows


def matching_records(knowledge: Knowledge, question: Question) -> list[Record]:
    """Every record meeting the question's structured filters (and its wording, when it has any)."""
    rows = [i for i in scope_rows(knowledge, question, required_kind(question))
            if _meets_filters(knowledge.records[i], question)]
    if question.any_of:
        rows = [i for i in rows if any(w in knowledge.flat_text[i] for w in question.any_of)]
    words = [k for k in question.keywords if len(k) >= 2]
    if words:
        worded = [i for i in rows if all(_has_wording(knowledge, i, w) for w in words)]
        if worded or not _has_structure(question):
            rows = worded
    return one_per_target([knowledge.records[i] for i in rows])


def _has_structure(question: Question) -> bool:
    return bool(question.leaders or question.units or question.sections or question.deadline
                or question.on_schedule or question.missing or question.any_of or question.min_leaders)


def _has_wording(knowledge: Knowledge, row: int, word: str) -> bool:
    if word in knowledge.flat_text[row]:
        return True
    word_terms = terms(word)
    return bool(word_terms) and knowledge.lexical.coverage(word_terms, row) >= 0.75


def _meets_filters(record: Record, question: Question) -> bool:
    if question.leaders and not set(question.leaders) & set(record.leaders):
        return False
    if question.min_leaders and len(record.leaders) < question.min_leaders:
        return False
    if question.units and not _units_match(record, question):
        return False
    if question.sections and record.section not in question.sections:
        return False
    if question.deadline and simplify(record.deadline) != question.deadline:
        return False
    if question.on_schedule == "是" and record.on_schedule != "是":
        return False
    if question.on_schedule == "否" and (record.kind != "target" or record.on_schedule == "是"):
        return False
    return not question.missing or not getattr(record, question.missing)


def _units_match(record: Record, question: Question) -> bool:
    """The named units in the column the question means (牵头/参与 on tasks, else every unit): one
    of them when joined by 或, all of them otherwise, and nothing else when it says 只…一家."""
    column = record.units
    if record.kind == "task" and question.role:
        column = {"lead": record.lead_units, "participating": record.participating_units}[question.role]
    found = [unit_matches(column, key) for key in question.units]
    if not (any(found) if question.any_unit else all(found)):
        return False
    return not question.only_units or len(column) == len(question.units)


def rank(knowledge: Knowledge, question: Question, hits: Sequence[Hit], kind: str | None,
         keywords: Sequence[str] | None = None, config: AnswerConfig = DEFAULT_CONFIG) -> list[Candidate]:
    """Records in scope, best first, by keyword coverage plus retrieval-rank, name, topic and
    asked-measure bonuses (a question asking 多少套 prefers a record that counts in 套)."""
    query_terms = terms(" ".join(question.keywords if keywords is None else keywords))
    hit_rank = {h.record_id: h.rank for h in hits}
    hints = tuple(h for a in question.asks if a.wants_figure for h in a.unit_hints)
    out = []
    for row in scope_rows(knowledge, question, kind):
        record = knowledge.records[row]
        coverage, matched = knowledge.lexical.overlap(query_terms, row) if query_terms else (0.0, 0)
        score = coverage + _bonus(record, knowledge.flat_text[row], question, hit_rank.get(record.id), config)
        if query_terms:
            in_subject = sum(1 for t in set(query_terms) if t in knowledge.topic_terms[row])
            score += config.topic_bonus * in_subject / len(set(query_terms))
        if hints and (record.id in hit_rank or not hits) and holds_measure(knowledge.tails[row], hints):
            score += config.measure_bonus
        out.append(Candidate(record, coverage, score, matched))
    out.sort(key=lambda c: (-c.score, -c.coverage))
    return out


def prefer_main(candidates: list[Candidate]) -> list[Candidate]:
    """A continuation row (#46-2) adds a leader/unit to the target above it, which holds them all:
    for a question about those fields, answer from the main row when it is a candidate too."""
    first = candidates[0].record.id
    if "-" not in first.rsplit("#", 1)[-1]:
        return candidates
    main = first.rsplit("-", 1)[0]
    for i, candidate in enumerate(candidates):
        if candidate.record.id == main:
            return [candidate, *candidates[:i], *candidates[i + 1:]]
    return candidates


def _bonus(record: Record, flat: str, question: Question, hit_rank: int | None, config: AnswerConfig) -> float:
    bonus = config.retrieval_bonus / hit_rank if hit_rank else 0.0
    bonus += config.name_bonus * sum(1 for q in question.quoted if q in flat)
    if question.units and any(unit_matches(record.units, key) for key in question.units):
        bonus += config.name_bonus
    if question.leaders and set(question.leaders) & set(record.leaders):
        bonus += config.name_bonus
    return bonus
