"""The history attack (issue 25): follow-ups carrying a long earlier question, beside a plain user.

Before the history was bounded, one /api/ask with a 9 KB earlier question held an answering worker for
seconds, so two at once stalled everybody's answers. This step asks the plain questions alone, then the
same ones while `attackers` clients send such follow-ups back to back, on one `qa serve` (bearer token
set); the figure that matters is the plain questions' p95 during the attack. `make bench` runs it in
the load step; `python -m bench.attack --index DIR` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.load import REQUEST_TIMEOUT, _auth, served
from bench.measure import ROOT, percentiles_ms
from bench.product import dev_questions

HISTORY_CHARS = 9000  # the earlier question's length (a 27 KB body, under the 64 KB cap)
FOLLOW_UP = "它的完成时限呢？"
PLAIN = 12  # plain questions timed alone and again during the attack (before the bound, each waited seconds)


def attack_body(questions: list[str], chars: int = HISTORY_CHARS) -> bytes:
    """A follow-up whose one earlier question is a real question said over and over, `chars` long."""
    earlier = (questions[0] * (chars // len(questions[0]) + 1))[:chars]
    body = {"question": FOLLOW_UP, "history": [{"question": earlier, "citations": []}]}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _plain(client: httpx.Client, questions: list[str]) -> tuple[list[float], int]:
    """Each question's wall time, a failed or timed-out one included (it waited that long), and the errors."""
    seconds, errors = [], 0
    for question in questions:
        began = time.perf_counter()
        try:
            errors += client.post("/api/ask", json={"question": question}).status_code != 200
        except httpx.HTTPError:
            errors += 1
        seconds.append(time.perf_counter() - began)
    return seconds, errors


def _attacker(url: str, token: str, body: bytes, stop: threading.Event, seen: list) -> None:
    headers = {**_auth(token), "content-type": "application/json"}
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=headers) as client:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status = client.post("/api/ask", content=body).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            seen.append((status, time.perf_counter() - began))


def history_attack(url: str, token: str, questions: list[str], attackers: int = 2, plain: int = PLAIN) -> dict:
    """Plain questions alone, then during the attack; p50/p95 of both and what the attack requests took."""
    body, questions = attack_body(questions), questions[:plain]
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT, trust_env=False, headers=_auth(token)) as client:
        _plain(client, questions[:5])  # warm-up (query embeddings cached, as in the load step)
        alone, alone_errors = _plain(client, questions)
        stop, seen = threading.Event(), []
        threads = [threading.Thread(target=_attacker, args=(url, token, body, stop, seen), daemon=True)
                   for _ in range(attackers)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # the attack requests are in the workers before the first plain question
            during, during_errors = _plain(client, questions)
        finally:
            stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT)
    attack_seconds = [s for status, s in seen if status == 200]
    return {"attackers": attackers, "history_chars": HISTORY_CHARS, "body_bytes": len(body),
            "plain_alone_ms": percentiles_ms(alone), "plain_during_ms": percentiles_ms(during),
            "plain_errors": alone_errors + during_errors, "attack_requests": len(seen),
            "attack_ok": len(attack_seconds), "attack_ms": percentiles_ms(attack_seconds)}


def run(corpus_dir: Path, index_dir: Path, questions: list[str], log: Path) -> dict:
    with served(corpus_dir, index_dir, log) as (url, token, _pid):
        return history_attack(url, token, questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a built index folder (of corpus/)")
    args = parser.parse_args()
    log = Path(tempfile.gettempdir()) / "qa-bench-attack.log"
    print(json.dumps(run(ROOT / "corpus", args.index, dev_questions(), log), ensure_ascii=False))


if __name__ == "__main__":
    main()
