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
    """The converter, and the characters a conversion can change: those where a dictionary key
    differs from its value (every character of a key whose value has another length). A text with
    none of them comes out as it went in, so it skips the converter's slow pure-Python walk."""
    from opencc import OpenCC

    converter = OpenCC("t2s")
    changing = set()
    for path in converter.dict_cache:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                key, _, values = line.rstrip("\n").partition("\t")
                for value in values.split(" "):
                    if len(key) != len(value):
                        changing.update(key)
                    else:
                        changing.update(k for k, v in zip(key, value, strict=True) if k != v)
    return converter, frozenset(changing)


def fold_variants(text: str) -> str:
    """Traditional and variant characters to simplified (責任單位 → 责任单位, 發展 → 发展)."""
    converter, starts = _t2s()
    if not text or starts.isdisjoint(text):
        return text or ""
    return converter.convert(text)


def clip(text: str, limit: int = 40) -> str:
    """A cell quoted in a message: at most `limit` characters, an ellipsis when cut, on one line."""
    stripped = (text or "").strip()
    flat = _SPACE.sub(" ", stripped[: 2 * limit])  # never the whole of a 10 MB cell
    if len(flat) <= limit and len(stripped) <= 2 * limit:
        return flat
    return flat[: limit - 1] + "…"
