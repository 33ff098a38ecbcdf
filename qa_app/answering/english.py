"""English questions: the glossary (data/english.tsv) turns their words into the documents' terms.

The documents are Chinese, so an English question is read through a phrase glossary, longest phrase
first, into a Chinese question with the same intent, scope and subject terms; names and figures in
the answer stay as the documents write them. A phrasing the glossary misses is fixed by adding a
line to the data file, not code. A phrase mapped to "-" is dropped (context, not the question).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"\d[\d,.]*\d|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CLAUSES = re.compile(r"[,;?!.]\s+(?:and\s+)?|\s+and\s+(?=how|what|which|who|when|where|is|are|does|do)|[?!]$")
_YEAR = re.compile(r"^(19|20)\d\d$")
MAX_PHRASE_WORDS = 8
LATIN_SHARE = 0.5
_NUMBERED = frozenset({"item", "task", "target", "no", "number", "entry", "row"})  # item 12 → 第12项


@lru_cache(maxsize=1)
def glossary() -> dict[tuple[str, ...], str]:
    """Phrase (as a tuple of lower-case words) → Chinese; the first line for a phrase wins."""
    text = resources.files("qa_app.answering").joinpath("data/english.tsv").read_text(encoding="utf-8")
    table: dict[tuple[str, ...], str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        english, chinese = line.split("\t", 1)
        table.setdefault(tuple(_words(english)), chinese.strip())
    return table


def _words(text: str) -> list[str]:
    """Lower-case words; a hyphen joins nothing (third-quarter is third quarter)."""
    text = text.lower().replace("’", "'").replace("-", " ")
    return [w.rstrip("'s").replace(",", "") if not w[0].isdigit() else w.replace(",", "") for w in _WORD.findall(text)]


def is_english(text: str) -> bool:
    """Mostly Latin letters (a Chinese question with an English acronym such as 5G is not)."""
    letters = [c for c in text if not c.isspace() and not c.isdigit() and c not in ",.?!;:'\"-()"]
    latin = sum(1 for c in letters if c.isascii())
    return bool(letters) and latin / len(letters) >= LATIN_SHARE


def translate(text: str, names: Sequence[str] = ()) -> str:
    """The question in the documents' terms, clause by clause: glossary phrases, longest first;
    years kept, "item 12" / "task 12" as 第12项, a name in pinyin ("Wang Zhongxiang") as the one of
    `names` it spells (other numbers in an English question restate the context, not what is asked)."""
    spelled = romanized(tuple(names))
    clauses = (_translate_clause(part, spelled) for part in _CLAUSES.split(text))
    return "，".join(c for c in clauses if c) + "？"


def _translate_clause(text: str, spelled: dict[str, str]) -> str:
    words, table = _words(text), glossary()
    out: list[str] = []
    i = 0
    while i < len(words):
        size, chinese = _phrase_at(words, i, table, spelled)
        if size:
            out.append("" if chinese == "-" else chinese)
            i += size
            continue
        if _YEAR.match(words[i]):
            out.append(words[i] + "年")
        i += 1
    return "".join(out)


def _phrase_at(words: list[str], i: int, table: dict, spelled: dict[str, str]) -> tuple[int, str]:
    """The longest glossary phrase, record number or spelled name starting at word i (0 words: none)."""
    if words[i] in _NUMBERED and i + 1 < len(words) and words[i + 1].isdigit():
        return 2, f"第{words[i + 1]}项"
    for size in (3, 2, 1):
        if i + size <= len(words) and "".join(words[i:i + size]) in spelled:
            return size, spelled["".join(words[i:i + size])]
    for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
        chinese = table.get(tuple(words[i:i + size]))
        if chinese:
            return size, chinese
    return 0, ""


@lru_cache(maxsize=8)
def romanized(names: tuple[str, ...]) -> dict[str, str]:
    """Each person's name as pinyin letters, surname first and last (wangzhongxiang, zhongxiangwang);
    empty without pypinyin. Only names of 2–4 characters: a unit is not spelled out."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency; a trimmed install still answers
        return {}
    out: dict[str, str] = {}
    for name in names:
        name = "".join(name.split())
        if 2 <= len(name) <= 4:
            syllables = lazy_pinyin(name)
            out.setdefault("".join(syllables), name)
            out.setdefault("".join(syllables[1:] + syllables[:1]), name)
    return out
