"""The engine behind the web app, swappable at run time (after documents are added or removed)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from qa_app.engine import Engine
from qa_app.errors import QAError
from qa_app.feedback import DisabledLog, QuestionLog, logged, open_log
from qa_app.indexes import index_version
from qa_app.records import Answer, Record
from qa_app.retrieval import Filters
from qa_app.settings import Settings
from qa_app.validation import validate_history, validate_question

FOLLOW_SECONDS = 2.0  # how often a server checks whether another process wrote a new index version
log = logging.getLogger(__name__)

def check_question(question: str) -> str:
    """The question stripped, or BadQuestion (see qa_app.validation)."""
    return validate_question(question if isinstance(question, str) else "")


def load_engine(settings: Settings, embedder=None, progress: bool = False) -> Engine:
    """The engine for these settings, building or updating the index first where needed."""
    return Engine.load(settings, build_if_missing=True, progress=progress, embedder=embedder)


class ChatService:
    """Holds the current engine; `reload()` swaps in a freshly loaded one without stopping requests.

    Questions are answered by `settings.worker_count()` threads taking them first come, first served:
    thirty-two requests answered all at once would share two cores (and the GIL) thirty-two ways, so
    each would take as long as the slowest; queued, each waits its turn and then runs at full speed."""

    def __init__(self, settings: Settings, engine: Engine, loader: Callable[..., Engine] | None = None,
                 question_log: QuestionLog | DisabledLog | None = None):
        self.settings = settings
        self.log = question_log if question_log is not None else open_log(settings)
        self._engine = engine
        self._loader = loader or load_engine
        self._lock = threading.Lock()
        self._reloading = threading.RLock()
        self._answering = ThreadPoolExecutor(settings.worker_count(), thread_name_prefix="qa-answer")

    @property
    def engine(self):
        with self._lock:
            return self._engine

    def ask(self, question: str, history: list | None = None, filters: Filters | None = None) -> Answer:
        """Answer one question in its turn; raises BadQuestion for empty or over-long ones. The history
        is bounded here, before the request waits for a worker (the API, /v1, Gradio and MCP all come here)."""
        text = check_question(question)
        began = time.perf_counter()
        answer = self._answering.submit(self._answer, text, validate_history(history), filters).result()
        latency_ms = (time.perf_counter() - began) * 1000
        retriever = getattr(self.engine, "retriever", None)  # an engine stand-in may have none
        version = retriever.index.version if retriever is not None else None
        return logged(self.log, answer, len(history or []), latency_ms, version)

    def _answer(self, text: str, history: list | None, filters: Filters | None) -> Answer:
        return self.engine.answer(text, history or [], scope=filters)

    def record(self, record_id: str) -> Record | None:
        return self.engine.record(record_id)

    def health(self) -> dict:
        engine = self.engine
        return {"status": "ok", "records": len(engine.records), "model": engine.model_id}

    def documents(self) -> list[tuple[str, str]]:
        """(title, file) of each document in the index, in index order."""
        seen: dict[str, str] = {}
        for record in self.engine.records:
            seen.setdefault(record.doc, record.title or record.doc)
        return [(title, doc) for doc, title in seen.items()]

    def document_choices(self) -> list[tuple[str, str]]:
        """(label, file) per document; the file name tells apart parts that share a title."""
        counts: dict[str, int] = {}
        for record in self.engine.records:
            counts[record.doc] = counts.get(record.doc, 0) + 1
        return [(f"{title}（{doc}，{counts[doc]} 条）", doc) for title, doc in self.documents()]

    def years(self) -> list[int]:
        return sorted({r.year for r in self.engine.records if r.year is not None})

    def filter_choices(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(label, value) choices of the year and document filters; "" means all."""
        years = [("全部年份", "")] + [(f"{y}年", str(y)) for y in self.years()]
        return years, [("全部文件", "")] + self.document_choices()

    @property
    def embedder(self):
        """The loaded embedding model, reused by document uploads and reloads."""
        return self.engine.retriever.embedder

    def reload(self) -> None:
        """Load the engine again (rebuilding the index where documents changed) and swap it in."""
        with self._reloading:
            fresh = self._loader(self.settings, embedder=self.embedder)
            with self._lock:
                self._engine = fresh

    def reload_if_changed(self) -> bool:
        """Reload when the live index is not the one loaded: another replica (or `qa add`) wrote to the
        shared store. A fresh engine brings fresh records, so the answering caches keyed by them follow."""
        try:
            live = index_version(self.settings)
        except QAError as exc:
            log.warning("cannot read the index version: %s", exc)
            return False
        with self._reloading:
            if live is None or live == self.engine.retriever.index.version:
                return False
            self.reload()
            log.info("reloaded index version %s", live)
            return True

    def follow_index(self, seconds: float = FOLLOW_SECONDS) -> threading.Event:
        """Check for a new index version every few seconds in a daemon thread; set the event to stop."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(seconds):
                try:
                    self.reload_if_changed()
                except (QAError, OSError) as exc:
                    log.warning("reloading the index failed: %s", exc)

        threading.Thread(target=loop, name="qa-follow-index", daemon=True).start()
        return stop
