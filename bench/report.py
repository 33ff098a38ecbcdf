"""bench/README.md and bench/scale.png from the results (pure formatting, apart from writing the PNG)."""

from __future__ import annotations

from pathlib import Path

TARGETS = "zero failed requests under load; answer p95 < 100 ms at one client; 1M-record search p95 < 150 ms " \
          "with approximate-search recall@10 ≥ 0.95"


def plot(scale: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [row["records"] for row in scale]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    panels = [("build (s)", [("build_s", "build")]),
              ("hybrid search latency (ms)", [("search_p95_ms", "p95 all"), ("search_p95_ms_unfiltered", "p95 no filter"),
                                             ("search_p95_ms_filtered", "p95 year+kind filter"),
                                             ("search_p50_ms", "p50 all"), ("answer_p95_ms", "answer p95")]),
              ("peak RSS (MB)", [("rss_mb", "peak RSS")])]
    for axis, (title, series) in zip(axes, panels, strict=True):
        for key, label in series:
            values = [row.get(key, float("nan")) for row in scale]
            if any(v == v for v in values):  # a partial run may lack a series
                axis.plot(sizes, values, marker="o", label=label)
        axis.set_xscale("log")
        axis.set_xlabel("records")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    for row in (row for row in scale if "recall@10" in row):
        axes[1].annotate(f"{row['index_kind']}, recall@10 {row['recall@10']:.3f}", (row["records"], row["search_p95_ms"]),
                         textcoords="offset points", xytext=(-40, 8), fontsize=7)
    axes[1].axhline(150, color="grey", linestyle="--", linewidth=0.8)
    axes[1].annotate("target p95 at 1M: 150 ms", (sizes[0], 150), textcoords="offset points", xytext=(0, -12),
                     fontsize=7, color="grey")
    fig.suptitle("qa_app scale run: synthetic corpora (recombined real fields, mixed real vectors)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def product_section(results: dict) -> list[str]:
    build, answer = results["build_s"], results["answer_ms"]
    lines = ["## Product on the bundled corpus (313 records)", "",
             _row(["measure", "value"]), _row(["---", "---"]),
             _row(["`qa build` from scratch (new process: model load + embedding 313 chunks + writing)",
                   f"{build['scratch']} s (peak RSS {build['scratch_rss_mb']} MB)"]),
             _row(["`qa build` unchanged (hash check + load check of the live index)", f"{build['unchanged']} s"]),
             _row(["`engine.answer()` single thread, dev questions "
                   f"({answer['answers']} timed answers after a warm-up pass)",
                   f"p50 {answer['p50']} ms, p95 {answer['p95']} ms, max {answer['max']} ms"])]
    if "rss_mb" in results:
        lines.append(_row(["`qa serve` peak RSS after all load levels", f"{results['rss_mb']} MB"]))
    if "throughput" in results:
        lines += ["", "Load on `POST /api/ask` of a real `qa serve` (127.0.0.1, bearer token set), "
                  "each client asking 30 dev questions in turn on one keep-alive connection:", "",
                  _row(["clients", "requests", "errors", "throughput (req/s)", "p50 (ms)", "p95 (ms)", "wall (s)"]),
                  _row(["---"] * 7)]
        lines += [_row([x["clients"], x["requests"], x["errors"], x["rps"], x["p50_ms"], x["p95_ms"], x["seconds"]])
                  for x in results["throughput"]]
        lines += ["", f"A request without the token got HTTP {results.get('without_token_status')}."]
    if "throughput_distinct" in results:
        lines += ["", "The same load with distinct questions (written from the corpus's records, every kind of "
                  "dev2; no text asked twice in the run, so no cached query embedding helps):", "",
                  _row(["clients", "requests", "errors", "throughput (req/s)", "p50 (ms)", "p95 (ms)", "wall (s)"]),
                  _row(["---"] * 7)]
        lines += [_row([x["clients"], x["requests"], x["errors"], x["rps"], x["p50_ms"], x["p95_ms"], x["seconds"]])
                  for x in results["throughput_distinct"]]
    if "clients_ms" in results:
        timed = results["clients_ms"]
        lines += ["", f"One client asking the dev questions in turn ({timed['requests_per_endpoint']} timed requests "
                  f"per endpoint, interleaved; {timed['errors']} errors):", "",
                  _row(["endpoint", "p50 (ms)", "p95 (ms)"]), _row(["---"] * 3)]
        lines += [_row([label, timed[key]["p50"], timed[key]["p95"]]) for key, label in (
            ("api_ask", "`POST /api/ask`"), ("chat_completions", "`POST /v1/chat/completions`"),
            ("chat_completions_stream", "`POST /v1/chat/completions` with `stream: true` (to `[DONE]`)"))]
    return lines


def scale_section(scale: list[dict]) -> list[str]:
    lines = ["## Scale run", "",
             _row(["records", "dense index", "build (s)", "search p50 / p95 (ms)", "p95 no filter / filtered (ms)",
                   "query embedding p50 (ms)", "peak RSS (MB)", "recall@10", "IVF recall@10 (forced)",
                   "IVF filtered recall@10"]),
             _row(["---"] * 10)]
    for row in (row for row in scale if "search_p50_ms" in row):
        lines.append(_row([f"{row['records']:,}", row["index_kind"], row["build_s"],
                           f"{row['search_p50_ms']} / {row['search_p95_ms']}",
                           f"{row['search_p95_ms_unfiltered']} / {row['search_p95_ms_filtered']}",
                           row["embed_p50_ms"], row["rss_mb"], row["recall@10"], row["ivf_recall@10"],
                           row["ivf_filtered_recall@10"]]))
    answered = [row for row in scale if "answer_p50_ms" in row]
    if answered:
        lines += ["", "`answer_question()` over the synthetic corpus, one thread, 120 distinct questions (ten of each "
                  "kind, names drawn from that corpus's records), after building the answerer's knowledge:", "",
                  _row(["records", "answer p50 / p95 / max (ms)", "slowest kind (p95)", "knowledge build (s)",
                        "peak RSS with answering (MB)"]), _row(["---"] * 5)]
        lines += [_row([f"{row['records']:,}", f"{row['answer_p50_ms']} / {row['answer_p95_ms']} / "
                        f"{row['answer_max_ms']}", row["answer_slowest_kind"], row["knowledge_s"],
                        row["answer_rss_mb"]]) for row in answered]
    searched = [row for row in scale if "search_p50_ms" in row]
    lines += ["", "Build breakdown (s): " + "; ".join(
        f"{row['records']:,}: records+chunks {row['generate_s']}, tokens {row['tokenise_s']}, BM25 {row['bm25_s']}, "
        f"vector index {row['dense_s']}" for row in searched), "", "![scale run](scale.png)"]
    return lines


METHOD = """## How it was measured

- `qa build` and `qa serve` run as child processes with their default settings; peak RSS is the child's own
  (`wait4`, `/proc/PID/status` VmHWM). Answer latency is `engine.answer()` in-process over the dev questions,
  after one warm-up pass. Answering and searching run with one OpenMP thread, as `qa serve` runs requests;
  building uses both cores.
- Scale run (one child process per size, `python -m bench.scale N`): each synthetic record takes its document,
  scope and leaders from one real record and its content, progress and units from three other real records of
  the same kind; its chunk is rendered by the real `chunk_text`; its tokens are the product `Tokenizer`'s tokens
  of each '；'-separated piece (checked identical to tokenising the whole chunk on 300 chunks per size); its
  vector is the four source records' real vectors mixed with Dirichlet weights plus Gaussian noise (norm 0.15),
  re-normalised. The index is built with the product's `Bm25Index.build` and `VectorIndex.build` (flat up to
  100,000 vectors, IVF above: √n lists, 6 % probed, at least 16), searched by the real `Retriever` with the real
  query embedder — search latency INCLUDES embedding the question (its p50 is shown apart). Each dev question is
  searched unfiltered and with the year + kind filter of its gold document (as the answerer sends), 3 times.
  Build time covers generating records/chunks, tokens, BM25, the vector index and the retriever's filter
  columns — not embedding the texts.
- recall@10: dense results against exact `IndexFlatIP` search on 200 held-out queries (45 embedded dev
  questions + 155 synthetic vectors not in the index), ties at the 10th score counted as found. Below the
  threshold the product index is exact; "IVF (forced)" shows what IVF would give at that size.
"""


def readme(results: dict) -> str:
    machine = results["machine"]
    head = ["# Benchmarks (`make bench`)", "",
            f"Measured {results['measured_at']} on {machine['cpus']} cores, {machine['memory_gb']} GB RAM, no GPU, "
            f"commit {machine['commit']}, in {results['total_s']} s. Load average at start "
            f"{machine['load_average_start']}, at end {machine.get('load_average_end')}: other work on the machine "
            "inflates every timing here. Figures: `results.json`.", "", f"Targets: {TARGETS}.", ""]
    body = product_section(results) + [""] + (scale_section(results["scale"]) if results.get("scale") else [])
    return "\n".join(head + body + ["", METHOD])


def summary(results: dict) -> str:
    load, distinct = results.get("load", {}), results.get("load_distinct", {})
    scale = {row["records"]: row for row in results.get("scale", [])}
    top = scale.get(max(scale)) if scale else {}
    return (f"build {results['build_s']['scratch']} s scratch / {results['build_s']['unchanged']} s unchanged; "
            f"answer p50 {results['answer_ms']['p50']} ms p95 {results['answer_ms']['p95']} ms; "
            f"load {load.get('clients')} clients: {load.get('errors')} errors, {load.get('rps')} req/s, "
            f"p95 {load.get('p95_ms')} ms; distinct questions {distinct.get('clients')} clients: "
            f"{distinct.get('errors')} errors, {distinct.get('rps')} req/s, p95 {distinct.get('p95_ms')} ms; "
            f"server RSS {results.get('rss_mb')} MB; "
            f"largest scale {top.get('records')}: search p95 {top.get('search_p95_ms')} ms, "
            f"answer p95 {top.get('answer_p95_ms')} ms, recall@10 {top.get('recall@10')}, RSS {top.get('rss_mb')} MB")
