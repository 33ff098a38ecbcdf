"""`qa add` and `qa remove`: put documents into the corpus or take them out, index updated in place."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qa_app.cli import main, settings_options
from qa_app.ingest import add_documents, remove_document
from qa_app.settings import Settings


def _index_line(report: dict) -> str:
    index = report["index"]
    return (f"index: {index['records']} records, {index['embedded']} embedded, {index['reused']} reused "
            f"from the cache, {index['seconds']} s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a corpus document of the same name.")
@click.option("--place", default=None, metavar="PLACE",
              help="The place (某某县) of files whose title, issuing body and signature name none; stored with them.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@settings_options
def add(settings: Settings, files: tuple[Path, ...], replace: bool, place: str | None, as_json: bool) -> None:
    """Add FILES (.txt .csv .xlsx .xls .docx .doc .wps .pdf .html .png .jpg; docs/formats.md) to the corpus
    and update the index (only new records are embedded; scanned pages are OCR'd once, page by page).

    Every file is checked first; if one yields no record, nothing is added.
    """
    report = add_documents(settings, files, replace=replace, progress=not as_json, place=place)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for name, doc in report["documents"].items():
        when = f"{doc['year'] or ''} {doc['period']}".strip()
        where = f", {doc['place']}" if doc.get("place") else ""
        click.echo(f"added {name}: {doc['records']} records ({doc['kind']}, {when or 'no year'}{where}) {doc['title']}")
        if doc.get("note"):
            click.echo(f"  {doc['note']}")
    for line in report["skipped"]:
        click.echo(f"skipped {line}")
    click.echo(_index_line(report))


@main.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@settings_options
def remove(settings: Settings, doc: str, as_json: bool) -> None:
    """Remove the document DOC (a file name in the corpus folder) and update the index."""
    report = remove_document(settings, doc, progress=not as_json)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"removed {report['removed']}: {report['records']} records")
    click.echo(_index_line(report))
