"""Which record a single-record question is about, and whether the evidence is enough to say so.

Two kinds of evidence settle the subject. Wording: the record holds most of the question's words.
Retrieval: both legs (BM25 and dense) put the record at or near the top and fusion ranks it first,
or one leg puts it first by a clear margin. A question in other words than the document's ("出门走几
分钟就能买菜" for 一刻钟便民生活圈) shares few words with its record but is found by retrieval, so
it is answered; whether the record holds what is asked is decided afterwards (presence.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa_app.answering.config import AnswerConfig
from qa_app.answering.ranking import rank
from qa_app.answering.selection import Candidate, Knowledge, word_coverage
from qa_app.answering.understanding import Question
from qa_app.retrieval import Filters


@dataclass(frozen=True)
class Subject:
    """Candidates best first; `trusted` when the evidence says the first one is what is asked about."""

    candidates: tuple[Candidate, ...]
    trusted: bool
    legs: dict = field(default_factory=dict, compare=False)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def find_subject(retriever, knowledge: Knowledge, q: Question, kind: str | None, mode: str,
                 config: AnswerConfig) -> Subject:
    """Rank the records in scope; ask the retriever unless the wording alone settles it."""
    if q.record_ids:
        candidates = rank(knowledge, q, (), kind, config=config)
        if candidates:
            return Subject(tuple(candidates), True)
        q = q.with_(record_ids=())
    candidates = rank(knowledge, q, (), kind, config=config)
    if _settled(candidates, config):
        return Subject(tuple(candidates), True)
    hits, legs = retriever.search_legs(q.search_text, k=config.retrieval_depth,
                                       filters=Filters(year=q.year, period=q.period, kind=kind), mode=mode)
    leaders_first = [leg[0][0] for leg in legs.values() if leg]  # retrieval_choice may vouch for these
    candidates = rank(knowledge, q, hits, kind, config=config, also=leaders_first)
    if not candidates:
        return Subject((), False, legs)
    if lexically_enough(candidates[0], knowledge, q, config):
        return Subject(tuple(candidates), True, legs)
    if len(candidates) < config.retrieval_min_scope:  # first among a few records says little
        return Subject(tuple(candidates), False, legs)
    agreed, unanimous = retrieval_choice(hits, legs, config)
    for i, candidate in enumerate(candidates):
        if candidate.record.id == agreed and (unanimous or candidate.coverage >= config.retrieval_min_coverage):
            return Subject((candidate, *candidates[:i], *candidates[i + 1:]), True, legs)
    return Subject(tuple(candidates), False, legs)


def lexically_enough(candidate: Candidate, knowledge: Knowledge, q: Question, config: AnswerConfig) -> bool:
    """Enough of the question in the record: 30% of the bigram weight; more than one shared bigram
    unless it is most of the question; and enough of the question's whole words (足球场建设 has
    市场建设's bigrams but not its 足球场)."""
    if candidate.coverage < config.min_coverage:
        return False
    if candidate.matched < 2 and candidate.coverage < config.single_term_coverage:
        return False
    row = knowledge.row_of[candidate.record.id]
    words = word_coverage(knowledge, q.keywords, row)
    return words is None or (words >= config.min_word_coverage
                             and candidate.coverage + words >= config.min_both_coverage)


def retrieval_choice(hits, legs: dict, config: AnswerConfig) -> tuple[str | None, bool]:
    """The record retrieval vouches for, and whether every leg puts it first: first after fusion
    and near the top of every leg, or first in one leg by a clear margin; None when unsure."""
    if not hits:
        return None, False
    first = hits[0].record_id
    ranks = [_rank_in(leg, first) for leg in legs.values()]
    if len(legs) > 1 and all(r is not None and r <= config.agree_rank for r in ranks):
        return first, all(r == 1 for r in ranks)
    for name, leg in legs.items():
        if leg and _clearly_ahead(name, leg, config):
            return leg[0][0], False
    return None, False


def _rank_in(leg: list[tuple[str, float]], record_id: str) -> int | None:
    return next((i for i, (rid, _) in enumerate(leg, 1) if rid == record_id), None)


def _clearly_ahead(name: str, leg: list[tuple[str, float]], config: AnswerConfig) -> bool:
    if len(leg) < 2:
        return False
    top, second = leg[0][1], leg[1][1]
    if name == "bm25":
        return top > 0 and top >= config.lexical_margin * max(second, 1e-9)
    return top - second >= config.dense_margin


def _settled(candidates: list[Candidate], config: AnswerConfig) -> bool:
    if not candidates or candidates[0].coverage < config.settled_coverage:
        return False
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return candidates[0].score - runner_up >= config.settled_margin
