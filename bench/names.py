"""Name resolution cost (`python -m bench.names [--sizes 313 100000]`): building the name index and
resolving one question (`resolve_question`: units, leaders, short names, place, numerals).

Sizes past the bundled corpus use the scale step's synthetic records (bench/scale.py: real scope,
wording and units recombined), which repeat the real wording; `--spliced` also measures records whose
wording is new (each piece cut and joined with another record's), so the per-character index grows.
Questions: the dev and dev2 sets, and bench/questions.py's distinct questions of every kind, each
asked once on a fresh index (nothing cached), then a second pass (cached). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import replace
from pathlib import Path

import jieba
import numpy as np

from bench.questions import distinct_questions
from bench.scale import sources, synthetic_record
from qa_app.answering import build_name_index, build_vocabulary, flat_form, resolve_question
from qa_app.parsing import load_corpus
from qa_app.records import Record

ROOT = Path(__file__).resolve().parent.parent
jieba.setLogLevel(logging.WARNING)


def records_of(real: list[Record], count: int, spliced: bool, seed: int = 0) -> list[Record]:
    if count <= len(real):
        return real[:count]
    rng = np.random.default_rng(seed)
    src = sources(real, count, rng)
    out = [synthetic_record(real, src[row], row) for row in range(count)]
    if spliced:
        other = rng.integers(0, len(real), count)
        out = [replace(r, content=r.content[: len(r.content) // 2] + real[o].content[len(real[o].content) // 2:],
                       progress=real[o].progress[: len(real[o].progress) // 2] + r.progress[len(r.progress) // 2:] + f"{row}")
               for row, (r, o) in enumerate(zip(out, other, strict=True))]
    return out


def questions(real: list[Record]) -> list[str]:
    texts = []
    for name in ("dev.jsonl", "dev2.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["question"])
    texts += [q for _, q in distinct_questions(real, 120)]
    return list(dict.fromkeys(texts))


def percentiles(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3),
            "max_ms": round(float(ms.max()), 3)}


def timed_pass(index, asked: list[str]) -> dict:
    """Wall and CPU time (the CPU figure is the one to read on a shared, busy machine)."""
    wall, cpu = [], []
    for text in asked:
        start, start_cpu = time.perf_counter(), time.process_time()
        resolve_question(text, index)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"wall": percentiles(wall), "cpu": percentiles(cpu)}


def measure(real: list[Record], count: int, spliced: bool, words: jieba.Tokenizer, asked: list[str]) -> dict:
    records = records_of(real, count, spliced)
    start = time.perf_counter()
    vocab = build_vocabulary(records)  # the answerer has it already (Knowledge.vocab): timed apart
    vocab_s = time.perf_counter() - start
    start = time.perf_counter()
    index = build_name_index(records, vocab=vocab, words=words)
    build = time.perf_counter() - start
    flat_form.cache_clear()  # the first pass pays for every question's matching form
    passes = [timed_pass(index, asked) for _ in range(2)]
    return {"records": len(records), "spliced": spliced, "pieces": len(index.short_names.pieces),
            "vocabulary_s": round(vocab_s, 2), "build_s": round(build, 2), "questions": len(asked), "first_pass": passes[0], "second_pass": passes[1]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[313, 100_000])
    parser.add_argument("--spliced", action="store_true", help="also measure records with new wording")
    args = parser.parse_args(argv)
    real = list(load_corpus(ROOT / "corpus").records)
    words = jieba.Tokenizer()
    words.initialize()
    asked = questions(real)
    rows = [measure(real, n, False, words, asked) for n in args.sizes]
    if args.spliced:
        rows += [measure(real, n, True, words, asked) for n in args.sizes if n > len(real)]
    print(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
