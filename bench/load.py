"""Load test: concurrent clients against POST /api/ask of a real `qa serve`, on 127.0.0.1 only.

Bounded: a fixed number of questions per client, a per-request timeout and a deadline per level; a
request that fails, times out or is not answered by the deadline counts as an error. The server runs
with QA_AUTH_TOKEN set, as an exposed deployment would, and every request carries the bearer token.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.measure import ROOT, child_env, peak_rss_mb, percentiles_ms

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def served(corpus_dir: Path, index_dir: Path, log: Path, timeout: float = 600, env: dict | None = None):
    """`qa serve` on a free loopback port; yields (base URL, token, server pid) once /api/health answers.
    `env`: extra variables for the server (QA_LOG=off, QA_LOG_DB=…)."""
    token, port = secrets.token_urlsafe(16), free_port()
    command = [sys.executable, "-m", "qa_app", "serve", "--host", HOST, "--port", str(port),
               "--corpus", str(corpus_dir), "--index", str(index_dir)]
    env = child_env(QA_AUTH_TOKEN=token, **(env or {}))
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        try:
            url = f"http://{HOST}:{port}"
            _wait_ready(process, url, token, timeout)
            yield url, token, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen, url: str, token: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=5, trust_env=False, headers=_auth(token)) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"qa serve exited with status {process.returncode}")
            try:
                if client.get("/api/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise RuntimeError("qa serve did not become ready in time")


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _client(url: str, token: str, questions: list[str], start: threading.Barrier, deadline_box: list,
            results: list) -> None:
    """One user: ask its questions one after another on one keep-alive connection."""
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as client:
        start.wait()
        for question in questions:
            if time.monotonic() > deadline_box[0]:
                results.append((False, 0.0, "deadline"))
                continue
            began = time.perf_counter()
            try:
                response = client.post("/api/ask", json={"question": question})
                ok = response.status_code == 200 and "short" in response.json()
                results.append((ok, time.perf_counter() - began, response.status_code))
            except (httpx.HTTPError, ValueError) as exc:
                results.append((False, time.perf_counter() - began, type(exc).__name__))


def load_level(url: str, token: str, questions: list[str], clients: int, per_client: int,
               deadline_s: float = 300) -> dict:
    """`clients` users at once, each asking `per_client` questions; throughput and latency."""
    start = threading.Barrier(clients + 1)
    deadline_box = [float("inf")]
    results: list = []
    plan = [[questions[(c * per_client + i) % len(questions)] for i in range(per_client)] for c in range(clients)]
    threads = [threading.Thread(target=_client, args=(url, token, plan[c], start, deadline_box, results))
               for c in range(clients)]
    for thread in threads:
        thread.start()
    deadline_box[0] = time.monotonic() + deadline_s
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies = [seconds for ok, seconds, _ in results if ok]
    errors = [status for ok, _, status in results if not ok]
    timing = percentiles_ms(latencies)
    return {"clients": clients, "requests": len(results), "errors": len(errors),
            "error_kinds": sorted(set(map(str, errors))), "seconds": round(wall, 2), "rps": round(len(latencies) / wall, 2),
            "p50_ms": timing["p50"], "p95_ms": timing["p95"]}


def run_load(corpus_dir: Path, index_dir: Path, questions: list[str], levels=(1, 8, 32), per_client: int = 30,
             log: Path | None = None) -> dict:
    """Every level against one server; the server's peak RSS after the heaviest level."""
    log = log or Path("/tmp/qa-bench-serve.log")
    with served(corpus_dir, index_dir, log) as (url, token, pid):
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as warm:
            for question in questions[:5]:
                warm.post("/api/ask", json={"question": question})
        results = [load_level(url, token, questions, clients, per_client) for clients in levels]
        unauthorised = httpx.post(f"{url}/api/ask", json={"question": questions[0]}, trust_env=False).status_code
        return {"levels": results, "server_rss_mb": peak_rss_mb(pid), "without_token_status": unauthorised}


def run_load_distinct(corpus_dir: Path, index_dir: Path, questions: list[str], levels=(1, 8, 32),
                      per_client: int = 30, log: Path | None = None) -> list[dict]:
    """Every level against one fresh server, no question text asked twice in the whole run (nor in
    the warm-up): what a cache of answers or query embeddings cannot help with."""
    needed = sum(levels) * per_client
    if len(set(questions)) < needed:
        raise ValueError(f"{needed} distinct questions needed, {len(set(questions))} given")
    log = log or Path("/tmp/qa-bench-serve-distinct.log")
    with served(corpus_dir, index_dir, log) as (url, token, _pid):
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as warm:
            warm.post("/api/ask", json={"question": "warm-up: 这个问题不计时"})
        out, start = [], 0
        for clients in levels:
            batch = questions[start:start + clients * per_client]
            start += clients * per_client
            out.append(load_level(url, token, batch, clients, per_client))
        return out


def run_log_overhead(corpus_dir: Path, index_dir: Path, questions: list[str], work: Path, clients: int = 32,
                     per_client: int = 30, rounds: int = 2) -> dict:
    """/api/ask at `clients` distinct-question clients against servers without (QA_LOG=off) and with the
    question log, alternately, each a fresh process asked the same questions (no cache of either run
    helps the other); p95 per run and the median per mode. The rows the log holds afterwards are
    counted, so a log that silently wrote nothing cannot pass for a cheap one."""
    from qa_app.feedback import read_entries

    batch = questions[:clients * per_client]
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    for round_ in range(rounds):
        for mode in ("off", "on"):
            db = work / f"qa_log-{round_}.sqlite3"
            extra = {"QA_LOG": "off"} if mode == "off" else {"QA_LOG_DB": str(db)}
            with served(corpus_dir, index_dir, work / f"serve-log-{mode}-{round_}.log", env=extra) as (url, token, _):
                with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as warm:
                    warm.post("/api/ask", json={"question": "warm-up: 这个问题不计时"})
                level = load_level(url, token, batch, clients, per_client)
                time.sleep(1.0)  # the writer thread drains its queue
            if mode == "on":
                level["logged_rows"] = len(read_entries(db)) - 1  # less the warm-up
            runs[mode].append(level)
    p95 = {mode: sorted(r["p95_ms"] for r in rows)[len(rows) // 2] for mode, rows in runs.items()}
    return {"clients": clients, "per_client": per_client, "runs": runs, "p95_ms_median": p95,
            "p95_ratio": round(p95["on"] / p95["off"], 3) if p95["off"] else None}
