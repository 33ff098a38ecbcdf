"""`qa corpus` and `qa show`: what was read from the documents."""

from __future__ import annotations

import json

import click

from qa_app.cli import main, settings_options
from qa_app.errors import CorpusError
from qa_app.fields import record_fields
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.records import Record
from qa_app.settings import Settings


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@settings_options
def corpus(settings: Settings, as_json: bool) -> None:
    """Show per document how many records were read, its place, and what was skipped."""
    with ocr_context(settings.index_dir):
        loaded = load_corpus(settings.corpus_dir, settings.limits)
    summary = loaded.summary()
    if as_json:
        click.echo(_dump(summary))
        return
    for doc in summary["documents"]:
        click.echo(f"{doc['file']}\t{doc['kind'] or '?'}\t{doc['year'] or ''}\t{doc['period']}\t"
                   f"{doc['records']} records\t{doc['place'] or '(no place)'}\t{doc['title']}")
        if doc["note"]:
            click.echo(f"  {doc['note']}")
    click.echo(f"total: {summary['records']} records in {len(summary['documents'])} documents")
    for skip in loaded.all_skipped():
        click.echo(f"skipped {skip.where}: {skip.reason}")


def format_record(record: Record) -> str:
    """A record as labelled lines, for the terminal."""
    rows = [("id", record.id), ("文件", record.title or record.doc), *record_fields(record)]
    return "\n".join(f"{label}: {value}" for label, value in rows if value not in ("", None))


@main.command()
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@settings_options
def show(settings: Settings, record_id: str, as_json: bool) -> None:
    """Show one record by its id (FILE#NUMBER)."""
    with ocr_context(settings.index_dir):
        record = load_corpus(settings.corpus_dir, settings.limits).get(record_id.strip())
    if record is None:
        raise CorpusError(f"no record with id {record_id!r}; ids look like 000_dd67d59bfaf7e311.txt#97")
    click.echo(_dump(record.to_dict()) if as_json else format_record(record))
