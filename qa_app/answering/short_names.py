"""Short names people use for the documents' terms: 社零额 → 社会消费品零售总额, 创卫 → 创建国家卫生城市.

A short name keeps characters of the long term in order, starting with its first character. So a
question's piece that the records never write (one of its character pairs is absent from every
record) is looked up in the records' own wording: phrase pieces (content and progress split at
punctuation) that hold all its characters, where those characters appear in order from a word start
with small gaps. The shortest such span wins, then the most frequent, and it is extended to the end of
its last word (卫 → 卫生城市), so the long form is what the documents write.

Built once per record set (`build_short_names`): distinct pieces with how many records hold each, the
pieces each character occurs in (sorted id arrays, intersected per question), and every character
pair the records hold. A question then costs a few array intersections per candidate, not a scan.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from qa_app.answering.names_rules import NameRules, flat_form, name_rules, segments
from qa_app.answering.vocabulary import simplify, take_names
from qa_app.records import Record


@dataclass(frozen=True)
class ShortNames:
    """Phrase pieces of a record set, indexed by character, and the character pairs they hold."""

    pieces: tuple[str, ...]
    weights: np.ndarray                       # records holding each piece (twice in a content)
    by_char: dict[str, np.ndarray]            # character → sorted ids of the pieces holding it
    pairs: np.ndarray                         # sorted keys of every two-character sequence held
    cut: Callable[[str], list[str]] = field(repr=False)     # word segmentation (jieba)
    word_freq: Callable[[str], int] = field(repr=False)     # how common a word is in general text
    _cache: dict = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def long_form(self, short: str) -> str | None:
        """The records' term a short name stands for, or None (also when the records write it as is)."""
        key = ("long", short)
        cached = self._cache.get(key, _UNSEEN)
        if cached is not _UNSEEN:
            return cached
        return self._remember(key, _long_form(self, short, name_rules()))

    def _remember(self, key: tuple[str, str], value):
        """Cache a result; the cache is emptied when it reaches _CACHE_LIMIT (a server sees
        unbounded distinct questions)."""
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = value
        return value

    def expand(self, text: str, known: Iterable[str] = ()) -> tuple[str, tuple[tuple[str, str], ...]]:
        """(the question's matching form with each short name replaced, the (short, long) pairs).
        `known` are names to leave alone (units, leaders already found)."""
        rules = name_rules()
        flat = flat_form(text)
        _, blanked = take_names(flat, sorted(known, key=len, reverse=True))
        pairs: list[tuple[str, str]] = []
        budget = [rules.short_max_tries]
        for piece in segments(blanked, rules.stop_words, rules.particles + rules.marks):
            pairs.extend(self._in_piece(piece, rules, budget))
        rewritten = flat
        for short, long in pairs:
            rewritten = rewritten.replace(short, long, 1)
        return rewritten, tuple(pairs)

    def _in_piece(self, piece: str, rules: NameRules, budget: list[int]) -> list[tuple[str, str]]:
        """Short names in one piece of the question: runs of one to three of its words (longest
        first) that the records never write, at least one word rare in general text (common words
        the records lack, 地铁 or 老人, are the question's own words, not short names)."""
        words = self.cut(piece)
        starts = [0]
        for word in words:
            starts.append(starts[-1] + len(word))
        found, k = [], 0
        while k < len(words) and budget[0] > 0:
            hit = self._short_at(piece, words, starts, k, rules, budget)
            if hit is None:
                k += 1
                continue
            found.append(hit)
            end = starts[k] + len(hit[0])
            k = next((j for j in range(k + 1, len(words) + 1) if starts[j] >= end), len(words))
        return found

    def _short_at(self, piece: str, words: list[str], starts: list[int], k: int, rules: NameRules,
                  budget: list[int]) -> tuple[str, str] | None:
        for n in (3, 2, 1):
            run = words[k:k + n]
            short = "".join(run)
            if len(run) < n or (starts[k] and piece[starts[k] - 1].isdigit()) or not self._candidate(run, short, rules):
                continue  # after a digit a word starts with its measure (93项稳 is not 项稳)
            budget[0] -= 1
            long = self.long_form(short)
            if long:
                after = piece[starts[k] + len(short):]
                return piece[starts[k]:starts[k] + len(short) + _shared_tail(long, short, after)], long
        return None

    def _candidate(self, run: list[str], short: str, rules: NameRules) -> bool:
        return (len(run[0]) >= 2 and rules.short_min <= len(short) <= rules.short_max
                and all("\u4e00" <= c <= "\u9fff" for c in short) and not self.written(short)
                and any(self.word_freq(w) < rules.common_word_freq for w in run))

    def _pairs_held(self, text: str) -> bool:
        if len(text) < 2:
            return True
        wanted = _pair_keys(_codes(text))
        found = np.searchsorted(self.pairs, wanted)
        return bool(np.all(found < len(self.pairs)) and np.all(self.pairs[np.minimum(found, len(self.pairs) - 1)] == wanted))

    def written(self, text: str) -> bool:
        """Whether some record writes this text as is."""
        key = ("written", text)
        cached = self._cache.get(key, _UNSEEN)
        if cached is not _UNSEEN:
            return cached
        held = self._pairs_held(text)  # cheap test first
        return self._remember(key, held and any(text in self.pieces[pid]
                                                for pid in _pieces_with(self, text, len(self.pieces))))


def _shared_tail(long: str, short: str, after: str) -> int:
    """How many characters after the short name still follow the long form in order (社零 + 额 →
    社会消费品零售总额 takes 额; 规上工业增 + 加值 → 规模以上工业增加值 takes 加值), so the rewrite
    does not write them twice."""
    pos, size = _matched_end(long, short), 0
    while size < len(after):
        nxt = long.find(after[size], pos)
        if nxt < 0:
            break
        pos, size = nxt + 1, size + 1
    return size


def _inserts(long: str, short: str, chars: str) -> bool:
    """Whether the long form adds one of these (function) characters to the short name's: 评上 is
    not 评价报告已上报, 任市 not 任务的市区."""
    rest = list(long)
    for char in short:
        if char in rest:
            rest.remove(char)
    return any(c in chars for c in rest)


def _matched_end(long: str, short: str) -> int:
    pos = -1
    for char in short:
        pos = long.find(char, pos + 1)
    return pos + 1


def _long_form(index: ShortNames, short: str, rules: NameRules) -> str | None:
    ids = _pieces_with(index, short, rules.short_max_pieces)
    spans: Counter = Counter()
    where: dict[str, tuple[int, int, int]] = {}
    for pid in ids:
        piece = index.pieces[pid]
        if short in piece:
            return None  # the records write it as is: not a short name
        for start, end in _in_order(piece, short, rules.short_max_gap):
            span = piece[start:end]
            spans[span] += int(index.weights[pid])
            where.setdefault(span, (int(pid), start, end))
    for span in sorted(spans, key=lambda s: (-spans[s], len(s), s))[:3]:
        pid, start, end = where[span]
        long = _whole_words(index, index.pieces[pid], start, end)
        if long and len(short) < len(long) <= rules.long_max and not _inserts(long, short, rules.gap_stops):
            return long
    return None


def _pieces_with(index: ShortNames, short: str, limit: int) -> np.ndarray:
    """Ids of the pieces holding every character of `short` (rarest character first)."""
    arrays = sorted((index.by_char.get(c) for c in set(short)), key=lambda a: -1 if a is None else len(a))
    if arrays[0] is None:
        return np.empty(0, dtype=np.int32)
    ids = arrays[0]
    for other in arrays[1:]:
        ids = np.intersect1d(ids, other, assume_unique=True)
        if not len(ids):
            break
    return ids[:limit]


def _in_order(piece: str, short: str, max_gap: int):
    """(start, end) of each shortest span of `piece` from an occurrence of short[0] that holds the
    rest of `short` in order, at most `max_gap` characters between two of them."""
    start = piece.find(short[0])
    while start >= 0:
        pos, ok = start, True
        for char in short[1:]:
            nxt = piece.find(char, pos + 1, pos + 2 + max_gap)
            if nxt < 0:
                ok = False
                break
            pos = nxt
        if ok:
            yield start, pos + 1
        start = piece.find(short[0], start + 1)


def _whole_words(index: ShortNames, piece: str, start: int, end: int) -> str | None:
    """The span grown to whole words: it must start a word, and ends where its last word ends."""
    offset, started = 0, False
    for word in index.cut(piece):
        word_end = offset + len(word)
        if offset == start:
            started = True
        elif offset < start < word_end:
            return None
        if started and offset < end <= word_end:
            return piece[start:word_end]
        offset = word_end
    return None

def build_short_names(records: Iterable[Record], cut: Callable[[str], list[str]],
                      word_freq: Callable[[str], int]) -> ShortNames:
    """Index the records' wording once: distinct texts only (a table repeated in many files costs
    once), the character index and pairs computed with numpy."""
    rules = name_rules()
    records = list(records)
    texts = Counter(t for r in records for t in (r.content, r.progress, r.title, r.section, *r.units, *r.leaders))
    contents = {r.content for r in records}
    counts: Counter = Counter()
    for text, times in texts.items():  # one text at a time: most skip the traditional-character pass
        for piece in segments(simplify(text).replace(_SEP, ""), (), rules.marks):
            counts[piece] += times * (2 if text in contents else 1)  # the target's own wording first
    pieces = tuple(counts)
    codes = _codes(_SEP.join(pieces))
    lengths = np.array([len(p) + 1 for p in pieces], dtype=np.int64)
    pids = np.repeat(np.arange(len(pieces), dtype=np.uint64), lengths)[: len(codes)]
    keep = codes != 0
    keys = _distinct((codes[keep].astype(np.uint64) << np.uint64(32)) | pids[keep])
    chars, ids = keys >> np.uint64(32), (keys & np.uint64(0xFFFFFFFF)).astype(np.int32)
    cuts = np.flatnonzero(np.diff(chars)) + 1
    by_char = {chr(int(chars[i])): part for i, part in zip((0, *cuts), np.split(ids, cuts), strict=True)} if len(ids) else {}
    return ShortNames(pieces=pieces, weights=np.array([counts[p] for p in pieces], dtype=np.int32),
                      by_char=by_char, pairs=_pair_keys(codes), cut=cut, word_freq=word_freq)


_SEP = "\x00"
_CACHE_LIMIT = 200_000
_UNSEEN = object()


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _pair_keys(codes: np.ndarray) -> np.ndarray:
    """Sorted keys of every two-character sequence (separators excluded)."""
    first, second = codes[:-1], codes[1:]
    both = (first != 0) & (second != 0)
    return _distinct((first[both].astype(np.uint64) << np.uint64(32)) | second[both])


def _distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort and a neighbour test: faster here than np.unique's hashing)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys
