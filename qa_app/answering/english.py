"""English questions: the glossary (data/english.tsv) turns their words into the documents' terms.

The documents are Chinese, so an English question is read through a phrase glossary, longest phrase
first, into a Chinese question with the same intent, scope and subject terms; names and figures in
the answer stay as the documents write them. A phrasing the glossary misses is fixed by adding a
line to the data file, not code. A phrase mapped to "-" is dropped (context, not the question).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"\d[\d,.]*\d|[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CLAUSES = re.compile(r"[,;?!.]\s+(?:and\s+)?|\s+and\s+(?=how|what|which|who|when|where|is|are|does|do)|[?!]$")
_YEAR = re.compile(r"^(19|20)\d\d$")
MAX_PHRASE_WORDS = 8
LATIN_SHARE = 0.5


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
    return [w.rstrip("'s").replace(",", "") if not w[0].isdigit() else w.replace(",", "")
            for w in _WORD.findall(text.lower().replace("’", "'"))]


def is_english(text: str) -> bool:
    """Mostly Latin letters (a Chinese question with an English acronym such as 5G is not)."""
    letters = [c for c in text if not c.isspace() and not c.isdigit() and c not in ",.?!;:'\"-()"]
    latin = sum(1 for c in letters if c.isascii())
    return bool(letters) and latin / len(letters) >= LATIN_SHARE


def translate(text: str) -> str:
    """The question in the documents' terms, clause by clause: glossary phrases, longest first;
    years kept (other numbers in an English question restate the context, not what is asked)."""
    clauses = (_translate_clause(part) for part in _CLAUSES.split(text))
    return "，".join(c for c in clauses if c) + "？"


def _translate_clause(text: str) -> str:
    words, table = _words(text), glossary()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            chinese = table.get(tuple(words[i:i + size]))
            if chinese:
                out.append("" if chinese == "-" else chinese)
                i += size
                break
        else:
            if _YEAR.match(words[i]):
                out.append(words[i] + "年")
            i += 1
    return "".join(out)
