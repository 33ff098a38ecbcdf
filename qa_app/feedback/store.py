"""The question log: one SQLite file (WAL) that every `qa serve` process on a machine writes to.

Why a background writer: a log write must never slow or fail an answer. `record` only puts the row on
a queue; one thread per process drains it in batches (a transaction per batch) and counts what fails
(a read-only file, a full disk, a locked database past the busy timeout) instead of raising. A rating
goes through the same thread, so a rating that follows its answer in this process always finds it.
"""

from __future__ import annotations

import atexit
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from qa_app.errors import QAError

log = logging.getLogger(__name__)
RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 500
BUSY_MS = 5000  # how long a writer waits for another process's transaction before the write counts as failed
MAX_QUEUED = 10_000  # rows waiting for the disk; beyond this a row is dropped (and counted), never waited for
BATCH = 200
COLUMNS = ("answer_id", "time", "question", "history", "short", "abstained", "intent", "plan", "cited",
           "latency_ms", "index_version", "rating", "comment", "rated_at")
SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
  answer_id TEXT PRIMARY KEY, time TEXT NOT NULL, question TEXT NOT NULL, history INTEGER NOT NULL,
  short TEXT NOT NULL, abstained INTEGER NOT NULL, intent TEXT NOT NULL, plan TEXT NOT NULL,
  cited TEXT NOT NULL, latency_ms REAL NOT NULL, index_version TEXT, rating TEXT, comment TEXT, rated_at TEXT);
CREATE INDEX IF NOT EXISTS questions_time ON questions (time);
"""


class LogUnavailable(QAError):
    """The question log is off, or its database cannot be written: a rating cannot be kept."""


def now_text() -> str:
    """Local time with its offset, to the millisecond: sorts as text, and its first 10 characters are the day."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Entry:
    """One answered question as the log keeps it."""

    answer_id: str
    time: str
    question: str
    history: int
    short: str
    abstained: bool
    intent: str
    plan: str  # the answerer's one-line reading of the question (按：…)
    cited: tuple[str, ...]
    latency_ms: float
    index_version: str | None = None
    rating: str | None = None
    comment: str | None = None
    rated_at: str | None = None

    def row(self) -> tuple:
        return (self.answer_id, self.time, self.question, self.history, self.short, int(self.abstained),
                self.intent, self.plan, json.dumps(list(self.cited), ensure_ascii=False),
                round(self.latency_ms, 1), self.index_version, self.rating, self.comment, self.rated_at)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Entry:
        data = dict(zip(COLUMNS, row, strict=True))
        data["abstained"] = bool(data["abstained"])
        data["cited"] = tuple(json.loads(data["cited"] or "[]"))
        return cls(**data)

    def to_dict(self) -> dict:
        """What `qa log --json` prints per question."""
        return {"answer_id": self.answer_id, "time": self.time, "question": self.question, "short": self.short,
                "abstained": self.abstained, "rating": self.rating, "comment": self.comment,
                "latency_ms": self.latency_ms}


@dataclass(frozen=True)
class Query:
    """Which logged questions to read; None: any."""

    abstained: bool | None = None
    rating: str | None = None
    since: str | None = None  # YYYY-MM-DD, local day
    limit: int | None = None

    def sql(self) -> tuple[str, list]:
        clauses, values = [], []
        if self.abstained is not None:
            clauses.append("abstained = ?")
            values.append(int(self.abstained))
        if self.rating:
            clauses.append("rating = ?")
            values.append(self.rating)
        if self.since:
            clauses.append("time >= ?")
            values.append(self.since)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        limit = f" LIMIT {int(self.limit)}" if self.limit else ""
        return f"SELECT {', '.join(COLUMNS)} FROM questions{where} ORDER BY time, rowid{limit}", values


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, waiting for other writers."""
    if readonly:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_MS / 1000,
                                     check_same_thread=False, isolation_level=None)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, timeout=BUSY_MS / 1000, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(SCHEMA)
    connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return connection


class QuestionLog:
    """The log of one database file; `record` never raises and never waits for the disk."""

    enabled = True

    def __init__(self, path: Path, days: int = 365):
        self.path = Path(path)
        self.days = days
        self.errors = 0  # rows or ratings that could not be written
        self.written = 0
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._start = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pruned_day: str | None = None

    def record(self, entry: Entry) -> None:
        """Queue one row for the writer thread; a full queue drops it (counted), it never blocks."""
        if self._queue.qsize() >= MAX_QUEUED:
            self.errors += 1
            return
        self._ensure_writer()
        self._queue.put(("row", entry))

    def call(self, work: Callable[[sqlite3.Connection], object], timeout: float = 30) -> object:
        """Run `work(connection)` on the writer thread after every row queued before it; its result."""
        future: Future = Future()
        self._ensure_writer()
        self._queue.put(("call", (work, future)))
        return future.result(timeout=timeout)

    def flush(self, timeout: float = 30) -> None:
        """Wait until every row queued so far is written (or has failed)."""
        self.call(lambda _connection: None, timeout)

    def rate(self, answer_id: str, rating: str, comment: str | None) -> bool:
        """Keep a rating (and comment) for a logged answer; False when no such answer is logged.
        Raises LogUnavailable when the database cannot be written."""

        def update(connection: sqlite3.Connection) -> bool:
            cursor = connection.execute("UPDATE questions SET rating = ?, comment = ?, rated_at = ? "
                                        "WHERE answer_id = ?", (rating, comment or None, now_text(), answer_id))
            return cursor.rowcount > 0

        try:
            return bool(self.call(update))
        except (sqlite3.Error, OSError) as exc:
            self.errors += 1
            raise LogUnavailable(f"问答记录无法写入（{self.path}）：{exc}") from None

    def entries(self, query: Query = Query()) -> list[Entry]:
        """The logged questions matching `query`, oldest first (this process's queued rows included)."""
        if self._writer is not None:
            self.flush()
        return read_entries(self.path, query)

    def _ensure_writer(self) -> None:
        if self._writer is None:
            with self._start:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._drain, name="qa-question-log", daemon=True)
                    self._writer.start()
                    atexit.register(self._flush_at_exit)

    def _flush_at_exit(self) -> None:
        """A server stopped normally writes what is still queued (briefly: a stuck disk must not hang exit)."""
        try:
            self.flush(timeout=5)
        except Exception:  # exiting: nothing left to tell
            pass

    def _drain(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH and batch[-1][0] == "row":
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [item for kind, item in batch if kind == "row"]
            if rows:
                self._write(rows)
            for work, future in (item for kind, item in batch if kind == "call"):
                self._run(work, future)

    def _write(self, rows: list[Entry]) -> None:
        try:
            connection = self._open()
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(f"INSERT OR REPLACE INTO questions VALUES ({', '.join('?' * len(COLUMNS))})",
                                       [r.row() for r in rows])
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            self.written += len(rows)
        except (sqlite3.Error, OSError) as exc:
            self._failed(len(rows), exc)

    def _run(self, work, future: Future) -> None:
        try:
            future.set_result(work(self._open()))
        except Exception as exc:  # handed to the caller, who decides what it means
            self._connection = None
            future.set_exception(exc)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = connect(self.path)
        day = now_text()[:10]
        if self._pruned_day != day:
            self._pruned_day = day
            self._connection.execute("DELETE FROM questions WHERE time < ?", (_cutoff(self.days),))
        return self._connection

    def _failed(self, count: int, exc: Exception) -> None:
        self.errors += count
        self._connection = None  # reopened on the next write: the file may be writable again
        if self.errors == count or self.errors % 1000 < count:
            log.warning("question log %s: %d writes failed so far (%s)", self.path, self.errors, exc)


class DisabledLog:
    """QA_LOG=off: nothing is kept, answers carry no answer_id, a rating is refused."""

    enabled = False
    errors = 0
    written = 0
    path = None

    def record(self, entry: Entry) -> None:
        return None

    def flush(self, timeout: float = 30) -> None:
        return None

    def rate(self, answer_id: str, rating: str, comment: str | None) -> bool:
        raise LogUnavailable("本服务未开启问答记录（QA_LOG=off），无法保存评价。")

    def entries(self, query: Query = Query()) -> list[Entry]:
        return []


def _cutoff(days: int) -> str:
    return (datetime.now().astimezone() - timedelta(days=days)).isoformat(timespec="milliseconds")


def read_entries(path: Path, query: Query = Query()) -> list[Entry]:
    """Rows of a log file, read-only (another process may be writing it); none when it does not exist."""
    if not Path(path).is_file():
        return []
    sql, values = query.sql()
    connection = connect(Path(path), readonly=True)
    try:
        return [Entry.from_row(row) for row in connection.execute(sql, values)]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise QAError(f"cannot read the question log {path}: {exc}") from None
    finally:
        connection.close()
