"""Ranking records for one question: the records in scope, best first, by lexical coverage of the
question's keywords, nudged by the retriever's rank (which knows paraphrases), names, topic and the
asked measure; the coverage is reported so the caller can say "not in the documents" when even the
best record covers too little of the question.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa_app.answering.conditions import scope_mask
from qa_app.answering.config import DEFAULT_CONFIG, AnswerConfig
from qa_app.answering.matching import SAME_MEASURE, holds_measure, terms
from qa_app.answering.selection import Candidate, Knowledge
from qa_app.answering.understanding import Question, unit_matches
from qa_app.records import Hit, Record


def rank(knowledge: Knowledge, question: Question, hits: Sequence[Hit], kind: str | None,
         keywords: Sequence[str] | None = None, config: AnswerConfig = DEFAULT_CONFIG,
         also: Sequence[str] = ()) -> list[Candidate]:
    """Records in scope, best first, by keyword coverage plus retrieval-rank, name, topic and
    asked-measure bonuses (a question asking 多少套 prefers a record that counts in 套).

    Every row in scope is scored at once from the postings; only the best `RANK_DEPTH` (plus the
    records named in `also`) are scored one by one and returned, so the cost does not grow with the
    corpus. The list is the full ranking's head; it is shorter only when the scope holds more rows."""
    query_terms = terms(" ".join(question.keywords if keywords is None else keywords))
    hit_rank = {h.record_id: h.rank for h in hits}
    hints = tuple(h for a in question.asks if a.wants_figure for h in a.unit_hints)
    mask = scope_mask(knowledge, question, kind)
    rows = _head(knowledge, question, hits, query_terms, hints, mask, config)
    forced = [knowledge.row_of[i] for i in also if i in knowledge.row_of and mask[knowledge.row_of[i]]]
    rows = np.array(sorted(set(rows.tolist()) | set(forced)), dtype=np.int64)
    distinct = len(set(query_terms))
    if query_terms:
        coverage, held, topic = knowledge.lookup.overlaps(query_terms, knowledge.lexical.weight, rows)
    else:
        coverage, held, topic = np.zeros(len(rows)), np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    out = [_candidate(knowledge, row, question, (float(coverage[i]), int(held[i]), int(topic[i]), distinct),
                      hit_rank, hits, hints, config) for i, row in enumerate(rows.tolist())]
    out.sort(key=lambda c: (-c.score, -c.coverage))
    return out


RANK_DEPTH = 64  # rows returned by `rank`: well past what any caller reads (retrieval depth, min scope)


def _head(knowledge: Knowledge, question: Question, hits: Sequence[Hit], query_terms: list[str],
          hints: tuple, mask: np.ndarray, config: AnswerConfig) -> np.ndarray:
    """The rows in scope with the highest scores, computed for all rows as `_candidate` does one."""
    rows = np.flatnonzero(mask)
    depth = max(RANK_DEPTH, config.retrieval_depth, config.retrieval_min_scope)
    if len(rows) <= depth:
        return rows
    lookup = knowledge.lookup
    coverage, topics = lookup.term_scores(query_terms, knowledge.lexical.weight)
    score = coverage if query_terms else np.zeros(lookup.size)
    bonus = np.zeros(lookup.size)
    for hit in hits:
        row = knowledge.row_of.get(hit.record_id)
        if row is not None and hit.rank:
            bonus[row] += config.retrieval_bonus / hit.rank
    for quoted in question.quoted:
        bonus[lookup.containing(quoted)] += config.name_bonus
    if question.units:
        bonus[np.logical_or.reduce([lookup.unit_mask("units", k) for k in question.units])] += config.name_bonus
    if question.leaders:
        bonus[lookup.leader_mask(question.leaders)] += config.name_bonus
    score = score + bonus
    if query_terms:
        topic_rows, counts = topics  # the rows it adds to: elsewhere it adds 0.0, which changes nothing
        score[topic_rows] += config.topic_bonus * counts / len(set(query_terms))
    if hints:
        measured = lookup.measure_mask(hints, SAME_MEASURE)
        if hits:
            measured &= lookup.mask_of(np.array([knowledge.row_of[h.record_id] for h in hits
                                                 if h.record_id in knowledge.row_of], dtype=np.int64))
        score[measured] += config.measure_bonus
    scored = rows[score[rows] > 0]  # the best `depth` are among these when there are that many
    if len(scored) >= depth:
        rows = scored
    in_scope = score[rows]
    threshold = np.partition(in_scope, len(rows) - depth)[len(rows) - depth]
    above = rows[in_scope > threshold]
    level = rows[in_scope == threshold][: depth - len(above)]
    return np.union1d(above, level)


def _candidate(knowledge: Knowledge, row: int, question: Question, lexical: tuple[float, int, int, int],
               hit_rank: dict, hits: Sequence[Hit], hints: tuple, config: AnswerConfig) -> Candidate:
    """One row's candidate from its (coverage, distinct terms held, distinct question terms in its
    subject, distinct question terms), computed for all of a ranking's rows at once (`Lookup.overlaps`)."""
    record = knowledge.records[row]
    coverage, matched, in_subject, distinct = lexical
    score = coverage + _bonus(record, knowledge.flat_text[row], question, hit_rank.get(record.id), config)
    if distinct:
        score += config.topic_bonus * in_subject / distinct
    if hints and (record.id in hit_rank or not hits) and holds_measure(knowledge.tails[row], hints):
        score += config.measure_bonus
    return Candidate(record, coverage, score, matched)


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
