"""BM25 over tokenised chunks (bm25s), scored for every document so filters apply before ranking.

The model is bm25s's own (`get_scores`, `save`, `load`, saved indexes unchanged), but it is built here
with numpy: bm25s's `BM25.index` holds every token id as a Python int in per-document lists (about
36 bytes a token: several GB and six minutes at a million chunks). `bm25_model` keeps the token ids
as one int32 array and fills the score matrix in column order batch by batch, computing each score
with the same operations in the same precision, so the arrays and scores are bm25s's.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from qa_app.indexes.common import fetch_size, ranked

BATCH_DOCS = 16_384  # documents per batch of (document, token) pairs: a few MB of temporaries


class _Vocabulary(dict):
    """token → id, a new token taking the next id (first-seen order)."""

    def __missing__(self, token: str) -> int:
        found = self[token] = len(self)
        return found


def _token_ids(token_lists: Iterable[list[str]]) -> tuple[_Vocabulary, np.ndarray, np.ndarray]:
    """Vocabulary, every token id in document order (int32) and each document's start in it (int64);
    a document without tokens counts as the one empty token, as `Bm25Index.build` always gave bm25s."""
    vocab, ids, starts = _Vocabulary(), array("i"), array("q", [0])
    lookup = vocab.__getitem__
    for tokens in token_lists:
        ids.extend(map(lookup, tokens or [""]))
        starts.append(len(ids))
    return vocab, np.frombuffer(ids, dtype=np.int32), np.frombuffer(starts, dtype=np.int64)


def _pairs(ids: np.ndarray, starts: np.ndarray, first: int, last: int) -> tuple[np.ndarray, ...]:
    """Distinct (token, document) pairs of documents first..last-1 with their counts, by token and
    then document: the order of a CSC matrix's columns."""
    span = last - first
    local = np.repeat(np.arange(span, dtype=np.int64), np.diff(starts[first:last + 1]))
    keys, counts = np.unique(ids[starts[first]:starts[last]].astype(np.int64) * span + local, return_counts=True)
    return (keys // span).astype(np.int32), keys % span + first, counts


def bm25_model(token_lists: Iterable[list[str]]) -> bm25s.BM25:
    """bm25s's default model (Lucene scoring, k1 1.5, b 0.75, float32 CSC scores) of these documents,
    equal to `BM25().index(token_lists)` up to the order of token ids; the lists may be streamed."""
    model = bm25s.BM25()
    vocab, ids, starts = _token_ids(token_lists)
    n_docs, width = len(starts) - 1, max(len(vocab), 1)
    lengths = np.diff(starts)
    df = np.zeros(width, dtype=np.int64)
    for first in range(0, n_docs, BATCH_DOCS):
        df += np.bincount(_pairs(ids, starts, first, min(first + BATCH_DOCS, n_docs))[0], minlength=width)
    idf = np.array([math.log(1 + (n_docs - f + 0.5) / (f + 0.5)) if f else 0.0 for f in df.tolist()],
                   dtype=model.dtype)
    # bm25s: tf / (k1 · ((1 − b) + b · |d| / avgdl) + tf) in float64 (avgdl is a numpy float64), times
    # the float32 idf, stored as float32.
    avgdl = lengths.mean() if n_docs else np.float64(1)
    norm = model.k1 * ((1 - model.b) + model.b * lengths.astype(np.float64) / avgdl)
    indptr = np.zeros(width + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    data, indices = np.empty(indptr[-1], dtype=model.dtype), np.empty(indptr[-1], dtype=model.int_dtype)
    heads = indptr[:-1].copy()
    for first in range(0, n_docs, BATCH_DOCS):
        terms, docs, counts = _pairs(ids, starts, first, min(first + BATCH_DOCS, n_docs))
        tf = counts.astype(np.float32)
        place = heads[terms] + np.arange(len(terms)) - np.searchsorted(terms, terms)  # after earlier batches
        data[place] = idf[terms] * (tf / (norm[docs] + tf))
        indices[place] = docs
        heads += np.bincount(terms, minlength=width)
    if "" not in vocab:  # bm25s adds the empty token after the matrix: known, but scoring nothing
        vocab[""] = len(vocab)
    model.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
    model.vocab_dict = dict(vocab)
    model.unique_token_ids_set = set(model.vocab_dict.values())
    model.nonoccurrence_array = None
    return model


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The k best (row, score) pairs among the allowed rows in the stated order (`common.ranked`: rounded
    scores, best first, ties by row), from `fetch_size(k)` candidates; zero scores dropped."""
    if allowed is not None:
        masked = np.full(scores.shape, -np.inf, dtype=np.float32)
        masked[allowed] = scores[allowed]
        scores = masked
    fetch = min(fetch_size(k), int(np.sum(scores > 0)))
    if k <= 0 or fetch <= 0:
        return []
    best = np.argpartition(-scores, fetch - 1)[:fetch]
    return ranked(best, scores[best], k)


class Bm25Index:
    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size

    @classmethod
    def build(cls, token_lists: Iterable[list[str]]) -> Bm25Index:
        """The index of these documents' tokens (a list, or streamed: they are not held)."""
        model = bm25_model(token_lists)
        return cls(model, model.scores["num_docs"])

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Every document's score: bm25s's `get_scores` (each query token's column added in turn, in
        float32), with a plain indexed add: a column names each document once, so numpy's slow
        unbuffered `add.at` that bm25s uses (5 ms a query at a million chunks) is not needed."""
        model = self._model
        names = [t for t in tokens if t in model.vocab_dict]
        if not names:
            return np.zeros(self.size, dtype=np.float32)
        if model.nonoccurrence_array is not None:  # a bm25s variant this product never builds
            return np.asarray(model.get_scores(names), dtype=np.float32)
        matrix = model.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        out = np.zeros(self.size, dtype=np.float32)
        for token in map(model.vocab_dict.__getitem__, names):
            start, end = indptr[token], indptr[token + 1]
            out[indices[start:end]] += data[start:end]
        return out

    def search(self, tokens: list[str], k: int, allowed: np.ndarray | None = None,
               where=None) -> list[tuple[int, float]]:
        """`where` (what chose the allowed rows) is for stores that filter on their side; rows decide here."""
        return top_rows(self.scores(tokens), k, allowed)

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> Bm25Index:
        model = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0, allow_pickle=False)
        return cls(model, size)
