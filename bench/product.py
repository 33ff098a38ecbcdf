"""The product on the bundled corpus: `qa build` from scratch and unchanged, and single-threaded answer latency."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.measure import ROOT, child_env, percentiles_ms, run_measured
from qa_app.engine import Engine
from qa_app.settings import Settings

ANSWER_PASSES = 3


def dev_questions() -> list[str]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def qa_build(corpus_dir: Path, index_dir: Path) -> dict:
    """`qa build --quiet` as a user runs it (a new process: imports, model load, embedding, writing)."""
    command = [sys.executable, "-m", "qa_app", "build", "--quiet", "--corpus", str(corpus_dir),
               "--index", str(index_dir)]
    run = run_measured(command, timeout=1800, env=child_env())
    if run.returncode != 0:
        raise RuntimeError(f"qa build failed: {run.stderr[-2000:]}")
    return {"seconds": run.seconds, "rss_mb": run.rss_mb, "output": run.stdout.strip()}


def build_times(corpus_dir: Path, index_dir: Path) -> dict:
    scratch = qa_build(corpus_dir, index_dir)
    unchanged = qa_build(corpus_dir, index_dir)
    return {"scratch": scratch["seconds"], "unchanged": unchanged["seconds"], "scratch_rss_mb": scratch["rss_mb"],
            "scratch_output": scratch["output"], "unchanged_output": unchanged["output"]}


def answer_latency(corpus_dir: Path, index_dir: Path, questions: list[str]) -> dict:
    """engine.answer() on one thread: one untimed warm-up pass, then ANSWER_PASSES timed passes, each
    answer with the query-embedding cache emptied (a repeated question would skip its ~20 ms embedding).

    Run with one OpenMP thread (bench.run sets it), as `qa serve` runs requests.
    """
    engine = Engine.load(Settings(corpus_dir=corpus_dir, index_dir=index_dir), progress=False)
    for question in questions:
        engine.answer(question)
    seconds = []
    for _ in range(ANSWER_PASSES):
        for question in questions:
            engine.retriever.forget_query_vectors()  # each timed answer embeds its question, as a new one would
            started = time.perf_counter()
            engine.answer(question)
            seconds.append(time.perf_counter() - started)
    return {**percentiles_ms(seconds), "answers": len(seconds), "max": round(max(seconds) * 1000, 1)}
