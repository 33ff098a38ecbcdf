"""Inner-product search over normalised vectors: exact for small corpora, IVF above a threshold.

IVF rather than HNSW: on two busy cores HNSW (M=32) added ~3k vectors/s, so a million records would take
minutes to index, while IVF trains its coarse quantizer on a sample and adds a million in ~8 s, with
recall@10 0.99 at the probe count below (measured by `make bench`, see bench/README.md).
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

EXACT_LIMIT = 100_000  # up to this many vectors, exact search is fast enough on two cores
IVF_TRAIN_PER_LIST = 40  # k-means sample size per list (faiss warns below 39)
IVF_PROBE_SHARE = 0.06  # share of the lists scanned per query (nprobe = share × nlist, at least 16)
FILTER_SUBSET_LIMIT = 20_000  # up to this many allowed rows, a filtered search scores them directly
PROBE_WIDENING = (1, 4, 16, 64)  # a filtered IVF search short of results probes this many times more lists
IVF_RESCORE = 4  # an IVF search takes this many candidates per result, re-scored on the float32 vectors


def ivf_lists(count: int) -> int:
    """√n lists (at least 16): ~√n vectors per list, so a probe scans a few thousand vectors."""
    return max(16, round(math.sqrt(count)))


def ivf_probes(lists: int) -> int:
    return min(lists, max(16, round(lists * IVF_PROBE_SHARE)))


def _ivf(vectors: np.ndarray) -> faiss.Index:
    """IVF whose lists hold float16 codes (half the memory of a float32 copy); `_search` scores the
    best candidates again on the float32 vectors, so what it returns is ranked by exact scores."""
    dim, lists = vectors.shape[1], ivf_lists(len(vectors))
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, faiss.ScalarQuantizer.QT_fp16,
                                          faiss.METRIC_INNER_PRODUCT)
    sample = min(len(vectors), lists * IVF_TRAIN_PER_LIST)
    rows = np.random.default_rng(0).choice(len(vectors), size=sample, replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(rows)]))
    index.nprobe = ivf_probes(lists)
    return index


def make_faiss_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1]) if len(vectors) <= exact_limit else _ivf(vectors)
    if len(vectors):
        index.add(vectors)
    return index


def _kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


class VectorIndex:
    """A FAISS index plus the raw vectors (kept for exact scoring of small filtered subsets)."""

    def __init__(self, index: faiss.Index, vectors: np.ndarray):
        self._index = index
        self.vectors = vectors

    @property
    def kind(self) -> str:
        return _kind(self._index)

    @property
    def code_bytes(self) -> int:
        """Bytes the index holds per vector (float32 for flat, float16 codes for IVF)."""
        return int(getattr(self._index, "code_size", 4 * self._index.d))

    @classmethod
    def build(cls, vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> VectorIndex:
        return cls(make_faiss_index(vectors, exact_limit), vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
               where=None) -> list[tuple[int, float]]:
        """Best rows for a query vector, only among the allowed rows when a filter is given (`where`, what
        chose them, is for stores that filter on their side).

        A small allowed set is scored exactly; a large one is searched in the index with a selector
        (exact for a flat index); IVF probes more lists while too few allowed rows were found, and scores
        the allowed rows exactly only if even that falls short.
        """
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if allowed is None:
            return self._search(query, k)
        if len(allowed) == 0:
            return []
        if len(allowed) > FILTER_SUBSET_LIMIT:
            selector, share = self._selector(allowed), len(allowed) / self._index.ntotal
            enough = min(k * IVF_RESCORE, len(allowed))
            for widen in PROBE_WIDENING:  # the probed lists held too few allowed rows: probe more of them
                hits = self._search(query, k, selector, share / widen, enough)
                if hits is not None:
                    return hits
        scores = self.vectors[allowed] @ query[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(allowed[i]), float(scores[i])) for i in order]

    def _selector(self, allowed: np.ndarray) -> faiss.IDSelector:
        mask = np.zeros(self._index.ntotal, dtype=bool)
        mask[allowed] = True
        bits = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(self._index.ntotal, faiss.swig_ptr(bits))
        selector.bits_ref = bits  # the selector reads this buffer: keep it alive with it
        return selector

    def _search(self, query: np.ndarray, k: int, selector: faiss.IDSelector | None = None, share: float = 1.0,
                enough: int = 0) -> list[tuple[int, float]] | None:
        """FAISS search; with a selector keeping `share` of the rows, IVF probes 1/share times more lists,
        and None when they held fewer than `enough` candidates to re-score (probe more, or score exactly)."""
        k = min(k, self._index.ntotal)
        if k <= 0:
            return []
        params = None
        if selector is not None and isinstance(self._index, faiss.IndexIVF):
            probes = min(self._index.nlist, math.ceil(self._index.nprobe / max(share, 1e-6)))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=probes)
        elif selector is not None:
            params = faiss.SearchParameters(sel=selector)
        if not isinstance(self._index, faiss.IndexIVF):
            scores, rows = self._index.search(query, k, params=params)
            return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        _, rows = self._index.search(query, min(k * IVF_RESCORE, self._index.ntotal), params=params)
        found = rows[0][rows[0] >= 0]
        if len(found) < enough:
            return None
        scores = self.vectors[found] @ query[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(found[i]), float(scores[i])) for i in order]

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray) -> VectorIndex:
        return cls(faiss.read_index(str(path)), vectors)
