"""Optional access control (QA_AUTH_TOKEN): a bearer token on the API, a login for everything else.

With a token, the programs' endpoints (`/api/*`, the OpenAI-compatible `/v1/*` and the MCP endpoint
`/mcp`) answer only requests carrying `Authorization: Bearer <token>`; the chat pages,
Gradio's own routes under them, `/docs` and `/openapi.json` need either that header or the session
cookie that `/login` sets after the token is typed in. The cookie is HttpOnly and SameSite=Strict and
carries an expiry signed with a secret made at start-up, so a restart logs everybody out and no other
site can use a logged-in browser. `/embed.js` stays open: a static script holding no data, which a
portal loads before anyone has logged in (its panel then shows the login). The check is ASGI middleware, in front of the body being read, so
an unauthenticated request is refused before the server does any work for it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from html import escape
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from qa_app.web.openai_api import error_body, is_openai_path
from qa_app.web.security import _header

SESSION_COOKIE = "qa_session"
SESSION_SECONDS = 12 * 3600
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
LOGIN_BODY_LIMIT = 4096
API_PREFIXES = ("/api/", "/v1/")
MCP_PATH = "/mcp"
EMBED_SCRIPT_PATH = "/embed.js"
NEED_TOKEN = "需要访问口令：请在请求头中加上 Authorization: Bearer <QA_AUTH_TOKEN>。"
WRONG_BEARER = "访问口令不对：请检查 Authorization: Bearer 后面的口令。"
NEED_LOGIN = "需要登录：请先在 /login 输入访问口令。"
WRONG_LOGIN = "口令不对，请重新输入。"


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an unset or empty token never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this server only (no other host, no scheme)."""
    text = value or ""
    if (not text.startswith("/") or text.startswith("//") or "\\" in text or len(text) > 2000
            or any(ord(ch) < 33 or ord(ch) == 127 for ch in text)):
        return "/"
    return text


class Sessions:
    """Signed session cookies: `<expiry>.<hmac>`; the secret lives only in this process."""

    def __init__(self, seconds: int = SESSION_SECONDS, secret: bytes | None = None):
        self.seconds = seconds
        self._secret = secret or secrets.token_bytes(32)

    def _sign(self, expiry: int) -> str:
        return hmac.new(self._secret, f"qa-session|{expiry}".encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        expiry = int(now if now is not None else time.time()) + self.seconds
        return f"{expiry}.{self._sign(expiry)}"

    def valid(self, value: str | None, now: float | None = None) -> bool:
        expiry, _, signature = (value or "").partition(".")
        if not expiry.isdigit() or len(expiry) > 12:
            return False
        if not hmac.compare_digest(signature.encode(), self._sign(int(expiry)).encode()):
            return False
        return int(expiry) > (now if now is not None else time.time())


def _cookie(scope: dict, name: str) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            cookie_name, _, cookie_value = part.strip().partition("=")
            if cookie_name == name:
                return cookie_value
    return None


def bearer_only(path: str) -> bool:
    """Endpoints for programs, which send the header: a login cookie does not open them."""
    return path.startswith(API_PREFIXES) or path == MCP_PATH or path.startswith(MCP_PATH + "/")


def _json_401(detail: str, path: str = "") -> tuple[int, list, bytes]:
    """The refusal as JSON: `{"detail"}`, or OpenAI's error shape under /v1/ (clients show its message)."""
    data = error_body(detail, code="invalid_api_key") if is_openai_path(path) else {"detail": detail}
    body = json.dumps(data, ensure_ascii=False).encode()
    return 401, [(b"content-type", b"application/json; charset=utf-8"), (b"www-authenticate", b"Bearer"),
                 (b"cache-control", b"no-store")], body


class AccessControl:
    """Refuses requests without the token: 401 (JSON, Chinese `detail`), or a redirect to the login page.

    `/api/*`, `/v1/*` and `/mcp` take only the bearer header; other paths take the header or a valid
    session cookie. Only `/login`, `/logout` and `/embed.js` are open. A browser asking for a page is sent to `/login?next=…`.
    """

    def __init__(self, app, token: str, sessions: Sessions):
        self.app = app
        self.token = token
        self.sessions = sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path in (LOGIN_PATH, LOGOUT_PATH, EMBED_SCRIPT_PATH):
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope, path)
        if refusal is None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        status, headers, body = refusal
        await send({"type": "http.response.start", "status": status,
                    "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _refusal(self, scope: dict, path: str) -> tuple[int, list, bytes] | None:
        """None when the request may pass, else (status, headers, body) of the refusal."""
        raw = _header(scope, b"authorization")  # latin-1 as sent; a token may be UTF-8 (e.g. Chinese)
        given = bearer_token(raw.encode("latin-1").decode("utf-8", "replace") if raw else None)
        if given is not None and token_matches(given, self.token):
            return None
        if bearer_only(path):
            return _json_401(WRONG_BEARER if given is not None else NEED_TOKEN, path)
        if self.sessions.valid(_cookie(scope, SESSION_COOKIE)):
            return None
        if scope.get("method") in ("GET", "HEAD") and "text/html" in (_header(scope, b"accept") or ""):
            query = scope.get("query_string", b"").decode("latin-1")
            wanted = path + (f"?{query}" if query else "")
            location = f"{LOGIN_PATH}?next={quote(wanted, safe='/')}"
            return 303, [(b"location", location.encode("latin-1")), (b"cache-control", b"no-store")], b""
        return _json_401(NEED_LOGIN)


DEFAULT_TITLE = "责任目标问答"  # the app passes one made from the documents' place
LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · {title}</title>
<style>
 body {{ margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
   background: #f3f4f6; color: #1f2937; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }}
 form {{ background: #fff; border-radius: 8px; padding: 20px 22px; width: min(300px, 86vw);
   box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
 h1 {{ font-size: 17px; margin: 0 0 6px; }} p {{ font-size: 13px; color: #4b5563; margin: 0 0 14px; }}
 label {{ display: block; font-size: 14px; margin-bottom: 6px; }}
 input[type=password] {{ box-sizing: border-box; width: 100%; padding: 8px; font-size: 15px;
   border: 1px solid #d1d5db; border-radius: 6px; }}
 button {{ margin-top: 12px; width: 100%; padding: 9px; font-size: 15px; border: 0; border-radius: 6px;
   background: #dc2626; color: #fff; cursor: pointer; }}
 .error {{ color: #b91c1c; font-size: 13px; margin: 10px 0 0; }}
</style></head>
<body><form method="post" action="{action}" id="qa-login">
<h1>{title}</h1>
<p>本服务需要访问口令，请向管理员索取。</p>
<label for="qa-token">访问口令</label>
<input type="password" id="qa-token" name="token" autocomplete="current-password" autofocus required>
<input type="hidden" name="next" value="{next}">
<button type="submit" id="qa-login-submit">登录</button>
{error}</form></body></html>
"""


def login_page(next_path: str, error: str | None = None, action: str = "login",
               title: str = DEFAULT_TITLE) -> str:
    """The login form, self-contained (no script, no font or image from anywhere)."""
    shown = f'<p class="error" id="qa-login-error">{escape(error)}</p>' if error else ""
    return LOGIN_PAGE.format(action=escape(action), next=escape(safe_next(next_path)), error=shown,
                             title=escape(title))


def _no_store(response):
    response.headers["cache-control"] = "no-store"
    return response


def make_login_router(token: str, sessions: Sessions, title: str = DEFAULT_TITLE) -> APIRouter:
    """GET/POST /login and GET /logout; added before the Gradio mount at / so they win over Gradio's."""
    router = APIRouter(include_in_schema=False)

    @router.get(LOGIN_PATH)
    def show(next_path: str = Query("/", alias="next")) -> HTMLResponse:
        return _no_store(HTMLResponse(login_page(next_path, title=title)))

    @router.post(LOGIN_PATH)
    async def check(request: Request):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        given, wanted = (form.get("token") or [""])[0], safe_next((form.get("next") or ["/"])[0])
        if not token_matches(given, token):
            return _no_store(HTMLResponse(login_page(wanted, WRONG_LOGIN, title=title), status_code=401))
        response = RedirectResponse(wanted, status_code=303)
        response.set_cookie(SESSION_COOKIE, sessions.issue(), max_age=sessions.seconds, path="/",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return _no_store(response)

    @router.get(LOGOUT_PATH)
    def logout(request: Request) -> RedirectResponse:
        response = RedirectResponse(LOGIN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return _no_store(response)

    return router


def document_bearer(app: FastAPI) -> None:
    """Declare the bearer scheme in /openapi.json, so /docs offers 'Authorize' and shows the 401."""
    original = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
            "type": "http", "scheme": "bearer", "description": "QA_AUTH_TOKEN"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation["security"] = [{"bearer": []}]
                operation.setdefault("responses", {})["401"] = {"description": "缺少或错误的访问口令"}
        return schema

    app.openapi = openapi
