"""`qa build` and `qa search`: the index and the hybrid retriever from the terminal."""

from __future__ import annotations

import json
import sys

import click

from qa_app.cli import main, settings_options
from qa_app.cli.batch import run_batch
from qa_app.engine import Engine
from qa_app.indexes import build_index
from qa_app.retrieval import MODES, Filters
from qa_app.settings import Settings


@main.command()
@click.option("--quiet", is_flag=True, help="No progress bar.")
@settings_options
def build(settings: Settings, quiet: bool) -> None:
    """Build or refresh the index (only new or changed records are embedded)."""
    report = build_index(settings, progress=not quiet)
    for line in report.get("skipped", []):
        click.echo(f"skipped {line}", err=True)
    if not report["changed"]:
        click.echo(f"index is up to date: {report['records']} records ({settings.index_dir})")
        return
    click.echo(f"built {report['version']}: {report['records']} records, {report['embedded']} embedded, "
               f"{report['reused']} reused, {report['seconds']} s")


def _filter_options(func):
    for option in reversed([
        click.option("--year", type=int, default=None, help="Only records of this year (2021, 2023)."),
        click.option("--period", default=None, help="Only this period: 一季度, 三季度, 全年任务."),
        click.option("--kind", type=click.Choice(["target", "task"]), default=None,
                     help="Only table rows (target) or notice tasks (task)."),
        click.option("--leader", default=None, help="Only records of this 市政府领导."),
        click.option("--unit", default=None, help="Only records naming this unit."),
        click.option("--doc", default=None, help="Only records of this document (file name)."),
    ]):
        func = option(func)
    return func


def _result(engine: Engine, query: str, k: int, filters: Filters, mode: str, scope: bool = True) -> dict:
    hits = engine.search(query, k=k, filters=filters, mode=mode, scope=scope)
    return {"query": query, "hits": [h.to_dict() for h in hits]}


@main.command()
@click.argument("query", required=False)
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 100), help="How many hits.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True, help="Retriever.")
@click.option("--batch", "batch_file", default=None, help="JSONL file of {\"id\", \"question\"} (- for stdin).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--no-scope", is_flag=True, help="Do not take year/period/kind filters from the query's wording.")
@click.option("--explain", is_flag=True, help="The lexical leg, the dense leg and the fused list side by side, "
                                              "and the answerer's plan (the admin's 检索测试 page).")
@_filter_options
@settings_options
def search(settings: Settings, query, k, mode, batch_file, as_json, no_scope, explain, **filter_values) -> None:
    """Find the records best matching QUERY (hybrid BM25 + dense, with filters)."""
    filters = Filters(**filter_values)
    if not query and not batch_file:
        raise click.UsageError("give a QUERY or --batch FILE")
    if explain and (batch_file or not query):
        raise click.UsageError("--explain takes one QUERY, not --batch")
    # Only searching: the answering knowledge is built on first use (a scoped query), not at load.
    engine = Engine.load(settings, build_if_missing=True, progress=sys.stderr.isatty(), prepare=False)
    if explain:
        _explain(engine, query, k, filters, as_json)
        return
    if batch_file:
        run_batch(batch_file, lambda item: _result(engine, item["question"], k, filters, mode, not no_scope))
        return
    result = _result(engine, query, k, filters, mode, scope=not no_scope)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for hit in result["hits"]:
        record = hit["record"]
        click.echo(f"{hit['rank']}. [{hit['score']:.4f}] {hit['record_id']}  {record['content'][:60]}")


def _explain(engine: Engine, query: str, k: int, filters: Filters, as_json: bool) -> None:
    from qa_app.explain import explain

    result = explain(engine, query, k=k, filters=filters)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for name in ("lexical", "dense", "fused"):
        click.echo(f"{name}:")
        for row in result[name]:
            click.echo(f"  {row['rank']}. [{row['score']:.4f}] {row['record_id']}  {row['content'][:50]}")
    click.echo(result["answer"]["plan"].get("text") or result["answer"]["short"])
