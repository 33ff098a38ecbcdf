"""`qa ask`: exact, cited answers from the terminal, one question or a JSONL batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qa_app import export
from qa_app.cli import main, settings_options
from qa_app.cli.batch import run_batch
from qa_app.engine import Engine
from qa_app.retrieval import MODES
from qa_app.settings import Settings


def _history(item: dict) -> list:
    history = item.get("history")
    return history if isinstance(history, list) else []


def _print(answer: dict) -> None:
    if answer["abstained"]:
        click.echo(answer["answer"])
    else:
        click.echo(answer["short"])
        click.echo()
        click.echo(answer["answer"])
    for cite in answer["citations"]:
        click.echo(f"[{cite['n']}] {cite['title']} 第{cite['number']}项（{cite['record_id']}）")


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--batch", "batch_file", default=None,
              help="JSONL file of {\"id\", \"question\", \"history\"?} (- for stdin); one answer JSON per line.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True,
              help="Retriever used to find paraphrased records.")
@click.option("--xlsx", "xlsx_out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the answer's records (a list, an overview) to this Excel file.")
@click.option("--csv", "csv_out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the answer's records to this CSV file (UTF-8 with BOM).")
@settings_options
def ask(settings: Settings, question, as_json, batch_file, mode, xlsx_out, csv_out) -> None:
    """Answer QUESTION (Chinese) exactly from the documents, citing the records used."""
    if not question and not batch_file:
        raise click.UsageError("give a QUESTION or --batch FILE")
    if batch_file and (xlsx_out or csv_out):
        raise click.UsageError("--xlsx/--csv export one question's answer, not a --batch")
    engine = Engine.load(settings, build_if_missing=True, progress=sys.stderr.isatty())
    if batch_file:
        run_batch(batch_file, lambda item: engine.answer(item["question"], _history(item), mode=mode).to_dict())
        return
    answered = engine.answer(question, [], mode=mode)
    answer = answered.to_dict()
    records = engine.export_records(answered.record_ids)
    for out, fmt in ((xlsx_out, "xlsx"), (csv_out, "csv")):
        if out is not None:
            export.write([] if answered.abstained else records, out, fmt)
            click.echo(f"已导出{0 if answered.abstained else len(records)}条到 {out}", err=True)
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        _print(answer)
