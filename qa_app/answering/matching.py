"""Lexical evidence: how much of a question's wording a record or a clause carries.

Retrieval ranks by a fused score that has no absolute meaning; to answer exactly and to say "not
in the documents" we need to know how much of the question a record actually covers. Terms are
character bigrams of Chinese runs plus whole numbers, weighted by inverse document frequency over
the records, so rare words (小荷学堂) count far more than common ones (推进, 建设).
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from qa_app.answering.vocabulary import simplify
from qa_app.records import Record

_RUNS = re.compile(r"[\u4e00-\u9fff]+|\d+(?:\.\d+)?%?|[A-Za-z]+")
# Clause boundaries: sentence marks always; commas only when not inside a number (23,103).
_CLAUSE_SPLIT = re.compile(r"[。；;！？!?\n]|(?<!\d)[，,]|[，,](?!\d)")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_YEAR = re.compile(r"(?:19|20)\d\d年")


def terms(text: str) -> list[str]:
    """Bigrams of each Chinese run (a lone character counts as itself), numbers and words whole."""
    out: list[str] = []
    for run in _RUNS.findall(simplify(text)):
        if "\u4e00" <= run[0] <= "\u9fff" and len(run) > 1:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        elif not ("\u4e00" <= run[0] <= "\u9fff"):
            out.append(run.lower().rstrip("%"))
    return out


def characters(text: str) -> set[str]:
    """Single Chinese characters: a weaker signal used to choose between clauses of one record."""
    return {c for c in simplify(text) if "\u4e00" <= c <= "\u9fff"}


POSTING_BATCH = 16_384  # rows placed at a time when term sets are turned into postings


def term_counts(ids: np.ndarray, width: int, batch: int = 1 << 20) -> np.ndarray:
    """`np.bincount` a slice at a time: it widens its input to 64 bits (8 bytes per id at once)."""
    counts = np.zeros(width, dtype=np.int64)
    for start in range(0, len(ids), batch):
        counts += np.bincount(ids[start:start + batch], minlength=width)
    return counts


class Postings:
    """term → rows holding it (ascending), for every term at once: one CSR pair of arrays (each term's
    start in `rows`, by term id) and the term → id table, not a dict of a small array per term (each
    ~100 bytes of header). Read like that dict: `get`, `items`, `in`, `len`."""

    def __init__(self, table: dict[str, int], starts: np.ndarray, rows: np.ndarray):
        self.table, self.starts, self.rows = table, starts, rows

    def get(self, term: str, default=None) -> np.ndarray | None:
        i = self.table.get(term)
        if i is None or i + 1 >= len(self.starts):
            return default
        start, end = self.starts[i:i + 2].tolist()
        return self.rows[start:end] if end > start else default

    def items(self):
        for term in self.table:
            rows = self.get(term)
            if rows is not None:
                yield term, rows

    def __contains__(self, term: str) -> bool:
        return self.get(term) is not None

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self.starts)))


class TermRows:
    """Per-record term sets stored as one array of term ids (a row's ids are a slice; 16-bit while the
    table has at most 65,536 terms): a million records' sets as Python frozensets would take ~10 GB, as
    ids a few hundred MB. `rows[i]` gives row i's set (built when asked: only a ranking's few candidates
    are asked for); `postings()` gives term → rows for the whole set at once."""

    def __init__(self, names: list[str], offsets: np.ndarray, ids: np.ndarray, table: dict[str, int] | None = None):
        self.names = names
        self.offsets = offsets
        self.ids = ids
        self.table = {name: i for i, name in enumerate(names)} if table is None else table

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> frozenset:
        names = self.names
        return frozenset(names[i] for i in self.ids[self.offsets[row]:self.offsets[row + 1]].tolist())

    def postings(self) -> Postings:
        """The transpose, filled in term order a batch of rows at a time (no sort of all ids at once)."""
        width = len(self.names)
        starts = np.zeros(width + 1, dtype=np.int64)
        np.cumsum(term_counts(self.ids, width), out=starts[1:])
        rows, heads = np.empty(len(self.ids), dtype=np.int32), starts[:-1].copy()
        for first in range(0, len(self), POSTING_BATCH):
            last = min(first + POSTING_BATCH, len(self))
            ids = self.ids[self.offsets[first]:self.offsets[last]]
            order = np.argsort(ids, kind="stable")  # by term, rows ascending within a term
            owners = np.repeat(np.arange(first, last, dtype=np.int32), np.diff(self.offsets[first:last + 1]))
            ids = ids[order]
            rows[heads[ids] + np.arange(len(ids)) - np.searchsorted(ids, ids)] = owners[order]
            heads += np.bincount(ids, minlength=width)
        return Postings(self.table, starts, rows)


class TermRowsBuilder:
    """Collects term sets row by row into `TermRows` sharing one term → id table."""

    def __init__(self, table: dict[str, int], names: list[str]):
        self.table, self.names = table, names
        self.ids = array("H")  # 16-bit ids until a term's id needs more
        self.offsets = array("q", [0])

    def add(self, items) -> None:
        table, names, ids = self.table, self.names, self.ids
        for term in items:
            found = table.get(term)
            if found is None:
                found = table[term] = len(names)
                names.append(term)
            if found > 0xFFFF and ids.typecode == "H":
                ids = self.ids = array("i", ids)
            ids.append(found)
        self.offsets.append(len(ids))

    def done(self) -> TermRows:
        return TermRows(self.names, np.frombuffer(self.offsets, dtype=np.int64),
                        np.frombuffer(self.ids, dtype=np.uint16 if self.ids.typecode == "H" else np.int32),
                        self.table)


def postings_of(sets: Iterable) -> Postings:
    """term → rows of a sequence of per-row sets (units, leaders, measures)."""
    builder = TermRowsBuilder({}, [])
    for items in sets:
        builder.add(items)
    return builder.done().postings()


@dataclass(frozen=True)
class LexicalIndex:
    """Per-record term sets and corpus IDF, built once per record set. `progress_terms` holds a
    record's progress terms that its content lacks (a term in both counts as content)."""

    idf: dict
    unseen_idf: float
    content_terms: TermRows
    progress_terms: TermRows

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unseen_idf)

    def coverage(self, query_terms: Sequence[str], row: int) -> float:
        return self.overlap(query_terms, row)[0]

    def overlap(self, query_terms: Sequence[str], row: int) -> tuple[float, int]:
        """(share of the question's term weight found in a record, content full and progress 0.7;
        how many distinct question terms it holds)."""
        total = sum(self.weight(t) for t in query_terms)
        if not total:
            return 0.0, 0
        content, progress = self.content_terms[row], self.progress_terms[row]
        got, found = 0.0, set()
        for term in query_terms:
            if term in content:
                got += self.weight(term)
                found.add(term)
            elif term in progress:
                got += 0.7 * self.weight(term)
                found.add(term)
        return got / total, len(found)


def build_lexical_index(records: Sequence[Record], table: dict | None = None,
                        names: list | None = None) -> LexicalIndex:
    """Term sets of every record's content (with its section) and progress; IDF over both."""
    table = {} if table is None else table
    names = [] if names is None else names
    content, progress = TermRowsBuilder(table, names), TermRowsBuilder(table, names)
    for record in records:
        terms_of_content = frozenset(terms(record.content + " " + record.section))
        content.add(terms_of_content)
        progress.add(frozenset(terms(record.progress)) - terms_of_content)
    content_rows, progress_rows = content.done(), progress.done()
    df = term_counts(content_rows.ids, len(names)) + term_counts(progress_rows.ids, len(names))
    n = max(len(records), 1)
    idf = {names[i]: math.log(1 + n / int(f)) for i, f in enumerate(df.tolist()) if f}
    return LexicalIndex(idf=idf, unseen_idf=math.log(1 + n), content_terms=content_rows,
                        progress_terms=progress_rows)


def split_clauses(text: str) -> list[str]:
    """Clauses of a field as written (trimmed), split on sentence marks and non-numeric commas."""
    return [c.strip(" \t") for c in _CLAUSE_SPLIT.split(text or "") if c and c.strip(" \t")]


def figures(text: str) -> list[re.Match]:
    """Numbers in a text that are amounts, not years (2023年, 2023年度 name a year)."""
    return [m for m in _FIGURE.finditer(text) if not _YEAR.match(text, m.start())]


def has_figure(text: str) -> bool:
    return bool(figures(text))


def figure_with_unit(clause: str, unit_hint: str) -> bool:
    """Whether the clause holds a number followed by the asked measure (个, 万个, %), allowing a
    multiplier in between (24 万元 answers 罚了多少 → 元)."""
    flat = simplify(clause)
    return bool(unit_hint) and any(measure_follows(flat, m, unit_hint) for m in figures(flat))


def measure_follows(text: str, match: re.Match, unit_hint: str) -> bool:
    """Whether this number of `text` is followed by the measure, maybe after 万/亿/千/百 or 余/多."""
    return _follows(text[match.end():].lstrip(), unit_hint)


def _follows(rest: str, unit_hint: str) -> bool:
    rest = rest[1:].lstrip() if rest[:1] in "余多" else rest
    return rest.startswith(unit_hint) or (rest[:1] in "万亿千百" and rest[1:].lstrip().startswith(unit_hint))


def figure_tails(text: str) -> tuple[str, ...]:
    """What follows each figure of a text (a few characters): computed once per record, so that
    "does this record count in 套?" is a lookup, not a scan of its text per question."""
    flat = simplify(text)
    return tuple(flat[m.end():m.end() + 6].lstrip() for m in figures(flat))


class RowTails(Sequence):
    """Each record's `figure_tails` of its content and progress, computed when a row is asked for (a
    ranking asks for a few candidates): kept for every row they took ~230 MB at a million records."""

    def __init__(self, records: Sequence[Record]):
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, row: int) -> tuple[str, ...]:
        record = self._records[row]
        return figure_tails(record.content + "|" + record.progress)


def holds_measure(tails: Sequence[str], unit_hints: Sequence[str]) -> bool:
    """Whether any figure (by its tail) carries one of the asked measures or one counting the same."""
    for hint in unit_hints:
        wanted = (hint, hint[:1], *SAME_MEASURE.get(hint[:1], ()))
        if any(_follows(tail, w) for tail in tails for w in wanted if w):
            return True
    return False


# Measures that count the same thing: a question's 多少人 is answered by 5.7万名.
SAME_MEASURE = {"人": ("名", "人次", "位"), "名": ("人", "位"), "个": ("处", "座", "所"), "处": ("个",),
                 "家": ("个", "户"), "户": ("家",)}


def measure_bonus(clause: str, unit_hints: Sequence[str]) -> float:
    """Bonus for a number in the asked measure; a longer match (个项目 over 个) earns more, a
    measure counting the same thing (名 for 人) a little less."""
    best = 0.0
    for hint in unit_hints:
        for size in range(len(hint), 0, -1):
            if figure_with_unit(clause, hint[:size]):
                best = max(best, 15.0 + 3.0 * size)
                break
        for other in SAME_MEASURE.get(hint[:1], ()):
            if figure_with_unit(clause, other):
                best = max(best, 14.0)
    return best


def clause_score(clause: str, term_weights: dict[str, float], query_chars: set[str],
                 unit_hints: Sequence[str] = ()) -> float:
    """How well one clause answers a figure question: weighted shared terms, shared characters, a
    number, and above all a number in the asked measure."""
    clause_terms = set(terms(clause))
    score = sum(w for t, w in term_weights.items() if t in clause_terms)
    score += 0.3 * len(query_chars & characters(clause))
    if has_figure(clause):
        score += 3.0
    return score + measure_bonus(clause, unit_hints)
