"""Two `qa serve` replicas on one `milvus-lite server`: a document added through one replica's upload
panel is answered by the other within seconds.

Everything is real and on 127.0.0.1: the Milvus Lite gRPC server (`milvus-lite server`), the store built
by `qa build --store milvus`, two `qa serve` processes with their own corpus folders, and the upload done
as the chat page does it (Gradio's upload route, then its queue).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed (make test installs it)")

from tests.conftest import CORPUS_DIR, ROOT  # noqa: E402
from tests.test_web import _write_new_csv  # noqa: E402

pytestmark = pytest.mark.slow

ADMIN = "replica-admin-token-123"
QUESTION = "智慧停车示范街区由哪个单位负责？"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def process(command: list[str], log: Path, env: dict | None = None):
    with log.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                 env={**os.environ, **(env or {})})
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _store_args(uri: str, folder: Path) -> list[str]:
    return ["--store", "milvus", "--milvus-uri", uri, "--corpus", str(folder / "corpus"),
            "--index", str(folder / "index")]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, index_settings, engine):
    """The server, the store built from the bundled corpus (vectors reused from the session FAISS index),
    and replicas A (upload panel on) and B, each with its own copy of the corpus."""
    root = tmp_path_factory.mktemp("replicas")
    port, a_port, b_port = free_port(), free_port(), free_port()
    uri = f"http://127.0.0.1:{port}"
    server = [str(Path(sys.executable).parent / "milvus-lite"), "server", "--data-dir", str(root / "milvus"),
              "--host", "127.0.0.1", "--port", str(port)]
    with process(server, root / "milvus.log"):
        wait_until(lambda: _accepts(port), 60, "milvus-lite server")
        build = subprocess.run([sys.executable, "-m", "qa_app", "build", "--quiet", "--store", "milvus", "--milvus-uri",
                                uri, "--index", str(index_settings.index_dir)], capture_output=True, text=True,
                               timeout=600, cwd=ROOT)
        assert build.returncode == 0 and "0 embedded" in build.stdout, build.stderr
        for name in ("a", "b"):
            shutil.copytree(CORPUS_DIR, root / name / "corpus")
        serve = [sys.executable, "-m", "qa_app", "serve", "--port"]
        with process(serve + [str(a_port), *_store_args(uri, root / "a")], root / "a.log", {"QA_ADMIN_TOKEN": ADMIN}), \
                process(serve + [str(b_port), *_store_args(uri, root / "b")], root / "b.log"):
            for replica in (a_port, b_port):
                wait_until(lambda r=replica: _answers(r), 300, f"qa serve on port {replica}")
            yield root, a_port, b_port


def _ask(port: int) -> dict:
    response = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=60, trust_env=False)
    assert response.status_code == 200
    return response.json()


def upload_through_the_panel(port: int, path: Path, token: str) -> str:
    """What the chat page does on 添加到文档库: upload the file, then run the button's event in the queue."""
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=120, trust_env=False) as http:
        config = http.get("/config").json()
        by_id = {c["id"]: c for c in config["components"]}
        button = next(i for i, c in by_id.items() if c.get("props", {}).get("value") == "添加到文档库")
        event = next(d for d in config["dependencies"] if [button, "click"] in d["targets"])
        http.post("/admin/session", content=token)  # the admin session the upload route asks for
        uploaded = http.post("/gradio_api/upload", files={"files": (path.name, path.read_bytes(), "text/csv")})
        file = {"path": uploaded.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
        session = uuid.uuid4().hex
        joined = http.post("/gradio_api/queue/join", json={
            "data": [token, [file]], "fn_index": event["id"], "trigger_id": button, "session_hash": session,
            "event_data": None})
        assert joined.status_code == 200, joined.text
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return message["output"]["data"][0]
    raise AssertionError("the upload event did not complete")


def test_added_through_one_replica_answered_by_the_other(replicas, tmp_path):
    root, a_port, b_port = replicas
    before = _ask(b_port)
    assert before["short"] != "市城管局"
    upload = _write_new_csv(tmp_path / "2024一季度.csv")
    message = upload_through_the_panel(a_port, upload, ADMIN)
    assert message.startswith(f"已添加 {upload.name}：2 条记录") and "现有 315 条" in message, message
    added = time.monotonic()
    assert (root / "a" / "corpus" / upload.name).exists() and not (root / "b" / "corpus" / upload.name).exists()
    answer = wait_until(lambda: (lambda a: a if a["short"] == "市城管局" else None)(_ask(b_port)), 30,
                        "replica B to answer from the new document")
    seconds = time.monotonic() - added
    assert answer["citations"][0]["doc"] == upload.name
    health = httpx.get(f"http://127.0.0.1:{b_port}/api/health", timeout=10, trust_env=False).json()
    assert health["records"] == 315
    print(f"replica B answered from the new document {seconds:.1f} s after replica A added it")
