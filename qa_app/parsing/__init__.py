"""Documents → records: progress tables and task notices, recognised by content, not file name."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.formats import read_grids
from qa_app.parsing.grids import Grid, decode_text
from qa_app.parsing.guards import TooBig
from qa_app.parsing.notices import SECTION, TASK_START, looks_like_notice, parse_notice
from qa_app.parsing.other_formats import OTHER_READERS
from qa_app.parsing.pages import with_pages
from qa_app.parsing.places import document_place, stored_places
from qa_app.parsing.plain import plain_note, plain_records
from qa_app.parsing.tables import TableMeta, find_header, parse_table
from qa_app.parsing.units import unglue_all
from qa_app.profile import NOTICE_PERIOD, find_period, place_of
from qa_app.records import TARGET, TASK, Corpus, Document, Record, Skipped
from qa_app.settings import Limits
from qa_app.text import tidy

__all__ = ["load_corpus", "parse_lines", "parse_grids", "parse_file", "read_text_lines", "corpus_files", "SUPPORTED",
           "with_place"]

SUPPORTED = (".txt", ".xlsx", ".csv", ".docx", *OTHER_READERS)
_YEAR = re.compile(r"(20\d{2})\s*年")
def period_of(title: str) -> str:
    """The title's period from the one periods table (qa_app.profile), '' when it names none."""
    return find_period(title) or ""


def year_of(title: str) -> int | None:
    match = _YEAR.search(title)
    return int(match.group(1)) if match else None


def read_text_lines(path: Path) -> list[str]:
    """Read a text file as UTF-8 (with or without BOM), falling back to GB18030."""
    return decode_text(path.read_bytes(), path.name).splitlines()


_ATTACHMENT = re.compile(r"^附件\s*\d*\s*[:：]?$")


def _table_title(lines: list[str], header_at: int) -> str:
    """The first line above the header, past an "附件1" label that Word attachments start with; below
    a notice's paragraphs (more than two lines above the header), the table's own caption just above it."""
    above = [t for t in (line.strip().lstrip("#").strip() for line in lines[:header_at])
             if t and not _ATTACHMENT.match(t)]
    if len(above) > 2:
        return next((t for t in reversed(above) if len(t) <= 60 and not t.endswith(("。", "：", ":"))), above[0])
    return above[0] if above else ""


def _notice_title(lines: list[str]) -> str:
    """The heading just above the tasks: the short lines after the last date, （…）, addressee
    (…：) or preamble (…。) line."""
    before: list[str] = []
    last_block: list[str] = []
    for text in lines:
        text = text.strip()
        if TASK_START.match(text) or SECTION.match(text):
            break
        if not text:
            continue
        if len(text) > 60 or text.startswith(("（", "(")) or re.search(r"\d{4}年\d+月\d+日", text) \
                or text.endswith(("：", ":", "。")):  # the addressees and the preamble are no heading
            last_block, before = (before or last_block), []
            continue
        before.append(text)
    return re.sub(r"(\d)\s+年", r"\1年", "".join(before or last_block))


def parse_lines(file: str, lines: list[str]) -> Document:
    """Parse one text document's lines; a file in neither layout is reported, not raised."""
    rows = [line.split("\t") for line in lines]
    return parse_grids(file, [Grid("", rows, [("", i) for i in range(1, len(rows) + 1)])])


def _header_at(grid: Grid) -> int | None:
    found = find_header(grid.rows)
    return found[0] if found else None


def _placed(skip: Skipped, grid: Grid) -> Skipped:
    """A parser reports rows by position in the grid; messages need the sheet and row."""
    sheet, line = grid.places[skip.line - 1] if 0 < skip.line <= len(grid.places) else ("", skip.line)
    return replace(skip, line=line, sheet=sheet)


def _first_row(file: str, grids: list[Grid], reason: str) -> Skipped:
    for grid in grids:
        for cells, (sheet, line) in zip(grid.rows, grid.places, strict=True):
            if any(c.strip() for c in cells):
                return Skipped(file, line, reason, sheet)
    return Skipped(file, 0, f"empty file; {reason}")


def parse_grids(file: str, grids: list[Grid]) -> Document:
    """Parse a file's grids: any grid with a table header gives targets; otherwise a task notice;
    otherwise its paragraphs kept as text. Every record carries the document's place."""
    doc = _read_layout(file, grids)
    lines = ["\t".join(cells) for g in grids for cells in g.rows]
    return with_place(doc, document_place(doc.title, lines))


def with_place(doc: Document, place: str | None) -> Document:
    """The document placed (a place already found is kept), and each record whose title does not
    say that place (`profile.record_place` reads a record's place from its title otherwise)."""
    if doc.place or not place:
        return doc
    records = tuple(r if place_of(r.title) == place else replace(r, place=place) for r in doc.records)
    return replace(doc, place=place, records=records)


def _read_layout(file: str, grids: list[Grid]) -> Document:
    if any(_header_at(g) is not None for g in grids):
        return _table_document(file, grids)
    grid = Grid("", [["\t".join(cells)] for g in grids for cells in g.rows], [p for g in grids for p in g.places])
    lines = [cells[0] for cells in grid.rows]
    numbered = list(enumerate(lines, 1))
    if looks_like_notice(numbered):
        title = _notice_title(lines)
        records, skipped = parse_notice(file, title, year_of(title), numbered)
        skipped = tuple(_placed(s, grid) for s in skipped)
        return Document(file, title, year_of(title), NOTICE_PERIOD, TASK, tuple(records), skipped)
    return _plain_document(file, grids)


def _plain_document(file: str, grids: list[Grid]) -> Document:
    """Neither a table nor a notice: the paragraphs (or rows) kept as text records, and said so."""
    rows = [cells for g in grids for cells in g.rows]
    lines = [tidy(cells[0]) for cells in rows if len([c for c in cells if c.strip()]) == 1 and cells[0].strip()]
    title = next((t for t in lines if len(t) <= 60), "")
    records = plain_records(file, title, year_of(title), rows)
    if not records:
        reason = "neither a progress table (header 序号…责任单位) nor a task notice (1. …（牵头单位：…）)"
        return Document(file, "", None, "", "", (), (_first_row(file, grids, reason),))
    note = plain_note(len(records), any(len([c for c in r if c.strip()]) > 1 for r in rows))
    return Document(file, title, year_of(title), records[0].period, TASK, tuple(records), note=note)


def _table_document(file: str, grids: list[Grid]) -> Document:
    """Targets from every grid (sheet) that has a header; a sheet without one is reported."""
    records: list[Record] = []
    skipped: list[Skipped] = []
    first_title: str | None = None
    for grid in grids:
        header_at = _header_at(grid)
        if header_at is None:
            if any(any(c.strip() for c in cells) for cells in grid.rows):
                skipped.append(_first_row(file, [grid], "no header row (序号 … 责任目标内容 … 责任单位) in this sheet"))
            continue
        title = _table_title(["\t".join(cells) for cells in grid.rows], header_at)
        title = title or first_title or _fallback_title(file, grid.name)
        first_title = title if first_title is None else first_title
        meta = TableMeta(file, title, year_of(title), period_of(title))
        found, skips = parse_table(meta, list(enumerate(grid.rows, 1)))
        records += _unique_ids(found, {r.id for r in records}, grid.name)
        skipped += [_placed(s, grid) for s in skips]
    title = first_title or ""
    return Document(file, title, year_of(title), period_of(title), TARGET, tuple(records), tuple(skipped))


def _fallback_title(file: str, sheet: str) -> str:
    """No title above the header: a sheet or file name that says the year ("2024年一季度") stands in."""
    for name in (sheet, Path(file).stem):
        if year_of(name):
            return name
    return ""


def _unique_ids(found: list[Record], used: set[str], sheet: str) -> list[Record]:
    """Sheets numbered from 1 again would repeat ids; such a sheet's ids then carry its name."""
    if not any(r.id in used for r in found):
        return found
    return [replace(r, id=f"{r.doc}#{sheet}!{r.id.split('#', 1)[1]}") for r in found]


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every document entry of the folder; a broken link is kept so that reading it is reported."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    return sorted(p for p in corpus_dir.iterdir()
                  if (p.is_file() or p.is_symlink()) and not p.is_dir() and not p.name.startswith((".", "~$")))


def parse_file(path: Path, name: str | None = None, limits: Limits | None = None) -> Document:
    """Parse one file of a supported type; what cannot be read is reported in `skipped`, not raised.

    `name` is the file name records carry when it differs from the path's (an upload's temp file).
    A file past `limits` (default: `Limits()`) is reported with the place and the setting to raise.
    """
    name = name or path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        hint = " (save it as .xlsx or .docx)" if suffix in (".xls", ".doc", ".wps", ".et") else ""
        reason = f"unsupported file type {path.suffix or '(none)'}{hint}; accepted: {', '.join(SUPPORTED)}"
        return Document(name, "", None, "", "", (), (Skipped(name, 0, reason),))
    try:
        grids = read_grids(path, name, limits or Limits())
        return with_pages(parse_grids(name, grids), grids)
    except TooBig as exc:
        return Document(name, "", None, "", "", (), (exc.skipped,))
    except (OSError, CorpusError) as exc:
        reason = f"cannot read: {str(exc).removeprefix(f'{name}: ')}"
        return Document(name, "", None, "", "", (), (Skipped(name, 0, reason),))


def unit_vocabulary(records: list[Record]) -> set[str]:
    return {u for r in records for u in r.units + r.lead_units + r.participating_units}


def _unglue_document(doc: Document, vocabulary: set[str]) -> Document:
    fixed = tuple(
        replace(
            r,
            units=unglue_all(r.units, vocabulary),
            lead_units=unglue_all(r.lead_units, vocabulary),
            participating_units=unglue_all(r.participating_units, vocabulary),
        )
        for r in doc.records
    )
    return replace(doc, records=fixed)


def build_corpus(documents: list[Document]) -> Corpus:
    """Second pass over all documents: split unit names glued together, using names seen elsewhere."""
    vocabulary = unit_vocabulary([r for d in documents for r in d.records])
    corpus = Corpus(tuple(_unglue_document(d, vocabulary) for d in documents))
    if not corpus.records:
        problems = "; ".join(f"{s.file}:{s.line}: {s.reason}" for s in corpus.all_skipped()[:5])
        raise CorpusError(f"no record found in the corpus. {problems}".strip())
    return corpus


def load_corpus(corpus_dir: Path, limits: Limits | None = None) -> Corpus:
    """Read every file of a corpus folder into records; raises CorpusError only when none is found.
    A document whose text names no place takes the one `qa add --place` stored for it."""
    places = stored_places(Path(corpus_dir))
    return build_corpus([with_place(parse_file(p, limits=limits), places.get(p.name))
                         for p in corpus_files(Path(corpus_dir))])
