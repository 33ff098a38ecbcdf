"""`qa add`/`qa remove` on the Milvus store: upsert and delete the rows of the named documents only.

Only the named documents are read from this replica's corpus folder, so an update never drops what
another replica added to the shared collection from its own folder. A full `qa build` is what makes the
collection equal to one folder.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from qa_app.embedding import Embedder, load_embedder, model_id_for
from qa_app.indexes.chunks import chunk_text, vocabulary_words
from qa_app.indexes.common import corpus_hash, text_key
from qa_app.indexes.milvus.client import (
    LAYOUT,
    connect,
    ensure_loaded,
    in_list,
    live_collection,
    manifest_of,
    read_rows,
    translated,
    write_manifest,
)
from qa_app.indexes.milvus.rows import FORMAT, make_row, positions, record_hash, same_vector
from qa_app.indexes.milvus.writer import _report, _stored_vectors, _vectors, build_index
from qa_app.indexes.sparse import document_vector
from qa_app.indexes.tokens import Tokenizer
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.records import Record
from qa_app.settings import Settings
from qa_app.text import fold_variants, normalize


def _folded(text: str) -> str:
    return normalize(fold_variants(text)).lower()


@translated
def update_documents(settings: Settings, docs: Iterable[str], embedder: Embedder | None = None,
                     progress: bool = False) -> dict:
    """Make the live collection hold the named documents as the corpus folder has them now (a document
    no longer in the folder loses its records); a full build when there is no usable collection yet."""
    started = time.perf_counter()
    docs = set(docs)
    model_id = embedder.model_id if embedder else model_id_for(settings)
    client = connect(settings)
    live = live_collection(client, settings.milvus_collection)
    manifest = manifest_of(client, live) if live else {}
    if live is None or (manifest.get("format"), manifest.get("model")) != (FORMAT, model_id):
        return build_index(settings, embedder, progress)
    with ocr_context(settings.index_dir):
        corpus = load_corpus(settings.corpus_dir)
    folder = list(corpus.records)
    wanted = [(r, pos) for r, pos in zip(folder, positions(folder), strict=True) if r.doc in docs]
    ensure_loaded(client, live)
    stored = {row["id"]: row for row in read_rows(client, live, ["id", "doc", "pos", "record", "hash"])}
    wanted_ids = {r.id for r, _ in wanted}
    deleted = sorted(i for i, row in stored.items() if row["doc"] in docs and i not in wanted_ids)
    changed = [(r, pos) for r, pos in wanted if _is_changed(stored.get(r.id), r, pos)]
    kept = [(Record.from_dict(row["record"]), row["pos"]) for row in stored.values() if row["doc"] not in docs]
    before = [Record.from_dict(row["record"]) for row in stored.values()]
    after = sorted(kept + wanted, key=lambda item: (item[0].doc, item[1]))
    tokenizer = Tokenizer(vocabulary_words([r for r, _ in after]))
    embedder = embedder or load_embedder(settings)
    rows, embedded = _changed_rows(client, live, changed, tokenizer, manifest, model_id, embedder, progress)
    rows += _retokenized(client, live, before, after, {r.id for r, _ in changed}, tokenizer, manifest)
    for start in range(0, len(rows), LAYOUT.batch):
        client.upsert(live, rows[start : start + LAYOUT.batch])
    if deleted:
        client.delete(live, filter=in_list("id", deleted))
    changed_any = bool(rows or deleted)
    if changed_any:
        manifest = _publish(client, live, manifest, [r for r, _ in after], model_id)
    skipped = [f"{s.where}: {s.reason}" for d in corpus.documents if d.file in docs for s in d.skipped]
    return _report(started, changed_any, len(after), embedded, str(manifest.get("version")), skipped,
                   upserted=len(rows), deleted=len(deleted), collection=live)


def _publish(client, live: str, manifest: dict, records: list[Record], model_id: str) -> dict:
    """Flush, then move the version: replicas reload only once every row is written."""
    client.flush(live)
    revision = int(manifest.get("revision", 1)) + 1
    manifest = {**manifest, "corpus_hash": corpus_hash(records, model_id), "records": len(records),
                "revision": revision, "version": f"{live}#{revision}", "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_manifest(client, live, manifest)
    return manifest


def _is_changed(row: dict | None, record: Record, pos: int) -> bool:
    return row is None or row["hash"] != record_hash(record) or row["pos"] != pos


def _changed_rows(client, live, changed, tokenizer, manifest, model_id, embedder, progress) -> tuple[list, int]:
    """Rows for new or changed records: vectors from the collection by text key, else embedded."""
    chunks = [chunk_text(r) for r, _ in changed]
    keys = [text_key(model_id, c) for c in chunks]
    vectors, embedded = _vectors(chunks, keys, _stored_vectors(client, live, model_id, keys), embedder, progress)
    avgdl = float(manifest["avgdl"])
    rows = [make_row(r, pos, c, key, vector, document_vector(tokenizer(c), avgdl))
            for (r, pos), c, key, vector in zip(changed, chunks, keys, vectors, strict=True)]
    return rows, embedded


def _retokenized(client, live, before: list[Record], after, done: set[str], tokenizer, manifest) -> list[dict]:
    """Rows of other records whose BM25 vector changes because a name jieba keeps whole came or went."""
    moved = {_folded(w) for w in set(vocabulary_words(before)) ^ set(tokenizer.words)}
    if not moved:
        return []
    touched = [(r, pos) for r, pos in after if r.id not in done and any(w in _folded(chunk_text(r)) for w in moved)]
    if not touched:
        return []
    rows = {row["id"]: row for row in read_rows(client, live, ["id", "key", "dense", "lexical"],
                                                in_list("id", [r.id for r, _ in touched]))}
    avgdl = float(manifest["avgdl"])
    fresh = []
    for record, pos in touched:
        chunk = chunk_text(record)
        vector = document_vector(tokenizer(chunk), avgdl)
        stored = rows.get(record.id)
        if stored is not None and not same_vector(stored["lexical"], vector):
            fresh.append(make_row(record, pos, chunk, stored["key"], np.asarray(stored["dense"]), vector))
    return fresh
