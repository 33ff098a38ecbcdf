"""The FastAPI app: JSON API and offline docs first, then the Gradio chats at /embed and /."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi_offline import FastAPIOffline

from qa_app.answering import assistant_title
from qa_app.web.api import install_error_handlers, make_router
from qa_app.web.auth import (
    LOGIN_BODY_LIMIT,
    LOGIN_PATH,
    AccessControl,
    Sessions,
    document_bearer,
    make_login_router,
)
from qa_app.web.chat import build_chat
from qa_app.web.feedback import CHAT_BODY_LIMIT, CHAT_PATH, make_feedback_router
from qa_app.web.mcp_server import MCP_PATH, mcp_endpoint
from qa_app.web.openai_api import CONFIG as OPENAI_CONFIG
from qa_app.web.openai_api import PREFIX as OPENAI_PREFIX
from qa_app.web.openai_api import error_body, make_openai_router
from qa_app.web.security import BodyLimit, SecurityHeaders
from qa_app.web.service import ChatService
from qa_app.web.uploads import ADMIN_SESSION_PATH, AdminSessions, UploadGate, make_admin_router

STATIC = Path(__file__).resolve().parent / "static"
# System fonts only: a theme font from Google Fonts would be a request leaving the intranet.
SANS = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei",
        "Helvetica Neue", "Arial", "sans-serif"]
MONO = ["Noto Sans Mono CJK SC", "Consolas", "Menlo", "monospace"]
NO_UPLOADS_LIMIT = "1mb"  # Gradio's upload route exists on every app (UploadGate refuses it where nothing uploads)

API_DESCRIPTION = """对已载入的责任目标文件的问答接口（无需联网，不使用大模型）。

* `POST /api/ask` `{"question": "...", "history": [...]}` → 与 `qa ask --json` 相同的 JSON：
  `question, short, answer（带 [n] 标记）, citations[{n, record_id, doc, title, number, text, score}],
  abstained, intent, filters`。`history` 放此前各轮返回的 JSON，用于追问。
* 问题为空或超过 500 字 → HTTP 422，`detail` 为中文说明；请求体上限 64 KB。
* `POST /api/feedback` `{"answer_id": "...", "rating": "up" | "down", "comment": "..."}` → `{"ok": true}`：
  评价某个回答（answer_id 不存在 → 404；rating 不对或 comment 超过 500 字 → 422）。
* `GET /api/health` → `{"status": "ok", "records": N, "model": "..."}`。
* OpenAI 兼容：`GET /v1/models`、`POST /v1/chat/completions`（可在 Open WebUI、Cherry Studio 等客户端中
  作为“OpenAI 兼容”服务添加，base URL 为 `http://主机:端口/v1`）。
* MCP（streamable HTTP）：`/mcp`，工具 ask、search、show。
* 嵌入：在网页中加一行 `<script src="http://主机:端口/embed.js" defer></script>`。
"""
AUTH_DESCRIPTION = """
* 本服务设置了访问口令：每个请求都要带 `Authorization: Bearer <口令>`，否则 HTTP 401（点右上角 Authorize 填入口令）。
"""


def make_theme() -> gr.themes.Base:
    return gr.themes.Default(primary_hue="red", neutral_hue="slate", font=SANS, font_mono=MONO)


def _to_embed(request: Request) -> RedirectResponse:
    """/embed → /embed/ (the Gradio mount answers under the slash), keeping the query."""
    query = request.url.query
    return RedirectResponse("embed/" + (f"?{query}" if query else ""), status_code=307)


def _embed_script() -> FileResponse:
    """The one-line embed: a floating 问答 button that opens /embed in a panel (static; no data in it)."""
    return FileResponse(STATIC / "embed.js", media_type="text/javascript; charset=utf-8",
                        headers={"cache-control": "public, max-age=300"})


def create_app(service: ChatService, embed_origins: Sequence[str] = (), admin_token: str | None = None,
               auth_token: str | None = None, loopback_only: bool = True) -> FastAPI:
    """Build the whole web app around one ChatService.

    `embed_origins` are the pages allowed to frame the chat (CSP frame-ancestors; empty: same host,
    any port). `admin_token` enables the upload panel on / for whoever enters it; None hides it.
    `auth_token` (QA_AUTH_TOKEN) puts everything behind it: see `qa_app.web.auth`; None: open.
    `loopback_only` (listening on 127.0.0.1/localhost) lets /mcp refuse other Host and Origin headers.
    """
    title = assistant_title(service.engine.records)
    description = f"**{title}**\n\n" + API_DESCRIPTION + (AUTH_DESCRIPTION if auth_token else "")
    mcp = mcp_endpoint(service, loopback_only=loopback_only)
    app = FastAPIOffline(title="qa_app 责任目标问答 API", version="1", description=description,
                         swagger_ui_parameters={"validatorUrl": None}, redoc_url=None, lifespan=mcp.lifespan)
    install_error_handlers(app)
    app.include_router(make_router(service))
    app.include_router(make_openai_router(service))
    app.include_router(make_feedback_router(service))  # before the mount at /, which would take /feedback
    app.add_route(MCP_PATH, mcp.endpoint, include_in_schema=False)
    app.add_api_route("/embed.js", _embed_script, include_in_schema=False)
    sessions = Sessions() if auth_token else None
    if auth_token:  # before the mount at /: Gradio has a /login of its own
        app.include_router(make_login_router(auth_token, sessions, title))
        document_bearer(app)
    admins = AdminSessions(admin_token) if admin_token else None
    if admins:  # before the mount at /, like /login
        app.include_router(make_admin_router(admins))
    app.add_api_route("/embed", _to_embed, include_in_schema=False)
    upload_limit = int(service.settings.limits.max_file_mb * 1024 * 1024)  # the panel's cap: QA_MAX_FILE_MB
    common = {"theme": make_theme(), "footer_links": [], "ssr_mode": False, "show_error": False}
    # /embed before /: a mount at / would otherwise swallow /embed.
    gr.mount_gradio_app(app, build_chat(service, compact=True), path="/embed",
                        css_paths=[STATIC / "qa.css", STATIC / "embed.css"], max_file_size=NO_UPLOADS_LIMIT,
                        **common)
    gr.mount_gradio_app(app, build_chat(service, compact=False, admin_token=admin_token), path="/",
                        css_paths=[STATIC / "qa.css"], max_file_size=upload_limit if admin_token else NO_UPLOADS_LIMIT,
                        **common)
    app.add_middleware(UploadGate, sessions=admins, admin_mount="/")
    app.add_middleware(BodyLimit, limit=LOGIN_BODY_LIMIT, prefix=ADMIN_SESSION_PATH)
    app.add_middleware(BodyLimit)
    app.add_middleware(BodyLimit, limit=OPENAI_CONFIG.body_limit, prefix=OPENAI_PREFIX, shape=error_body)
    app.add_middleware(BodyLimit, limit=CHAT_BODY_LIMIT, prefix=CHAT_PATH)
    if auth_token:
        app.add_middleware(BodyLimit, limit=LOGIN_BODY_LIMIT, prefix=LOGIN_PATH)
        app.add_middleware(AccessControl, token=auth_token, sessions=sessions)
    app.add_middleware(SecurityHeaders, embed_origins=tuple(embed_origins))
    return app
