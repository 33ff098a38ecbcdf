"""Why a record was (not) found: the lexical leg, the dense leg and the fused list of one search, side by
side, with the plan the answerer made of the same words (`qa search --explain`, the admin's 检索测试).

`fused` is exactly what `qa search` returns for these words and filters. The legs are searched with the
same scope it used first (explicit filters; else the year, period or kind the words name, or the records
a list or count question selects), so a record missing from `fused` shows which leg missed it.
"""

from __future__ import annotations

from qa_app.engine import Engine
from qa_app.records import Record
from qa_app.retrieval import Filters

CONTENT_CHARS = 160


def _content(record: Record) -> str:
    text = " ".join((record.content or record.text or "").split())
    return text if len(text) <= CONTENT_CHARS else text[: CONTENT_CHARS - 1] + "…"


def _row(rank: int, record: Record, score: float) -> dict:
    return {"rank": rank, "record_id": record.id, "score": round(float(score), 6), "doc": record.doc,
            "number": record.number, "content": _content(record)}


def _scope(engine: Engine, query: str, filters: Filters) -> tuple[Filters | None, list[str] | None]:
    """The filters and record ids the legs are searched within, as `Engine.search` chooses them first."""
    if not filters.is_empty():
        return filters, None
    understood, matched = engine.scope_of(query)
    if matched:
        return None, matched
    return understood, None


def explain(engine: Engine, query: str, k: int = 10, filters: Filters | None = None) -> dict:
    """Both legs, the fused list and the answerer's plan for `query` (JSON-ready)."""
    filters = filters or Filters()
    scope, within = _scope(engine, query, filters)
    _, legs = engine.retriever.search_legs(query, k, scope, "hybrid", within)
    fused = engine.search(query, k=k, filters=filters)
    answer = engine.answer(query, scope=None if filters.is_empty() else filters)

    def leg(name: str) -> list[dict]:
        found = [(engine.record(record_id), score) for record_id, score in legs.get(name, [])[:k]]
        return [_row(rank, record, score) for rank, (record, score) in enumerate(found, 1) if record is not None]

    return {"query": query, "filters": filters.to_dict(),
            "scope": {"filters": scope.to_dict() if scope else {}, "within": len(within) if within else None},
            "lexical": leg("bm25"), "dense": leg("dense"),
            "fused": [_row(h.rank, h.record, h.score) for h in fused],
            "answer": {"short": answer.short, "abstained": answer.abstained, "intent": answer.intent,
                       "plan": dict(answer.plan)}}
