"""The upload panel reads only uploads, and only an admin session uploads (issue 25, finding 2).

A real server with a chat token (QA_AUTH_TOKEN) and an admin token, over a copy of the corpus and index.
The attack is what a browser's Gradio client sends, by hand: the add button's event with a file value
naming a server path, through Gradio's queue."""

from __future__ import annotations

import json
import shutil
import uuid

import httpx
import pytest

from qa_app.engine import Engine
from qa_app.web import ChatService, create_app
from qa_app.web.admin import add_files
from qa_app.web.uploads import (
    ADMIN_COOKIE,
    ADMIN_SESSION_PATH,
    NEED_ADMIN,
    AdminSessions,
    UploadCaps,
    is_uploaded,
    upload_folder,
)
from tests.conftest import CORPUS_DIR
from tests.test_web import _write_new_csv, running_server

CHAT = "chat-token-3f9a1c"
ADMIN = "admin-token-7b2e4d"
BEARER = {"Authorization": f"Bearer {CHAT}"}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, index_settings, engine):
    """(service, client with the chat token, corpus folder) of a server with both tokens."""
    root = tmp_path_factory.mktemp("uploads")
    shutil.copytree(CORPUS_DIR, root / "corpus")
    shutil.copytree(index_settings.index_dir, root / "index")
    settings = index_settings.with_(corpus_dir=root / "corpus", index_dir=root / "index")
    service = ChatService(settings, Engine.load(settings, progress=False, embedder=engine.retriever.embedder))
    app = create_app(service, admin_token=ADMIN, auth_token=CHAT)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=120, trust_env=False,
                                                  headers=BEARER) as http:
        yield service, http, root / "corpus"


def _add_event(http: httpx.Client) -> int:
    """The id of the panel's 添加到文档库 event: the one taking the token box and the file list."""
    config = http.get("/config").json()
    ids = {c.get("props", {}).get("elem_id"): c["id"] for c in config["components"]}
    return next(d["id"] for d in config["dependencies"]
                if d["inputs"] == [ids["qa-admin-token"], ids["qa-admin-files"]])


def _run_event(http: httpx.Client, fn_index: int, data: list) -> dict:
    """Join Gradio's queue with `data` and read the event stream to its end; the completion message."""
    session = uuid.uuid4().hex
    joined = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                        "event_data": None, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with http.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without a completion")


def _copies(name: str) -> list:
    return list(upload_folder().rglob(name)) if upload_folder().exists() else []


@pytest.mark.parametrize("token", [ADMIN, "wrong"])
def test_a_server_path_as_an_upload_value_is_refused_and_nothing_copied(guarded, tmp_path, token):
    service, http, corpus = guarded
    secret = _write_new_csv(tmp_path / f"secret-{uuid.uuid4().hex}.csv")
    before, records = sorted(p.name for p in corpus.iterdir()), len(service.engine.records)
    value = {"path": str(secret), "orig_name": secret.name, "meta": {"_type": "gradio.FileData"}}
    message = _run_event(http, _add_event(http), [token, [value]])
    output = json.dumps(message.get("output"), ensure_ascii=False)
    assert "已添加" not in output
    assert sorted(p.name for p in corpus.iterdir()) == before
    assert _copies(secret.name) == []
    assert len(service.engine.records) == records


def test_the_handler_refuses_a_server_path_too(guarded, tmp_path):
    service, _, corpus = guarded
    secret = _write_new_csv(tmp_path / "2024一季度.csv")
    message = add_files(service, ADMIN, ADMIN, [str(secret)])
    assert message.startswith("未能添加") and not (corpus / secret.name).exists()


def test_uploads_need_the_admin_session(guarded, tmp_path):
    _, http, _ = guarded
    upload = _write_new_csv(tmp_path / "2024一季度.csv")
    for path in ("/gradio_api/upload", "/embed/gradio_api/upload", "/gradio_api/upload/"):
        refused = http.post(path, files={"files": (upload.name, upload.read_bytes())})
        assert refused.status_code == 403 and refused.json()["detail"] == NEED_ADMIN
    assert http.post(ADMIN_SESSION_PATH, content="wrong").status_code == 403
    assert ADMIN_COOKIE not in http.cookies
    assert http.post(ADMIN_SESSION_PATH, content=ADMIN).status_code == 204
    accepted = http.post("/gradio_api/upload", files={"files": (upload.name, upload.read_bytes())})
    assert accepted.status_code == 200
    (path,) = accepted.json()
    assert is_uploaded(path)
    http.cookies.delete(ADMIN_COOKIE)


def test_an_upload_through_the_gate_is_added(guarded, tmp_path):
    service, http, corpus = guarded
    upload = _write_new_csv(tmp_path / "2024一季度.csv")
    with httpx.Client(base_url=str(http.base_url), timeout=120, trust_env=False, headers=BEARER) as admin:
        assert admin.post(ADMIN_SESSION_PATH, content=ADMIN).status_code == 204
        (path,) = admin.post("/gradio_api/upload", files={"files": (upload.name, upload.read_bytes())}).json()
    message = add_files(service, ADMIN, ADMIN, [path])
    assert message.startswith(f"已添加 {upload.name}：2 条记录"), message
    assert (corpus / upload.name).exists()
    assert service.engine.answer("智慧停车示范街区由哪个单位负责？").citations[0].doc == upload.name


def test_each_admin_session_has_a_count_and_size_cap():
    sessions = AdminSessions(ADMIN, UploadCaps(files=3, bytes=1000))
    cookie = sessions.signed.issue()
    assert sessions.charge(None, 10)[0] == 403
    assert sessions.charge("1.forged", 10)[0] == 403
    assert [sessions.charge(cookie, 100) for _ in range(3)] == [None, None, None]
    assert sessions.charge(cookie, 100)[0] == 429
    other = sessions.signed.issue(now=1)  # expired long ago
    assert sessions.charge(other, 10)[0] == 403
    fresh = AdminSessions(ADMIN, UploadCaps(files=3, bytes=1000))
    new = fresh.signed.issue()
    assert fresh.charge(new, 900) is None and fresh.charge(new, 200)[0] == 413
    assert fresh.charge(new, None)[0] == 413
