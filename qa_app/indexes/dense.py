"""Inner-product search over normalised vectors: exact for small corpora, IVF above a threshold.

IVF rather than HNSW: on two busy cores HNSW (M=32) added ~3k vectors/s, so a million records would take
minutes to index, while IVF trains its coarse quantizer on a sample and adds a million in ~8 s, with
recall@10 0.99 at the probe count below (measured by `make bench`, see bench/README.md).

The float32 vectors (exact scores) may be a read-only memory map of the version's vectors.npy. Searching
never reads them through the map: a flat index scores rows from its own float32 copy, and an IVF index
reads the few rows it re-scores with pread. (A page read through a map stays resident, with neighbours
the kernel maps around it, so re-scoring 40 rows per query would soon hold the whole file.) A million
vectors then cost their float16 codes in memory (768 MB), not 1.5 GB more of float32.
"""

from __future__ import annotations

import math
import mmap
import os
import weakref
from pathlib import Path

import faiss
import numpy as np

from qa_app.indexes.common import fetch_size, ranked

EXACT_LIMIT = 100_000  # up to this many vectors, exact search is fast enough on two cores
IVF_TRAIN_PER_LIST = 40  # k-means sample size per list (faiss warns below 39)
IVF_PROBE_SHARE = 0.06  # share of the lists scanned per query (nprobe = share × nlist, at least 16)
FILTER_SUBSET_LIMIT = 20_000  # up to this many allowed rows, a filtered search scores them directly
PROBE_WIDENING = (1, 4, 16, 64)  # a filtered IVF search short of results probes this many times more lists
IVF_RESCORE = 4  # an IVF search takes this many candidates per result, re-scored on the float32 vectors
ADD_BATCH = 65_536  # vectors read and added at a time, so a memory-mapped source is never all resident


def release(vectors: np.ndarray) -> None:
    """Unmap the pages of a memory-mapped array that this process has read (they stay in the page cache):
    reading every row once, as building an index does, must not leave them all counted as resident."""
    mapped = getattr(vectors, "_mmap", None)
    if mapped is not None and hasattr(mapped, "madvise"):
        mapped.madvise(mmap.MADV_DONTNEED)


def exact_scores(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Inner products of float32 vectors with the query, summed in float64: the same value for the same
    row however it was fetched (FAISS's and Milvus's float32 kernels differ in the last bits, which would
    reorder near-ties between the stores)."""
    return np.asarray(vectors, dtype=np.float64) @ np.asarray(query, dtype=np.float64).reshape(-1)


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
    index.train(np.ascontiguousarray(vectors[np.sort(rows)], dtype=np.float32))
    release(vectors)
    index.nprobe = ivf_probes(lists)
    return index


def make_faiss_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT) -> faiss.Index:
    """The index of these vectors (an array or a memory map, read a batch at a time); an IVF index
    also maps ids to their codes, so a filtered search can score a subset from the codes."""
    index = faiss.IndexFlatIP(vectors.shape[1]) if len(vectors) <= exact_limit else _ivf(vectors)
    for start in range(0, len(vectors), ADD_BATCH):
        index.add(np.ascontiguousarray(vectors[start:start + ADD_BATCH], dtype=np.float32))
        release(vectors)
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()
    return index


def _kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def _mapped_file(owner, vectors: np.ndarray) -> tuple[int, int, int] | None:
    """(file descriptor, data offset, row bytes) when `vectors` is a whole .npy file mapped read-only;
    the descriptor is closed with `owner`."""
    if not (isinstance(vectors, np.memmap) and isinstance(vectors.base, mmap.mmap) and vectors.ndim == 2
            and vectors.flags.c_contiguous and vectors.dtype == np.dtype("<f4")):
        return None
    fd = os.open(vectors.filename, os.O_RDONLY)
    weakref.finalize(owner, os.close, fd)
    return fd, vectors.offset, vectors.strides[0]


class VectorIndex:
    """A FAISS index plus the float32 vectors (exact scores of re-scored rows and filtered subsets)."""

    def __init__(self, index: faiss.Index, vectors: np.ndarray):
        self._index = index
        self.vectors = vectors
        self._file = _mapped_file(self, vectors)  # kept open: a rebuild may delete the folder

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        """The float32 vectors of these rows (same values as `vectors[rows]`), without reading a map."""
        if isinstance(self._index, faiss.IndexFlat):
            stored = faiss.rev_swig_ptr(self._index.get_xb(), self._index.ntotal * self._index.d)
            return stored.reshape(-1, self._index.d)[rows]
        if self._file is None:
            return self.vectors[rows]
        fd, offset, size = self._file
        data = b"".join(os.pread(fd, size, offset + int(row) * size) for row in rows)
        if len(data) != size * len(rows):
            raise OSError(f"{self.vectors.filename} is shorter than its header says")
        return np.frombuffer(data, dtype="<f4").reshape(len(rows), self._index.d)

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
        the allowed rows directly only if even that falls short. IVF scores a directly scored set on its
        codes first and only the best `IVF_RESCORE` × k of it exactly (`_shortlist`).
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
        if isinstance(self._index, faiss.IndexIVF):
            allowed = self._shortlist(query[0], allowed, k * IVF_RESCORE)
        return self._best_exact(query[0], allowed, k)

    def _best_exact(self, query: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k best of these rows by their exact scores, in the stated order (`common.ranked`)."""
        return ranked(rows, exact_scores(self._rows(rows), query), k)

    def _shortlist(self, query: np.ndarray, allowed: np.ndarray, keep: int) -> np.ndarray:
        """The `keep` allowed rows (ascending) scoring best on the IVF's float16 codes, a batch at a time:
        only they are read from the float32 vectors, as an unfiltered IVF search re-scores its best."""
        if len(allowed) <= keep:
            return allowed
        rows, scores = [], []
        for start in range(0, len(allowed), FILTER_SUBSET_LIMIT):
            part = np.ascontiguousarray(allowed[start:start + FILTER_SUBSET_LIMIT], dtype=np.int64)
            approx = self._index.reconstruct_batch(part) @ query
            best = np.argpartition(-approx, keep - 1)[:keep] if len(part) > keep else np.arange(len(part))
            rows.append(part[best])
            scores.append(approx[best])
        rows, scores = np.concatenate(rows), np.concatenate(scores)
        return np.sort(rows[np.argpartition(-scores, keep - 1)[:keep]])

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
            _, rows = self._index.search(query, min(fetch_size(k), self._index.ntotal), params=params)
            return self._best_exact(query[0], rows[0][rows[0] >= 0], k)
        _, rows = self._index.search(query, min(k * IVF_RESCORE, self._index.ntotal), params=params)
        found = rows[0][rows[0] >= 0]
        if len(found) < enough:
            return None
        return self._best_exact(query[0], found, k)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray) -> VectorIndex:
        index = faiss.read_index(str(path))
        if isinstance(index, faiss.IndexIVF) and index.direct_map.type == faiss.DirectMap.NoMap:
            index.make_direct_map()  # saved before filtered searches read codes by id
        return cls(index, vectors)
