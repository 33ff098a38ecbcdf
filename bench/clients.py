"""Latency of the endpoints other clients use, on a real `qa serve` (127.0.0.1, bearer token set).

One client asks every dev question in turn, each through `POST /api/ask`, `POST /v1/chat/completions` and the
same with `stream: true` (read to `[DONE]`), interleaved so all three see the same machine load; the
differences are the cost of each wrapper around the same answer. `make bench` runs it after the load test;
`python -m bench.clients --index DIR` runs it alone (a short run: two passes over the 45 questions).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.load import REQUEST_TIMEOUT, _auth, served
from bench.measure import ROOT, percentiles_ms
from bench.product import dev_questions

PASSES = 2


def _chat(question: str, stream: bool) -> dict:
    return {"model": "qa-app", "stream": stream, "messages": [{"role": "user", "content": question}]}


def _timed(client: httpx.Client, path: str, body: dict, stream: bool) -> tuple[bool, float]:
    began = time.perf_counter()
    if not stream:
        response = client.post(path, json=body)
        return response.status_code == 200, time.perf_counter() - began
    with client.stream("POST", path, json=body) as response:
        lines = [line for line in response.iter_lines() if line]
    return response.status_code == 200 and lines[-1:] == ["data: [DONE]"], time.perf_counter() - began


def endpoint_latency(url: str, token: str, questions: list[str], passes: int = PASSES) -> dict:
    """p50/p95 per endpoint after one warm-up pass; a non-200 reply counts as an error, not a time."""
    calls = {"api_ask": ("/api/ask", lambda q: {"question": q}, False),
             "chat_completions": ("/v1/chat/completions", lambda q: _chat(q, False), False),
             "chat_completions_stream": ("/v1/chat/completions", lambda q: _chat(q, True), True)}
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    errors = 0
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as client:
        for round_ in range(passes + 1):
            for question in questions:
                for name, (path, body, stream) in calls.items():
                    ok, took = _timed(client, path, body(question), stream)
                    errors += not ok
                    if round_ and ok:  # round 0 warms up
                        seconds[name].append(took)
    return {**{name: percentiles_ms(values) for name, values in seconds.items()},
            "requests_per_endpoint": len(questions) * passes, "errors": errors}


def run(corpus_dir: Path, index_dir: Path, questions: list[str], log: Path, passes: int = PASSES) -> dict:
    with served(corpus_dir, index_dir, log) as (url, token, _pid):
        return endpoint_latency(url, token, questions, passes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index", type=Path, default=None, help="index folder (built first if missing)")
    parser.add_argument("--passes", type=int, default=PASSES)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qa-bench-clients-"))
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    result = run(args.corpus, args.index or work / "index", dev_questions(), work / "serve.log", args.passes)
    print(json.dumps({"measured_at": started, "load_average_end": [round(x, 2) for x in os.getloadavg()], **result},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
