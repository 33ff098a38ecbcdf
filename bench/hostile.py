"""Hostile and broken files: time, peak memory and the refusal for each, and /api/ask while uploads are parsed.

Each file of `tests/hostile_files.py` (the zip bombs unpack to 1 GB, as the reported 2.6 MB workbook did)
goes through `qa add` in a child process over a fresh copy of the corpus and the built index: wall time,
its own peak RSS (VmHWM, polled every 20 ms), whether it was refused, the line it printed, and whether the corpus and index
folders are byte-identical afterwards. Two files just under the archive limits (`NEAR_LIMIT`) show the
most a file that passes them costs. `qa add --help` gives the command's own start-up time and memory.

Then a server in this process (the app `qa serve` builds, on a loopback port): `/api/ask` over the dev
questions for a while alone, then for as long again while the upload panel's function (`add_files`)
parses the same files one after another in another thread, as the panel's button does.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import threading
import time
from pathlib import Path

import httpx

from bench.measure import ROOT, child_env, percentiles_ms, run_polled
from tests import hostile_files

FILES = [*hostile_files.HOSTILE, *hostile_files.NEAR_LIMIT]
ASK_SECONDS = 20.0


def build_files(folder: Path) -> dict[str, Path]:
    """Every file, each built into a subfolder of its own (1 GB bombs take about 5 s each)."""
    files = {}
    for name in FILES:
        target = folder / name.replace(".", "-")
        target.mkdir(parents=True, exist_ok=True)
        files[name] = hostile_files.build(name, target)
    return files


def qa_add(path: Path, corpus: Path, index: Path) -> dict:
    """`qa add FILE` in a child process over a fresh copy of corpus and index; did it refuse and change nothing?"""
    work = path.parent / "site"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(corpus, work / "corpus")
    shutil.copytree(index, work / "index")
    before = hostile_files.folder_digest(work / "corpus", work / "index")
    run = run_polled([sys.executable, "-m", "qa_app", "add", str(path), "--corpus", str(work / "corpus"),
                        "--index", str(work / "index")], timeout=600, env=child_env())
    unchanged = hostile_files.folder_digest(work / "corpus", work / "index") == before
    shutil.rmtree(work, ignore_errors=True)
    lines = run.stderr.strip().splitlines()
    return {"seconds": run.seconds, "peak_rss_mb": run.rss_mb,
            "refused": run.returncode == 1 and bool(lines) and lines[-1].startswith("Error: cannot add"),
            "message": lines[-1] if lines else "", "unchanged": unchanged,
            "file_mb": round(path.stat().st_size / 2**20, 2)}


def _ask_for(http: httpx.Client, questions: list[str], seconds: float) -> dict:
    """The dev questions one after another on one connection for `seconds`: latency and errors."""
    latencies, errors, deadline, n = [], 0, time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = http.post("/api/ask", json={"question": questions[n % len(questions)]})
        n += 1
        if response.status_code == 200 and "short" in response.json():
            latencies.append(time.perf_counter() - started)
        else:
            errors += 1
    return {**percentiles_ms(latencies), "requests": n, "errors": errors}


def serving(corpus: Path, index: Path, files: dict[str, Path], questions: list[str], seconds: float) -> dict:
    """/api/ask alone, then while `add_files` parses every file in turn (all refused: nothing changes)."""
    from qa_app.engine import Engine
    from qa_app.settings import Settings
    from qa_app.web import ChatService, create_app
    from qa_app.web.admin import add_files
    from tests.test_web import running_server

    service = ChatService(Settings(corpus_dir=corpus, index_dir=index), Engine.load(
        Settings(corpus_dir=corpus, index_dir=index), progress=False))
    token, stop, uploads = secrets.token_urlsafe(16), threading.Event(), []

    def upload_in_turn() -> None:
        while not stop.is_set():
            for name, path in files.items():
                if stop.is_set():
                    return
                started = time.perf_counter()
                refused = add_files(service, token, token, [str(path)]).startswith("未能添加")
                uploads.append((name, time.perf_counter() - started, refused))

    with running_server(create_app(service, admin_token=token)) as url, \
            httpx.Client(base_url=url, timeout=120, trust_env=False) as http:
        _ask_for(http, questions, 2.0)  # warm-up
        alone = _ask_for(http, questions, seconds)
        worker = threading.Thread(target=upload_in_turn, daemon=True)
        began = time.perf_counter()
        worker.start()
        during = _ask_for(http, questions, seconds)
        stop.set()
        worker.join()
        wall = time.perf_counter() - began
    busy = sum(s for _, s, _ in uploads)
    return {"alone": alone, "during_uploads": {**during, "uploads": len(uploads),
                                               "refused": sum(r for _, _, r in uploads),
                                               "parse_busy_share": round(busy / wall, 2)}}


def run(work: Path, questions: list[str], index: Path | None = None, seconds: float = ASK_SECONDS) -> dict:
    """Build the files, `qa add` each, then measure serving; `index`: a built index to copy (else built here)."""
    from qa_app.engine import Engine
    from qa_app.settings import Settings

    corpus, live = work / "corpus", work / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    if index is not None and index.is_dir():
        shutil.copytree(index, live)
    Engine.load(Settings(corpus_dir=corpus, index_dir=live), build_if_missing=True, progress=False)
    files = build_files(work / "files")
    startup = run_polled([sys.executable, "-m", "qa_app", "add", "--help"], timeout=120, env=child_env())
    per_file = {name: qa_add(path, corpus, live) for name, path in files.items()}
    return {"hostile": per_file,
            "hostile_cli_startup": {"seconds": startup.seconds, "peak_rss_mb": startup.rss_mb},
            "upload_while_serving": serving(corpus, live, files, questions, seconds)}
