"""BM25 as sparse vectors, for a store that ranks by inner product (Milvus), scoring as `Bm25Index` does.

bm25s (the FAISS store's lexical leg) scores with Lucene's variant:
    score(q, d) = Σ_{t ∈ q} idf(t) · tf(t, d) / (tf(t, d) + k1 · (1 − b + b · |d| / avgdl))
    idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
The document side (the fraction) is stored with each record; the query side is idf per query token, so
the inner product of the two is the BM25 score. N and df live only on the query side: a document added
elsewhere changes no other record's stored vector. avgdl is fixed when the weights are written (a full
rebuild refreshes it).

Terms are 32-bit hashes of the tokens, as Milvus's own BM25 does; two tokens sharing a hash would share
a weight (about one pair in a hundred thousand-word vocabulary).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K1 = 1.5
B = 0.75
_MAX_TERM = 2**32 - 1  # Milvus sparse indices are uint32 below 2^32 - 1


def term_id(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little") % _MAX_TERM


def _non_empty(tokens: Sequence[str]) -> Sequence[str]:
    """A chunk without a single token is indexed as one empty token, as `Bm25Index.build` does."""
    return tokens or [""]


def mean_length(token_lists: Iterable[Sequence[str]]) -> float:
    lengths = [len(_non_empty(tokens)) for tokens in token_lists]
    return sum(lengths) / len(lengths) if lengths else 1.0


def document_vector(tokens: Sequence[str], avgdl: float, k1: float = K1, b: float = B) -> dict[int, float]:
    """The stored side: tf / (tf + k1·(1 − b + b·|d|/avgdl)) per term."""
    tokens = _non_empty(tokens)
    norm = k1 * (1 - b + b * len(tokens) / max(avgdl, 1e-9))
    weights: dict[int, float] = {}
    for token, tf in Counter(tokens).items():
        key = term_id(token)
        weights[key] = weights.get(key, 0.0) + tf / (tf + norm)
    return weights


@dataclass(frozen=True)
class TermStats:
    """N and the document frequency of each term: what idf needs, counted from the stored vectors."""

    documents: int
    frequency: dict[int, int]

    @classmethod
    def count(cls, vectors: Iterable[dict[int, float]]) -> TermStats:
        frequency: Counter = Counter()
        documents = 0
        for vector in vectors:
            documents += 1
            frequency.update(vector.keys())
        return cls(documents, dict(frequency))

    def idf(self, term: int) -> float:
        df = self.frequency.get(term, 0)
        return math.log(1 + (self.documents - df + 0.5) / (df + 0.5))

    def query_vector(self, tokens: Sequence[str]) -> dict[int, float]:
        """idf per query token (a repeated token counts again, as in bm25s); unknown tokens dropped."""
        weights: dict[int, float] = {}
        for token in tokens:
            key = term_id(token)
            if key in self.frequency:
                weights[key] = weights.get(key, 0.0) + self.idf(key)
        return weights
