"""bench/README.md and bench/scale.png from the results (pure formatting, apart from writing the PNG)."""

from __future__ import annotations

from pathlib import Path

TARGETS = "zero failed requests under load; answer p95 < 100 ms at one client; 1M-record search p95 < 150 ms " \
          "with approximate-search recall@10 ≥ 0.95; answer p95 ≤ 150 ms at 1M records; 32 clients asking distinct " \
          "questions ≥ 80 req/s with p95 ≤ 600 ms; 1M-record peak RSS ≤ 4 GB with recall@10 ≥ 0.98"


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
    if "history_attack" in results:
        hit = results["history_attack"]
        lines += ["", f"History attack: {hit['attackers']} clients sending follow-ups with a {hit['history_chars']}-"
                  f"character earlier question back to back; one plain client's dev questions alone: p50 "
                  f"{hit['plain_alone_ms']['p50']} / p95 {hit['plain_alone_ms']['p95']} ms, during the attack: p50 "
                  f"{hit['plain_during_ms']['p50']} / p95 {hit['plain_during_ms']['p95']} ms; attack requests p95 "
                  f"{hit['attack_ms']['p95']} ms; {hit['plain_errors']} errors."]
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


def hostile_section(results: dict) -> list[str]:
    """Per hostile file: refused?, time, peak RSS of `qa add`, corpus and index untouched; /api/ask meanwhile."""
    files, startup = results["hostile"], results.get("hostile_cli_startup", {})
    when = results.get("hostile_measured", {})
    lines = ["## Hostile and broken files", "",
             (f"Measured {when['at']} (commit {when['commit']}, load average {when['load_average_start']}), "
              "on its own (`python -m bench.run --only hostile`). " if when else "")
             + "Each file through `qa add` in a child process over a fresh copy of the corpus and the index; "
             f"`qa add --help` alone takes {startup.get('seconds')} s and {startup.get('peak_rss_mb')} MB "
             "(imports), so that much of each figure is the command starting.", "",
             _row(["file", "size (MB)", "refused", "seconds", "peak RSS (MB)", "corpus and index unchanged",
                   "message"]), _row(["---"] * 7)]
    for name, row in files.items():
        message = row["message"].removeprefix("Error: ").replace("|", "\\|")
        lines.append(_row([f"`{name}`", row["file_mb"], "yes" if row["refused"] else "**no**", row["seconds"],
                           row["peak_rss_mb"], "yes" if row["unchanged"] else "**no**", message]))
    serving = results.get("upload_while_serving")
    if serving:
        alone, during = serving["alone"], serving["during_uploads"]
        lines += ["", "`POST /api/ask` (dev questions in turn, one client) on a server in one process, alone and "
                  "while the upload panel's function parses the files above one after another "
                  f"({during['uploads']} uploads, {during['refused']} refused; an upload was being checked "
                  f"{during['parse_busy_share']:.0%} of the time). Client, server and uploads share one "
                  "process, as the panel shares `qa serve`'s:", "",
                  _row(["", "requests", "errors", "p50 (ms)", "p95 (ms)"]), _row(["---"] * 5),
                  _row(["alone", alone["requests"], alone["errors"], alone["p50"], alone["p95"]]),
                  _row(["during uploads", during["requests"], during["errors"], during["p50"], during["p95"]])]
    return lines


def hostile_summary(results: dict) -> str:
    files = results.get("hostile", {})
    during = results.get("upload_while_serving", {}).get("during_uploads", {})
    slowest = max(files.values(), key=lambda row: row["seconds"], default={})
    return (f"hostile: {sum(r['refused'] for r in files.values())}/{len(files)} refused, "
            f"{sum(r['unchanged'] for r in files.values())}/{len(files)} left corpus and index unchanged; "
            f"slowest {slowest.get('seconds')} s, largest peak RSS "
            f"{max((r['peak_rss_mb'] for r in files.values()), default=None)} MB; "
            f"/api/ask during uploads p95 {during.get('p95')} ms ({during.get('errors')} errors)")


def milvus_section(milvus: dict) -> list[str]:
    """Milvus Lite beside FAISS at the same sizes, measured in one process at the same time."""
    lines = ["## Milvus Lite beside FAISS (`python -m bench.run --only milvus`)", "",
             _row(["records", "store", "build (s)", "search p50 / p95 (ms)", "p95 no filter / filtered (ms)"]),
             _row(["---"] * 5)]
    for size in milvus["sizes"]:
        for store in ("faiss", "milvus_lite"):
            row = size[store]
            build = f"{row['build_s']}"
            if "build_reusing_vectors_s" in row:
                build += f" (reusing FAISS's vectors: {row['build_reusing_vectors_s']})"
            lines.append(_row([f"{size['records']:,}", store, build, f"{row['search_p50_ms']} / {row['search_p95_ms']}",
                               f"{row['search_p95_ms_unfiltered']} / {row['search_p95_ms_filtered']}"]))
    if milvus.get("measured_at"):
        lines += ["", f"Measured {milvus['measured_at']}" + (f"; load average {milvus['load_average']}"
                                                            if milvus.get("load_average") else "") + "."]
    lines += ["", "313: `qa build` as child processes from scratch (model load + embedding included); 10,000: the scale "
              "run's synthetic records and vectors, FAISS structures built in memory (tokens memoised per piece), "
              "the Milvus collection written as `qa build --store milvus` writes one (every chunk tokenised, rows "
              "inserted) — no embedding at 10,000. Search: the real `Retriever` over each store, the dev questions "
              "unfiltered and with the year + kind filter, 3 passes, query embedding included.", "",
              f"**{milvus['note']}**"]
    return lines


METHOD = """## How it was measured

- `qa build` and `qa serve` run as child processes with their default settings; peak RSS is the child's own
  (`wait4`, `/proc/PID/status` VmHWM). Answer latency is `engine.answer()` in-process over the dev questions,
  after one warm-up pass, the query-embedding cache emptied before each timed answer (so each embeds its
  question, ~20 ms); the repeated-question load test and the endpoint comparison do hit that cache, the
  distinct-question load test never does. `qa serve` answers with its default workers (one per core). Answering and searching run with one OpenMP thread, as `qa serve` runs requests;
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
  columns — not embedding the texts. "Peak RSS" is VmHWM after the build and the searches; "peak RSS with
  answering" after the answerer's knowledge and the 120 answers (`memory_steps_mb` in `results.json` has
  VmRSS/VmHWM after each step). The recall step comes last and is measuring apparatus, not the product: its
  exact `IndexFlatIP` copy and a read of the whole memory-mapped vectors file take the child process's own
  peak (`process_rss_mb`) to about 6.3 GB at a million records.
- Hostile files (`bench/hostile.py`, built by `tests/hostile_files.py`): peak RSS of each `qa add` child is
  its VmHWM polled every 20 ms, not wait4's figure, which on Linux includes this (large) process's resident
  size carried over fork and exec.
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
    body = product_section(results) + [""] + (hostile_section(results) + [""] if results.get("hostile") else []) \
        + (scale_section(results["scale"]) if results.get("scale") else [])
    if results.get("milvus"):
        body += [""] + milvus_section(results["milvus"])
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
