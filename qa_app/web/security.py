"""Who may frame the chat (CSP frame-ancestors), and a cap on API request bodies.

Both are plain ASGI middleware so they also cover the mounted Gradio apps and streaming bodies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from starlette.exceptions import HTTPException

MAX_BODY_BYTES = 64 * 1024
_ORIGIN = re.compile(r"^(https?://)(\*\.)?[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*(:(\d{1,5}|\*))?/?$")
_IPV6_ORIGIN = re.compile(r"^https?://\[[0-9A-Fa-f:.]+\](:(\d{1,5}|\*))?/?$")
_HOST = re.compile(r"^([A-Za-z0-9\-.]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$")
_KEYWORDS = ("'self'", "'none'")


def parse_embed_origins(text: str | None) -> tuple[str, ...]:
    """QA_EMBED_ORIGINS ('http://portal.example https://*.intra:8443', commas also allowed) → origins.

    Raises ValueError naming the first entry that is not an origin, so a typo cannot open framing up.
    """
    origins = []
    for item in re.split(r"[\s,]+", (text or "").strip()):
        if not item:
            continue
        if item in _KEYWORDS or item.strip("'") in ("self", "none"):
            origins.append(f"'{item.strip(chr(39))}'")
        elif _ORIGIN.match(item) or _IPV6_ORIGIN.match(item):
            origins.append(item.rstrip("/"))
        else:
            raise ValueError(f"not an origin: {item!r} (expected e.g. http://portal.example or https://*.intra:8443)")
    return tuple(origins)


def frame_ancestors(configured: Sequence[str], host_header: str | None) -> str:
    """The CSP value: the configured origins, or by default this host on any port (and 'self')."""
    if configured:
        return "frame-ancestors " + " ".join(configured)
    sources = ["'self'"]
    match = _HOST.match(host_header or "")
    if match:
        sources += [f"http://{match.group(1)}:*", f"https://{match.group(1)}:*"]
    return "frame-ancestors " + " ".join(sources)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class SecurityHeaders:
    """Adds frame-ancestors and a few safe defaults to every HTTP response."""

    def __init__(self, app, embed_origins: Sequence[str] = ()):
        self.app = app
        self.embed_origins = tuple(embed_origins)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = frame_ancestors(self.embed_origins, _header(scope, b"host")).encode("latin-1")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"x-frame-options", b"content-security-policy")]
                headers += [(b"content-security-policy", policy), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def too_large_detail(limit: int) -> str:
    return f"请求太大：最多 {limit // 1024} KB。"


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing lets it through as a 413 rather than a 400."""

    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=too_large_detail(limit))


class BodyLimit:
    """Refuses API request bodies over `limit` bytes with 413, whether or not Content-Length is sent.

    `shape` turns the Chinese message into the JSON body (default `{"detail": …}`; /v1/ uses OpenAI's)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, prefix: str = "/api/",
                 shape: Callable[[str], dict] | None = None):
        self.app = app
        self.limit = limit
        self.prefix = prefix
        self.shape = shape or (lambda detail: {"detail": detail})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.prefix):
            return await self.app(scope, receive, send)
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._refuse(send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge(self.limit)
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = json.dumps(self.shape(too_large_detail(self.limit)), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
