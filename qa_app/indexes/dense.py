"""Inner-product search over normalised vectors: exact for small corpora, HNSW above a threshold."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

EXACT_LIMIT = 100_000  # up to this many vectors, exact search is fast enough on two cores
HNSW_M = 32
HNSW_EF_SEARCH = 128


def make_faiss_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    dim = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = HNSW_EF_SEARCH
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class VectorIndex:
    def __init__(self, index: faiss.Index, vectors: np.ndarray):
        self._index = index
        self.vectors = vectors

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
        return cls(make_faiss_index(vectors, exact_limit), vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best rows for a query vector; with a row filter, exact search over the allowed rows."""
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is not None:
            if len(allowed) == 0:
                return []
            scores = self.vectors[allowed] @ query[0]
            order = np.argsort(-scores, kind="stable")[:k]
            return [(int(allowed[i]), float(scores[i])) for i in order]
        k = min(k, self._index.ntotal)
        if k <= 0:
            return []
        scores, rows = self._index.search(query, k)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray) -> VectorIndex:
        return cls(faiss.read_index(str(path)), vectors)
