"""Headless Chromium through examples/intranet.html: the embedded chat answers, escapes, stays offline.

Uses Debian's chromium (.ci/run installs it with apt-get) through Playwright's `executable_path`;
Playwright's own browser download is never used. Skipped, with the reason, where chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from qa_app.web import ChatService, create_app, parse_embed_origins
from tests.conftest import ROOT
from tests.test_web import XIONGSHANG, XSS, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "eval" / "screenshot.png"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-domain-reliability"]
WAIT_MS = 90_000
SEND_TRIES = 4
SEND_WAIT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"),
]


EXAMPLE_SERVER = "http://127.0.0.1:7860"  # where examples/intranet.html's script tag points


@contextmanager
def portal_server(chat_url: str = EXAMPLE_SERVER, directory: Path = ROOT / "examples"):
    """The fictional intranet portal: examples/ served from another loopback port, its pages pointing at
    `chat_url` instead of the default server (what an admin does: put the server's address in the tag)."""
    handler = functools.partial(_PortalHandler, directory=str(directory), chat_url=chat_url)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _PortalHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, chat_url: str, **kwargs):
        self.chat_url = chat_url
        super().__init__(*args, **kwargs)

    def do_GET(self):  # noqa: N802  (the base class's name)
        path = Path(self.translate_path(self.path))
        if path.suffix != ".html" or not path.is_file():
            return super().do_GET()
        body = path.read_text(encoding="utf-8").replace(EXAMPLE_SERVER, self.chat_url).encode("utf-8")
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002  (the signature is the base class's)
        pass


def open_portal_chat(page, portal_url: str):
    """The portal page with its 问答 button clicked: the chat's frame (the panel made by /embed.js)."""
    page.goto(f"{portal_url}/intranet.html")
    page.locator("#qa-embed-button").click(timeout=WAIT_MS)
    return page.frame_locator("#qa-chat")


def leaves_loopback(url: str) -> bool:
    """True for a request to any host but this machine's loopback (data:/blob: load nothing)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return False
    return parts.hostname not in LOOPBACK


@pytest.mark.parametrize("url, leaves", [
    ("http://127.0.0.1:7860/embed/", False), ("ws://localhost:1/x", False), ("data:image/png;base64,AA", False),
    ("https://fonts.googleapis.com/css", True), ("http://10.0.0.5/x", True), ("http://[::1]:80/", False),
])
def test_leaves_loopback(url, leaves):
    assert leaves_loopback(url) is leaves


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def sites(index_settings, engine):
    """The chat on one loopback port (default framing policy), the portal on another."""
    service = ChatService(index_settings, engine)
    with running_server(create_app(service)) as chat, portal_server(chat) as portal:
        yield service, chat, portal


@pytest.fixture()
def watched(browser):
    """A browser context that records every request and websocket, and any alert() dialog."""
    context = browser.new_context(viewport={"width": 1100, "height": 760}, locale="zh-CN")
    seen = {"requests": [], "dialogs": []}
    context.on("request", lambda request: seen["requests"].append(request.url))
    context.on("page", lambda page: page.on("websocket", lambda ws: seen["requests"].append(ws.url)))
    page = context.new_page()
    page.on("websocket", lambda ws: seen["requests"].append(ws.url))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    yield page, seen
    context.close()


def _ask(chat, question: str, turn: int, press_enter: bool) -> None:
    """Send a question and wait for its answer. On a loaded machine the textarea can be visible before
    Gradio's scripts listen to it; a question still in the box after a while was not taken: send again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = chat.locator("#qa-question textarea")
    shown = chat.locator(".qa-turn").nth(turn)
    for _ in range(SEND_TRIES):
        if box.input_value() != question:
            box.fill(question)
        if press_enter:
            box.press("Enter")
        else:
            chat.locator("#qa-send").click()
        try:
            shown.wait_for(timeout=SEND_WAIT_MS)
            break
        except PlaywrightTimeout:
            if box.input_value() != question:
                break  # taken (the box was emptied); the turn is just slow to draw
    shown.locator(".qa-answer:not(.qa-pending)").wait_for(timeout=WAIT_MS)


def test_embedded_chat_in_the_portal(sites, watched):
    _, chat_url, portal_url = sites
    page, seen = watched
    chat = open_portal_chat(page, portal_url)
    chat.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    loaded = len(seen["requests"])

    _ask(chat, XIONGSHANG, 0, press_enter=True)
    first = chat.locator(".qa-turn").nth(0)
    assert first.locator(".qa-user-text").inner_text() == XIONGSHANG
    assert "市交通运输局" in first.locator(".qa-answer-text").inner_text()
    card = first.locator(".qa-card").first
    card.wait_for(timeout=WAIT_MS)
    assert card.locator("th").all_inner_texts()[:1] == ["序号"]
    assert "牵头单位" in card.inner_text() and "市交通运输局" in card.inner_text()
    assert "雄商高铁" in card.inner_text()
    page.wait_for_timeout(500)  # let the log finish scrolling before the picture
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    _ask(chat, XSS, 1, press_enter=False)
    second = chat.locator(".qa-turn").nth(1)
    assert second.locator(".qa-user-text").inner_text() == XSS
    assert chat.locator("#qa-log img").count() == 0
    assert seen["dialogs"] == []

    outside = [url for url in seen["requests"] if leaves_loopback(url)]
    assert outside == []
    assert loaded > 0 and any(f"{chat_url}/embed" in url for url in seen["requests"])
    print(f"portal + embedded chat: {loaded} requests to load, {len(seen['requests'])} in all, 0 off loopback")


def test_full_page_and_docs_stay_offline(sites, watched):
    _, chat_url, _ = sites
    page, seen = watched
    page.goto(f"{chat_url}/")
    page.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    assert page.locator("#qa-year").count() == 1 and page.locator("#qa-doc").count() == 1
    assert page.locator("#qa-admin").count() == 0  # no QA_ADMIN_TOKEN: no upload panel
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=chat_url)
    page.locator(".qa-example").first.click()
    answer = page.locator(".qa-turn .qa-answer:not(.qa-pending)").first
    answer.wait_for(timeout=WAIT_MS)
    answer.locator(".qa-copy").click()
    page.wait_for_function("() => document.querySelector('.qa-copy').textContent === '已复制'", timeout=WAIT_MS)
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(answer.locator(".qa-answer-text").inner_text().strip()) and "\n来源：\n[1] " in copied
    page.locator("#qa-clear").click()
    page.locator(".qa-placeholder").wait_for(timeout=WAIT_MS)
    page.goto(f"{chat_url}/docs")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=WAIT_MS)
    assert "/api/ask" in page.locator(".swagger-ui").inner_text()
    assert [url for url in seen["requests"] if leaves_loopback(url)] == []


def _child_frame_url(page, timeout_s: float = 30.0) -> str:
    """The URL the portal's iframe ends up on: the chat, or Chromium's error page when refused."""
    for _ in range(int(timeout_s * 10)):
        child = [f for f in page.frames if f.parent_frame is not None]
        if child and child[0].url.startswith(("chrome-error:", "http")):
            return child[0].url
        page.wait_for_timeout(100)
    return ""


def test_other_portals_cannot_frame_the_chat(sites, watched):
    service, _, _ = sites
    page, _ = watched
    app = create_app(service, embed_origins=parse_embed_origins("http://portal.example"))
    with running_server(app) as locked, portal_server(locked) as portal_url:
        open_portal_chat(page, portal_url)
        assert _child_frame_url(page).startswith("chrome-error:")
