"""Record chunks → a searchable index, in files (FAISS + BM25, the default) or in a Milvus collection.

`build_index`, `load_index`, `update_documents` and `index_version` take the store from the settings;
the Retriever reads either store through the same attributes (records, tokenizer, lexical, dense).
"""

from __future__ import annotations

from collections.abc import Iterable

from qa_app.indexes import store
from qa_app.indexes.chunks import chunk_text, vocabulary_words
from qa_app.indexes.dense import EXACT_LIMIT, VectorIndex
from qa_app.indexes.lexical import Bm25Index, top_rows
from qa_app.indexes.store import Index
from qa_app.indexes.tokens import STOPWORDS, Tokenizer
from qa_app.settings import Settings

__all__ = [
    "EXACT_LIMIT", "STOPWORDS", "Bm25Index", "Index", "Tokenizer", "VectorIndex", "build_index",
    "chunk_text", "index_version", "load_index", "top_rows", "update_documents", "vocabulary_words",
]


def _milvus():
    from qa_app.indexes import milvus

    return milvus


def build_index(settings: Settings, embedder=None, progress: bool = True, exact_limit: int = EXACT_LIMIT) -> dict:
    """Build or refresh the index of the corpus folder (a no-op when it already holds exactly it)."""
    if settings.store == "milvus":
        return _milvus().build_index(settings, embedder=embedder, progress=progress)
    return store.build_index(settings, embedder=embedder, progress=progress, exact_limit=exact_limit)


def load_index(settings: Settings):
    """The live index: an `Index` (files) or a `MilvusIndex`."""
    if settings.store == "milvus":
        return _milvus().load_index(settings)
    return store.load_index(settings)


def update_documents(settings: Settings, docs: Iterable[str], embedder=None, progress: bool = False) -> dict:
    """After documents were added to or removed from the corpus folder: the files store rebuilds
    (reusing embeddings); the Milvus store upserts and deletes the rows of these documents only."""
    if settings.store == "milvus":
        return _milvus().update_documents(settings, docs, embedder=embedder, progress=progress)
    return store.build_index(settings, embedder=embedder, progress=progress)


def index_version(settings: Settings) -> str | None:
    """The live version's name, cheap to read: a server polls it to notice another process's writes."""
    if settings.store == "milvus":
        return _milvus().index_version(settings)
    return store.live_version(settings)
