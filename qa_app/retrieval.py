"""Hybrid retrieval: BM25 and dense legs, both filtered before ranking, fused by weighted RRF."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from qa_app.embedding import Embedder
from qa_app.errors import BadQuestion
from qa_app.indexes import SearchIndex
from qa_app.records import Hit, Record
from qa_app.text import fold_variants, normalize
from qa_app.validation import EMPTY_QUESTION

MODES = ("hybrid", "bm25", "dense")
QUERY_CACHE_SIZE = 2048


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


@dataclass(frozen=True)
class Where:
    """What chose a search's allowed rows. The files store searches the rows; a store that filters on
    its side (Milvus) turns this into its own expression, applied there before ranking."""

    filters: Filters | None = None
    within: tuple[str, ...] | None = None


def _name_in(name: str, names: Sequence[str]) -> bool:
    wanted = normalize(fold_variants(name))
    return any(wanted in normalize(fold_variants(n)) for n in names)


class FilterColumns:
    """Per-field row arrays: the same test as `Filters.matches`, as a few numpy operations.

    A Python loop over a million records takes seconds per question; these columns are built once.
    """

    def __init__(self, records: Sequence[Record]):
        self.size = len(records)
        self.year = np.array([np.nan if r.year is None else r.year for r in records], dtype=np.float64)
        self.codes = {name: _codes([getattr(r, name) for r in records]) for name in ("period", "kind", "doc")}
        self.leaders = _rows_by_name([r.leaders for r in records])
        self.units = _rows_by_name([r.units + r.lead_units + r.participating_units for r in records])

    def rows(self, filters: Filters) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if filters.year is not None:
            mask &= self.year == filters.year
        for name in ("period", "kind", "doc"):
            wanted = getattr(filters, name)
            if wanted:
                table, codes = self.codes[name]
                mask &= codes == table.get(wanted, -1)
        for wanted, by_name in ((filters.leader, self.leaders), (filters.unit, self.units)):
            if wanted:
                mask &= _name_mask(wanted, by_name, self.size)
        return np.flatnonzero(mask).astype(np.int64)


def _codes(values: list[str]) -> tuple[dict[str, int], np.ndarray]:
    table: dict[str, int] = {}
    codes = np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int32)
    return table, codes


def _rows_by_name(names_per_row: list[Sequence[str]]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    folded: dict[str, str] = {}
    for row, names in enumerate(names_per_row):
        for name in names:
            key = folded.get(name)
            if key is None:
                key = folded[name] = normalize(fold_variants(name))
            rows.setdefault(key, []).append(row)
    return {key: np.array(found, dtype=np.int64) for key, found in rows.items()}


def _name_mask(name: str, by_name: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Rows naming anything that contains `name`, as `_name_in` decides it."""
    wanted = normalize(fold_variants(name))
    mask = np.zeros(size, dtype=bool)
    for key, rows in by_name.items():
        if wanted in key:
            mask[rows] = True
    return mask


def rrf_fuse(rankings: Sequence[Sequence], weights: Sequence[float], k: int = 60) -> list[tuple[object, float]]:
    """Weighted reciprocal-rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1.

    Order: by fused score; an equal score goes to the key ranked higher in some leg (its best rank),
    and then to the smaller key (a row number): never to the order keys were first met in."""
    scores: dict = {}
    best: dict = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, key in enumerate(ranking, 1):
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
            best[key] = min(best.get(key, rank), rank)
    return sorted(scores.items(), key=lambda item: (-item[1], best[item[0]], item[0]))


class Retriever:
    """Searches one loaded index with one embedder; safe to share between threads."""

    def __init__(self, index: SearchIndex, embedder: Embedder, weights: tuple[float, float] = (1.0, 1.0),
                 rrf_k: int = 60, depth: int = 50):
        self.index = index
        self.embedder = embedder
        self.records: tuple[Record, ...] = index.records
        self.weights = weights
        self.rrf_k = rrf_k
        self.depth = depth
        self._row_of = {r.id: i for i, r in enumerate(self.records)}
        self._columns: FilterColumns | None = None
        self._columns_lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Rows passing the filters (ascending), or None for no filter; columns are built on first use."""
        if filters is None or filters.is_empty():
            return None
        if self._columns is None:
            with self._columns_lock:
                if self._columns is None:
                    self._columns = FilterColumns(self.records)
        return self._columns.rows(filters)

    def lexical(self, query: str, depth: int, allowed: np.ndarray | None,
                where: Where | None = None) -> list[tuple[int, float]]:
        return self.index.lexical.search(self.index.tokenizer(query), depth, allowed, where=where)

    def dense(self, query: str, depth: int, allowed: np.ndarray | None,
              where: Where | None = None) -> list[tuple[int, float]]:
        return self.index.dense.search(self.query_vector(query), depth, allowed, where=where)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, cached by text: a retriever lives as long as one index version and
        one model, so the cache can never serve a vector of another model or a stale index."""
        text = fold_variants(query)
        with self._vectors_lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
                return vector
        vector = self.embedder.embed_queries([text])[0]
        with self._vectors_lock:
            self._vectors[text] = vector
            if len(self._vectors) > QUERY_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    def forget_query_vectors(self) -> None:
        """Empty the query-embedding cache (a benchmark timing what a question never asked costs)."""
        with self._vectors_lock:
            self._vectors.clear()

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid",
               within: Sequence[str] | None = None) -> list[Hit]:
        """The k best records for a query, after applying the filters (and, when given, the set of
        record ids to search `within`) to both legs."""
        return self.search_legs(query, k, filters, mode, within)[0]

    def search_legs(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid",
                    within: Sequence[str] | None = None) -> tuple[list[Hit], dict[str, list[tuple[str, float]]]]:
        """`search`, plus each leg's own ranking ({"bm25"|"dense": [(record id, score)]}, best first):
        the answerer trusts a record that both legs put on top, or that one leg puts clearly ahead."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        if not normalize(query):
            raise BadQuestion(EMPTY_QUESTION)
        allowed = self.allowed_rows(filters)
        if within is not None:
            rows = np.array(sorted({self._row_of[i] for i in within if i in self._row_of}), dtype=np.int64)
            allowed = rows if allowed is None else np.intersect1d(allowed, rows)
        if allowed is not None and len(allowed) == 0:
            return [], {}
        where = None if allowed is None else Where(filters if filters and not filters.is_empty() else None,
                                                   None if within is None else tuple(within))
        depth = max(self.depth, k)
        legs: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "bm25"):
            legs["bm25"] = self.lexical(query, depth, allowed, where)
        if mode in ("hybrid", "dense"):
            legs["dense"] = self.dense(query, depth, allowed, where)
        if mode != "hybrid":
            ranked = legs[mode]
        else:
            ranked = rrf_fuse([[r for r, _ in legs[name]] for name in ("bm25", "dense")],
                              list(self.weights), self.rrf_k)
        hits = [Hit(rank, self.records[int(row)].id, float(score), self.records[int(row)])
                for rank, (row, score) in enumerate(ranked[:k], 1)]
        named = {name: [(self.records[row].id, float(score)) for row, score in leg] for name, leg in legs.items()}
        return hits, named

    def row_of(self, record_id: str) -> int | None:
        return self._row_of.get(record_id)
