"""The one question validator: every entry point (engine, search, chat, API) checks a question here."""

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
