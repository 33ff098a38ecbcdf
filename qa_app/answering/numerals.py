"""Chinese numerals in questions: 第一百二十三项 → 第123项, 十七项 → 17项, 两百 → 200 (to 9999).

People write target numbers and counts in Chinese numerals, while the documents and the plan use
digits. `digits_for_numerals(text)` rewrites a numeral only where it is an ordinal (after 第, 序号,
排在第…) or a count (before 项, 条, 家…), or where a place value (十, 百, 千) makes it plainly a number
(二十一, 两百). Words that merely hold numeral characters stay as written — 一季度, 十四五, 两高,
一企一策, 四水四定, 第四届 — because the documents write them that way and an exact match must still
find them. Which words count as ordinal or measure words is data (data/numerals.json); the code
only scans characters (no patterns), so it is linear in the question's length.

`chinese_number(text)` is the parser (None for what is not one well-formed numeral: 三四, 十四五,
1百2十), and `ordinals(text)` lists the record numbers a question asks for, after the rewrite.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_FULL_WIDTH_DIGITS = {ord(c): ord(unicodedata.normalize("NFKC", c)) for c in "０１２３４５６７８９"}
_CLAUSE_END = set("，,。？?！!；;、：: （）()“”\"")


@dataclass(frozen=True)
class NumeralRules:
    """The numerals table (data/numerals.json): digit and place values, and the words around a
    numeral that make it an ordinal or a count."""

    digits: dict[str, int]
    places: dict[str, int]
    ordinal_before: tuple[str, ...]
    ordinal_after: tuple[str, ...]
    count_after: tuple[str, ...]
    single_count_digits: str
    not_before_single: str
    not_after_ordinal: tuple[str, ...]
    single_count_not_followed_by: tuple[str, ...]
    year_suffix: str

    @property
    def characters(self) -> frozenset[str]:
        return frozenset(self.digits) | frozenset(self.places)


@lru_cache(maxsize=1)
def rules() -> NumeralRules:
    text = resources.files("qa_app.answering").joinpath("data/numerals.json").read_text(encoding="utf-8")
    data = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = tuple(sorted(value, key=len, reverse=True))  # longest word first
    return NumeralRules(**data)


def chinese_number(text: str) -> int | None:
    """一百二十三 → 123, 一百零七 → 107, 十七 → 17, 两千五 → 2500; None if not one numeral."""
    table = rules()
    total, digit, last_place, zero = 0, None, 10_000, False
    for i, char in enumerate(text):
        if char in table.places:
            place = table.places[char]
            if place >= last_place or (digit is None and (i > 0 or place != 10)) or (digit == 2 and text[i - 1] == "两" and place == 10):
                return None
            total, digit, last_place, zero = total + (digit or 1) * place, None, place, False
        elif char in table.digits:
            value = table.digits[char]
            if digit is not None or (value == 0 and (zero or i == 0)):
                return None
            if value == 0:
                zero = True
                continue
            digit = value
        else:
            return None
    if digit is None:
        return total if text else None
    if 100 <= last_place < 10_000 and not zero and text[-2] in table.places:  # 一百二 = 120, 两千五 = 2500
        return total + digit * last_place // 10
    return total + digit


def _digit_year(run: str) -> str | None:
    """二〇二三 → 2023 (a year written digit by digit), else None."""
    table = rules()
    if len(run) != 4 or any(c not in table.digits or c == "两" for c in run):
        return None
    return "".join(str(table.digits[c]) for c in run)


def _starts_with(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if text.startswith(w)), None)


def _ends_with(text: str, words: tuple[str, ...]) -> str | None:
    return next((w for w in words if text.endswith(w)), None)


def _converted(before: str, run: str, after: str) -> str | None:
    """The digits for a numeral run in its context, or None to leave it as written."""
    table = rules()
    if (before[-1:].isascii() and before[-1:].isdigit()) or (after[:1].isascii() and after[:1].isdigit()):
        return None  # mixed forms (1百2十) are left alone
    if after.startswith(table.year_suffix) and (year := _digit_year(run)):
        return year
    value = chinese_number(run)
    if value is None:
        return None
    ordinal = _ends_with(before, table.ordinal_before)
    if ordinal is not None:
        if _starts_with(after, table.not_after_ordinal):
            return None
        if ordinal != "第" or not after or after[0] in _CLAUSE_END or after[0] in "的是" \
                or _starts_with(after, table.ordinal_after):
            return str(value)
        return None
    has_place = any(c in table.places for c in run)
    if _starts_with(after, table.count_after):
        if has_place:
            return str(value)
        single_ok = len(run) == 1 and run in table.single_count_digits and not (before and before[-1] in table.not_before_single)
        if single_ok and not _starts_with(after, table.single_count_not_followed_by):
            return str(value)
        return None
    return str(value) if has_place and len(run) >= 2 else None


def digits_for_numerals(text: str) -> str:
    """The question with ordinal and count numerals in digits (full-width digits made ASCII too)."""
    text = (text or "").translate(_FULL_WIDTH_DIGITS)
    chars = rules().characters
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] not in chars:
            out.append(text[i])
            i += 1
            continue
        end = i
        while end < len(text) and text[end] in chars:
            end += 1
        run = text[i:end]
        digits = _converted(text[max(0, i - 3):i], run, text[end:end + 4])
        out.append(digits if digits is not None else run)
        i = end
    return "".join(out)


def ordinals(text: str) -> tuple[int, ...]:
    """Record numbers a question asks for (第123项, 序号是55, 排第7), numerals already turned to digits."""
    table = rules()
    flat = digits_for_numerals(text)
    found: list[int] = []
    for word in sorted(set(table.ordinal_before), key=len, reverse=True):
        start = flat.find(word)
        while start >= 0:
            end = start + len(word)
            digits_end = end
            while digits_end < len(flat) and flat[digits_end].isascii() and flat[digits_end].isdigit():
                digits_end += 1
            if end < digits_end <= end + 4 and not _starts_with(flat[digits_end:], table.not_after_ordinal):
                found.append(int(flat[end:digits_end]))
            start = flat.find(word, digits_end if digits_end > end else end)
    return tuple(dict.fromkeys(found))
