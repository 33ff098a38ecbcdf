"""`make bench`: build, answer latency, load at 1/8/32 clients, peak RSS, hostile files and the 10k–1M scale run.

Writes bench/results.json, bench/README.md and bench/scale.png. Each step runs where its numbers
mean something: `qa build` and `qa serve` as child processes (their own wall time and peak RSS), the
scale run as one child per size (so each size's peak RSS is its own). `--only hostile` runs the
hostile-files step alone and merges it into the existing results.json.
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

from bench import clients, hostile, load, product, report
from bench.measure import ROOT, child_env, run_measured

SIZES = (10_000, 100_000, 1_000_000)
LEVELS = (1, 8, 32)
PER_CLIENT = 30


def scale_step(records: int, index_dir: Path) -> dict:
    run = run_measured([sys.executable, "-m", "bench.scale", str(records), "--index", str(index_dir)],
                       timeout=1500, env=child_env(OMP_NUM_THREADS="1"))
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


def run(sizes: tuple[int, ...], with_load: bool, out: Path) -> dict:
    started = time.perf_counter()
    results: dict = {"measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine()}
    corpus = ROOT / "corpus"
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        index = work / "index"
        _step("qa build (scratch, unchanged)")
        results["build_s"] = product.build_times(corpus, index)
        questions = product.dev_questions()
        _step("answer latency")
        results["answer_ms"] = product.answer_latency(corpus, index, questions)
        if with_load:
            _step("load test")
            served = load.run_load(corpus, index, questions, LEVELS, PER_CLIENT, work / "serve.log")
            results["throughput"] = served["levels"]
            results["load"] = served["levels"][-1]
            results["rss_mb"] = served["server_rss_mb"]
            results["without_token_status"] = served["without_token_status"]
            _step("client endpoints (/api/ask, /v1/chat/completions)")
            results["clients_ms"] = clients.run(corpus, index, questions, work / "serve-clients.log")
        _step("hostile files")
        results.update(hostile.run(work / "hostile", questions, index=index))
        results["scale"] = []
        for records in sizes:
            _step(f"scale run, {records} records")
            results["scale"].append(scale_step(records, index))
        _step("Milvus Lite beside FAISS")
        results["milvus"] = milvus_step()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - started, 1)
    return results


def run_only(step: str, out: Path) -> dict:
    """One step (`hostile`) merged into the results already in `out`/results.json."""
    path = out / "results.json"
    results = json_load(path)
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    started = time.perf_counter()
    try:
        _step(f"{step} only")
        load_start = [round(x, 2) for x in os.getloadavg()]
        results.update(hostile.run(work / "hostile", product.dev_questions()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["hostile_measured"] = {"at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": machine()["commit"],
                                   "load_average_start": load_start, "seconds": round(time.perf_counter() - started, 1),
                                   "load_average_end": [round(x, 2) for x in os.getloadavg()]}
    return results


def json_load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _step(name: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {name}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="scale run sizes (records)")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="folder for results.json, README.md, PNG")
    parser.add_argument("--only", choices=["hostile", "milvus"], default=None,
                        help="run this step alone and merge its figures into the existing results.json")
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = "1"  # in-process answering runs as `qa serve` runs it (read at model load)
    faiss.omp_set_num_threads(1)
    if args.only == "milvus":
        _step("Milvus Lite beside FAISS")
        results = json.loads((args.out / "results.json").read_text(encoding="utf-8"))
        results["milvus"] = milvus_step()
    elif args.only:
        results = run_only(args.only, args.out)
    else:
        results = run(tuple(args.sizes), not args.no_load, args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    if results.get("scale") and not args.only:
        report.plot(results["scale"], args.out / "scale.png")
    if "build_s" in results:
        (args.out / "README.md").write_text(report.readme(results), encoding="utf-8")
    print(report.hostile_summary(results) if args.only else report.summary(results))


if __name__ == "__main__":
    main()
