"""Answers within a chosen scope (the chat's year/document filters): only the scope's records count.

`Engine.answer(..., scope=Filters(...))` comes here; the answering pipeline then sees a retriever that
holds only the scope's records and searches only them, so every answer, list and count is the scope's,
and the chosen filter wins over one read from the question.
"""

from __future__ import annotations

from dataclasses import replace

from qa_app.answering import AnswerConfig, KnowledgeCache, Vocabulary, answer_question, understand
from qa_app.errors import BadQuestion
from qa_app.records import Answer, Hit, Record
from qa_app.retrieval import Filters
from qa_app.validation import validate_question

NO_RECORDS_IN_SCOPE = "所选的年份和文件没有共同的记录，请调整筛选条件。"


class ScopedRetriever:
    """A retriever seen through the scope: fewer records, filtered searches (what the pipeline reads:
    `records`, `search`, `search_legs`, `embedder`)."""

    def __init__(self, retriever, scope: Filters):
        self._retriever = retriever
        self.scope = scope
        self.embedder = retriever.embedder
        self.records: tuple[Record, ...] = tuple(r for r in retriever.records if scope.matches(r))

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.search_legs(query, k, filters, mode)[0]

    def search_legs(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid"):
        merged = Filters(**{**(filters.to_dict() if filters else {}), **self.scope.to_dict()})
        return self._retriever.search_legs(query, k=k, filters=merged, mode=mode)


def name_outside_scope(question: str, everything: Vocabulary, inside: Vocabulary) -> str | None:
    """A unit or leader the question names (read against the whole corpus) that the scope lacks.

    Read against the scoped records alone, such a name would be unknown and could be mistaken for a
    similar one inside the scope; asking about it within the scope deserves an honest 'not found'.
    """
    asked = understand(question, everything)
    unit_keys = {key for key, _ in inside.unit_names}
    for unit in asked.units:
        if unit not in unit_keys:
            return everything.unit_name(unit)
    return next((leader for leader in asked.leaders if leader not in inside.leaders), None)


def answer_in_scope(retriever, scoped: ScopedRetriever, question: str, history: list, caches: tuple[KnowledgeCache,
                    KnowledgeCache], mode: str, config: AnswerConfig) -> Answer:
    """Answer within the scope; the scope is reported in `filters` alongside what the question said.
    `caches`: the whole corpus's knowledge cache, and the one for scopes (kept apart, so a few scopes
    never push the whole corpus's knowledge out)."""
    text = validate_question(question)
    if not scoped.records:
        raise BadQuestion(NO_RECORDS_IN_SCOPE)
    whole, scopes = caches
    missing = name_outside_scope(text, whole.get(retriever.records).vocab, scopes.get(scoped.records).vocab)
    if missing:
        return Answer(question=text, short="", answer=f"文件中未找到：所选范围内没有“{missing}”的记录。",
                      abstained=True, intent="general", filters=scoped.scope.to_dict())
    answer = answer_question(scoped, text, history, mode=mode, cache=scopes, config=config)
    return replace(answer, filters={**answer.filters, **scoped.scope.to_dict()})
