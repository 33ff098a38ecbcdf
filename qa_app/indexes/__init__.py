"""Record chunks → a searchable index, in files (FAISS + BM25, the default) or in a Milvus collection.

`store_for(settings)` is the one place that reads `settings.store`: it returns the `Store`
(`qa_app.indexes.interface`) that builds, loads and updates the index; `build_index`, `load_index`,
`update_documents` and `index_version` go through it. Both stores' loaded indexes are `SearchIndex`es
whose legs return results in the one order of `qa_app.indexes.common`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_app.indexes.chunks import chunk_text, vocabulary_words
from qa_app.indexes.common import SCORE_DECIMALS, corpus_hash, fetch_size, ranked, text_key
from qa_app.indexes.dense import EXACT_LIMIT, VectorIndex
from qa_app.indexes.interface import Leg, SearchIndex, Store
from qa_app.indexes.lexical import Bm25Index, top_rows
from qa_app.indexes.store import FilesStore, Index, remove_leftovers
from qa_app.indexes.tokens import STOPWORDS, Tokenizer
from qa_app.settings import Settings
from qa_app.writers import index_writer

__all__ = [
    "EXACT_LIMIT", "SCORE_DECIMALS", "STOPWORDS", "Bm25Index", "FilesStore", "Index", "Leg", "SearchIndex", "Store",
    "Tokenizer", "VectorIndex", "build_index", "chunk_text", "corpus_hash", "fetch_size", "index_version",
    "load_index", "ranked", "store_for", "text_key", "top_rows", "update_documents", "vocabulary_words", "writing",
]


def _milvus_store() -> Store:
    from qa_app.indexes.milvus import MilvusStore  # imports pymilvus only when used

    return MilvusStore()


_STORES = {"faiss": FilesStore, "milvus": _milvus_store}


def store_for(settings: Settings) -> Store:
    """The store the settings name (`--store`, QA_STORE): the only place that reads `settings.store`."""
    try:
        return _STORES[settings.store]()
    except KeyError:
        raise ValueError(f"unknown store {settings.store!r}; use one of {', '.join(_STORES)}") from None


@contextmanager
def writing(settings: Settings) -> Iterator[None]:
    """As the index folder's one writer: the lock held, and what a writer that died left behind removed
    (only the lock's holder can tell a dead writer's folder from a live one's)."""
    with index_writer(settings.index_dir):
        remove_leftovers(Path(settings.index_dir))
        yield


def build_index(settings: Settings, embedder=None, progress: bool = True) -> dict:
    """Build or refresh the index of the corpus folder (a no-op when it already holds exactly it), as the
    index folder's one writer (qa_app.writers)."""
    with writing(settings):
        return store_for(settings).build_index(settings, embedder=embedder, progress=progress)


def load_index(settings: Settings) -> SearchIndex:
    """The live index: an `Index` (files) or a `MilvusIndex`."""
    return store_for(settings).load_index(settings)


def update_documents(settings: Settings, docs: Iterable[str], embedder=None, progress: bool = False) -> dict:
    """After documents were added to or removed from the corpus folder: the files store rebuilds
    (reusing embeddings); the Milvus store upserts and deletes the rows of these documents only."""
    with writing(settings):
        return store_for(settings).update_documents(settings, docs, embedder=embedder, progress=progress)


def index_version(settings: Settings) -> str | None:
    """The live version's name, cheap to read: a server polls it to notice another process's writes."""
    return store_for(settings).index_version(settings)
