"""Writing the Milvus store: a full build into a new collection behind the alias, or an in-place update.

Full build (`qa build`): a new collection is filled, its manifest written, and only then is the alias
moved to it (the `index/CURRENT` promise: readers never see a half-built index; a crash leaves the alias
where it was, and the next build drops the leftover). Update (`qa add`/`qa remove`): the records of the
named documents are upserted where new or changed and deleted where gone; records elsewhere whose BM25
tokens change with the names the documents brought or took away are upserted too; then the manifest's
version moves, which replicas notice. Embeddings are reused by text key and model, from the live
collection and from a FAISS index in the index folder.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa_app.embedding import Embedder, load_embedder, model_id_for
from qa_app.indexes.chunks import chunk_text, vocabulary_words
from qa_app.indexes.common import corpus_hash, embed_texts, package_versions, text_key
from qa_app.indexes.milvus.client import (
    LAYOUT,
    connect,
    create_collection,
    ensure_loaded,
    in_list,
    live_collection,
    manifest_of,
    read_rows,
    translated,
    write_manifest,
)
from qa_app.indexes.milvus.rows import FORMAT, make_row, positions
from qa_app.indexes.sparse import K1, B, document_vector, mean_length
from qa_app.indexes.store import cached_vectors
from qa_app.indexes.tokens import Tokenizer
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.records import Record
from qa_app.settings import Settings


def _report(started: float, changed: bool, records: int, embedded: int, version: str, skipped, **extra) -> dict:
    return {"changed": changed, "records": records, "embedded": embedded, "reused": records - embedded,
            "seconds": round(time.perf_counter() - started, 3), "version": version, "skipped": skipped, **extra}


def _stored_vectors(client, collection: str | None, model_id: str, keys: Iterable[str] | None = None) -> dict:
    """Vectors already in the live collection by text key (only those keys when given)."""
    if collection is None or manifest_of(client, collection).get("model") != model_id:
        return {}
    wanted = sorted(set(keys)) if keys is not None else None
    if wanted == []:
        return {}
    ensure_loaded(client, collection)
    rows = read_rows(client, collection, ["key", "dense"], in_list("key", wanted) if wanted else "")
    return {row["key"]: np.asarray(row["dense"], dtype=np.float32) for row in rows}


def _vectors(chunks: list[str], keys: list[str], cached: dict, embedder: Embedder, progress: bool):
    missing = [i for i, key in enumerate(keys) if key not in cached]
    fresh = embed_texts(embedder, [chunks[i] for i in missing], progress)
    found = dict(zip((keys[i] for i in missing), fresh, strict=True))
    return [cached.get(key, found.get(key)) for key in keys], len(missing)


@translated
def build_index(settings: Settings, embedder: Embedder | None = None, progress: bool = True) -> dict:
    """Build the collection for the corpus folder unless the live one already holds exactly it."""
    started = time.perf_counter()
    with ocr_context(settings.index_dir):
        corpus = load_corpus(settings.corpus_dir)
    records = list(corpus.records)
    skipped = [f"{s.where}: {s.reason}" for s in corpus.all_skipped()]
    model_id = embedder.model_id if embedder else model_id_for(settings)
    digest = corpus_hash(records, model_id)
    client, alias = connect(settings), settings.milvus_collection
    live = live_collection(client, alias)
    if live is not None:
        manifest = manifest_of(client, live)
        if (manifest.get("format"), manifest.get("model"), manifest.get("corpus_hash")) == (FORMAT, model_id, digest):
            return _report(started, False, len(records), 0, str(manifest.get("version")), skipped)
    embedder = embedder or load_embedder(settings)
    cached = {**cached_vectors(Path(settings.index_dir), model_id), **_stored_vectors(client, live, model_id)}
    name, version, embedded = write_collection(client, alias, records, digest, cached, embedder, progress)
    return _report(started, True, len(records), embedded, version, skipped, collection=name)


def write_collection(client, alias: str, records: list[Record], digest: str, cached: dict, embedder: Embedder,
                     progress: bool = False) -> tuple[str, str, int]:
    """Fill a new collection with these records, then move the alias to it: (name, version, embedded)."""
    model_id = embedder.model_id
    live = live_collection(client, alias)
    name = f"{version_prefix(alias)}{time.strftime('%Y%m%dT%H%M%S')}_{digest[:8]}"
    tokenizer = Tokenizer(vocabulary_words(records))
    chunks = [chunk_text(r) for r in records]
    token_lists = [tokenizer(c) for c in chunks]
    avgdl = mean_length(token_lists)
    create_collection(client, name, embedder.dim, len(records))
    try:
        embedded = _fill(client, name, records, chunks, token_lists, avgdl, model_id, cached, embedder, progress)
        client.flush(name)  # sealed segments get their indexes; unflushed rows are searched by brute force
        version = f"{name}#1"
        write_manifest(client, name, {
            "format": FORMAT, "corpus_hash": digest, "model": model_id, "dim": embedder.dim, "records": len(records),
            "avgdl": avgdl, "k1": K1, "b": B, "version": version, "revision": 1, "versions": package_versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")})
    except BaseException:
        client.drop_collection(name)
        raise
    _switch(client, alias, name, live)
    return name, version, embedded


def _fill(client, name, records, chunks, token_lists, avgdl, model_id, cached, embedder, progress) -> int:
    """Insert every record's row, batch by batch (embedding what the cache lacks as it goes)."""
    embedded = 0
    places = positions(records)
    for start in range(0, len(records), LAYOUT.batch):
        part = slice(start, start + LAYOUT.batch)
        keys = [text_key(model_id, c) for c in chunks[part]]
        vectors, fresh = _vectors(chunks[part], keys, cached, embedder, progress)
        embedded += fresh
        rows = [make_row(r, pos, c, key, vector, document_vector(tokens, avgdl))
                for r, pos, c, key, vector, tokens in zip(records[part], places[part], chunks[part], keys, vectors,
                                                          token_lists[part], strict=True)]
        client.insert(name, rows)
    return embedded


def version_prefix(alias: str) -> str:
    """Collections of this alias are named <alias>__v<time>_<corpus hash>: nothing else is ever dropped."""
    return f"{alias}__v"


def _switch(client, alias: str, name: str, live: str | None) -> None:
    """Point the alias at the new collection, then drop the one it left and any leftover of a crash."""
    if live is None:
        client.create_alias(name, alias)
    else:
        client.alter_alias(name, alias)
    for other in client.list_collections():
        if other != name and other.startswith(version_prefix(alias)):
            client.drop_collection(other)
