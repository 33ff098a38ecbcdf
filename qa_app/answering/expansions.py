"""Codes people type for what the documents write out (S328 → 省道328线, G106 → 国道106线).

The table is data (data/expansions.tsv): a question is rewritten before it is read, so the names it
uses are the documents' own and the presence check finds them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def expansions() -> tuple[tuple[re.Pattern, str], ...]:
    text = resources.files("qa_app.answering").joinpath("data/expansions.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t", 1) for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple((re.compile(pattern), replacement.strip()) for pattern, replacement in rows)


def expand_codes(text: str) -> str:
    """The question with each code written out as the documents write it."""
    for pattern, replacement in expansions():
        text = pattern.sub(replacement, text)
    return text
