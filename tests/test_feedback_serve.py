"""Done-when of issue 27 through a real `qa serve` on loopback: questions are logged, rated, read back
with `qa log`, turned into eval lines; a log file that cannot be written does not fail an answer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from qa_app.cli import main
from qa_app.feedback.store import connect
from tests.conftest import CORPUS_DIR, ROOT
from tests.test_feedback_log import unwritable
from tests.test_web import ANSWER_ID, XIONGSHANG

TOKEN = "feedback-test-token-0123456789"
UNANSWERABLE = "菏泽奥体中心啥时候建成？"  # eval/dev.jsonl d045, type none
THIRD = "五湖十河水系贯通由谁负责？"
CORRECTION = "正确答案应为市水务局"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def qa_serve(index_dir: Path, log_db: Path, out: Path, **env: str):
    """`qa serve` as a subprocess with QA_AUTH_TOKEN; yields its URL once /api/health answers."""
    port = _free_port()
    command = [sys.executable, "-m", "qa_app", "serve", "--port", str(port), "--corpus", str(CORPUS_DIR),
               "--index", str(index_dir), "--log-db", str(log_db)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "QA_AUTH_TOKEN": TOKEN, "OMP_NUM_THREADS": "1", **env}
    with out.open("w") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, env=environment)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                assert server.poll() is None, out.read_text()
                assert time.monotonic() < deadline, "qa serve did not start"
                try:
                    if httpx.get(f"{url}/api/health", headers=_auth(), trust_env=False).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def _auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


def _log(log_db: Path, *args: str):
    result = CliRunner().invoke(main, ["log", "--log-db", str(log_db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def served(engine, index_settings, tmp_path_factory):
    """The log file exists and cannot be written when the server starts; the first question is asked
    then, and the file is writable again for the rest."""
    root = tmp_path_factory.mktemp("feedback")
    log_db = root / "qa_log.sqlite3"
    connect(log_db).close()  # an empty log, as a previous server leaves it
    with qa_serve(index_settings.index_dir, log_db, root / "serve.log") as url, \
            httpx.Client(base_url=url, headers=_auth(), timeout=120, trust_env=False) as client:
        with unwritable(log_db):
            blocked = client.post("/api/ask", json={"question": XIONGSHANG})
            time.sleep(0.5)  # the server's writer tries (and fails) meanwhile
        yield client, log_db, blocked


def test_unwritable_log_does_not_fail_the_answer(served):
    client, log_db, blocked = served
    assert blocked.status_code == 200 and "市交通运输局" in blocked.json()["short"]
    assert ANSWER_ID.match(blocked.json()["answer_id"])
    rated = client.post("/api/feedback", json={"answer_id": blocked.json()["answer_id"], "rating": "up"})
    assert rated.status_code == 404  # never written, so not known


def test_three_questions_logged_rated_and_turned_into_eval_lines(served, tmp_path):
    client, log_db, _ = served
    asked = [client.post("/api/ask", json={"question": q}).json() for q in (XIONGSHANG, UNANSWERABLE, THIRD)]
    assert [a["abstained"] for a in asked] == [False, True, False]
    third = asked[2]["answer_id"]
    assert httpx.post(f"{client.base_url}/api/feedback", json={"answer_id": third, "rating": "down"},
                      trust_env=False).status_code == 401  # the same token rules as /api/ask
    bad = [client.post("/api/feedback", json={"answer_id": third, "rating": "meh"}),
           client.post("/api/feedback", json={"answer_id": third, "rating": "down", "comment": "错" * 501}),
           client.post("/api/feedback", json={"answer_id": "0" * 32, "rating": "down"})]
    assert [r.status_code for r in bad] == [422, 422, 404]
    assert "up" in bad[0].json()["detail"] and "500" in bad[1].json()["detail"]
    ok = client.post("/api/feedback", json={"answer_id": third, "rating": "down", "comment": CORRECTION})
    assert ok.status_code == 200 and ok.json() == {"ok": True}
    _rated_by_a_logged_in_browser(str(client.base_url), asked[0]["answer_id"])

    rows = json.loads(_log(log_db, "--json").output)["questions"]
    assert [r["question"] for r in rows] == [XIONGSHANG, UNANSWERABLE, THIRD]  # not the one asked while unwritable
    assert [r["answer_id"] for r in rows] == [a["answer_id"] for a in asked]
    assert [(r["abstained"], r["rating"], r["comment"]) for r in rows] == [
        (False, "up", None), (True, None, None), (False, "down", CORRECTION)]
    assert all(r["latency_ms"] > 0 and r["time"][:10] == time.strftime("%Y-%m-%d") for r in rows)
    assert [r["question"] for r in json.loads(_log(log_db, "--json", "--abstained").output)["questions"]] == [
        UNANSWERABLE]
    assert [r["question"] for r in json.loads(_log(log_db, "--json", "--rating", "down").output)["questions"]] == [
        THIRD]

    out = tmp_path / "from_log.jsonl"
    _log(log_db, "--to-eval", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["question"], x["type"], x["answers"]) for x in lines] == [  # not the one rated up
        (UNANSWERABLE, "from_log", []), (THIRD, "from_log", [["市水务局"]])]


def _rated_by_a_logged_in_browser(url: str, answer_id: str) -> None:
    """The chat's /feedback takes the login cookie (a browser has no bearer token); /api/feedback does not."""
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as browser:
        body = {"answer_id": answer_id, "rating": "up"}
        assert browser.post("/feedback", json=body).status_code == 401
        assert browser.post("/login", data={"token": TOKEN, "next": "/"}).status_code == 303
        assert browser.post("/api/feedback", json=body).status_code == 401
        rated = browser.post("/feedback", json=body)
        assert rated.status_code == 200 and rated.json() == {"ok": True}
