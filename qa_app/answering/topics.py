"""Topic conditions: every record *about* X, not only those that write X.

"治理大气污染的目标有哪些" should list the targets on 扬尘 and 挥发性有机物 too. The lexical leg finds
records holding the words; the dense leg finds paraphrases, but its cosines are close together
(multilingual-e5-small: 0.82–0.88 over a whole table), so a dense hit joins only when it is within
`topic_dense_margin` of the best one and also shares some of the topic's wording
(`topic_min_coverage` of its bigram weight). Both numbers live in AnswerConfig.
"""

from __future__ import annotations

from qa_app.answering.conditions import has_structure
from qa_app.answering.config import AnswerConfig
from qa_app.answering.matching import terms
from qa_app.answering.selection import Knowledge, required_kind
from qa_app.answering.understanding import Question
from qa_app.retrieval import Filters


def with_topic_evidence(retriever, knowledge: Knowledge, q: Question, mode: str, config: AnswerConfig) -> Question:
    """The question with the ids of records about its topic that the dense leg vouches for."""
    words = [k for k in q.keywords if len(k) >= 2]
    if q.intent not in ("list", "count", "exists") or not words or has_structure(q) or q.number is not None:
        return q
    topic = "、".join(words)
    kind = required_kind(q)
    _, legs = retriever.search_legs(topic, k=config.topic_dense_depth,
                                    filters=Filters(year=q.year, period=q.period, kind=kind), mode=mode)
    dense = legs.get("dense") or []
    if not dense:
        return q
    floor = dense[0][1] - config.topic_dense_margin
    topic_terms = terms(topic)
    if not topic_terms:
        return q
    coverage = knowledge.lookup.coverage(topic_terms, knowledge.lexical.weight)
    chosen = []
    for record_id, score in dense:
        row = knowledge.row_of.get(record_id)
        if score >= floor and row is not None and float(coverage[row]) >= config.topic_min_coverage:
            chosen.append(record_id)
    return q.with_(topic_ids=tuple(chosen)) if chosen else q


