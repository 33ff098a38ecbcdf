"""Topics and the words records on them use: a record about 教育 may say 学校 or 教师 and never 教育.

The table is data (data/topics.tsv). It widens a topic word only where the question marks a topic
(涉及, 方面) or the word is a topic itself, so a phrase asked for ("提到X的") stays as written.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from qa_app.answering.conditions import wording_mask
from qa_app.answering.planning import names_topic

if TYPE_CHECKING:
    from qa_app.answering.selection import Knowledge


@lru_cache(maxsize=1)
def thesaurus() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(topic, the words records on it use), from data/topics.tsv."""
    text = resources.files("qa_app.answering").joinpath("data/topics.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple((topic.strip(), tuple(w for w in words.strip().split("、") if w)) for topic, words in rows)


def related_words(word: str) -> tuple[str, ...]:
    """The words of every topic the word contains or is part of (医疗卫生 → 医疗's and 卫生's)."""
    if len(word) < 2:
        return ()
    found: dict[str, None] = {}
    for topic, words in thesaurus():
        if topic in word or word in topic:
            found.update(dict.fromkeys(words))
    found.pop(word, None)
    return tuple(found)


def topic_mask(knowledge: Knowledge, word: str, flat: str) -> np.ndarray:
    """Rows about the word: holding it, or, where the question marks a topic (涉及, 方面) or the word
    is a topic itself, holding one of its topic's words. (Not "led by a unit named after it": 市教育和
    体育局 leads the sports targets too.)"""
    mask = wording_mask(knowledge, word)
    related = related_words(word)
    if not (names_topic(flat) or any(topic == word for topic, _ in thesaurus())):
        return mask
    for other in related:
        mask |= wording_mask(knowledge, other)
    return mask

