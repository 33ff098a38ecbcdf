"""The evaluation report: Markdown tables per retriever and a bar chart (PNG) saved beside it."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt  # noqa: E402

from qa_app.evaluation.metrics import LONG_LIMIT, LONG_TYPES, SHORT_LIMIT  # noqa: E402

BLOCKS_NOTE = ("`blocks` is the generic-RAG baseline: the raw files cut into 500-character blocks with "
               "50 overlap, indexed with the same embedder, BM25 and fusion. Blocks have no fields "
               "(leader, unit, deadline…) to compose a short answer from, so it has retrieval figures "
               "only and its answer accuracy is null — that gap is what record-level indexing buys.")


def fmt(value, digits: int = 3) -> str:
    """A figure for a table cell: '—' for null, fixed decimals for ratios."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _cell(text) -> str:
    text = "" if text is None else str(text)
    return text.replace("|", "\\|").replace("\n", " ").replace("\t", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def summary_table(runs: dict[str, dict]) -> list[str]:
    header = ["retriever", "recall@1", "recall@3", "recall@5", "MRR", "answer accuracy",
              "abstention P", "abstention R", "short chars (median)", "latency p50 ms", "latency p95 ms"]
    rows = []
    for name, t in runs.items():
        r = t["retrieval"]
        rows.append([f"**{name}**", fmt(r["recall@1"]), fmt(r["recall@3"]), fmt(r["recall@5"]),
                     fmt(r["mrr"]), fmt(t["answer_accuracy"]), fmt(t["abstention"]["precision"]),
                     fmt(t["abstention"]["recall"]), fmt(t["short_chars_median"], 1),
                     fmt(t["latency_ms"]["p50"], 1), fmt(t["latency_ms"]["p95"], 1)])
    return _table(header, rows)


def compare_by_type(runs: dict[str, dict]) -> list[str]:
    """One row per type, a 'recall@1 / recall@5 / accuracy' cell per retriever."""
    types = list(dict.fromkeys(k for t in runs.values() for k in t["by_type"]))
    header = ["type", "n"] + [f"{name} (R@1 / R@5 / acc)" for name in runs]
    rows = []
    for qtype in types:
        cells = [runs[name]["by_type"].get(qtype, {}) for name in runs]
        n = next((c["n"] for c in cells if c), 0)
        rows.append([qtype, n] + [" / ".join(fmt(c.get(k)) for k in ("recall@1", "recall@5", "answer_accuracy"))
                                  for c in cells])
    return _table(header, rows)


def run_section(name: str, totals: dict) -> list[str]:
    """One retriever: its per-type table and its failures."""
    lines = [f"## {name}", ""]
    rows = [[t, v["n"], fmt(v.get("recall@1")), fmt(v["recall@5"]), fmt(v["answer_accuracy"])]
            for t, v in totals["by_type"].items()]
    lines += _table(["type", "n", "recall@1", "recall@5", "answer accuracy"], rows) + [""]
    fails = totals["failures"]
    lines += [f"Failures ({len(fails)}): no correct citation in the top 5, a wrong answer, or an "
              "answer where the documents hold none.", ""]
    if fails:
        rows = [[f["id"], f["question"], f["expected"], _clip(f["got"]), fmt(f["rank"])] for f in fails]
        lines += _table(["id", "question", "expected", "got", "rank"], rows)
    return lines + [""]


def sets_section(runs: dict[str, dict]) -> list[str]:
    """Each question file on its own: the summary per retriever, then its types."""
    names = list(dict.fromkeys(s for t in runs.values() for s in t.get("sets", {})))
    if not names:
        return []
    lines = ["## By question set", ""] + sets_overview(runs, names) + [""]
    for set_name in names:
        per_set = {name: t["sets"][set_name] for name, t in runs.items() if set_name in t.get("sets", {})}
        lines += [f"### {set_name}", ""] + summary_table(per_set) + [""] + compare_by_type(per_set) + [""]
    return lines


def sets_overview(runs: dict[str, dict], names: list[str]) -> list[str]:
    """A row per question file: its size, then per answering retriever its accuracy and its weakest
    type (the figures a target like "each set ≥ 0.92, no type under 0.75" is read from)."""
    answering = [name for name, t in runs.items() if t["answer_accuracy"] is not None]
    header = ["set", "n", "unanswerable"] + [f"{name}: accuracy (lowest type)" for name in answering]
    rows = []
    for set_name in names:
        per_set = {name: t["sets"].get(set_name) for name, t in runs.items() if set_name in t.get("sets", {})}
        some = next(iter(per_set.values()))
        row = [set_name, some["n"], some["by_type"].get("none", {}).get("n", 0)]
        for name in answering:
            totals = per_set.get(name)
            row.append("—" if totals is None else f"{fmt(totals['answer_accuracy'])} ({_lowest(totals)})")
        rows.append(row)
    return _table(header, rows)


def _lowest(totals: dict) -> str:
    scored = [(v["answer_accuracy"], t) for t, v in totals["by_type"].items() if v["answer_accuracy"] is not None]
    if not scored:
        return "—"
    value, qtype = min(scored, key=lambda pair: pair[0])  # the first of the lowest, in table order
    return f"{qtype} {fmt(value)}"


def calibration_section(calibration: dict | None) -> list[str]:
    """The k-fold figures: held-out accuracy (thresholds chosen without the fold) beside in-sample."""
    if not calibration:
        return []
    lines = ["## Threshold calibration (k-fold cross-validation)", "",
             f"{calibration['configs_tried']} answer configs (the default `AnswerConfig` and each one-parameter "
             f"change of it, `qa_app/evaluation/calibrate.py`) scored on all {calibration['n']} questions; "
             f"per fold the config best on the other folds is scored on the fold.", "",
             f"- **held-out-fold accuracy: {fmt(calibration['held_out_accuracy'])}**",
             f"- in-sample accuracy (best config on all questions): {fmt(calibration['in_sample_accuracy'])}",
             f"- default config: {fmt(calibration['default_accuracy'])}; best config's changes from it: "
             f"`{calibration['best_changes'] or 'none'}`", _cost(calibration), ""]
    rows = [[f["fold"], f["n"], f["correct"], fmt(f["correct"] / f["n"] if f["n"] else None),
             f["chosen"] or "default"] for f in calibration["folds"]]
    return lines + _table(["fold", "n", "correct", "accuracy", "config chosen on the other folds"], rows) + [""]


def loto_section(loto: dict | None) -> list[str]:
    """Leave-one-type-out: each type scored with the config chosen on all the other types."""
    if not loto:
        return []
    lines = ["## Leave one type out", "",
             f"For each of the {loto['types']} question types, the answer config (of the same "
             f"{loto['configs_tried']}) that answers the other types best is scored on that type, which it "
             "was not chosen on: thresholds that only suit the types they were tuned on score low here. "
             "For `none` the accuracy is the share abstained on.", "",
             f"- **mean over types (each type weighs the same): {fmt(loto['mean'])}**",
             f"- pooled over all {loto['n']} questions: {fmt(loto['pooled'])}",
             f"- the default config's mean over types: {fmt(loto['default_mean'])}", _cost(loto), ""]
    rows = [[t, v["n"], v["correct"], fmt(v["accuracy"]), fmt(v["default_accuracy"]), v["chosen"] or "default"]
            for t, v in loto["by_type"].items()]
    header = ["type held out", "n", "correct", "accuracy", "default config", "config chosen on the other types"]
    return lines + _table(header, rows) + [""]


def _cost(figures: dict) -> str:
    if "answers" not in figures:
        return ""
    return (f"- cost: {figures['answers']} answers computed for the {figures['cells']} config x question "
            f"cells (the others do not read the changed threshold), {figures['seconds']:.1f} s")


def _clip(text, limit: int = 120) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_markdown(runs: dict[str, dict], meta: dict, chart_name: str | None = None) -> str:
    """The whole report; `meta` holds questions (file), n, answerable, model, depth, seconds, skipped."""
    lines = ["# Evaluation report", "",
             f"Questions: `{meta['questions']}` — {meta['n']} questions ({meta['answerable']} answerable, "
             f"{meta['n'] - meta['answerable']} with no answer in the documents). Embedder: "
             f"`{meta.get('model', '?')}`. Regenerate with `make eval` "
             f"(this run: {meta.get('seconds', 0):.0f} s on {meta.get('machine', 'this machine')}).", "",
             "Recall@k and MRR (hits up to rank "
             f"{meta.get('depth', 10)}) count answerable questions whose gold evidence is in a retrieved "
             "record's normalised text; answer accuracy: every answer group present in the short answer "
             f"within {SHORT_LIMIT} characters ({LONG_LIMIT} for {', '.join(sorted(LONG_TYPES))}), a number not "
             "continued at an alternative's edge, yes/no verdicts opening the answer or a clause within its first 6 characters; abstention: positive class = abstained, "
             "over all questions; a ratio over zero questions is —. For type `none` the accuracy column "
             "is the share correctly abstained on. Latency: wall time of search + answer per question (one "
             "untimed warm-up question first), so it includes waiting for the CPU on a busy machine.", "",
             BLOCKS_NOTE, ""]
    if meta.get("units"):
        lines += ["Searched units: " + "; ".join(f"{n} {unit}" for unit, n in meta["units"].items()) + ".", ""]
    for warning in meta.get("skipped", []):
        lines.append(f"- skipped line: {warning}")
    lines += ["## Summary", ""] + summary_table(runs) + [""]
    if chart_name:
        lines += [f"![recall@1 and answer accuracy by type and retriever]({chart_name})", ""]
    lines += ["## By question type", ""] + compare_by_type(runs) + [""]
    lines += sets_section(runs) + calibration_section(meta.get("calibration"))
    lines += loto_section(meta.get("leave_one_type_out"))
    for name, totals in runs.items():
        lines += run_section(name, totals)
    return "\n".join(lines).rstrip() + "\n"


def _series(runs: dict[str, dict], metric: str, groups: list[str]) -> dict[str, list[float]]:
    """Per retriever, the metric for 'all' then each type; null becomes NaN (no bar drawn)."""
    series = {}
    for name, totals in runs.items():
        overall = totals["retrieval"]["recall@1"] if metric == "recall@1" else totals["answer_accuracy"]
        values = [overall] + [totals["by_type"].get(g, {}).get(metric) for g in groups[1:]]
        series[name] = [float("nan") if v is None else float(v) for v in values]
    return series


def draw_chart(runs: dict[str, dict], path: Path) -> Path:
    """Grouped bars: recall@1 (top) and answer accuracy (bottom) for all questions and each type."""
    groups = ["all"] + list(dict.fromkeys(k for t in runs.values() for k in t["by_type"]))
    fig, axes = plt.subplots(2, 1, figsize=(max(8.0, 0.9 * len(groups) + 2), 7), sharex=True)
    width = 0.8 / max(1, len(runs))
    for ax, metric, label in ((axes[0], "recall@1", "recall@1"), (axes[1], "answer_accuracy", "answer accuracy")):
        for i, (name, values) in enumerate(_series(runs, metric, groups).items()):
            xs = [g + (i - (len(runs) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(xs, values, width, label=name, color=f"C{i}")
            for x, v in zip(xs, values, strict=True):
                if v == 0:  # a zero bar is invisible: mark it, unlike a null (no bar, no mark)
                    ax.text(x, 0.01, "0", ha="center", va="bottom", fontsize="x-small", color=f"C{i}")
        ax.set_ylabel(label)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncol=len(runs), fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0))
    axes[1].set_xticks(range(len(groups)), groups, rotation=30, ha="right")
    axes[1].set_xlabel("question type ('none': accuracy = share abstained on; blocks: no answers)")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_report(runs: dict[str, dict], path: Path, meta: dict) -> tuple[Path, Path]:
    """Write the Markdown report and its chart (same name, .png) side by side."""
    path = Path(path)
    chart = draw_chart(runs, path.with_suffix(".png"))
    path.write_text(render_markdown(runs, meta, chart.name), encoding="utf-8")
    return path, chart
