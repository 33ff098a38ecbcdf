"""The chat's year/document filters: answers drawn only from the records inside the chosen scope.

`Engine.answer` reads its scope from the question; the chat's dropdowns narrow it further by giving
the answering pipeline a retriever that sees only the scope's records.
"""

from __future__ import annotations

from dataclasses import replace

from qa_app.answering import answer_question, build_vocabulary, understand
from qa_app.errors import BadQuestion
from qa_app.records import Answer, Hit, Record
from qa_app.retrieval import Filters

NO_RECORDS_IN_SCOPE = "所选的年份和文件没有共同的记录，请调整筛选条件。"


class ScopedRetriever:
    """A retriever seen through the chat's year/document filters: fewer records, filtered searches.

    The answering pipeline only reads `records` and calls `search`, so narrowing both narrows every
    answer, list and count to the chosen scope; the chosen filter wins over one read from the question.
    """

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


def name_outside_scope(question: str, records, scoped_records) -> str | None:
    """A unit or leader the question names (read against the whole corpus) that the scope lacks.

    Read against the scoped records alone, such a name would be unknown and could be mistaken for a
    similar one inside the scope; asking about it within the scope deserves an honest 'not found'.
    """
    everything = build_vocabulary(records)
    asked = understand(question, everything)
    inside = build_vocabulary(scoped_records)
    unit_keys = {key for key, _ in inside.unit_names}
    for unit in asked.units:
        if unit not in unit_keys:
            return everything.unit_name(unit)
    return next((leader for leader in asked.leaders if leader not in inside.leaders), None)


def answer_in_scope(retriever, question: str, history: list, scope: Filters) -> Answer:
    """Answer within the scope; the scope is reported in `filters` alongside what the question said."""
    scoped = ScopedRetriever(retriever, scope)
    if not scoped.records:
        raise BadQuestion(NO_RECORDS_IN_SCOPE)
    missing = name_outside_scope(question, retriever.records, scoped.records)
    if missing:
        return Answer(question=question, short="", answer=f"文件中未找到：所选范围内没有“{missing}”的记录。",
                      abstained=True, intent="general", filters=scope.to_dict())
    answer = answer_question(scoped, question, history)
    return replace(answer, filters={**answer.filters, **scope.to_dict()})
