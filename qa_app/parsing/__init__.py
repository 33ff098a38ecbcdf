"""Documents → records: progress tables and task notices, recognised by content, not file name."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.notices import TASK_START, looks_like_notice, parse_notice
from qa_app.parsing.tables import TableMeta, find_layout, parse_table
from qa_app.parsing.units import unglue_all
from qa_app.records import TARGET, TASK, Corpus, Document, Record, Skipped
from qa_app.text import normalize

__all__ = ["load_corpus", "parse_lines", "read_text_lines", "corpus_files", "SUPPORTED"]

SUPPORTED = (".txt",)
_YEAR = re.compile(r"(20\d{2})\s*年")
_PERIODS = (("第一季度", "一季度"), ("一季度", "一季度"), ("第二季度", "二季度"), ("二季度", "二季度"),
            ("上半年", "上半年"), ("第三季度", "三季度"), ("三季度", "三季度"), ("前三季度", "三季度"),
            ("第四季度", "四季度"), ("四季度", "四季度"), ("全年", "全年"))


def period_of(title: str) -> str:
    t = normalize(title)
    for word, period in _PERIODS:
        if word in t:
            return period
    return ""


def year_of(title: str) -> int | None:
    match = _YEAR.search(title)
    return int(match.group(1)) if match else None


def read_text_lines(path: Path) -> list[str]:
    """Read a text file as UTF-8 (with or without BOM), falling back to GB18030."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{path.name}: not UTF-8 or GB18030 text")


def _table_title(lines: list[str], header_at: int) -> str:
    for text in lines[:header_at]:
        text = text.strip().lstrip("#").strip()
        if text:
            return text
    return ""


def _notice_title(lines: list[str]) -> str:
    """The heading just above the preamble: the short lines after the last date or （…） line."""
    before: list[str] = []
    last_block: list[str] = []
    for text in lines:
        text = text.strip()
        if TASK_START.match(text) or re.match(r"^[一二三四五六七八九十]+、", text):
            break
        if not text:
            continue
        if len(text) > 60 or text.startswith(("（", "(")) or re.search(r"\d{4}年\d+月\d+日", text):
            last_block, before = (before or last_block), []
            continue
        before.append(text)
    return re.sub(r"(\d)\s+年", r"\1年", "".join(before or last_block))


def parse_lines(file: str, lines: list[str]) -> Document:
    """Parse one text document's lines; a file in neither layout is reported, not raised."""
    rows = [(i, line.split("\t")) for i, line in enumerate(lines, 1)]
    header_at = next((i for i, (_, cells) in enumerate(rows) if find_layout(cells)), None)
    if header_at is not None:
        title = _table_title(lines, header_at)
        meta = TableMeta(file, title, year_of(title), period_of(title))
        records, skipped = parse_table(meta, rows)
        return Document(file, title, meta.year, meta.period, TARGET, tuple(records), tuple(skipped))
    numbered = list(enumerate(lines, 1))
    if looks_like_notice(numbered):
        title = _notice_title(lines)
        records, skipped = parse_notice(file, title, year_of(title), numbered)
        return Document(file, title, year_of(title), "全年任务", TASK, tuple(records), tuple(skipped))
    first = next((i for i, t in numbered if t.strip()), 1)
    reason = "neither a progress table (header 序号…责任单位) nor a task notice (1. …（牵头单位：…）)"
    return Document(file, "", None, "", "", (), (Skipped(file, first, reason),))


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and not p.name.startswith("."))


def parse_file(path: Path) -> Document:
    if path.suffix.lower() not in SUPPORTED:
        return Document(path.name, "", None, "", "", (), (Skipped(path.name, 0, f"unsupported file type {path.suffix}"),))
    try:
        lines = read_text_lines(path)
    except (OSError, CorpusError) as exc:
        return Document(path.name, "", None, "", "", (), (Skipped(path.name, 0, f"cannot read: {exc}"),))
    return parse_lines(path.name, lines)


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


def load_corpus(corpus_dir: Path) -> Corpus:
    """Read every file of a corpus folder into records; raises CorpusError only when none is found."""
    return build_corpus([parse_file(p) for p in corpus_files(Path(corpus_dir))])
