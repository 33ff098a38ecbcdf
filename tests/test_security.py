"""Access control (QA_AUTH_TOKEN), start-up warnings, and the audit: no request reaches the file system,
no pickle or eval of stored data. Servers are real uvicorn instances on free loopback ports."""

from __future__ import annotations

import ast
import re
import socket
from pathlib import Path

import httpx
import numpy as np
import pytest
from click.testing import CliRunner

from qa_app.cli import main
from qa_app.cli.serve_cmds import exposure_warnings, is_loopback
from qa_app.web import ChatService, create_app
from qa_app.web.admin import remove_doc
from qa_app.web.auth import (
    NEED_LOGIN,
    NEED_TOKEN,
    SESSION_COOKIE,
    WRONG_BEARER,
    WRONG_LOGIN,
    Sessions,
    bearer_token,
    login_page,
    safe_next,
    token_matches,
)
from qa_app.writers import LOCK_FILE
from tests.conftest import ROOT
from tests.test_browser import ARGS, CHROMIUM, WAIT_MS, _ask, leaves_loopback, open_portal_chat, portal_server
from tests.test_web import XIONGSHANG, running_server

TOKEN = "qa-test-token-1f8e2c9d7b"
BEARER = {"authorization": f"Bearer {TOKEN}"}
HTML = {"accept": "text/html,application/xhtml+xml"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# ---- pure pieces --------------------------------------------------------------------------------

@pytest.mark.parametrize("given, expected, ok", [
    (TOKEN, TOKEN, True), (TOKEN[:-1], TOKEN, False), (TOKEN + "x", TOKEN, False), ("", TOKEN, False),
    (None, TOKEN, False), ("", "", False), (TOKEN, None, False), ("口令", "口令", True),
])
def test_token_matches(given, expected, ok):
    assert token_matches(given, expected) is ok


@pytest.mark.parametrize("header, token", [
    ("Bearer abc", "abc"), ("bearer abc", "abc"), ("  Bearer   abc ", "abc"), ("Basic abc", None),
    ("Bearer", None), ("Bearer   ", None), ("", None), (None, None), ("abc", None),
])
def test_bearer_token(header, token):
    assert bearer_token(header) == token


@pytest.mark.parametrize("value, expected", [
    ("/", "/"), ("/embed", "/embed"), ("/embed/?lang=zh", "/embed/?lang=zh"), ("/docs", "/docs"),
    ("//evil.example/x", "/"), ("http://evil.example/", "/"), ("/\\evil.example", "/"), ("", "/"), (None, "/"),
    ("embed", "/"), ("/a b", "/"), ("/a\nLocation: x", "/"), ("/" + "a" * 2001, "/"),
])
def test_safe_next_stays_on_this_server(value, expected):
    assert safe_next(value) == expected


def test_sessions_are_signed_and_expire():
    sessions = Sessions(seconds=100, secret=b"k" * 32)
    cookie = sessions.issue(now=1_000)
    assert cookie.startswith("1100.")
    assert sessions.valid(cookie, now=1_099) and not sessions.valid(cookie, now=1_100)
    expiry, signature = cookie.split(".")
    assert not sessions.valid(f"9999999999.{signature}", now=1_000)  # longer life, same signature
    assert not sessions.valid(f"{expiry}.{signature[:-1]}0" if signature[-1] != "0" else f"{expiry}.{signature[:-1]}1",
                              now=1_000)
    assert not Sessions(seconds=100, secret=b"j" * 32).valid(cookie, now=1_000)  # another process
    for junk in ("", None, ".", "abc.def", "-5.x", "1100", "1" * 13 + ".x"):
        assert not sessions.valid(junk, now=1_000)


def test_login_page_escapes_and_loads_nothing():
    page = login_page('/"><script>alert(1)</script>', error="<b>x</b>")
    assert "<script>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert 'name="next" value="/&quot;&gt;&lt;script&gt;' in page
    assert not re.search(r"(src|href)\s*=|url\(|@import|https?://", page)


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("LOCALHOST", True), ("::1", True),
    ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("qa.intra", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host, token, expected", [
    ("127.0.0.1", None, None),
    ("localhost", None, None),
    ("0.0.0.0", None, "without QA_AUTH_TOKEN"),
    ("192.168.1.20", None, "without QA_AUTH_TOKEN"),
    ("0.0.0.0", TOKEN, None),
    ("0.0.0.0", "short", "has 5 characters"),
    ("127.0.0.1", "short", "has 5 characters"),
])
def test_exposure_warnings(host, token, expected):
    warnings = exposure_warnings(host, token)
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warnings[0].startswith("warning: ") and expected in warnings[0]


@pytest.fixture()
def busy_port():
    """A port already listened on (all interfaces), so `qa serve` stops right after its start-up checks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize("host, env, warned", [
    ("0.0.0.0", {"QA_AUTH_TOKEN": None}, True),
    ("0.0.0.0", {"QA_AUTH_TOKEN": TOKEN}, False),
    ("127.0.0.1", {"QA_AUTH_TOKEN": None}, False),
])
def test_serve_warns_when_exposed_without_token(busy_port, tmp_path, host, env, warned):
    args = ["serve", "--host", host, "--port", str(busy_port), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1 and "already in use" in result.stderr
    assert ("warning: listening on 0.0.0.0 without QA_AUTH_TOKEN" in result.stderr) is warned


# ---- the protected server -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service(index_settings, engine):
    return ChatService(index_settings, engine)


@pytest.fixture(scope="module")
def guarded_url(service):
    with running_server(create_app(service, auth_token=TOKEN)) as url:
        yield url


@pytest.fixture()
def guarded(guarded_url):
    """A fresh client (no cookies) for the server that has QA_AUTH_TOKEN."""
    with httpx.Client(base_url=guarded_url, timeout=60, trust_env=False) as http:
        yield http


def _login(http: httpx.Client, token: str = TOKEN, next_path: str = "/") -> httpx.Response:
    return http.post("/login", data={"token": token, "next": next_path})


@pytest.mark.slow
@pytest.mark.parametrize("method, path, kwargs", [
    ("POST", "/api/ask", {"json": {"question": XIONGSHANG}}),
    ("GET", "/api/health", {}),
    ("POST", "/api/ask", {"content": b"{not json"}),  # refused before the body is read
])
def test_api_without_token_is_refused(guarded, method, path, kwargs):
    response = guarded.request(method, path, **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": NEED_TOKEN}


@pytest.mark.slow
@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", "Bearer 口令"])
def test_api_with_wrong_token_is_refused(guarded, authorization):
    headers = {"authorization": authorization.encode("utf-8")}
    for response in (guarded.post("/api/ask", json={"question": XIONGSHANG}, headers=headers),
                     guarded.get("/api/health", headers=headers)):
        assert response.status_code == 401 and response.json() == {"detail": WRONG_BEARER}
        assert CHINESE.search(response.json()["detail"])


@pytest.mark.slow
def test_api_with_basic_auth_is_refused(guarded):
    response = guarded.get("/api/health", auth=("user", TOKEN))
    assert response.status_code == 401 and response.json() == {"detail": NEED_TOKEN}


@pytest.mark.slow
def test_api_with_the_token_answers(guarded, engine):
    response = guarded.post("/api/ask", json={"question": XIONGSHANG}, headers=BEARER)
    assert response.status_code == 200
    body = response.json()
    assert "市交通运输局" in body["short"] and body["citations"][0]["record_id"] == "004_a6d61ab50cb7c05a.txt#19"
    assert guarded.get("/api/health", headers=BEARER).json() == {"status": "ok", "records": 313,
                                                                 "model": engine.model_id}
    too_big = guarded.post("/api/ask", json={"question": "问", "history": [{"a": "字" * 30_000}]}, headers=BEARER)
    assert too_big.status_code == 413


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/embed", "/embed/", "/docs", "/?lang=zh"])
def test_pages_send_browsers_to_the_login(guarded, path):
    response = guarded.get(path, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + path.replace("?", "%3F").replace("=", "%3D")


@pytest.mark.slow
@pytest.mark.parametrize("method, path", [
    ("GET", "/config"), ("GET", "/embed/config"), ("GET", "/openapi.json"), ("GET", "/docs"),
    ("GET", "/gradio_api/info"), ("POST", "/gradio_api/queue/join"), ("POST", "/embed/gradio_api/queue/join"),
    ("POST", "/gradio_api/upload"), ("GET", "/gradio_api/queue/data?session_hash=x"), ("GET", "/theme.css"),
    ("GET", "/static-offline-docs/swagger-ui-bundle.js"), ("GET", "/login/../config"),
])
def test_everything_else_needs_the_login(guarded, method, path):
    response = guarded.request(method, path)
    assert response.status_code == 401 and response.json() == {"detail": NEED_LOGIN}


@pytest.mark.slow
def test_login_form_is_served_and_framable(guarded):
    response = guarded.get("/login?next=/embed", headers=HTML)
    assert response.status_code == 200 and 'name="token"' in response.text and 'value="/embed"' in response.text
    assert response.headers["content-security-policy"].startswith("frame-ancestors 'self' http://127.0.0.1:*")
    assert response.headers["cache-control"] == "no-store" and "set-cookie" not in response.headers


@pytest.mark.slow
@pytest.mark.parametrize("token", ["wrong", "", TOKEN[:-1]])
def test_wrong_login_sets_no_cookie(guarded, token):
    response = _login(guarded, token)
    assert response.status_code == 401 and WRONG_LOGIN in response.text
    assert "set-cookie" not in response.headers
    assert guarded.get("/config").status_code == 401


@pytest.mark.slow
def test_login_then_the_chat_loads(guarded):
    response = _login(guarded, next_path="/embed")
    assert response.status_code == 303 and response.headers["location"] == "/embed"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie and "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http here
    page = guarded.get("/embed/", headers=HTML)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    labels = {c.get("props", {}).get("label") for c in guarded.get("/embed/config").json()["components"]}
    assert "年份" in labels and "文件" in labels
    assert guarded.get("/", headers=HTML).status_code == 200
    spec = guarded.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                                "description": "QA_AUTH_TOKEN"}
    assert spec["paths"]["/api/ask"]["post"]["security"] == [{"bearer": []}]
    assert guarded.get("/docs").status_code == 200


@pytest.mark.slow
def test_the_login_cookie_does_not_open_the_api(guarded):
    _login(guarded)
    assert guarded.get("/config").status_code == 200
    response = guarded.post("/api/ask", json={"question": XIONGSHANG})
    assert response.status_code == 401 and response.json() == {"detail": NEED_TOKEN}
    assert guarded.get("/v1/models").json()["error"]["message"] == NEED_TOKEN  # OpenAI-compatible API
    assert guarded.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).status_code == 401


@pytest.mark.slow
def test_the_embed_script_is_open(guarded):
    """A portal loads /embed.js before anyone logs in; it holds no data (its panel then shows the login)."""
    response = guarded.get("/embed.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in response.text


@pytest.mark.slow
def test_login_refuses_other_hosts_as_next(guarded):
    response = _login(guarded, next_path="//evil.example/")
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.slow
def test_logout_and_forged_cookies(guarded):
    _login(guarded)
    assert guarded.get("/config").status_code == 200
    assert guarded.get("/logout").status_code == 303
    assert guarded.get("/config").status_code == 401
    guarded.cookies.set(SESSION_COOKIE, Sessions().issue())  # another secret, like a cookie from before a restart
    assert guarded.get("/config").status_code == 401


@pytest.mark.slow
def test_bearer_also_opens_the_pages(guarded):
    assert guarded.get("/openapi.json", headers=BEARER).status_code == 200
    assert guarded.get("/embed/config", headers=BEARER).status_code == 200


@pytest.mark.slow
def test_login_body_is_capped(guarded):
    response = guarded.post("/login", data={"token": "x" * 5000, "next": "/"})
    assert response.status_code == 413


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_portal_iframe_shows_the_login_then_the_chat(guarded_url):
    """The embedding case in a real browser: portal and chat on two loopback ports (same site), so the
    SameSite=Strict cookie set by the login inside the iframe is sent with the chat's requests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright, portal_server(guarded_url) as portal:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = chromium.new_context(locale="zh-CN").new_page()
            page.on("request", lambda request: requests.append(request.url))
            frame = open_portal_chat(page, portal)
            frame.locator("#qa-token").fill("wrong")
            frame.locator("#qa-login-submit").click()
            assert frame.locator("#qa-login-error").inner_text(timeout=WAIT_MS) == WRONG_LOGIN
            frame.locator("#qa-token").fill(TOKEN)
            frame.locator("#qa-login-submit").click()
            _ask(frame, XIONGSHANG, 0, press_enter=True)
            assert "市交通运输局" in frame.locator(".qa-turn .qa-answer-text").first.inner_text()
        finally:
            chromium.close()
    assert [url for url in requests if leaves_loopback(url)] == []
    assert any(url.startswith(f"{guarded_url}/login") for url in requests)


# ---- without QA_AUTH_TOKEN: as before ---------------------------------------------------------------

@pytest.fixture(scope="module")
def open_client(service):
    with running_server(create_app(service)) as url, httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        yield http


@pytest.mark.slow
def test_without_token_nothing_is_asked_for(open_client):
    assert open_client.post("/api/ask", json={"question": XIONGSHANG}).json()["short"].startswith("市交通运输局")
    assert open_client.get("/api/health").status_code == 200
    page = open_client.get("/", headers=HTML)
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert open_client.get("/embed/config").status_code == 200
    assert "securitySchemes" not in open_client.get("/openapi.json").json().get("components", {})


# ---- audit: no request parameter reaches the file system ----------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", [
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../etc/passwd",
    "/embed/gradio_api/file=/etc/passwd",
    "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static-offline-docs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static-offline-docs/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    f"/gradio_api/file={ROOT / 'corpus' / '000_dd67d59bfaf7e311.txt'}",
    f"/gradio_api/file={ROOT / 'pyproject.toml'}",
])
def test_no_file_outside_the_served_assets(open_client, path):
    response = open_client.get(path)
    assert response.status_code in (400, 403, 404)
    assert "root:" not in response.text and "菏泽" not in response.text and "[project]" not in response.text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["../outside.txt", "../../outside.txt", "/tmp/outside.txt", "..\\outside.txt",
                                  ".outside.txt", "sub/outside.txt", ""])
def test_upload_panel_removes_only_plain_names(tmp_path, index_settings, engine, name):
    """The removal dropdown's value comes from the browser: a crafted one must not leave the corpus folder."""
    (tmp_path / "corpus").mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    settings = index_settings.with_(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    message = remove_doc(ChatService(settings, engine), "admin", "admin", name)
    assert message.startswith(("未能删除：", "请先选择")) and outside.exists()


# ---- audit: no pickle, no eval ------------------------------------------------------------------------

PACKAGE = ROOT / "qa_app"
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "joblib", "yaml"}
UNSAFE_CALLS = {"eval", "exec", "__import__"}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _problems(source: str) -> list[str]:
    """Unsafe imports, eval/exec, torch.load, and any load call that does not say allow_pickle=False."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            found.append(node.module)
        elif isinstance(node, ast.Call):
            found += _call_problem(node)
    return found


def _call_problem(node: ast.Call) -> list[str]:
    func = ast.unparse(node.func)
    if isinstance(node.func, ast.Name) and node.func.id in UNSAFE_CALLS:
        return [func]
    if func in ("torch.load", "np.load", "numpy.load") or func.endswith("BM25.load"):
        flags = [k for k in node.keywords if k.arg == "allow_pickle"]
        if func == "torch.load" or not flags or not (isinstance(flags[0].value, ast.Constant)
                                                     and flags[0].value.value is False):
            return [f"{func} without allow_pickle=False"]
    return []


@pytest.mark.parametrize("source, expected", [
    ("import pickle", ["pickle"]), ("from pickle import loads", ["pickle"]), ("eval('1')", ["eval"]),
    ("import yaml.loader", ["yaml.loader"]), ("torch.load(p, allow_pickle=False)", ["torch.load without allow_pickle=False"]),
    ("np.load(p)", ["np.load without allow_pickle=False"]), ("np.load(p, allow_pickle=True)",
                                                          ["np.load without allow_pickle=False"]),
    ("np.load(p, allow_pickle=False)", []), ("bm25s.BM25.load(p)", ["bm25s.BM25.load without allow_pickle=False"]),
    ("re.compile('x'); json.loads(s)", []),
])
def test_the_audit_catches(source, expected):
    assert _problems(source) == expected


def test_no_pickle_or_eval_in_the_package():
    sources = _sources()
    assert len(sources) > 30 and PACKAGE / "indexes" / "store.py" in sources
    found = [f"{path.relative_to(ROOT)}: {problem}" for path in sources
             for problem in _problems(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.slow
def test_the_index_is_json_numpy_and_faiss_only(engine, index_settings):
    files = [p for p in Path(index_settings.index_dir).rglob("*") if p.is_file()]
    suffixes = {p.suffix for p in files if p.name not in ("CURRENT", LOCK_FILE)}  # the lock: a pid at most
    assert suffixes <= {".json", ".npy", ".faiss", ".md"} and ".npy" in suffixes
    for path in files:
        if path.suffix == ".npy":
            assert np.load(path, allow_pickle=False).dtype != object
