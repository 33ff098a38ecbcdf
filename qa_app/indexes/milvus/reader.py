"""Reading the Milvus store: the records held in memory, both legs searched in Milvus with filters.

A replica keeps what answering needs for every record (the records, a tokenizer of their names, BM25
term statistics); the vectors stay in Milvus. Filters become a Milvus expression on the scalar and array
fields, so Milvus applies them before ranking, as the FAISS store does with its allowed rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from qa_app.embedding import model_id_for
from qa_app.errors import IndexMissing, StoreUnavailable
from qa_app.indexes.chunks import vocabulary_words
from qa_app.indexes.common import fetch_size, ranked
from qa_app.indexes.dense import exact_scores
from qa_app.indexes.milvus.client import (
    connect,
    dense_search_params,
    ensure_loaded,
    in_list,
    literal,
    live_collection,
    manifest_of,
    pymilvus,
    read_rows,
    translated,
)
from qa_app.indexes.milvus.rows import FORMAT, name_key
from qa_app.indexes.sparse import TermStats
from qa_app.indexes.tokens import Tokenizer
from qa_app.records import Record
from qa_app.settings import Settings


@dataclass(frozen=True)
class Names:
    """Every leader and unit held, as the array fields store them: a filter's name is matched against
    these the way `Filters.matches` does (contained in), then sent as array_contains_any."""

    leaders: frozenset[str]
    units: frozenset[str]

    @classmethod
    def of(cls, records) -> Names:
        leaders = {name_key(n) for r in records for n in r.leaders}
        units = {name_key(n) for r in records for n in r.units + r.lead_units + r.participating_units}
        return cls(frozenset(leaders), frozenset(units))


def expression(where, names: Names) -> str | None:
    """The Milvus filter for a `retrieval.Where`; "" for none, None when nothing can match."""
    parts = []
    filters = where.filters
    if filters is not None:
        if filters.year is not None:
            parts.append(f"year == {int(filters.year)}")
        parts += [f"{name} == {literal(getattr(filters, name))}" for name in ("period", "kind", "doc")
                  if getattr(filters, name)]
        for wanted, column, known in ((filters.leader, "leaders", names.leaders), (filters.unit, "units", names.units)):
            if wanted:
                key = name_key(wanted)
                matching = sorted(n for n in known if key in n)
                if not matching:
                    return None
                parts.append(f"array_contains_any({column}, [{', '.join(literal(n) for n in matching)}])")
    if where.within is not None:
        if not where.within:
            return None
        parts.append(in_list("id", where.within))
    return " and ".join(f"({p})" for p in parts)


class _Leg:
    """One leg (dense or lexical) of the retriever, searched in Milvus; rows are the snapshot's."""

    def __init__(self, snapshot: Snapshot, field_name: str):
        self._snapshot = snapshot
        self._field = field_name

    def search(self, query, k: int, allowed: np.ndarray | None = None, where=None) -> list[tuple[int, float]]:
        snapshot = self._snapshot
        if where is not None:
            expr = expression(where, snapshot.names)
        elif allowed is not None:
            expr = in_list("id", [snapshot.records[int(row)].id for row in allowed]) if len(allowed) else None
        else:
            expr = ""
        if expr is None:
            return []
        data = snapshot.stats.query_vector(query) if self._field == "lexical" else \
            np.asarray(query, dtype=np.float32).reshape(-1).tolist()
        if not data:
            return []
        return snapshot.search(self._field, data, k, expr)


def _entity(hit) -> dict:
    """A search hit's output fields (pymilvus puts them under "entity"; some versions also at the top)."""
    return hit.get("entity") or hit


@dataclass(frozen=True)
class Snapshot:
    """The records of one version of the store, and the connection its searches go through."""

    client: object
    alias: str
    records: tuple[Record, ...]
    stats: TermStats
    names: Names
    row_of: dict[str, int] = field(repr=False)

    def search(self, field_name: str, data, k: int, expr: str) -> list[tuple[int, float]]:
        """The k best rows in the stated order (`common.ranked`), from `fetch_size(k)` fetched from Milvus."""
        fetch = fetch_size(k)
        params = {"metric_type": "IP"} if field_name == "lexical" else dense_search_params(len(self.records), fetch)
        fields = ["id", "dense"] if field_name == "dense" else ["id"]
        try:
            found = self.client.search(self.alias, data=[data], anns_field=field_name, limit=fetch, filter=expr,
                                       output_fields=fields, search_params=params)
        except pymilvus().MilvusException as exc:
            raise StoreUnavailable(f"Milvus search failed: {exc.message}") from exc
        hits = [h for h in found[0] if h["id"] in self.row_of]
        rows = [self.row_of[h["id"]] for h in hits]
        if field_name == "dense" and hits:  # scored again as the files store scores: the same value per row
            scores = exact_scores(np.array([_entity(h)["dense"] for h in hits], dtype=np.float32), np.asarray(data))
        else:
            scores = [float(h["distance"]) for h in hits]
        return ranked(rows, scores, k)


@dataclass(frozen=True)
class MilvusIndex:
    """What the Retriever reads (records, tokenizer, lexical, dense), backed by a Milvus collection."""

    manifest: dict
    records: tuple[Record, ...]
    tokenizer: Tokenizer
    lexical: _Leg
    dense: _Leg
    collection: str

    @property
    def version(self) -> str:
        return str(self.manifest.get("version"))


def _records(rows: list[dict]) -> tuple[Record, ...]:
    rows = sorted(rows, key=lambda row: (row["doc"], row["pos"]))
    return tuple(Record.from_dict(row["record"]) for row in rows)


@translated
def load_index(settings: Settings) -> MilvusIndex:
    """The live collection's records and search legs; IndexMissing when there is none or it is stale."""
    client = connect(settings)
    collection = live_collection(client, settings.milvus_collection)
    if collection is None:
        raise IndexMissing(f"no collection {settings.milvus_collection!r} at {settings.milvus_target()}: "
                           "run `qa build --store milvus`")
    manifest = manifest_of(client, collection)
    _check(manifest, model_id_for(settings), settings)
    ensure_loaded(client, collection)
    rows = read_rows(client, collection, ["id", "doc", "pos", "record", "lexical"])
    records = _records(rows)
    stats = TermStats.count(row["lexical"] for row in rows)
    snapshot = Snapshot(client, settings.milvus_collection, records, stats, Names.of(records),
                        {r.id: i for i, r in enumerate(records)})
    return MilvusIndex(manifest, records, _tokenizer(records), _Leg(snapshot, "lexical"), _Leg(snapshot, "dense"),
                       collection)


def _check(manifest: dict, model_id: str, settings: Settings) -> None:
    if manifest.get("format") != FORMAT:
        raise IndexMissing(f"the Milvus collection {settings.milvus_collection!r} has another format: "
                           "run `qa build --store milvus`")
    if manifest.get("model") != model_id:
        raise IndexMissing(f"the Milvus collection was built with {manifest.get('model')}, but {model_id} is "
                           "configured: run `qa build --store milvus`")


_TOKENIZERS: dict[tuple[str, ...], Tokenizer] = {}
_TOKENIZER_LOCK = threading.Lock()


def _tokenizer(records) -> Tokenizer:
    """A tokenizer of the records' names; the last one is kept, as a reload usually has the same names."""
    words = tuple(vocabulary_words(list(records)))
    with _TOKENIZER_LOCK:
        if words not in _TOKENIZERS:
            _TOKENIZERS.clear()
            _TOKENIZERS[words] = Tokenizer(list(words))
        return _TOKENIZERS[words]


@translated
def index_version(settings: Settings) -> str | None:
    """The live version (changes with every write), read cheaply: what replicas poll."""
    client = connect(settings)
    collection = live_collection(client, settings.milvus_collection)
    return None if collection is None else str(manifest_of(client, collection).get("version"))
