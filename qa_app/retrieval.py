"""Hybrid retrieval: BM25 and dense legs, both filtered before ranking, fused by weighted RRF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from qa_app.embedding import Embedder
from qa_app.errors import BadQuestion
from qa_app.indexes import Index
from qa_app.records import Hit, Record
from qa_app.text import fold_variants, normalize

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Filters:
    """Structured constraints; None means 'any'. Names are compared after normalisation."""

    year: int | None = None
    period: str | None = None
    kind: str | None = None
    leader: str | None = None
    unit: str | None = None
    doc: str | None = None

    def matches(self, record: Record) -> bool:
        if self.year is not None and record.year != self.year:
            return False
        if self.period and record.period != self.period:
            return False
        if self.kind and record.kind != self.kind:
            return False
        if self.doc and record.doc != self.doc:
            return False
        if self.leader and not _name_in(self.leader, record.leaders):
            return False
        return not self.unit or _name_in(self.unit, record.units + record.lead_units + record.participating_units)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    def is_empty(self) -> bool:
        return not self.to_dict()


def _name_in(name: str, names: Sequence[str]) -> bool:
    wanted = normalize(fold_variants(name))
    return any(wanted in normalize(fold_variants(n)) for n in names)


def rrf_fuse(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int = 60) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], _first_rank(item[0], rankings)))


def _first_rank(key: str, rankings: Sequence[Sequence[str]]) -> int:
    return min((list(r).index(key) for r in rankings if key in r), default=1 << 30)


class Retriever:
    """Searches one loaded index with one embedder; safe to share between threads."""

    def __init__(self, index: Index, embedder: Embedder, weights: tuple[float, float] = (1.0, 1.0),
                 rrf_k: int = 60, depth: int = 50):
        self.index = index
        self.embedder = embedder
        self.records: tuple[Record, ...] = index.records
        self.weights = weights
        self.rrf_k = rrf_k
        self.depth = depth
        self._row_of = {r.id: i for i, r in enumerate(self.records)}

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        return np.array([i for i, r in enumerate(self.records) if filters.matches(r)], dtype=np.int64)

    def lexical(self, query: str, depth: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        return self.index.lexical.search(self.index.tokenizer(query), depth, allowed)

    def dense(self, query: str, depth: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        vector = self.embedder.embed_queries([fold_variants(query)])[0]
        return self.index.dense.search(vector, depth, allowed)

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        """The k best records for a query, after applying the filters to both legs."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if not normalize(query):
            raise BadQuestion("问题为空，请输入要查询的内容。")
        allowed = self.allowed_rows(filters)
        if allowed is not None and len(allowed) == 0:
            return []
        depth = max(self.depth, k)
        legs = []
        if mode in ("hybrid", "bm25"):
            legs.append((self.lexical(query, depth, allowed), self.weights[0]))
        if mode in ("hybrid", "dense"):
            legs.append((self.dense(query, depth, allowed), self.weights[1]))
        if mode != "hybrid":
            ranked = [(str(row), score) for row, score in legs[0][0]]
        else:
            ranked = rrf_fuse([[str(r) for r, _ in leg] for leg, _ in legs], [w for _, w in legs], self.rrf_k)
        return [Hit(rank, self.records[int(row)].id, float(score), self.records[int(row)])
                for rank, (row, score) in enumerate(ranked[:k], 1)]

    def row_of(self, record_id: str) -> int | None:
        return self._row_of.get(record_id)
