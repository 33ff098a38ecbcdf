"""`qa eval`: score retrieval and answers on a question file, side by side per retriever."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import click

from qa_app.cli import main, settings_options
from qa_app.settings import Settings

RETRIEVERS = ("hybrid", "bm25", "dense", "blocks")


def _systems(names: tuple[str, ...], settings: Settings, progress: bool):
    """Load the engine once (building the index if missing) and wrap each retriever for the runner;
    also say how many units (records, blocks) each kind of retriever searches."""
    from qa_app.engine import Engine
    from qa_app.evaluation import System
    from qa_app.evaluation.blocks import build_block_retriever

    engine = Engine.load(settings, build_if_missing=True, progress=progress)
    systems, units = [], {}
    if any(n != "blocks" for n in names):
        units["records"] = len(engine.records)
    for name in names:
        if name == "blocks":
            blocks = build_block_retriever(settings.corpus_dir, engine.retriever.embedder, progress)
            units["blocks of 500 characters (50 overlap)"] = len(blocks.records)
            systems.append(System(name, lambda q, k, r=blocks: [h.record.text for h in r.search(q, k=k)]))
        else:
            systems.append(System(
                name,
                lambda q, k, m=name: [h.record.text for h in engine.search(q, k=k, mode=m)],
                lambda q, history, m=name: engine.answer(q, list(history), mode=m),
            ))
    return engine, systems, units


def _run_all(systems, questions, sets: list[str], progress: bool) -> dict[str, dict]:
    """Every system on the same questions; one untimed warm-up question each, so caches are fair.
    With several question files, each file's figures are kept apart under `sets` too."""
    from qa_app.evaluation import run_system, summarize
    from qa_app.evaluation.runner import run_one

    runs = {}
    for system in systems:
        run_one(system, questions[0])
        results = run_system(system, questions, progress=progress)
        runs[system.name] = {**summarize(results), "questions": [r.to_dict() for r in results]}
        if len(set(sets)) > 1:
            runs[system.name]["sets"] = {
                name: summarize([r for r, s in zip(results, sets, strict=True) if s == name])
                for name in dict.fromkeys(sets)}
    return runs


def _calibrate(engine, questions, folds: int, loto: bool, progress: bool) -> tuple[dict | None, dict | None]:
    """k-fold cross-validation and/or leave-one-type-out of the answer thresholds, from one matrix of
    answers (qa_app/evaluation/calibrate.py); each carries how many answers it took and how long."""
    from qa_app.answering import DEFAULT_CONFIG
    from qa_app.evaluation.calibrate import (
        candidate_configs,
        cross_validate,
        leave_one_type_out,
        score_matrix,
    )
    from qa_app.evaluation.runner import judge

    configs = candidate_configs(DEFAULT_CONFIG)
    if progress:
        click.echo(f"calibrating: {len(configs)} configs x {len(questions)} questions", err=True)

    def correct(question, config) -> bool:
        answer = engine.answer(question.question, list(question.history), config=config)
        return bool(judge(question, [], answer, 0.0).correct)

    started = time.perf_counter()
    matrix = score_matrix(questions, configs, correct)
    cost = {"answers": matrix.answered, "cells": len(configs) * len(questions),
            "seconds": round(time.perf_counter() - started, 1)}
    calibration = {**cross_validate(questions, configs, matrix.rows, folds), **cost} if folds >= 2 else None
    by_type = {**leave_one_type_out(questions, configs, matrix.rows), **cost} if loto else None
    return calibration, by_type


def set_names(paths: tuple[Path, ...]) -> list[str]:
    """A name per question file for the per-set figures: its file name, or the path as given where
    two files share a name."""
    names = [p.name for p in paths]
    return [n if names.count(n) == 1 else str(p) for n, p in zip(names, paths, strict=True)]


def _summary_line(name: str, t: dict) -> str:
    def f(v, digits=3):
        return "—" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))

    r, a = t["retrieval"], t["abstention"]
    return (f"{name:7} n={t['n']}  recall@1 {f(r['recall@1'])}  recall@3 {f(r['recall@3'])}  "
            f"recall@5 {f(r['recall@5'])}  MRR {f(r['mrr'])}  answer accuracy {f(t['answer_accuracy'])}  "
            f"abstention P {f(a['precision'])} R {f(a['recall'])}  "
            f"latency p50 {f(t['latency_ms']['p50'], 1)} ms p95 {f(t['latency_ms']['p95'], 1)} ms  "
            f"failures {len(t['failures'])}")


def _read_sets(paths: tuple[Path, ...]) -> tuple[list, list[str], list]:
    """The questions of every file, the set name of each, and the skipped lines (echoed on stderr)."""
    from qa_app.evaluation import read_questions

    questions, sets, warnings = [], [], []
    for path, name in zip(paths, set_names(paths), strict=True):
        found, skipped = read_questions(path)
        questions += found
        sets += [name] * len(found)
        warnings += skipped
    for warning in warnings:
        click.echo(str(warning), err=True)
    return questions, sets, warnings


def _print_summary(runs: dict[str, dict], calibration: dict | None, by_type: dict | None) -> None:
    """A line per retriever, indented lines per question set under it, then the calibration figures."""
    for name, totals in runs.items():
        click.echo(_summary_line(name, totals))
        for set_name, per_set in totals.get("sets", {}).items():
            click.echo("  " + _summary_line(set_name, per_set))
    if calibration:
        click.echo(f"calibration ({calibration['k']} folds): held-out accuracy "
                   f"{calibration['held_out_accuracy']}, in-sample {calibration['in_sample_accuracy']}, "
                   f"default {calibration['default_accuracy']}")
    if by_type:
        click.echo(f"leave one type out ({by_type['types']} types): mean {by_type['mean']}, "
                   f"pooled {by_type['pooled']}, default config's mean {by_type['default_mean']}")


def _machine() -> str:
    """The box and how busy it was: latencies are wall times, so they grow with the load."""
    text = f"{platform.machine()}, {os.cpu_count()} CPU cores"
    if hasattr(os, "getloadavg"):
        one, five, _ = os.getloadavg()
        text += f", load average {one:.1f} (1 min) / {five:.1f} (5 min) at the end"
    return text


@main.command("eval")
@click.option("--questions", "questions_files", required=True, multiple=True, type=click.Path(path_type=Path),
              help="Question file: one JSON object a line (see eval/README.md); repeat for several.")
@click.option("--retriever", type=click.Choice(RETRIEVERS + ("all",)), default="hybrid", show_default=True,
              help="Which retriever to score; 'all' runs each on the same questions.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the figures (and per-question results) as JSON to this file; '-' for stdout.")
@click.option("--report", "report_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a Markdown report here, with its bar chart beside it (same name, .png).")
@click.option("--calibrate", "folds", type=click.IntRange(0, 20), default=0, show_default=True,
              help="Cross-validate the answer thresholds with this many folds (0: off).")
@click.option("--leave-one-type-out", "loto", is_flag=True,
              help="Score each question type with the thresholds chosen on the other types "
                   "(also done with --calibrate).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@settings_options
def eval_(settings: Settings, questions_files: tuple[Path, ...], retriever: str, json_out: Path | None,
          report_out: Path | None, folds: int, loto: bool, quiet: bool) -> None:
    """Score retrieval (recall@k, MRR) and answers (accuracy, abstention, latency) on question files."""
    from qa_app.evaluation import DEPTH, write_report

    started = time.perf_counter()
    questions, sets, warnings = _read_sets(questions_files)
    names = RETRIEVERS if retriever == "all" else (retriever,)
    engine, systems, units = _systems(names, settings, progress=not quiet)
    runs = _run_all(systems, questions, sets, progress=not quiet)
    output = {"runs": runs} if retriever == "all" else dict(runs[retriever])
    calibration = by_type = None
    if folds >= 2 or loto:
        calibration, by_type = _calibrate(engine, questions, folds, loto or folds >= 2, not quiet)
    if calibration:
        output["calibration"] = calibration
    if by_type:
        output["leave_one_type_out"] = by_type
    text = json.dumps(output, ensure_ascii=False, indent=2) + "\n"
    if json_out is not None and str(json_out) == "-":
        click.echo(text, nl=False)
    else:
        _print_summary(runs, calibration, by_type)
        if json_out is not None:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(text, encoding="utf-8")
    if report_out is not None:
        meta = {"questions": ", ".join(str(p) for p in questions_files), "n": len(questions),
                "answerable": sum(q.type != "none" for q in questions), "model": engine.model_id,
                "depth": DEPTH, "seconds": time.perf_counter() - started, "skipped": [str(w) for w in warnings], "units": units,
                "machine": _machine(), "calibration": calibration, "leave_one_type_out": by_type}
        report_out.parent.mkdir(parents=True, exist_ok=True)
        md, png = write_report(runs, report_out, meta)
        click.echo(f"report: {md}  chart: {png}", err=True)
