"""`make bench`: build, answer latency, load at 1/8/32 clients, peak RSS and the 10k–1M scale run.

Writes bench/results.json, bench/README.md and bench/scale.png. Each step runs where its numbers
mean something: `qa build` and `qa serve` as child processes (their own wall time and peak RSS), the
scale run as one child per size (so each size's peak RSS is its own).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import faiss

from bench import attack, clients, hostile, load, product, report
from bench.measure import ROOT, child_env, run_measured
from bench.questions import distinct_questions
from qa_app.parsing import load_corpus

SIZES = (10_000, 100_000, 1_000_000)
LEVELS = (1, 8, 32)
PER_CLIENT = 30
STEPS = ("build", "answer", "load", "load-distinct", "log", "clients", "hostile", "scale", "scale-answers", "milvus")


def scale_step(records: int, index_dir: Path, parts: str = "search,answers,recall") -> dict:
    run = run_measured([sys.executable, "-m", "bench.scale", str(records), "--index", str(index_dir),
                        "--parts", parts], timeout=1500, env=child_env(OMP_NUM_THREADS="1"))
    if run.returncode != 0:
        raise RuntimeError(f"scale run at {records} records failed: {run.stderr[-3000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "step_s": run.seconds, "process_rss_mb": run.rss_mb}


def milvus_step() -> dict:
    """Milvus Lite beside FAISS at 313 and 10k records (bench/milvus.py), in a child process."""
    run = run_measured([sys.executable, "-m", "bench.milvus"], timeout=3000, env=child_env(OMP_NUM_THREADS="1"))
    if run.returncode != 0:
        raise RuntimeError(f"the Milvus Lite step failed: {run.stderr[-3000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "step_s": run.seconds, "measured_at":
            time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load_average": f"{os.getloadavg()[0]:.1f} (1 min) at the end"}


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), "0")
    return {"cpus": os.cpu_count(), "memory_gb": round(int(memory) / 1024 ** 2, 1), "python": sys.version.split()[0],
            "commit": commit.stdout.strip(), "load_average_start": [round(x, 2) for x in os.getloadavg()]}


def run(sizes: tuple[int, ...], steps: tuple[str, ...], previous: dict | None = None) -> dict:
    """The chosen steps; their figures replace those of `previous` (a scale row per size)."""
    started = time.perf_counter()
    results: dict = dict(previous or {})
    results.update(measured_at=time.strftime("%Y-%m-%d %H:%M:%S %Z"), machine=machine(), steps=list(steps))
    when = {"at": results["measured_at"], "load_average_start": results["machine"]["load_average_start"]}
    results["measured_steps"] = {**results.get("measured_steps", {}), **{step: when for step in steps}}
    corpus = ROOT / "corpus"
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        index = work / "index"
        _step("qa build (scratch, unchanged)")
        build = product.build_times(corpus, index)
        if "build" in steps:
            results["build_s"] = build
        questions = product.dev_questions()
        if "answer" in steps:
            _step("answer latency")
            results["answer_ms"] = product.answer_latency(corpus, index, questions)
        if "load" in steps:
            _step("load test (repeated questions)")
            served = load.run_load(corpus, index, questions, LEVELS, PER_CLIENT, work / "serve.log")
            results["throughput"] = served["levels"]
            results["load"] = served["levels"][-1]
            results["rss_mb"] = served["server_rss_mb"]
            results["without_token_status"] = served["without_token_status"]
            _step("load test (history attack: plain questions beside long follow-ups)")
            results["history_attack"] = attack.run(corpus, index, questions, work / "serve-attack.log")
        if "load-distinct" in steps:
            _step("load test (distinct questions)")
            asked = [text for _, text in distinct_questions(load_corpus(corpus).records, sum(LEVELS) * PER_CLIENT)]
            levels = load.run_load_distinct(corpus, index, asked, LEVELS, PER_CLIENT, work / "serve-distinct.log")
            results["throughput_distinct"] = levels
            results["load_distinct"] = levels[-1]
        if "log" in steps:
            _step("load test with and without the question log (32 distinct-question clients)")
            asked = [text for _, text in distinct_questions(load_corpus(corpus).records, 32 * PER_CLIENT, seed=1)]
            results["log_overhead"] = load.run_log_overhead(corpus, index, asked, work, 32, PER_CLIENT)
        if "clients" in steps:
            _step("client endpoints (/api/ask, /v1/chat/completions)")
            results["clients_ms"] = clients.run(corpus, index, questions, work / "serve-clients.log")
        if "hostile" in steps:
            _step("hostile files")
            results.update(hostile.run(work / "hostile", questions, index=index))
        for name, parts in (("scale", "search,answers,recall"), ("scale-answers", "answers")):
            if name in steps:
                for records in sizes:
                    _step(f"{name} run, {records} records")
                    results["scale"] = _merge_scale(results.get("scale", []), scale_step(records, index, parts))
        if "milvus" in steps:
            _step("Milvus Lite beside FAISS")
            results["milvus"] = milvus_step()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - started, 1)
    return results


def _merge_scale(rows: list[dict], row: dict) -> list[dict]:
    """The scale rows with this size's figures updated (a partial run keeps the other figures)."""
    merged = {r["records"]: dict(r) for r in rows}
    merged.setdefault(row["records"], {}).update(row)
    return [merged[size] for size in sorted(merged)]


def _step(name: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {name}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="scale run sizes (records)")
    parser.add_argument("--no-load", action="store_true", help="skip the load tests")
    parser.add_argument("--only", nargs="+", choices=STEPS, metavar="STEP",
                        help=f"run only these steps ({', '.join(STEPS)}) and merge into results.json")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="folder for results.json, README.md, PNG")
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = "1"  # in-process answering runs as `qa serve` runs it (read at model load)
    faiss.omp_set_num_threads(1)
    steps = tuple(args.only or [s for s in STEPS if s != "scale-answers"
                                and not (args.no_load and s.startswith("load"))])
    path = args.out / "results.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if args.only and path.exists() else None
    results = run(tuple(args.sizes), steps, previous)
    args.out.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    if results.get("scale"):
        report.plot(results["scale"], args.out / "scale.png")
    (args.out / "README.md").write_text(report.readme(results), encoding="utf-8")
    print(report.summary(results))


if __name__ == "__main__":
    main()
