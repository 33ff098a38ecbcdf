"""The web app: HTML rendering, framing policy, and a real server on a loopback port over the real index."""

from __future__ import annotations

import csv
import re
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import gradio as gr
import httpx
import pytest

from qa_app.engine import Engine
from qa_app.records import Answer
from qa_app.retrieval import Filters
from qa_app.web import ChatService, create_app, parse_embed_origins
from qa_app.web.admin import WRONG_TOKEN, add_files, remove_doc, token_ok, unlock_panel
from qa_app.web.chat import chosen_filters, finish_turn, initial_question, start_turn
from qa_app.web.render import answer_text_html, record_rows, render_answer, render_card, render_turn
from qa_app.web.security import frame_ancestors
from tests.conftest import CORPUS_DIR

CHINESE = re.compile(r"[\u4e00-\u9fff]")
XIONGSHANG = "雄商高铁项目由哪个单位牵头？"
XSS = "<img src=x onerror=alert(1)>"
TOKEN = "s3cret-管理"
ANSWER_ID = re.compile(r"^[0-9a-f]{32}$")


def unlogged(answer: dict) -> dict:
    """An answer dict as the engine gives it: the server's answer_id (new for every answer) left out."""
    return {**answer, "answer_id": None}
PORTAL = "http://portal.example"


@contextmanager
def running_server(app):
    """uvicorn serving `app` in a thread on a free 127.0.0.1 port (the socket is bound first: no race)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="module")
def service(index_settings, engine):
    return ChatService(index_settings, engine)


@pytest.fixture(scope="module")
def base_url(service):
    """The app as `qa serve` builds it by default: no admin token, framing by same-host pages."""
    with running_server(create_app(service)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url):
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as http:
        yield http


# ---- rendering (pure) -------------------------------------------------------------------------

def test_user_text_is_escaped_never_markup():
    html = render_turn({"question": XSS, "answer": None, "notice": None}, lambda _id: None)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html


@pytest.mark.parametrize("text, expected", [
    ("由市交通运输局牵头[1]。", '由市交通运输局牵头<sup class="qa-ref">[1]</sup>。'),
    ("甲[1]；乙[2]\n丙", '甲<sup class="qa-ref">[1]</sup>；乙<sup class="qa-ref">[2]</sup><br>丙'),
    ("<b>[3]</b>", '&lt;b&gt;<sup class="qa-ref">[3]</sup>&lt;/b&gt;'),
])
def test_answer_markers(text, expected):
    assert answer_text_html(text) == expected


def test_record_rows_of_a_target(by_id):
    rows = dict(record_rows(by_id["000_dd67d59bfaf7e311.txt#97"]))
    assert rows == {"序号": "97", "市政府领导": "曹临", "责任目标内容": "完成953个行政村生活污水治理",
                    "完成时限": "年底",
                    "完成情况": "前三季度,全市953个农村生活污水治理任务已全部开工,其中877个村庄已完工,完工率92.03%。",
                    "是否按计划": "是", "责任单位": "市生态环境局"}


def test_record_rows_of_a_task(by_id):
    rows = dict(record_rows(by_id["004_a6d61ab50cb7c05a.txt#19"]))
    assert rows["序号"] == "19"
    assert rows["牵头单位"] == "市交通运输局"
    assert rows["参与单位"] == "市发展改革委、各县区政府、管委会"
    assert rows["任务内容"].startswith("建设便捷高效轨道交通网。加快建设雄商高铁菏泽段")
    assert "市政府领导" not in rows


def test_card_shows_the_whole_record_or_falls_back_to_cited_text(by_id):
    record = by_id["000_dd67d59bfaf7e311.txt#97"]
    citation = {"n": 2, "record_id": record.id, "doc": record.doc, "title": record.title, "number": 97,
                "text": "<script>x</script>"}
    card = render_card(citation, record, open_=True)
    for name in ("序号", "市政府领导", "责任目标内容", "完成时限", "完成情况", "是否按计划", "责任单位"):
        assert f"<th scope=\"row\">{name}</th>" in card
    assert "[2]" in card and record.title in card and " open>" in card
    fallback = render_card(citation, None, open_=False)
    assert "&lt;script&gt;x&lt;/script&gt;" in fallback and "<script>" not in fallback
    assert " open>" not in fallback


def test_abstention_is_marked():
    answer = Answer(question="q", short="", answer="文件中未找到相关内容。", abstained=True).to_dict()
    html = render_answer(answer, lambda _id: None)
    assert 'class="qa-answer qa-abstain"' in html and "qa-badge" in html
    assert "qa-abstain" not in render_answer({**answer, "abstained": False}, lambda _id: None)


# ---- framing policy and admin token (pure) ----------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", ()),
    ("http://portal.example", ("http://portal.example",)),
    ("http://a.intra:8080, https://*.intra:*  'self'", ("http://a.intra:8080", "https://*.intra:*", "'self'")),
    ("https://portal.example/", ("https://portal.example",)),
    ("http://[::1]:8000", ("http://[::1]:8000",)),
])
def test_parse_embed_origins(text, expected):
    assert parse_embed_origins(text) == expected


@pytest.mark.parametrize("text", ["portal.example", "javascript:alert(1)", "http://a.example/path", "*",
                                  "http://a.example;script-src"])
def test_parse_embed_origins_refuses_non_origins(text):
    with pytest.raises(ValueError, match="not an origin"):
        parse_embed_origins(text)


@pytest.mark.parametrize("configured, host, expected", [
    ((), "127.0.0.1:7860", "frame-ancestors 'self' http://127.0.0.1:* https://127.0.0.1:*"),
    ((), "intranet.local", "frame-ancestors 'self' http://intranet.local:* https://intranet.local:*"),
    ((), "[::1]:7860", "frame-ancestors 'self' http://[::1]:* https://[::1]:*"),
    ((), "evil.example; script-src *", "frame-ancestors 'self'"),
    ((), None, "frame-ancestors 'self'"),
    (("http://portal.example",), "127.0.0.1:7860", "frame-ancestors http://portal.example"),
])
def test_frame_ancestors(configured, host, expected):
    assert frame_ancestors(configured, host) == expected


@pytest.mark.parametrize("given, expected, ok", [
    (TOKEN, TOKEN, True), ("s3cret", TOKEN, False), ("", TOKEN, False), (None, TOKEN, False),
    ("", "", False), ("anything", None, False),
])
def test_token_ok(given, expected, ok):
    assert token_ok(given, expected) is ok


# ---- chat turns ---------------------------------------------------------------------------------

@pytest.mark.parametrize("question, fragment", [("", "问题为空"), ("   ", "问题为空"), ("问" * 501, "501 个字")])
def test_bad_question_gets_a_polite_notice(question, fragment):
    turns = start_turn(question, [])
    assert turns[-1]["answer"] is None and turns[-1]["notice"].startswith("抱歉")
    assert fragment in turns[-1]["notice"]


@pytest.mark.parametrize("year, doc, expected", [
    ("", "", None), (None, None, None), ("2023", "", Filters(year=2023)),
    ("", "004_a6d61ab50cb7c05a.txt", Filters(doc="004_a6d61ab50cb7c05a.txt")), ("abc", "", None),
])
def test_chosen_filters(year, doc, expected):
    assert chosen_filters(year, doc) == expected


@pytest.mark.parametrize("query, expected", [
    (b"q=%E9%9B%84%E5%95%86%E9%AB%98%E9%93%81%E9%A1%B9%E7%9B%AE%E7%94%B1%E5%93%AA%E4%B8%AA%E5%8D%95%E4%BD%8D%E7%89%B5%E5%A4%B4%EF%BC%9F",
     XIONGSHANG),
    (b"q=" + b"%E9%97%AE" * 600, "问" * 500),
    (b"", None), (b"q=%20%20", None),  # None: the box is left as it is (a late load must not wipe typing)
])
def test_initial_question_from_the_embed_url(query, expected):
    from starlette.requests import Request

    value = initial_question(gr.Request(request=Request({"type": "http", "query_string": query, "headers": []})))
    assert value == (expected if expected is not None else gr.skip())


@pytest.mark.slow
def test_follow_up_in_the_chat_uses_the_previous_answer(service):
    turns = finish_turn(service, start_turn(XIONGSHANG, []), "", "")
    turns = finish_turn(service, start_turn("参与单位有哪些？", turns), "", "")
    answer = turns[-1]["answer"]
    assert answer["intent"] == "participants" and "市发展改革委" in answer["answer"]
    assert answer["citations"][0]["record_id"] == "004_a6d61ab50cb7c05a.txt#19"


@pytest.mark.slow
@pytest.mark.parametrize("question, year, doc, expected", [
    # 市医保局 has 3 targets in file 002 (序号 83–85) and none in file 000.
    ("市医保局负责哪几项目标？", "", "002_f75c9825bbd5b703.txt", ["#83", "#84", "#85"]),
    ("市医保局负责哪几项目标？", "", "000_dd67d59bfaf7e311.txt", []),
    ("曹临负责哪些目标？", "2021", "", []),
])
def test_filters_narrow_the_answer(service, question, year, doc, expected):
    answer = finish_turn(service, start_turn(question, []), year, doc)[-1]["answer"]
    assert [c["record_id"][-3:] for c in answer["citations"]] == expected
    assert answer["abstained"] is (not expected)
    if not expected:
        assert answer["answer"].startswith("文件中未找到")


# ---- the real server ------------------------------------------------------------------------------

@pytest.mark.slow
def test_api_answers_xiongshang_with_citations(client, engine):
    response = client.post("/api/ask", json={"question": XIONGSHANG, "history": []})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["question", "short", "answer", "citations", "abstained", "intent", "filters", "record_ids", "plan", "answer_id"]
    assert "市交通运输局" in body["short"] and "市交通运输局" in body["answer"]
    assert body["abstained"] is False and body["citations"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert markers and markers <= {c["n"] for c in body["citations"]}
    cited = engine.record(body["citations"][0]["record_id"])
    assert "雄商高铁" in cited.text and "市交通运输局" in cited.lead_units


@pytest.mark.slow
def test_questions_asked_at_once_are_answered_as_one_at_a_time(index_settings, engine):
    """Sixteen threads asking through a two-worker service get the answers the engine gives alone."""
    queued = ChatService(index_settings.with_(workers=2), engine)
    questions = [r.content[:14] + "由哪个单位负责？" for r in engine.records[:16]]
    alone = [engine.answer(q).to_dict() for q in questions]
    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(lambda q: queued.ask(q).to_dict(), questions))
    assert [unlogged(a) for a in together] == alone
    assert len({a["answer_id"] for a in together}) == len(questions)  # each answer its own id
    assert queued._answering._max_workers == 2


def test_api_json_is_the_engine_answer(client, service):
    body = client.post("/api/ask", json={"question": XIONGSHANG}).json()
    again = service.ask(XIONGSHANG).to_dict()
    assert unlogged(body) == unlogged(again)
    assert ANSWER_ID.match(body["answer_id"]) and body["answer_id"] != again["answer_id"]


@pytest.mark.slow
def test_api_follow_up_with_history(client):
    first = client.post("/api/ask", json={"question": XIONGSHANG}).json()
    follow = client.post("/api/ask", json={"question": "参与单位有哪些？", "history": [first]}).json()
    assert "市发展改革委" in follow["answer"] and follow["abstained"] is False
    alone = client.post("/api/ask", json={"question": "参与单位有哪些？"}).json()
    assert alone["abstained"] is True


@pytest.mark.slow
@pytest.mark.parametrize("payload, fragment", [
    ({"question": ""}, "问题为空"),
    ({"question": "   "}, "问题为空"),
    ({"question": "问" * 501}, "501 个字"),
    ({"question": "问" * 500}, None),  # exactly 500: accepted
    ({"question": "参与单位有哪些？", "history": [{"question": 5, "citations": "x"}]}, None),  # odd history: no 500
    ({}, "缺少 question"),
    ({"question": 5}, "question 必须是文字"),
    ({"question": "雄商高铁", "history": "上一轮"}, "history"),
    ({"question": "雄商高铁", "history": [{}] * 21}, "最多 20 轮"),
    (["雄商高铁"], "JSON 对象"),
])
def test_api_bad_questions_get_422_in_chinese(client, payload, fragment):
    response = client.post("/api/ask", json=payload)
    if fragment is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and CHINESE.search(detail) and fragment in detail


@pytest.mark.slow
def test_api_invalid_json_gets_422(client):
    response = client.post("/api/ask", content=b"{question: ", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"] == "请求体不是有效的 JSON。"


@pytest.mark.slow
def test_api_body_limit(client):
    big = {"question": "问", "history": [{"answer": "字" * 30_000}]}
    response = client.post("/api/ask", json=big)
    assert response.status_code == 413 and "64 KB" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit is counted while reading
        for _ in range(20):
            yield b" " * 8192

    streamed = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.slow
def test_health_reports_the_record_count(client, engine):
    body = client.get("/api/health").json()
    assert body == {"status": "ok", "records": 313, "model": engine.model_id}
    assert len(engine.records) == 313


@pytest.mark.slow
def test_pages_and_offline_docs(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    embed = client.get("/embed", follow_redirects=True)
    assert embed.status_code == 200 and str(embed.url).endswith("/embed/")
    docs = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    question = spec["components"]["schemas"]["AskRequest"]["properties"]["question"]
    assert question["maxLength"] == 500
    assert set(spec["paths"]) == {"/api/ask", "/api/feedback", "/api/health", "/v1/models", "/v1/chat/completions"}


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/", "/embed/", "/api/health", "/docs"])
def test_default_framing_policy_is_same_host(client, path):
    headers = client.get(path).headers
    assert headers["content-security-policy"] == "frame-ancestors 'self' http://127.0.0.1:* https://127.0.0.1:*"
    assert "x-frame-options" not in headers


def _components(client, path: str) -> list[dict]:
    return client.get(path).json()["components"]


def _labels(components: list[dict]) -> set:
    return {c.get("props", {}).get("label") for c in components}


@pytest.mark.slow
def test_without_admin_token_no_upload_panel(client):
    for path in ("/config", "/embed/config"):
        components = _components(client, path)
        assert "管理口令" not in _labels(components)
        assert not [c for c in components if c["type"] == "file"]
        assert "年份" in _labels(components)


# ---- the upload panel, on a copy of the corpus -------------------------------------------------------

NEW_ROWS = [
    ["1", "张鹏", "建成智慧停车示范街区5条", "年底", "已建成2条，其余3条完成设计", "是", "市城管局"],
    ["2", "张鹏", "新建口袋书屋12处", "10月底", "已建成7处", "是", "市文化和旅游局"],
]


def _write_new_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([["菏泽市人民政府2024年经济社会发展责任目标一季度工作推进情况一览表"], [],
                          ["序号", "市政府领导", "责任目标内容", "完成时限", "一季度完成情况",
                           "是否按计划完成进度", "责任单位"], *NEW_ROWS])
    return path


@pytest.fixture(scope="module")
def admin_site(tmp_path_factory, index_settings, engine):
    """A second server with an admin token and a configured portal, over a copy of corpus and index."""
    root = tmp_path_factory.mktemp("admin")
    shutil.copytree(CORPUS_DIR, root / "corpus")
    shutil.copytree(index_settings.index_dir, root / "index")
    settings = index_settings.with_(corpus_dir=root / "corpus", index_dir=root / "index")
    service = ChatService(settings, Engine.load(settings, progress=False, embedder=engine.retriever.embedder))
    app = create_app(service, embed_origins=parse_embed_origins(PORTAL), admin_token=TOKEN)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        yield service, http, root


@pytest.mark.slow
def test_panel_is_offered_only_behind_the_token(admin_site):
    service, http, _ = admin_site
    components = _components(http, "/config")
    token_box = [c for c in components if c.get("props", {}).get("label") == "管理口令"]
    assert token_box and token_box[0]["props"]["type"] == "password"
    panel = [c for c in components if c.get("props", {}).get("elem_id") == "qa-admin-panel"]
    assert panel and panel[0]["props"]["visible"] is False
    assert "管理口令" not in _labels(_components(http, "/embed/config"))
    assert unlock_panel(service, "wrong", TOKEN) == (False, WRONG_TOKEN, [])
    shown, _, documents = unlock_panel(service, TOKEN, TOKEN)
    assert shown and [doc for _, doc in documents] == sorted(p.name for p in CORPUS_DIR.glob("*.txt"))


@pytest.mark.slow
def test_configured_embedding_origins_are_sent(admin_site):
    _, http, _ = admin_site
    assert http.get("/embed/").headers["content-security-policy"] == f"frame-ancestors {PORTAL}"


@pytest.mark.slow
def test_upload_then_remove_updates_the_answers(admin_site, tmp_path):
    service, http, root = admin_site
    written = _write_new_csv(tmp_path / "2024一季度.csv")
    assert http.post("/admin/session", content=TOKEN).status_code == 204  # what the panel's button does
    (upload,) = http.post("/gradio_api/upload", files={"files": (written.name, written.read_bytes())}).json()
    upload = Path(upload)
    assert add_files(service, "wrong", TOKEN, [str(upload)]) == WRONG_TOKEN
    assert not (root / "corpus" / upload.name).exists()

    message = add_files(service, TOKEN, TOKEN, [str(upload)])
    assert message.startswith(f"已添加 {upload.name}：2 条记录") and "现有 315 条" in message
    assert http.get("/api/health").json()["records"] == 315
    body = http.post("/api/ask", json={"question": "智慧停车示范街区由哪个单位负责？"}).json()
    assert "市城管局" in body["answer"] and body["citations"][0]["doc"] == upload.name

    assert remove_doc(service, "wrong", TOKEN, upload.name) == WRONG_TOKEN
    assert remove_doc(service, TOKEN, TOKEN, upload.name).startswith(f"已删除 {upload.name}（2 条记录）")
    assert http.get("/api/health").json()["records"] == 313
    assert not (root / "corpus" / upload.name).exists()
