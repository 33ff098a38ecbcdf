"""Who may upload, and which files the upload panel may read.

Gradio's upload route exists on every mounted app and its file values name server paths. Mounted with
`gr.mount_gradio_app`, Gradio skips its own allowed-path check (it runs only once `launch()` has been
called), so a file value naming any readable server file would be copied into its cache and handed to
our handler. Two checks close that:

* `uploads_only` makes the panel's file component accept only paths inside Gradio's upload folder (what
  the upload route wrote), before Gradio copies anything; `uploaded_path` is the same check in the
  handler, after the admin token and before any file is opened.
* `UploadGate` answers 403 to an upload from a browser without the admin session: the cookie that
  POST /admin/session sets when the admin token is typed into the panel (the panel's button posts it
  before opening). Each admin session may upload at most `UploadCaps.files` times and
  `UploadCaps.bytes` in all, so a stolen cookie cannot fill the disk either.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from gradio.utils import get_upload_folder

from qa_app.web.auth import Sessions, _cookie, token_matches
from qa_app.web.security import _header

ADMIN_COOKIE = "qa_admin"
ADMIN_SESSION_PATH = "/admin/session"
UPLOAD_ROUTE = "/gradio_api/upload"
NOT_UPLOADED = "只接受通过本页面上传的文件。"
NEED_ADMIN = "上传文件需要管理口令：请先在“文档管理”中输入管理口令。"
TOO_MANY = "本次管理会话上传的文件太多：请重新输入管理口令后再传。"
TOO_BIG = "本次管理会话上传的文件太大或未说明大小。"
WRONG_ADMIN = "口令不对，无法管理文档。"


def upload_folder() -> Path:
    return Path(get_upload_folder()).resolve()


def is_uploaded(path: str | Path) -> bool:
    """Whether `path` (symlinks resolved) lies inside Gradio's upload folder; a URL never does."""
    text = str(path)
    if "://" in text or not text:
        return False
    try:
        Path(text).resolve().relative_to(upload_folder())
    except (ValueError, OSError):
        return False
    return True


def uploaded_path(path: str | Path) -> Path:
    """The path of a file the upload route wrote, or gr.Error: nothing else is read or copied."""
    if not is_uploaded(path):
        raise gr.Error(NOT_UPLOADED)
    return Path(str(path))


def uploads_only(component: gr.File) -> gr.File:
    """The file component with its values checked to be uploads: Gradio moves each value into its cache
    (a URL: downloads it) before our handler runs, so the check sits in that move. On the instance, not
    a subclass: Gradio writes a .pyi file next to the module of every Component subclass it meets."""
    move, move_async = component.move_resource_to_block_cache, component.async_move_resource_to_block_cache

    def checked(url_or_file_path):
        if url_or_file_path is not None:
            uploaded_path(url_or_file_path)
        return move(url_or_file_path)

    async def checked_async(url_or_file_path):
        if url_or_file_path is not None:
            uploaded_path(url_or_file_path)
        return await move_async(url_or_file_path)

    component.move_resource_to_block_cache = checked
    component.async_move_resource_to_block_cache = checked_async
    return component


@dataclass(frozen=True)
class UploadCaps:
    files: int = 20  # upload requests per admin session
    bytes: int = 100 * 1024 * 1024  # bytes per admin session, all uploads together


class AdminSessions:
    """Signed admin cookies (see auth.Sessions) and what each one has uploaded so far."""

    def __init__(self, token: str, caps: UploadCaps = UploadCaps()):
        self.token = token
        self.caps = caps
        self.signed = Sessions()
        self._used: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def charge(self, cookie: str | None, length: int | None) -> tuple[int, str] | None:
        """None when this upload may go ahead (and counts it), else (status, message)."""
        if not self.signed.valid(cookie):
            return 403, NEED_ADMIN
        with self._lock:
            files, sent = self._used.get(cookie, (0, 0))
            if files >= self.caps.files:
                return 429, TOO_MANY
            if length is None or sent + length > self.caps.bytes:
                return 413, TOO_BIG
            self._used[cookie] = (files + 1, sent + length)
        return None


def make_admin_router(sessions: AdminSessions) -> APIRouter:
    """POST /admin/session: the admin token as the body; sets the admin cookie the upload route wants."""
    router = APIRouter(include_in_schema=False)

    @router.post(ADMIN_SESSION_PATH)
    async def open_session(request: Request) -> Response:
        given = (await request.body())[:4096].decode("utf-8", "replace").strip()
        if not token_matches(given, sessions.token):
            return JSONResponse({"detail": WRONG_ADMIN}, status_code=403)
        response = Response(status_code=204)
        response.set_cookie(ADMIN_COOKIE, sessions.signed.issue(), max_age=sessions.signed.seconds, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    return router


def is_upload_route(path: str) -> bool:
    return path.rstrip("/").endswith(UPLOAD_ROUTE)


class UploadGate:
    """ASGI middleware: Gradio's upload route, under any mount, only for an admin session within its caps
    (`sessions` None: nobody uploads). Refused before the body is read."""

    def __init__(self, app, sessions: AdminSessions | None = None, admin_mount: str = "/"):
        self.app = app
        self.sessions = sessions
        self.route = admin_mount.rstrip("/") + UPLOAD_ROUTE

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not is_upload_route(path):
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope, path)
        if refusal is None:
            return await self.app(scope, receive, send)
        status, message = refusal
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: dict, path: str) -> tuple[int, str] | None:
        if self.sessions is None or path.rstrip("/") != self.route:
            return 403, NEED_ADMIN
        length = _header(scope, b"content-length")
        size = int(length) if length and length.isdigit() else None
        return self.sessions.charge(_cookie(scope, ADMIN_COOKIE), size)
