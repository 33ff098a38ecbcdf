"""Where a question is about (pure): years, periods and places, read against what the documents hold.

今年 is the latest year held; a period is matched through the one periods table (上半年 ↔ 二季度); a
place is a document's place when the corpus has several, and a city, county or province that no
document is of makes the question one the documents cannot answer.
"""

from __future__ import annotations

import re

from qa_app.answering import cues
from qa_app.answering.vocabulary import Vocabulary
from qa_app.profile import find_period, period_in, place_stem


def full_years(flat: str, years: tuple[int, ...]) -> str:
    """21年 → 2021年 where the documents hold 2021 (people drop the century); any other two digits
    before 年 (10年, a duration) stay as written."""
    out, i = [], 0
    while i < len(flat):
        two = flat[i:i + 2]
        starts = i == 0 or not flat[i - 1].isdigit()
        if starts and two.isdigit() and flat[i + 2:i + 3] == "年" and 2000 + int(two) in years:
            out.append(f"20{two}")
            i += 2
            continue
        out.append(flat[i])
        i += 1
    return "".join(out)


def parse_years(flat: str, years: tuple[int, ...]) -> tuple[tuple[int, ...], str | None]:
    """(years named, reason-if-absent): explicit 20xx years, or 今年/去年 counted from the latest
    year held; a year the documents do not cover is the reason to abstain."""
    named = [int(m.group(1)) for m in cues.YEAR.finditer(flat)]
    if not named and years:
        for word, offset in cues.RELATIVE_YEARS:
            if word in flat:
                named.append(max(years) + offset)
                break
    named = list(dict.fromkeys(named))
    missing = [y for y in named if years and y not in years]
    return tuple(named), (f"{missing[0]}年" if missing else None)


def find_place(flat: str, vocab: Vocabulary, units: tuple[str, ...] = ()) -> str | None:
    """The document place a question names (某某县, or 某某 alone) outside a unit's name, when the
    documents are of more than one place."""
    if len(vocab.places) < 2:
        return None
    text = flat
    for alias, key in vocab.unit_aliases:
        if key in units:
            text = text.replace(alias, "|")
    for place in vocab.places:
        if place in text or (len(place) >= 3 and place_stem(place) in text):
            return place
    return None


def held_period(flat: str, vocab: Vocabulary) -> str | None:
    """The period a question names, as the documents hold it (二季度 may be held as 上半年)."""
    period = find_period(flat)
    if period is None or not vocab.periods:
        return period
    return period_in(period, vocab.periods) or period


def absent_period(flat: str, vocab: Vocabulary) -> str | None:
    period = held_period(flat, vocab)
    if period and vocab.periods and period not in vocab.periods:
        return period
    return None


def _starts_unit(text: str, vocab: Vocabulary) -> bool:
    """任务中市发展改革委: the level character begins a unit's name (市发展改革委), so no place ends there."""
    return any(text.startswith(alias) for alias, _ in vocab.unit_aliases if alias[:1] == text[:1])


def other_place(flat: str, vocab: Vocabulary) -> str | None:
    """A city, county or province named with its level that no document is of: as the question's
    scope (at its start), or anywhere when no record names it either."""
    for match in cues.PLACE.finditer(flat):
        name = match.group(0)
        if re.search(r"[哪几些么]", name) or name in vocab.places or _starts_unit(flat[match.end() - 1:], vocab):
            continue
        as_scope = not re.sub(r"^(请问|关于|在)?((19|20)\d\d年?)?", "", flat[:match.start()])  # "某某市2023年…"
        mentioned = any(name[i:] in vocab.mentioned for i in range(len(name) - 2))
        if not mentioned or (as_scope and name[-1] in "市省"):  # a county named is usually the city's own
            return name
    return None
