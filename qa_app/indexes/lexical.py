"""BM25 over tokenised chunks (bm25s), scored for every document so filters apply before ranking."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np


def top_rows(scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The k best (row, score) pairs among the allowed rows, best first; zero scores dropped."""
    if allowed is not None:
        masked = np.full(scores.shape, -np.inf, dtype=np.float32)
        masked[allowed] = scores[allowed]
        scores = masked
    k = min(k, int(np.sum(scores > 0)))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(r), float(scores[r])) for r in best]


class Bm25Index:
    def __init__(self, model: bm25s.BM25, size: int):
        self._model = model
        self.size = size

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> Bm25Index:
        model = bm25s.BM25()
        model.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(model, len(token_lists))

    def scores(self, tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)

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
