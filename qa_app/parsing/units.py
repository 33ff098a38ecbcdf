"""Splitting unit and leader cells into names, including names glued together in the source."""

from __future__ import annotations

import re
from collections.abc import Iterable

from qa_app.text import compact_name

_UNIT_SEPARATORS = re.compile(r"[\s、，,;；]+")
_LEADER_SEPARATORS = re.compile(r"[、，,;；/]+")
# Phrases the notice writes with a 、 inside that name one group of units, not two.
_KEEP_WHOLE = ("各县区政府、管委会", "各县区人民政府、管委会")
_PLACEHOLDER = "\u0000"


def split_units(cell: str) -> tuple[str, ...]:
    """Split a cell naming one or more units on spaces, 、，; keeping known compound phrases."""
    text = (cell or "").strip()
    protected: list[str] = []
    for phrase in _KEEP_WHOLE:
        if phrase in text:
            protected.append(phrase)
            text = text.replace(phrase, f" {_PLACEHOLDER}{len(protected) - 1} ")
    parts = []
    for piece in _UNIT_SEPARATORS.split(text):
        piece = piece.strip("。.()（）")
        if piece.startswith(_PLACEHOLDER):
            piece = protected[int(piece[1:])]
        if piece:
            parts.append(piece)
    return tuple(dict.fromkeys(parts))


def split_leaders(cell: str) -> tuple[str, ...]:
    """Split a leader cell; a name written with spaces between its characters stays one name."""
    names = []
    for piece in _LEADER_SEPARATORS.split(cell or ""):
        words = piece.split()
        if not words:
            continue
        if all(len(w) == 1 for w in words) or len(words) == 1:
            names.append(compact_name(piece))
        else:
            names.extend(compact_name(w) for w in words)
    return tuple(dict.fromkeys(n for n in names if n))


def unglue(name: str, vocabulary: set[str]) -> tuple[str, ...]:
    """Split a name made of two or more known unit names written together (市交通运输局交投集团).

    The vocabulary may hold the glued name itself (it was read as one cell); only a cover by
    two or more other names splits it. Returns the name unchanged when there is none.
    """
    if len(name) < 4:
        return (name,)
    best: dict[int, tuple[str, ...]] = {0: ()}
    for end in range(1, len(name) + 1):
        for start in range(end):
            piece = name[start:end]
            if start in best and piece != name and piece in vocabulary:
                candidate = best[start] + (piece,)
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    pieces = best.get(len(name))
    return pieces if pieces and len(pieces) > 1 else (name,)


def unglue_all(names: Iterable[str], vocabulary: set[str]) -> tuple[str, ...]:
    out: list[str] = []
    for name in names:
        out.extend(unglue(name, vocabulary))
    return tuple(dict.fromkeys(out))
