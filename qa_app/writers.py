"""One writer at a time on an index folder, across processes and threads.

`qa build`, `qa add`, `qa remove`, the upload panel and a server building a missing index all change the
corpus folder and the index folder together. A lock held only inside one process let two `qa add`
commands interleave: one published a version without the other's document, or deleted the other's
build folder under it. `index_writer` takes an exclusive `fcntl.flock` on `<index>/.writer.lock` before
the corpus is read; the kernel releases it when the holder exits, even by SIGKILL, so a crashed writer
never leaves the folder locked. A second writer waits (saying so once, with the holder's pid) up to
`wait_s`, then fails with IndexBusy. Re-entrant within a thread: an add holds it through its build.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa_app.errors import IndexBusy

LOCK_FILE = ".writer.lock"
WAIT_S = 600.0  # a build of the whole bundled corpus from scratch takes ~1-3 min on 2 cores
POLL_S = 0.1
log = logging.getLogger(__name__)
_held = threading.local()


def _holder(handle) -> str:
    handle.seek(0)
    text = handle.read(32).strip()
    return text if text.isdigit() else "?"


@contextmanager
def index_writer(index_dir: Path | str, wait_s: float = WAIT_S) -> Iterator[None]:
    """Hold the index folder's writer lock for the block; IndexBusy if another writer keeps it `wait_s`."""
    folder = Path(index_dir).resolve()
    held = getattr(_held, "folders", None)
    if held is None:
        held = _held.folders = set()
    if folder in held:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+", encoding="ascii") as handle:
        _acquire(handle, folder, wait_s)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        held.add(folder)
        try:
            yield
        finally:
            held.discard(folder)
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, folder: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    said = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not said:
            log.warning("another process (pid %s) is changing the index in %s; waiting for it…",
                        _holder(handle), folder)
            said = True
        if time.monotonic() >= deadline:
            raise IndexBusy(f"another process (pid {_holder(handle)}) is still changing the index in {folder} "
                            f"after {wait_s:g} s; try again when it has finished")
        time.sleep(POLL_S)
