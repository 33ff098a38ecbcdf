"""Adding documents to the corpus and removing them, with the index updated incrementally.

Every file is parsed before anything is copied: a file that yields no record is refused with
the file, sheet and row of the first problem, and nothing changes. Files are copied under a
temporary name and renamed into place; if the index build then fails, the corpus folder is put
back as it was, so the live index (switched atomically by `build_index`) and the corpus agree. Each
change holds the index folder's writer lock (qa_app.writers) from before the corpus is read to the end.
The build re-embeds only records whose text is new: the rest come from the embedding cache.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa_app.embedding import Embedder
from qa_app.errors import CorpusError, QAError
from qa_app.parsing import SUPPORTED, corpus_files, parse_file, with_place
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.parsing.places import store_place, stored_places, write_places
from qa_app.records import Document
from qa_app.settings import Settings
from qa_app.writers import index_writer

_MAX_NAME = 200


def check_name(name: str) -> str:
    """A plain file name that stays inside the corpus folder, of a supported type."""
    clean = (name or "").strip()
    if (not clean or clean in (".", "..") or Path(clean).name != clean or "\\" in clean
            or clean.startswith((".", "~$")) or len(clean) > _MAX_NAME
            or any(ord(ch) < 32 for ch in clean)):
        raise CorpusError(f"not a plain document name: {name!r} (no folders, no leading dot)")
    if Path(clean).suffix.lower() not in SUPPORTED:
        raise CorpusError(f"{clean}: unsupported file type; accepted: {', '.join(SUPPORTED)}")
    return clean


def _ocr_progress(name: str, done: int, total: int) -> None:
    """`qa add` shows OCR page by page: a scanned page takes 15–30 s."""
    print(f"OCR {name}: page {done}/{total}", file=sys.stderr, flush=True)


def _problem(doc: Document) -> str:
    if doc.skipped:
        first = doc.skipped[0]
        return f"{first.where}: {first.reason}"
    return f"{doc.file}: no record found"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:  # in blocks: a file given to `qa add` may be of any size
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(settings: Settings, sources: Sequence[Path], names: Sequence[str], replace: bool) -> list[Document]:
    """Parse every file (within `settings.limits`) before copying any; refuse the batch on the first
    file that cannot be used."""
    if len(set(names)) != len(names):
        raise CorpusError("two files with the same name in one batch")
    existing = {p.name: p for p in corpus_files(Path(settings.corpus_dir))}
    digests = {_digest(p): p.name for p in existing.values()}
    documents = []
    for source, name in zip(sources, names, strict=True):
        if not source.is_file():
            raise CorpusError(f"{source}: no such file")
        if name in existing and not replace:
            raise CorpusError(f"{name} is already in the corpus; remove it first or add with --replace")
        if source.suffix.lower() != Path(name).suffix.lower():
            raise CorpusError(f"{name}: the file given is a {source.suffix or 'file without a type'}, "
                              f"not {Path(name).suffix}")
        doc = parse_file(source, name, settings.limits)  # within the limits: a hostile file stops here
        if not doc.records:
            raise CorpusError(f"cannot add {name}: {_problem(doc)}")
        same = digests.get(_digest(source))
        if same and same != name:
            raise CorpusError(f"{name}: the same file is already in the corpus as {same}")
        documents.append(doc)
    return documents


def _place(source: Path, target: Path) -> Path | None:
    """Copy under a temporary name, then rename into place; returns the backup of a replaced file."""
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    shutil.copyfile(source, tmp)
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
        os.replace(target, backup)
    os.replace(tmp, target)
    return backup


def _build(settings: Settings, embedder: Embedder | None, progress: bool, docs: Sequence[str]) -> dict:
    """Bring the index up to date with these documents (the files store rebuilds, Milvus upserts them)."""
    from qa_app.indexes import update_documents

    return update_documents(settings, docs, embedder=embedder, progress=progress)


def add_documents(settings: Settings, paths: Iterable[Path | str], names: Sequence[str] | None = None,
                  replace: bool = False, embedder: Embedder | None = None, progress: bool = False,
                  place: str | None = None) -> dict:
    """Copy files into the corpus folder and update the index; `names` stores them under other names.
    `place` (某某县) is stored with the files, for those whose title, issuer and signature name none.

    Returns {"added", "replaced", "records", "skipped", "embedded", "corpus_records", "documents", "index"}.
    """
    sources = [Path(p) for p in paths]
    if not sources:
        raise CorpusError("no file given")
    names = [check_name(n) for n in (names or [p.name for p in sources])]
    if len(names) != len(sources):
        raise CorpusError("one name is needed for each file")
    corpus_dir = Path(settings.corpus_dir)
    with index_writer(settings.index_dir), ocr_context(settings.index_dir, _ocr_progress if progress else None):
        documents = [with_place(d, place) for d in _checked(settings, sources, names, replace)]
        placed: list[tuple[Path, Path | None]] = []
        places = stored_places(corpus_dir)
        try:
            for source, name in zip(sources, names, strict=True):
                placed.append((corpus_dir / name, _place(source, corpus_dir / name)))
                if place:
                    store_place(corpus_dir, name, place)
            report = _build(settings, embedder, progress, names)
        except (QAError, OSError):
            _undo(placed)
            if place:
                write_places(corpus_dir, places)
            raise
        for _, backup in placed:
            if backup:
                backup.unlink(missing_ok=True)
    return {
        "added": names,
        "replaced": [target.name for target, backup in placed if backup],
        "records": sum(len(d.records) for d in documents),
        "skipped": [f"{s.where}: {s.reason}" for d in documents for s in d.skipped],
        "embedded": report.get("embedded"),
        "corpus_records": report.get("records"),
        "documents": {d.file: d.summary() for d in documents},
        "index": report,
    }


def _undo(placed: list[tuple[Path, Path | None]]) -> None:
    """Put the corpus folder back as it was before a failed add."""
    for target, backup in reversed(placed):
        if backup:
            os.replace(backup, target)
        else:
            target.unlink(missing_ok=True)


def remove_document(settings: Settings, doc_name: str, embedder: Embedder | None = None,
                    progress: bool = False) -> dict:
    """Take one file out of the corpus folder and update the index; refused if nothing would be left."""
    name = check_name(str(doc_name))
    corpus_dir = Path(settings.corpus_dir)
    target = corpus_dir / name
    with index_writer(settings.index_dir), ocr_context(settings.index_dir):
        if not target.is_file():
            known = ", ".join(p.name for p in corpus_files(corpus_dir))
            raise CorpusError(f"{name} is not in the corpus ({known})")
        records = len(parse_file(target, limits=settings.limits).records)
        backup = target.with_name(f".{name}.{uuid.uuid4().hex}.removed")
        os.replace(target, backup)
        try:
            report = _build(settings, embedder, progress, [name])
        except (QAError, OSError):
            os.replace(backup, target)
            raise
        backup.unlink(missing_ok=True)
        store_place(corpus_dir, name, None)
    return {"removed": name, "records": records, "embedded": report.get("embedded"),
            "corpus_records": report.get("records"), "index": report}
