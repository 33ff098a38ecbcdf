"""The store interface: what the files store (FAISS + BM25 in `index/`) and the Milvus store both provide.

`qa_app.indexes.store_for(settings)` picks the store once, from `settings.store`; everything above the
indexes (engine, ingest, CLI, web, bench) goes through a `Store` and the `SearchIndex` it loads, so no
other module compares the store's name. Both implementations are checked against these protocols in
tests/test_indexes_interface.py, and both follow the one result order of `qa_app.indexes.common`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from qa_app.records import Record
from qa_app.settings import Settings


@runtime_checkable
class Leg(Protocol):
    """One ranked search over a loaded index: BM25 (`query` is the tokens) or dense (a query vector).

    Returns at most k (row, score) pairs in the stated order (`common.ranked`): scores rounded to
    `common.SCORE_DECIMALS`, best first, ties by row. `allowed` are the rows a filter keeps (None: all);
    `where` says what chose them, for a store that filters on its own side.
    """

    def search(self, query, k: int, allowed=None, where=None) -> list[tuple[int, float]]: ...


@runtime_checkable
class SearchIndex(Protocol):
    """A loaded version of the index: its records in row order and both legs over them."""

    @property
    def manifest(self) -> dict: ...

    @property
    def records(self) -> tuple[Record, ...]: ...

    @property
    def tokenizer(self): ...

    @property
    def lexical(self) -> Leg: ...

    @property
    def dense(self) -> Leg: ...

    @property
    def version(self) -> str: ...


@runtime_checkable
class Store(Protocol):
    """Where the index lives: builds it, loads it, updates it for changed documents, names its version."""

    name: str
    # True when several replicas (each with its own corpus folder) share the store: a replica then never
    # rebuilds it from its own folder on start (that would drop what another replica added).
    shared: bool

    def require(self, settings: Settings) -> None:
        """Raise StoreUnavailable (with the install command) when the store's optional extra is missing."""
        ...

    def build_index(self, settings: Settings, embedder=None, progress: bool = True) -> dict: ...

    def load_index(self, settings: Settings) -> SearchIndex: ...

    def update_documents(self, settings: Settings, docs: Iterable[str], embedder=None,
                         progress: bool = False) -> dict: ...

    def index_version(self, settings: Settings) -> str | None: ...

