"""The one question validator: every entry point (engine, search, chat, API, MCP) checks a question, and the
conversation history it comes with, here."""

from __future__ import annotations

from qa_app.errors import BadQuestion

MAX_QUESTION_CHARS = 500
EMPTY_QUESTION = "问题为空：请输入要查询的问题，例如“某项目由哪个单位牵头？”。"


def too_long_message(length: int) -> str:
    return f"问题太长（{length} 个字）：请精简到 {MAX_QUESTION_CHARS} 个字以内再问。"


def validate_question(question) -> str:
    """The question stripped, or BadQuestion with a message meant for the person who asked. The
    length is counted as sent, like the API schema counts it."""
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion(EMPTY_QUESTION)
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(too_long_message(len(question)))
    return question.strip()


MAX_HISTORY_TURNS = 10  # earlier turns read for a follow-up; the engine itself looks at the last few
MAX_HISTORY_CHARS = 2000  # the earlier questions together, newest first; older ones past it are dropped
MAX_CITED_PER_TURN = 50  # record ids of one earlier answer a follow-up may reuse


def validate_history(history) -> list:
    """The conversation bounded like the question: each earlier question cut at MAX_QUESTION_CHARS,
    at most MAX_HISTORY_TURNS turns and MAX_HISTORY_CHARS of questions in all (the newest kept), and
    of an earlier answer only what a follow-up reads (question, cited ids, abstained, intent).

    Why: an earlier question is understood and may become the search text of a follow-up, so an
    unbounded one would cost what a question of any length costs while the current question is capped.
    Never raises: a history that cannot be read is no history."""
    if not isinstance(history, list | tuple):
        return []
    kept: list = []
    budget = MAX_HISTORY_CHARS
    for item in reversed(history[-MAX_HISTORY_TURNS:]):
        turn = _bounded_turn(item)
        if turn is None:
            continue
        length = len(turn if isinstance(turn, str) else turn["question"])
        if length > budget:
            break
        budget -= length
        kept.append(turn)
    return kept[::-1]


def _bounded_turn(item) -> str | dict | None:
    """One earlier turn cut to what a follow-up reads; None for one without a question."""
    if isinstance(item, str):
        return item.strip()[:MAX_QUESTION_CHARS] or None
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        return None
    question = item["question"].strip()[:MAX_QUESTION_CHARS]
    if not question:
        return None
    cited = item.get("citations") if isinstance(item.get("citations"), list) else []
    ids = [c["record_id"] for c in cited if isinstance(c, dict) and isinstance(c.get("record_id"), str)]
    intent = item.get("intent") if isinstance(item.get("intent"), str) else None
    return {"question": question, "citations": [{"record_id": i[:200]} for i in ids[:MAX_CITED_PER_TURN]],
            "abstained": bool(item.get("abstained")), "intent": intent}
