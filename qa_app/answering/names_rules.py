"""The wording table names.py and short_names.py read (data/names.json), and the one splitter they
share: a question cut into pieces at punctuation, question words and particles."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from qa_app.answering.vocabulary import simplify


@dataclass(frozen=True)
class NameRules:
    """Generic question wording (never a corpus's names) and the limits of the name search."""

    stop_words: tuple[str, ...]        # question words a name never spans (哪些, 负责, 完成时限)
    particles: str                     # single characters a short name never spans (的, 了, 是)
    unit_breaks: str                   # ...and a unit's name (like particles, but 里/中/表 may be in one)
    marks: str                         # punctuation
    person_titles: tuple[str, ...]     # a title before a name: 副市长李明
    person_cues_after: tuple[str, ...]  # a word after a name: 李明分管, 李明副市长
    not_in_person_name: str            # characters no person's name in a question holds
    gap_stops: str                     # function characters a long form never inserts (的, 已, 等)
    not_units: tuple[str, ...]         # 市政府, 市直部门: the city's bodies as a whole, no one unit
    place_pronouns: tuple[str, ...]    # 咱们市, 我市: the corpus's own place, not another
    unit_start: str                    # how a unit's name starts (市)
    unit_suffixes: str                 # how a unit's name ends (局, 委, 办…)
    unit_max_len: int
    common_word_freq: int              # a word this common in general text is not a short name
    short_min: int
    short_max: int
    short_max_gap: int                 # characters of the long term between two of the short name's
    long_max: int
    short_max_pieces: int              # pieces scanned per candidate at most
    short_max_tries: int               # candidates tried per question at most


@lru_cache(maxsize=1)
def name_rules() -> NameRules:
    text = resources.files("qa_app.answering").joinpath("data/names.json").read_text(encoding="utf-8")
    data = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = tuple(sorted(value, key=len, reverse=True))  # the longest word first
    return NameRules(**data)


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Common Chinese surnames (data/surnames.txt): a name-like word must start with one to be a person."""
    text = resources.files("qa_app.answering").joinpath("data/surnames.txt").read_text(encoding="utf-8")
    return frozenset(c for line in text.splitlines() if not line.startswith("#") for c in line.strip())


@lru_cache(maxsize=4096)
def flat_form(text: str) -> str:
    """The matching form of a question (vocabulary.simplify), kept for the last few thousand texts:
    every resolver of one question needs it, and folding traditional characters costs milliseconds."""
    return simplify(text)


@lru_cache(maxsize=64)
def _cut_table(chars: str) -> dict[int, str]:
    return {ord(c): _SEPARATOR for c in chars}


_SEPARATOR = "\x00"


def segments(text: str, words: tuple[str, ...], chars: str) -> list[str]:
    """The runs of `text` left once every word in `words` and every character in `chars` is taken
    out (str.replace and str.translate: no per-character Python loop)."""
    for word in words:
        if word in text:
            text = text.replace(word, _SEPARATOR)
    return [piece for piece in text.translate(_cut_table(chars)).split(_SEPARATOR) if piece]
