"""Where OCR results are kept and who hears of OCR progress: set by the caller around a read.

OCR of one page takes ~15–30 s here, so its result is kept, by the file's SHA-256, under the index
folder (`<index>/ocr/`), and every later read of the same bytes (a rebuild, the staleness check of
each engine start, `qa corpus`) takes it from there. The readers' signature (path, name, limits) is
shared by every format and only OCR needs a cache and a progress line, so these two travel in a
context variable set where the settings are known (`ocr_context(settings.index_dir, …)`), not as
parameters through every reader. Without one, OCR still works, uncached and silent.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

Progress = Callable[[str, int, int], None]  # (file name, pages done, pages to read)
_CONTEXT: ContextVar[tuple[Path | None, Progress | None]] = ContextVar("ocr_context", default=(None, None))


@contextmanager
def ocr_context(index_dir: Path | None, progress: Progress | None = None) -> Iterator[None]:
    """Within this block, OCR results are cached under `index_dir`/ocr and pages are reported to
    `progress` (None: to whoever an enclosing block named, so a build inside `qa add` still reports)."""
    token = _CONTEXT.set((Path(index_dir) / "ocr" if index_dir else None, progress or _CONTEXT.get()[1]))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def report(name: str, done: int, total: int) -> None:
    progress = _CONTEXT.get()[1]
    if progress is not None:
        progress(name, done, total)


def load(key: str) -> dict | None:
    """The cached result under `key`, if any (an unreadable entry is read again, not trusted)."""
    folder = _CONTEXT.get()[0]
    if folder is None:
        return None
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(key: str, value: dict) -> None:
    """Keep a result: written under a temporary name and renamed, so a reader never sees half."""
    folder = _CONTEXT.get()[0]
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{key}.{uuid.uuid4().hex}.part"
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / f"{key}.json")
