"""The JSON API: POST /api/ask (the same JSON as `qa ask --json`) and GET /api/health."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa_app.errors import BadQuestion, QAError
from qa_app.validation import EMPTY_QUESTION, MAX_QUESTION_CHARS, too_long_message
from qa_app.web.feedback import PATHS as FEEDBACK_PATHS
from qa_app.web.feedback import feedback_detail
from qa_app.web.openai_api import is_openai_path, openai_error, validation_message
from qa_app.web.service import ChatService

MAX_HISTORY = 20


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS,
                          description="问题（1–500 个字）", examples=["某项目由哪个单位牵头？"])
    history: list[dict] = Field(default_factory=list, max_length=MAX_HISTORY,
                                description="此前各轮 /api/ask 返回的 JSON（用于追问），最多 20 轮")


class CitationOut(BaseModel):
    n: int
    record_id: str
    doc: str
    title: str
    number: int | None
    text: str
    score: float


class AnswerOut(BaseModel):
    question: str
    short: str
    answer: str
    citations: list[CitationOut]
    abstained: bool
    intent: str
    filters: dict
    record_ids: list[str] = Field(default_factory=list, description="回答统计或列出的全部条目编号（导出即这些条目）")
    plan: dict = Field(default_factory=dict, description="回答如何理解问题：范围、条件、主题、所问字段、操作（text 为一行说明）")
    answer_id: str | None = Field(None, description="本回答的编号，用于 POST /api/feedback 评价；未开启问答记录时为 null")


class HealthOut(BaseModel):
    status: str
    records: int
    model: str


class ErrorOut(BaseModel):
    detail: str


def make_router(service: ChatService) -> APIRouter:
    """Routes over one ChatService; the handlers are sync so answering runs in the thread pool."""
    router = APIRouter(prefix="/api", tags=["问答"])

    @router.post("/ask", response_model=AnswerOut, summary="提问",
                 responses={422: {"model": ErrorOut, "description": "问题为空、过长或请求格式不对"}})
    def ask(body: AskRequest) -> dict:
        try:
            return service.ask(body.question, body.history).to_dict()
        except BadQuestion as exc:
            return JSONResponse(status_code=422, content={"detail": str(exc)})

    @router.get("/health", response_model=HealthOut, summary="服务状态与记录数")
    def health() -> dict:
        return service.health()

    return router


def validation_detail(errors: list[dict]) -> str:
    """One Chinese sentence for the first problem pydantic found in a request."""
    if not errors:
        return "请求格式不正确。"
    first = errors[0]
    where = [str(part) for part in first.get("loc", ()) if part != "body"]
    kind = first.get("type", "")
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。"
    if where[:1] == ["question"]:
        if kind == "missing":
            return "缺少 question 字段：请提供要查询的问题。"
        if kind == "string_too_short":
            return EMPTY_QUESTION
        if kind == "string_too_long":
            return too_long_message(len(str(first.get("input", ""))))
        return "question 必须是文字。"
    if where[:1] == ["history"]:
        return f"history 必须是此前回答组成的列表，最多 {MAX_HISTORY} 轮。"
    if not where:
        return "请求体必须是 JSON 对象，例如 {\"question\": \"某项目由哪个单位牵头？\"}。"
    return f"请求格式不正确：{'.'.join(where)}。"


def install_error_handlers(app: FastAPI) -> None:
    """Validation errors and library errors become JSON with a Chinese `detail`, never a traceback."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if is_openai_path(request.url.path):
            message, param = validation_message(list(exc.errors()))
            return openai_error(400, message, param=param)
        if request.url.path in FEEDBACK_PATHS:
            return JSONResponse(status_code=422, content={"detail": feedback_detail(list(exc.errors()))})
        return JSONResponse(status_code=422, content={"detail": validation_detail(list(exc.errors()))})

    @app.exception_handler(StarletteHTTPException)
    async def _unparsable(request: Request, exc: StarletteHTTPException):
        """FastAPI answers a body it cannot decode (not UTF-8) with an English 400; say it like other bad bodies."""
        if is_openai_path(request.url.path):
            message = "请求体不是有效的 UTF-8 JSON。" if exc.status_code == 400 else str(exc.detail)
            return openai_error(exc.status_code, message)
        if exc.status_code == 400 and request.url.path.startswith("/api/"):
            return JSONResponse(status_code=422, content={"detail": "请求体不是有效的 UTF-8 JSON。"})
        return await http_exception_handler(request, exc)

    @app.exception_handler(QAError)
    async def _library(request: Request, exc: QAError) -> JSONResponse:
        if is_openai_path(request.url.path):
            return openai_error(503, str(exc), kind="server_error")
        return JSONResponse(status_code=503, content={"detail": str(exc)})
