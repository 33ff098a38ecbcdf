"""Learning from use: the question log, ratings of answers, and what an admin reads from them.

The server gives every answer an `answer_id` and logs it (`store.py`); a user rates it with
POST /api/feedback; `qa log` and the admin page read the log back (`report.py`); the unanswered and
rated-down questions become eval questions for a person to review (`qa log --to-eval`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from qa_app.feedback.store import (
    MAX_COMMENT_CHARS,
    RATINGS,
    DisabledLog,
    Entry,
    LogUnavailable,
    Query,
    QuestionLog,
    now_text,
    read_entries,
)
from qa_app.records import Answer
from qa_app.settings import Settings

__all__ = ["MAX_COMMENT_CHARS", "RATINGS", "DisabledLog", "Entry", "LogUnavailable", "Query", "QuestionLog",
           "logged", "open_log", "read_entries"]


def open_log(settings: Settings) -> QuestionLog | DisabledLog:
    """The log these settings name (nothing is opened until the first write), or the disabled one."""
    if not settings.log_enabled:
        return DisabledLog()
    return QuestionLog(settings.log_path(), days=settings.log_days)


def new_answer_id() -> str:
    return uuid.uuid4().hex


def logged(log: QuestionLog | DisabledLog, answer: Answer, history_turns: int, latency_ms: float,
           index_version: str | None) -> Answer:
    """The answer with its answer_id, its row queued for the log; unchanged when the log is off."""
    if not log.enabled:
        return answer
    answer = replace(answer, answer_id=new_answer_id())
    log.record(Entry(answer_id=answer.answer_id, time=now_text(), question=answer.question,
                     history=history_turns, short=answer.short, abstained=answer.abstained,
                     intent=answer.intent, plan=str(answer.plan.get("text") or ""),
                     cited=tuple(c.record_id for c in answer.citations), latency_ms=latency_ms,
                     index_version=index_version))
    return answer
