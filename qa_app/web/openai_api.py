"""An OpenAI-compatible face on the engine: GET /v1/models and POST /v1/chat/completions.

Chat clients (Open WebUI, Cherry Studio, ChatBox, LobeChat, Dify) and the `openai` package speak this
API; they send the whole conversation each time. The last user message is the question and the earlier
user messages are its history (the engine takes plain previous questions for follow-ups). The reply's
content is the full answer with its [n] markers followed by its sources as text, so a client that shows
only `content` still shows where the answer came from; `citations`, `short`, `abstained` and `answer_id`
(for POST /api/feedback) ride along as extra fields. Errors use OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from qa_app.errors import BadQuestion
from qa_app.web.service import ChatService


@dataclass(frozen=True)
class CompletionsConfig:
    """The limits and names of the OpenAI-compatible endpoint, in one place."""

    model_id: str = "qa-app"
    source_chars: int = 80  # a cited record's text is shortened to this many characters in `content`
    max_messages: int = 200  # a long conversation is fine; only its user messages are read
    history_questions: int = 20  # earlier user messages passed on as history (the engine reads the last few)
    body_limit: int = 1024 * 1024  # clients resend every earlier answer with each question
    stream_piece_chars: int = 40  # content is streamed by sentence and line, long ones in pieces of this size


CONFIG = CompletionsConfig()
PREFIX = "/v1/"
NO_USER_MESSAGE = "messages 里没有 role 为 user 的消息：请把问题放在最后一条 user 消息里。"


class ChatMessage(BaseModel):
    """One message; `content` is text, or a list of parts of which the text parts are read."""

    model_config = ConfigDict(extra="allow")
    role: str = Field(..., description="system / user / assistant / tool …；只读取 user 消息")
    content: str | list[dict] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(str(p.get("text", "")) for p in parts if p.get("type") in ("text", "input_text"))


class ChatRequest(BaseModel):
    """The fields read; anything else a client sends (temperature, max_tokens, …) is accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(CONFIG.model_id, description="任意；只有一个模型 qa-app")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=CONFIG.max_messages,
                                        examples=[[{"role": "user", "content": "市医保局2023年负责哪几项目标？"}]])
    stream: bool = Field(False, description="true：以 SSE 分块返回，最后一块之后是 data: [DONE]")


def is_openai_path(path: str) -> bool:
    return path.startswith(PREFIX)


def error_body(message: str, param: str | None = None, code: str | None = None,
               kind: str = "invalid_request_error") -> dict:
    """An error as OpenAI sends it, so clients show `message` instead of failing to parse the body."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def openai_error(status: int, message: str, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(message, param, code, kind))


def validation_message(errors: list[dict]) -> tuple[str, str | None]:
    """One Chinese sentence for the first problem pydantic found in a request, and the field it is in."""
    if not errors:
        return "请求格式不正确。", None
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or None
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。", None
    if where is None:
        return '请求体必须是 JSON 对象，例如 {"messages": [{"role": "user", "content": "市医保局2023年负责哪几项目标？"}]}。', None
    if where == "messages" and kind in ("missing", "too_short"):
        return "缺少 messages：请至少给出一条 user 消息。", where
    if where == "messages" and kind == "too_long":
        return f"messages 太多：最多 {CONFIG.max_messages} 条。", where
    return f"请求格式不正确：{where}。", where


def question_and_history(messages: list[ChatMessage], config: CompletionsConfig = CONFIG) -> tuple[str, list[str]]:
    """The last user message, and the user messages before it (most recent last)."""
    asked = [m.text() for m in messages if m.role == "user"]
    if not asked:
        raise BadQuestion(NO_USER_MESSAGE)
    earlier = [text for text in asked[:-1] if text.strip()]
    return asked[-1], earlier[-config.history_questions:]


def _shorten(text: str, limit: int) -> str:
    flat = " ".join((text or "").split())  # table rows are tab-separated
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def reply_text(answer: dict, config: CompletionsConfig = CONFIG) -> str:
    """The answer with its [n] markers, then a list of the cited records (title, number, shortened text).

    A Markdown list, so clients that render Markdown keep one source per line and plain ones read fine."""
    lines = [answer.get("answer", "")]
    citations = answer.get("citations") or []
    if citations:
        lines += ["", "可能相关的条目（并非答案）：" if answer.get("abstained") else "来源：", ""]
        for c in citations:
            number = f" 第{c['number']}项" if c.get("number") is not None else ""
            text = _shorten(c.get("text", ""), config.source_chars)
            lines.append(f"- [{c.get('n')}] {c.get('title', '')}{number}：{text}")
    return "\n".join(lines)


def _extras(answer: dict) -> dict:
    return {"citations": answer.get("citations") or [], "short": answer.get("short", ""),
            "abstained": bool(answer.get("abstained")), "answer_id": answer.get("answer_id")}


def completion(answer: dict, config: CompletionsConfig = CONFIG) -> dict:
    """A `chat.completion` object carrying the answer."""
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": config.model_id, "system_fingerprint": None,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply_text(answer, config)},
                         "finish_reason": "stop", "logprobs": None}],
            **_extras(answer)}


_BREAK = re.compile(r"(?<=[。；！？\n])")  # a piece ends after a sentence, clause or line where it can


def _pieces(text: str, size: int) -> Iterator[str]:
    for part in _BREAK.split(text):
        for start in range(0, len(part), size):
            yield part[start:start + size]


def completion_chunks(answer: dict, config: CompletionsConfig = CONFIG) -> Iterator[str]:
    """The answer as SSE `chat.completion.chunk` events: the role, the content in pieces, a last chunk
    with `finish_reason` and the extra fields, then `[DONE]`. The answer is whole before the first byte."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": config.model_id, "system_fingerprint": None}

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        chunk = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
                 **extra}
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    for piece in _pieces(reply_text(answer, config), config.stream_piece_chars):
        yield event({"content": piece})
    yield event({}, "stop", **_extras(answer))
    yield "data: [DONE]\n\n"


def models(config: CompletionsConfig = CONFIG) -> dict:
    return {"object": "list", "data": [{"id": config.model_id, "object": "model", "created": 0,
                                        "owned_by": "qa_app"}]}


def make_openai_router(service: ChatService, config: CompletionsConfig = CONFIG) -> APIRouter:
    """GET /v1/models and POST /v1/chat/completions over one ChatService (sync: answers run in the pool)."""
    router = APIRouter(prefix="/v1", tags=["OpenAI 兼容接口"])

    @router.get("/models", summary="模型列表（只有 qa-app）")
    def list_models() -> dict:
        return models(config)

    @router.post("/chat/completions", summary="对话补全（OpenAI 兼容）",
                 description="最后一条 user 消息是问题，之前的 user 消息用于追问；`stream: true` 时以 SSE 返回。")
    def chat_completions(body: ChatRequest):
        try:
            question, history = question_and_history(body.messages, config)
            answer = service.ask(question, history).to_dict()
        except BadQuestion as exc:
            return openai_error(400, str(exc), param="messages")
        if body.stream:
            return StreamingResponse(completion_chunks(answer, config), media_type="text/event-stream",
                                     headers={"cache-control": "no-store"})
        return completion(answer, config)

    return router
