"""The one normalisation every stage uses for matching; display text stays as written."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def normalize(text: str) -> str:
    """NFKC-fold (full-width → half-width) and drop all whitespace, for comparing text."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def without_surrogates(text: str) -> str:
    """Lone surrogates (undecodable bytes in a command-line argument) → U+FFFD, so UTF-8 can encode it."""
    return _SURROGATE.sub("\ufffd", text)


def tidy(text: str) -> str:
    """Trim a cell for display: strip the ends and collapse inner runs of whitespace."""
    return _SPACE.sub(" ", (text or "").strip())


def compact_name(name: str) -> str:
    """A person's or unit's name with inner spaces removed (曹 临 → 曹临)."""
    return _SPACE.sub("", (name or "").strip())


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def fold_variants(text: str) -> str:
    """Traditional and variant characters to simplified (責任單位 → 责任单位, 發展 → 发展)."""
    return _t2s().convert(text or "")
