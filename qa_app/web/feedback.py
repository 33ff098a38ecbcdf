"""POST /api/feedback: a 👍 or 👎 (and an optional correction) for one logged answer.

Programs call `/api/feedback` with the bearer token, like `/api/ask`. The chat's own buttons post to
`/feedback`, which is the same handler outside `/api/`: behind QA_AUTH_TOKEN a logged-in browser holds
the session cookie, not the token, and `/api/*` takes only the token (qa_app.web.auth). The cookie is
SameSite=Strict and the body must be JSON, so another site cannot rate answers in a user's name.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from qa_app.feedback import MAX_COMMENT_CHARS, LogUnavailable
from qa_app.web.service import ChatService

API_PATH = "/api/feedback"
CHAT_PATH = "/feedback"
PATHS = (API_PATH, CHAT_PATH)
CHAT_BODY_LIMIT = 8 * 1024  # an id, a rating and 500 characters of comment fit many times over
UNKNOWN_ANSWER = "没有这个回答：answer_id 不在问答记录里（它来自 /api/ask 等接口返回的 answer_id）。"


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., min_length=1, max_length=64, description="/api/ask 返回的 answer_id")
    rating: Literal["up", "down"] = Field(..., description="up：有用；down：不对或没用")
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS,
                                description="可选，最多 500 字，例如“正确答案应为市商务局”")


class FeedbackOut(BaseModel):
    ok: bool


class ErrorOut(BaseModel):
    detail: str


def feedback_detail(errors: list[dict]) -> str:
    """One Chinese sentence for the first problem in a feedback body."""
    first = errors[0] if errors else {}
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。"
    if where[:1] == ["rating"]:
        return "rating 只能是 \"up\" 或 \"down\"。"
    if where[:1] == ["comment"]:
        if kind == "string_too_long":
            return f"comment 太长：最多 {MAX_COMMENT_CHARS} 个字。"
        return "comment 必须是文字。"
    if where[:1] == ["answer_id"]:
        return "缺少 answer_id，或它不是 /api/ask 返回的编号。"
    return '请求体必须是 JSON 对象，例如 {"answer_id": "…", "rating": "down", "comment": "正确答案应为…"}。'


def make_feedback_router(service: ChatService) -> APIRouter:
    """/api/feedback (in the docs) and /feedback (the chat's buttons), one handler."""
    router = APIRouter(tags=["问答"])

    def feedback(body: FeedbackRequest):
        comment = (body.comment or "").strip() or None
        try:
            found = service.log.rate(body.answer_id.strip(), body.rating, comment)
        except LogUnavailable as exc:
            return JSONResponse(status_code=503, content={"detail": str(exc)})
        if not found:
            return JSONResponse(status_code=404, content={"detail": UNKNOWN_ANSWER})
        return {"ok": True}

    router.add_api_route(API_PATH, feedback, methods=["POST"], response_model=FeedbackOut, summary="评价一个回答",
                         description="对 /api/ask 返回的某个回答打分（up/down），可附一句更正；保存在问答记录里。",
                         responses={404: {"model": ErrorOut, "description": "answer_id 不在问答记录里"},
                                    422: {"model": ErrorOut, "description": "rating 不对或 comment 超过 500 字"},
                                    503: {"model": ErrorOut, "description": "未开启问答记录或无法写入"}})
    router.add_api_route(CHAT_PATH, feedback, methods=["POST"], response_model=FeedbackOut, include_in_schema=False)
    return router
