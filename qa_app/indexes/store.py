"""Building and loading the on-disk index, written atomically and re-embedding only what changed.

Layout: `index/CURRENT` names the live version folder `index/v-…/` (manifest.json, records.json,
chunks.json, vectors.npy, dense.faiss, bm25/). A build writes a new folder, then replaces CURRENT
with os.replace; a crash at any point leaves the previous version live. No pickle anywhere.

A loaded index keeps what searching and answering read: records, the BM25 model, the vector index with
vectors.npy memory-mapped; its chunks are rendered from the records when asked (chunk_text, as written).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.embedding import Embedder, load_embedder, model_id_for
from qa_app.errors import IndexMissing
from qa_app.indexes.chunks import RecordChunks, chunk_text, vocabulary_words
from qa_app.indexes.common import FORMAT, corpus_hash, embed_texts, package_versions, text_key
from qa_app.indexes.dense import EXACT_LIMIT, VectorIndex
from qa_app.indexes.lexical import Bm25Index
from qa_app.indexes.tokens import Tokenizer
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.records import Record
from qa_app.settings import Settings

CURRENT = "CURRENT"
LOADING_ERRORS = (OSError, ValueError, KeyError, TypeError, RuntimeError)
log = logging.getLogger(__name__)
# A build announces each stage it enters on this logger (the message is the stage's name: "embedding",
# "writing", "publishing"), at DEBUG level: what the fault tests stop a build at, and a place to watch one.
stages = logging.getLogger("qa_app.indexes.stages")


@dataclass(frozen=True)
class Index:
    """A loaded index: records and their chunks in row order, both search structures, the manifest."""

    folder: Path
    manifest: dict
    records: tuple[Record, ...]
    chunks: Sequence[str]
    dense: VectorIndex
    lexical: Bm25Index
    tokenizer: Tokenizer

    @property
    def version(self) -> str:
        return self.folder.name


def current_folder(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    folder = index_dir / str(name)
    if Path(name).name != name or not folder.is_dir():
        return None
    return folder


def live_version(settings: Settings) -> str | None:
    """The version folder CURRENT names, or None."""
    folder = current_folder(Path(settings.index_dir))
    return None if folder is None else folder.name


def cached_vectors(index_dir: Path, model_id: str) -> dict[str, np.ndarray]:
    """Vectors of the live version by text key, so a rebuild re-embeds only new or changed chunks."""
    folder = current_folder(index_dir)
    if folder is None:
        return {}
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        keys = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))["keys"]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError):
        return {}
    if manifest.get("model") != model_id or len(keys) != len(vectors):
        return {}
    return dict(zip(keys, vectors, strict=True))


def _vectors_for(chunks, keys, cached, embedder, progress) -> tuple[np.ndarray, int]:
    missing = [i for i, key in enumerate(keys) if key not in cached]
    fresh = embed_texts(embedder, [chunks[i] for i in missing], progress)
    dim = fresh.shape[1] if len(missing) else next(iter(cached.values())).shape[0]
    vectors = np.zeros((len(chunks), dim), dtype=np.float32)
    for i, key in enumerate(keys):
        if key in cached:
            vectors[i] = cached[key]
    for row, i in enumerate(missing):
        vectors[i] = fresh[row]
    return vectors, len(missing)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _write_version(folder: Path, manifest, records, chunks, keys, vectors, words, exact_limit) -> None:
    folder.mkdir(parents=True)
    tokenizer = Tokenizer(words)
    Bm25Index.build(tokenizer(c) for c in chunks).save(folder / "bm25")  # tokens streamed, not held
    stages.debug("writing")  # the temporary folder exists and is partly written
    dense = VectorIndex.build(vectors, exact_limit)
    dense.save(folder / "dense.faiss")
    np.save(folder / "vectors.npy", vectors, allow_pickle=False)
    _write_json(folder / "records.json", [r.to_dict() for r in records])
    _write_json(folder / "chunks.json", {"chunks": chunks, "keys": keys, "words": words})
    _write_json(folder / "manifest.json", {**manifest, "index_type": dense.kind})


def _publish(index_dir: Path, version: str, previous: Path | None) -> None:
    """Point CURRENT at the new version atomically, then remove the version it replaced (and no other
    folder: this build did not create them)."""
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    _write_json(tmp, {"version": version})
    os.replace(tmp, index_dir / CURRENT)
    if previous is not None and previous.name != version:
        shutil.rmtree(previous, ignore_errors=True)


def leftovers(index_dir: Path) -> list[Path]:
    """Folders a writer that died left behind: `.build-*` and versions CURRENT does not name. Only the
    holder of the writer lock (qa_app.writers) may call them leftovers: no other writer is alive then."""
    if not index_dir.is_dir():
        return []
    live = current_folder(index_dir)
    return sorted(child for child in index_dir.iterdir() if child.is_dir()
                  and child.name.startswith(("v-", ".build-")) and (live is None or child.name != live.name))


def remove_leftovers(index_dir: Path) -> list[str]:
    """Remove the leftovers (under the writer lock); their names, for the report."""
    found = leftovers(index_dir)
    for folder in found:
        shutil.rmtree(folder, ignore_errors=True)
    return [folder.name for folder in found]


def build_index(settings: Settings, embedder: Embedder | None = None, progress: bool = True,
                exact_limit: int = EXACT_LIMIT) -> dict:
    """Build (or refresh) the index for the corpus; returns what was done, with timings."""
    started = time.perf_counter()
    with ocr_context(settings.index_dir):  # scanned files: OCR once, then from <index>/ocr
        corpus = load_corpus(settings.corpus_dir, settings.limits)
    records = list(corpus.records)
    skipped = [f"{s.where}: {s.reason}" for s in corpus.all_skipped()]
    model_id = embedder.model_id if embedder else model_id_for(settings)
    digest = corpus_hash(records, model_id)
    index_dir = Path(settings.index_dir)
    current = current_folder(index_dir)
    if current is None and (index_dir / CURRENT).exists():
        log.warning("the index in %s has an unreadable %s pointer; rebuilding it", index_dir, CURRENT)
    elif current is None:
        log.warning("no index in %s yet; building it from %d records", index_dir, len(records))
    if current is not None and _up_to_date(current, digest, model_id):
        return {"changed": False, "records": len(records), "embedded": 0, "reused": len(records),
                "seconds": round(time.perf_counter() - started, 3), "version": current.name, "skipped": skipped}
    embedder = embedder or load_embedder(settings)
    chunks = [chunk_text(r) for r in records]
    keys = [text_key(model_id, c) for c in chunks]
    stages.debug("embedding")
    vectors, embedded = _vectors_for(chunks, keys, cached_vectors(index_dir, model_id), embedder, progress)
    version = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{digest[:10]}"
    manifest = {"format": FORMAT, "corpus_hash": digest, "model": model_id, "dim": int(vectors.shape[1]),
                "records": len(records), "versions": package_versions(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    index_dir.mkdir(parents=True, exist_ok=True)
    building = index_dir / f".build-{uuid.uuid4().hex}"
    _write_version(building, manifest, records, chunks, keys, vectors, vocabulary_words(records), exact_limit)
    os.replace(building, index_dir / version)
    stages.debug("publishing")
    _publish(index_dir, version, current)
    return {"changed": True, "records": len(records), "embedded": embedded, "reused": len(records) - embedded,
            "seconds": round(time.perf_counter() - started, 3), "version": version, "skipped": skipped}


def _up_to_date(folder: Path, digest: str, model_id: str) -> bool:
    """Whether the live version is of this corpus and loads; a damaged one is rebuilt, with a warning."""
    found = _manifest_hash(folder)
    if found is None:
        log.warning("the index in %s has an unreadable manifest; rebuilding it", folder.parent)
    if found != digest:
        return False
    try:
        _read_parts(folder, model_id)
    except (IndexMissing, *LOADING_ERRORS) as exc:
        log.warning("the index in %s cannot be loaded (%s: %s); rebuilding it", folder.parent,
                    type(exc).__name__, str(exc)[:200])
        return False
    return True


def _manifest_hash(folder: Path) -> str | None:
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("corpus_hash")
    except (OSError, ValueError, AttributeError):
        return None


def load_index(settings: Settings) -> Index:
    """Load the live index; anything missing, damaged or built with another model → IndexMissing."""
    index_dir = Path(settings.index_dir)
    folder = current_folder(index_dir)
    if folder is None:
        raise IndexMissing(f"no index in {index_dir}: run `qa build`")
    try:
        return _read_version(folder, model_id_for(settings))
    except IndexMissing:
        raise
    except LOADING_ERRORS as exc:
        raise IndexMissing(f"the index in {index_dir} is damaged ({type(exc).__name__}): run `qa build`") from exc


def _read_version(folder: Path, model_id: str) -> Index:
    manifest, records, chunk_data, dense, lexical = _read_parts(folder, model_id)
    return Index(folder, manifest, records, RecordChunks(records), dense, lexical, Tokenizer(chunk_data["words"]))


def _read_parts(folder: Path, model_id: str) -> tuple:
    """Everything of a version but the tokenizer (slow to start; the words it needs are read here)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise IndexMissing(f"the index in {folder.parent} has an old format: run `qa build`")
    if manifest.get("model") != model_id:
        raise IndexMissing(f"the index was built with {manifest.get('model')}, but {model_id} is configured: "
                           "run `qa build`")
    records = tuple(Record.from_dict(d) for d in json.loads((folder / "records.json").read_text(encoding="utf-8")))
    chunk_data = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
    vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)  # rows read when touched
    if not (len(records) == len(chunk_data["chunks"]) == len(vectors) == manifest.get("records")):
        raise IndexMissing(f"the index in {folder.parent} is damaged (sizes disagree): run `qa build`")
    dense = VectorIndex.load(folder / "dense.faiss", vectors)
    lexical = Bm25Index.load(folder / "bm25", len(records))
    return manifest, records, chunk_data, dense, lexical


class FilesStore:
    """The `Store` of the files in `settings.index_dir`: one process reads them (`index/CURRENT`)."""

    name = "faiss"
    shared = False

    def require(self, settings: Settings) -> None:
        """Nothing optional: FAISS and bm25s are core dependencies."""

    def build_index(self, settings: Settings, embedder: Embedder | None = None, progress: bool = True,
                    exact_limit: int = EXACT_LIMIT) -> dict:
        return build_index(settings, embedder=embedder, progress=progress, exact_limit=exact_limit)

    def load_index(self, settings: Settings) -> Index:
        return load_index(settings)

    def update_documents(self, settings: Settings, docs, embedder: Embedder | None = None,
                         progress: bool = False) -> dict:
        """A rebuild that reuses every unchanged record's vector: only the changed documents embed."""
        return build_index(settings, embedder=embedder, progress=progress)

    def index_version(self, settings: Settings) -> str | None:
        return live_version(settings)
