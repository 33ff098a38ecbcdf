"""Inverted maps over one record set, so that answering touches index lookups, not every record.

Built once per record set (with the Knowledge that holds it): columns for the structured fields
(year, period, kind, number, place, section, deadline, on-schedule, leaders, units) and postings
(term → rows) for lexical coverage, topic terms, asked measures and substring look-ups. A question's
scope, a list's conditions and a ranking's lexical coverage become a few numpy operations whose
results equal the per-record tests they replace (the same additions in the same order), so lists and
counts stay exact at any size and single answers rank only the rows that can score.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable, Sequence
from itertools import repeat

import numpy as np

from qa_app.answering.matching import TermRows, postings_of
from qa_app.answering.vocabulary import simplify, unit_is
from qa_app.profile import record_place
from qa_app.records import Record, parent_id

_CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_MULTIPLIERS = "万亿千百"
UNIT_COLUMNS = ("units", "lead_units", "participating_units")
CACHE_SIZE = 4096   # remembered look-ups (unit rows, texts' rows and counts)
RECENT_SCORES = 4  # term_scores kept: about one question per worker (16 MB each at a million rows)
COUNT_EXACT = 20_000  # candidate rows up to which a document-frequency count checks each (count_containing)
COUNT_SAMPLE = 5_000  # candidate rows it checks past that, evenly spread
CACHED_ROWS = 2048  # a text's rows are remembered only when this few: memory stays small at 1M records


def _codes(values: Sequence) -> tuple[dict, np.ndarray]:
    table: dict = {}
    return table, np.array([table.setdefault(v, len(table)) for v in values], dtype=np.int32)


def _members(posting: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """Which of `rows` are in an ascending posting list (a binary search each, not a scan)."""
    if posting is None or not len(posting):
        return np.zeros(len(rows), dtype=bool)
    at = np.minimum(np.searchsorted(posting, rows), len(posting) - 1)
    return posting[at] == rows


def _parent_rows(records: Sequence[Record]) -> np.ndarray:
    """Each row's target row when it is a continuation row (`parent_id`), else -1: a list drops the
    continuations of targets it holds in one numpy step instead of through a set of ids."""
    row_of = {r.id: i for i, r in enumerate(records)}
    return np.array([row_of.get(parent_id(r.id), -1) for r in records], dtype=np.int64)


def measure_chars(tails: Sequence[str]) -> set[str]:
    """The characters a figure's measure can start with: the first after 余/多, or the one after a
    multiplier (24万元 counts in 元); `holds_measure` compares exactly these."""
    out = set()
    for tail in tails:
        rest = tail[1:].lstrip() if tail[:1] in "余多" else tail
        if rest:
            out.add(rest[0])
            if rest[0] in _MULTIPLIERS and rest[1:].lstrip():
                out.add(rest[1:].lstrip()[0])
    return out


class Lookup:
    """Row selections by field and by term; safe to share between threads (caches only grow)."""

    def __init__(self, records: Sequence[Record], content_terms: TermRows, progress_only: TermRows,
                 topic_terms: TermRows, flat_text: Sequence[str], tails: Sequence[Sequence[str]]):
        self.size = len(records)
        self.flat_text = flat_text
        self.year = np.array([np.nan if r.year is None else r.year for r in records], dtype=np.float64)
        self.number = np.array([np.nan if r.number is None else r.number for r in records], dtype=np.float64)
        self.codes = {name: _codes(values) for name, values in (
            ("period", [r.period for r in records]), ("kind", [r.kind for r in records]),
            ("place", [record_place(r) for r in records]), ("section", [r.section for r in records]),
            ("deadline", [simplify(r.deadline) for r in records]),
            ("on_schedule", [r.on_schedule for r in records]))}
        self.leader_count = np.array([len(r.leaders) for r in records], dtype=np.int32)
        self.leaders = postings_of(set(r.leaders) for r in records)
        self.units = {c: postings_of(set(getattr(r, c)) for r in records) for c in UNIT_COLUMNS}
        self.unit_count = {c: np.array([len(getattr(r, c)) for r in records], dtype=np.int32) for c in UNIT_COLUMNS}
        self.content = content_terms.postings()
        self.progress_only = progress_only.postings()
        self.topic = topic_terms.postings()
        self.measures = postings_of(measure_chars(t) for t in tails)
        self.parent = _parent_rows(records)
        self._records = records
        self._lock = threading.Lock()
        self._cache: dict = {}
        self._recent: dict = {}  # term_scores of the last few questions (arrays of every row)

    # -- structured fields -------------------------------------------------------------------

    def equal(self, name: str, value) -> np.ndarray:
        table, codes = self.codes[name]
        return codes == table.get(value, -1)

    def any_equal(self, name: str, values: Sequence) -> np.ndarray:
        table, codes = self.codes[name]
        return np.isin(codes, [table[v] for v in values if v in table])

    def mask_of(self, rows: np.ndarray | None) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        if rows is not None and len(rows):
            mask[rows] = True
        return mask

    def leader_mask(self, names: Sequence[str]) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for name in names:
            rows = self.leaders.get(name)
            if rows is not None:
                mask[rows] = True
        return mask

    def unit_mask(self, column: str, key: str) -> np.ndarray:
        """Rows whose `column` holds a unit that is `key` (`unit_matches`), each written name tested once."""
        rows = self._cached(("unit", column, key), lambda: self._unit_rows(column, key))
        return self.mask_of(rows)

    def _unit_rows(self, column: str, key: str) -> np.ndarray:
        found = [rows for name, rows in self.units[column].items() if unit_is(name, key)]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def empty_mask(self, field: str) -> np.ndarray:
        """Rows whose field is empty (a question about what is not written)."""
        return self._cached(("empty", field),
                            lambda: np.array([not getattr(r, field) for r in self._records], dtype=bool))

    # -- words ------------------------------------------------------------------------------

    def coverage(self, query_terms: Sequence[str], weight: Callable[[str], float]) -> np.ndarray:
        """`LexicalIndex.coverage` for every row at once: the same additions in the same order, so
        the values are equal, not just close."""
        total = sum(weight(t) for t in query_terms)
        got = np.zeros(self.size, dtype=np.float64)
        if not total:
            return got
        for term in query_terms:
            w = weight(term)
            rows = self.content.get(term)
            if rows is not None:
                got[rows] += w
            rows = self.progress_only.get(term)
            if rows is not None:
                got[rows] += 0.7 * w
        return got / total

    def overlaps(self, query_terms: Sequence[str], weight: Callable[[str], float],
                 rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a ranking's few rows (ascending): `LexicalIndex.overlap` (coverage, distinct terms held)
        and how many distinct question terms each row's subject holds, with one binary search per term
        and posting instead of a term set built per row. Coverage adds in `coverage`'s order: equal."""
        got = np.zeros(len(rows), dtype=np.float64)
        held = np.zeros(len(rows), dtype=np.int64)
        topic = np.zeros(len(rows), dtype=np.int64)
        total = sum(weight(t) for t in query_terms)
        member = {term: (_members(self.content.get(term), rows), _members(self.progress_only.get(term), rows))
                  for term in dict.fromkeys(query_terms)}  # each distinct term searched once
        for term in query_terms:
            w = weight(term)
            in_content, in_progress = member[term]
            got[in_content] += w
            got[in_progress] += 0.7 * w
        for term, (in_content, in_progress) in member.items():
            held += in_content | in_progress
            topic += _members(self.topic.get(term), rows)
        return (got / total if total else got), held, topic

    def term_scores(self, query_terms: Sequence[str], weight: Callable[[str], float]) -> tuple[np.ndarray, tuple]:
        """`coverage` of every row, and `topic_count` as (rows, counts) of the rows it is not 0 for, for a
        question's terms; kept for the last few term lists: a question is ranked before and again after
        retrieval, and at a million rows these passes over the postings are most of a ranking's cost."""
        key = tuple(query_terms)
        with self._lock:
            found = self._recent.get(key)
        if found is None:
            topics = self.topic_count(set(query_terms))
            rows = np.flatnonzero(topics)
            found = (self.coverage(query_terms, weight), (rows, topics[rows]))
            with self._lock:
                self._recent[key] = found
                while len(self._recent) > RECENT_SCORES:
                    self._recent.pop(next(iter(self._recent)))
        return found

    def topic_count(self, query_terms: set[str]) -> np.ndarray:
        count = np.zeros(self.size, dtype=np.float64)
        for term in query_terms:
            rows = self.topic.get(term)
            if rows is not None:
                count[rows] += 1
        return count

    def measure_mask(self, unit_hints: Sequence[str], same: dict) -> np.ndarray:
        """Rows where `holds_measure(tails, unit_hints)` holds (first characters are what it compares)."""
        mask = np.zeros(self.size, dtype=bool)
        for hint in unit_hints:
            for wanted in (hint, hint[:1], *same.get(hint[:1], ())):
                rows = self.measures.get(wanted[:1]) if wanted else None
                if rows is not None:
                    mask[rows] = True
        return mask

    def containing(self, text: str, candidates: np.ndarray | None = None) -> np.ndarray:
        """Rows whose flat text holds `text` (ascending): candidates from its bigrams, then checked.
        Kept for the next question when the answer is small (a name), recomputed when it is not."""
        rows = self._cache.get(("in", text))
        if rows is None:
            candidates = self._candidates(text) if candidates is None else candidates
            held = np.fromiter(self._holding(candidates, text), dtype=bool, count=len(candidates))
            rows = candidates[held].astype(np.int32)
            self._count_cache(("count", text), len(rows))
            if len(rows) <= CACHED_ROWS:
                self._cached(("in", text), lambda: rows)
        return rows

    def count_containing(self, text: str) -> int:
        """How many rows hold `text` (a word's document frequency, for its weight), remembered per text.
        Exact up to `COUNT_EXACT` candidate rows; past that (a common word at a million records) the
        share of an even sample of the candidates that holds it, times their number: a weight
        log(1 + n/df) moves by about 1% for the sampling error, and the cost stays bounded."""
        count = self._cache.get(("count", text))
        if count is not None:
            return count
        candidates = self._candidates(text)
        if len(candidates) <= COUNT_EXACT:
            return len(self.containing(text, candidates))
        sample = candidates[np.linspace(0, len(candidates) - 1, COUNT_SAMPLE).astype(np.int64)]
        count = round(sum(self._holding(sample, text)) * len(candidates) / COUNT_SAMPLE)
        self._count_cache(("count", text), count)
        return count

    def holds(self, text: str) -> bool:
        """Whether any row holds `text`: stops at the first one."""
        rows = self._cache.get(("in", text))
        if rows is not None:
            return len(rows) > 0
        return any(self._holding(self._candidates(text), text))

    def _holding(self, rows: np.ndarray, text: str):
        """Whether each row's flat text holds `text`, tested at C speed (no Python frame per row)."""
        return map(operator.contains, map(self.flat_text.__getitem__, rows.tolist()), repeat(text))

    def _candidates(self, text: str) -> np.ndarray:
        """Rows holding every bigram of `text` (ascending): the rarest bigram's rows, narrowed by a
        binary search of each further bigram's postings."""
        bigrams = sorted({run[i:i + 2] for run in _CHINESE_RUN.findall(text) for i in range(len(run) - 1)},
                         key=self._frequency)
        if not bigrams:
            return np.arange(self.size)
        rows = self._term_rows(bigrams[0])
        for bigram in bigrams[1:]:
            if not len(rows):
                break
            rows = rows[_members(self.content.get(bigram), rows) | _members(self.progress_only.get(bigram), rows)]
        return rows

    def _term_rows(self, term: str) -> np.ndarray:
        """Rows holding the term in content or progress (the two postings never share a row)."""
        parts = [rows for rows in (self.content.get(term), self.progress_only.get(term)) if rows is not None]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        if len(parts) == 1:
            return parts[0].astype(np.int64)
        mask = np.zeros(self.size, dtype=bool)
        mask[parts[0]] = True
        mask[parts[1]] = True
        return np.flatnonzero(mask)

    def _frequency(self, term: str) -> int:
        return sum(len(rows) for rows in (self.content.get(term), self.progress_only.get(term)) if rows is not None)

    def _count_cache(self, key, value: int) -> None:
        self._cached(key, lambda: value)

    def _cached(self, key, compute):
        value = self._cache.get(key)
        if value is None:
            value = compute()
            with self._lock:
                if len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = value
        return value
