"""Choosing records: what the answerer knows of a record set, and every record that meets a list's
filters (lists and counts run over all records that pass the structured filters, never over a top-k).
Ranking the best few for one question is ranking.py.
"""

from __future__ import annotations

import gc
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import jieba
import numpy as np

from qa_app.answering import cues
from qa_app.answering.conditions import filters_mask, has_structure, scope_mask
from qa_app.answering.lookup import Lookup
from qa_app.answering.matching import (
    LexicalIndex,
    RowTails,
    TermRows,
    TermRowsBuilder,
    build_lexical_index,
    terms,
)
from qa_app.answering.names import NameIndex, build_name_index
from qa_app.answering.planning import names_topic
from qa_app.answering.thesaurus import topic_mask
from qa_app.answering.understanding import Question
from qa_app.answering.vocabulary import Vocabulary, build_vocabulary, simplify
from qa_app.records import Record

jieba.setLogLevel(logging.WARNING)



@dataclass(frozen=True)
class Knowledge:
    """What the answerer derives once from a record set: vocabulary and lexical index."""

    records: tuple[Record, ...]
    vocab: Vocabulary
    lexical: LexicalIndex
    flat_text: tuple[str, ...]
    topic_terms: TermRows
    words: jieba.Tokenizer = field(compare=False, repr=False)
    row_of: dict = field(default_factory=dict, compare=False, repr=False)
    tails: Sequence[tuple[str, ...]] = field(default=(), compare=False, repr=False)
    lookup: Lookup | None = field(default=None, compare=False, repr=False)
    names: NameIndex | None = field(default=None, compare=False, repr=False)  # names.py: resolved before anything runs


@dataclass(frozen=True)
class Candidate:
    """A record ranked for a question: `coverage` is lexical, `score` adds retrieval and names."""

    record: Record
    coverage: float
    score: float
    matched: int = 0


def build_knowledge(records: Sequence[Record]) -> Knowledge:
    records = tuple(records)
    table, names = {}, []
    lexical = build_lexical_index(records, table, names)
    flat_text = tuple(simplify(r.content + "|" + r.progress) for r in records)
    topics = TermRowsBuilder(table, names)
    for record in records:
        topics.add(frozenset(terms(_subject(record))))
    topic_terms = topics.done()
    tails = RowTails(records)
    lookup = Lookup(records, lexical.content_terms, lexical.progress_terms, topic_terms, flat_text, tails)
    vocab, words = build_vocabulary(records), _word_tokenizer()
    return Knowledge(records=records, vocab=vocab, lexical=lexical, flat_text=flat_text,
                     topic_terms=topic_terms, words=words, row_of={r.id: i for i, r in enumerate(records)},
                     tails=tails, lookup=lookup, names=build_name_index(records, vocab, words))


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
        df = knowledge.lookup.count_containing(word)
        weight = math.log(1 + len(knowledge.records) / df) if df else math.log(1 + len(knowledge.records))
        total += weight
        if word in knowledge.flat_text[row]:
            got += weight
    return got / total


def best_coverages(knowledge: Knowledge, query_terms: Sequence[str], record_ids: Sequence[str]) -> tuple[float, float]:
    """The best `LexicalIndex.coverage` among these records and among all others, from the postings."""
    coverage = knowledge.lookup.coverage(query_terms, knowledge.lexical.weight)
    rows = [knowledge.row_of[i] for i in record_ids if i in knowledge.row_of]
    mine = knowledge.lookup.mask_of(np.array(rows, dtype=np.int64))
    best = float(coverage[mine].max()) if mine.any() else 0.0
    other = float(coverage[~mine].max()) if (~mine).any() else 0.0
    return max(best, 0.0), max(other, 0.0)


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
        for held, knowledge in list(self._items.values()):  # the same tuple again: no O(records) hash
            if held is records:
                return knowledge
        records = tuple(records)
        key = hash(tuple(r.id for r in records)) ^ len(records)
        with self._lock:
            item = self._items.get(key)
            if item is not None and item[0] == records:
                return item[1]
            knowledge = build_knowledge(records)
            # Millions of long-lived objects (term sets, postings) that the cyclic collector would
            # otherwise walk on every full collection: tens of ms per answer at 100k records.
            gc.collect()
            gc.freeze()
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (records, knowledge)
            return knowledge


def required_kind(question: Question) -> str | None:
    """Lead/participating units exist only on tasks; leaders, deadlines and status only on targets."""
    if question.intent in ("lead_unit", "participants") or question.missing in ("lead_units", "participating_units"):
        return "task"
    planned = _kind_of_conditions(question)
    if planned:
        return planned
    if question.leaders or question.min_leaders:
        return "target"
    if question.intent in _SET_INTENTS and question.role and question.units and question.kind != "target":
        return "task"
    if question.intent in _SET_INTENTS and question.kind is None:
        return _named_kind(question.flat)
    if question.intent in ("leader", "deadline", "status"):
        return "target"
    if question.intent == "progress" and question.kind is None and any(a.wants_done for a in question.asks):
        return "target"
    return question.kind


_TASK_FIELDS = ("lead_units", "participating_units", "section")
_TARGET_FIELDS = ("deadline", "on_schedule", "leaders", "progress")


def _kind_of_conditions(question: Question) -> str | None:
    """A condition or group on a field only one kind of record has (完成时限 on targets, 参与单位 on tasks)."""
    fields = {c.field for c in question.conditions} | ({question.group_by} if question.group_by else set())
    if fields & set(_TASK_FIELDS):
        return "task"
    if fields & set(_TARGET_FIELDS):
        return "target"
    return None


def _named_kind(flat: str) -> str | None:
    """A list of 目标 means table rows, of 任务 the notice's tasks; both or neither: any."""
    target, task = bool(cues.ANY_TARGET_WORD.search(flat)), bool(cues.ANY_TASK_WORD.search(flat))
    return None if target == task else ("target" if target else "task")


_SET_INTENTS = ("list", "count", "exists", "group")


def scope_rows(knowledge: Knowledge, question: Question, kind: str | None) -> list[int]:
    return np.flatnonzero(scope_mask(knowledge, question, kind)).tolist()


def matching_records(knowledge: Knowledge, question: Question) -> list[Record]:
    """Every record meeting the question's structured filters (and its wording, when it has any)."""
    lookup = knowledge.lookup
    mask = scope_mask(knowledge, question, required_kind(question)) & filters_mask(knowledge, question)
    if question.any_of:
        mask &= lookup.mask_of(np.concatenate([lookup.containing(w) for w in question.any_of]))
    words = [k for k in question.keywords if len(k) >= 2]
    if words:
        worded = mask.copy()
        for word in words:
            worded &= topic_mask(knowledge, word, question.flat)
        if len(words) > 1 and not has_structure(question) and (worded.sum() <= 1 or names_topic(question.flat)):
            # an enumerated topic ("内河水运（港口作业区建设、航道复航）", "涉及养老、残疾人的"): about any part
            worded = mask & np.logical_or.reduce([topic_mask(knowledge, w, question.flat) for w in words])
        if question.topic_ids:  # paraphrases of the topic the dense leg vouches for (topics.py)
            rows = [knowledge.row_of[i] for i in question.topic_ids if i in knowledge.row_of]
            worded |= mask & lookup.mask_of(np.array(rows, dtype=np.int64))
        if worded.any() or not has_structure(question):
            mask = worded
    rows = np.flatnonzero(mask)
    parents = lookup.parent[rows]
    rows = rows[(parents < 0) | ~mask[np.maximum(parents, 0)]]  # `one_per_target` on the mask
    records = knowledge.records
    return [records[i] for i in rows.tolist()]
