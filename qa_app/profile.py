"""What a corpus is about, read from its documents: periods, places and document names.

One periods table serves parsing (a title's 上半年) and questions (上半年 / 二季度 / 1-6月), so a
document and a question about it always land on the same period. Places and document names come
from titles ("某某市人民政府2023年…一览表" → 某某市; "…某某区2024年重点工作任务" → 某某区2024年重点工作
任务), never from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa_app.text import normalize

NOTICE_PERIOD = "全年任务"


@dataclass(frozen=True)
class Period:
    """A reporting period: its canonical name, how titles and questions write it, what it equals."""

    name: str
    pattern: re.Pattern
    same_as: tuple[str, ...] = ()


_RANGE = r"[-—~至到]"
PERIODS: tuple[Period, ...] = (
    Period("一季度", re.compile(rf"第?一季度|1季度|[qQ]1|1{_RANGE}3月")),
    Period("上半年", re.compile(rf"上半年|1{_RANGE}6月"), ("二季度",)),
    Period("二季度", re.compile(r"第?二季度|2季度|[qQ]2"), ("上半年",)),
    Period("三季度", re.compile(rf"前三季度|第?三季度|3季度|[qQ]3|1{_RANGE}9月")),
    Period("四季度", re.compile(r"第?四季度|4季度|[qQ]4"), ("全年",)),
    Period("全年", re.compile(rf"全年(?!任务)|1{_RANGE}12月"), ("四季度",)),
)
_BY_NAME = {p.name: p for p in PERIODS}
_PLACE = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}省)?([\u4e00-\u9fff]{2,6}?(?:市|县|区|旗))")
_DOC_NAME = re.compile(r"([\u4e00-\u9fff]{2,3})?((?:19|20)\d\d年.*)$")


def find_period(text: str) -> str | None:
    """The canonical period a text names (前三季度 → 三季度, 1-6月 → 上半年), or None."""
    flat = normalize(text)
    best: tuple[int, str] | None = None
    for period in PERIODS:
        match = period.pattern.search(flat)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), period.name)
    return best[1] if best else None


def period_in(asked: str, held: tuple[str, ...]) -> str | None:
    """The held period a question's period means: itself, or one it equals (二季度 ↔ 上半年)."""
    if asked in held:
        return asked
    return next((p for p in _BY_NAME[asked].same_as if p in held), None) if asked in _BY_NAME else None


@lru_cache(maxsize=4096)
def place_of(title: str) -> str:
    """The place a document belongs to, from its title's start (某某市人民政府… → 某某市); '' if none."""
    match = _PLACE.match(normalize(title))
    return match.group(1) if match else ""


def record_place(record) -> str:
    """A record's place: its title's, unless the record carries its document's place because the
    title does not say it (found in the issuer or signature, or given with `qa add --place`)."""
    return getattr(record, "place", "") or place_of(record.title)


def place_stem(place: str) -> str:
    """某某市 → 某某 (how questions often name it)."""
    return place[:-1] if len(place) >= 3 else place


def document_name(title: str) -> str:
    """A notice's short name: the words just before its year and what follows
    (…发展某某区2023年重点工作任务 → 某某区2023年重点工作任务); the title itself otherwise."""
    match = _DOC_NAME.search(normalize(title))
    return (match.group(1) or "") + match.group(2) if match else normalize(title)


def notice_word(title: str) -> str:
    """The word a question uses for a notice: the two or three characters before its year, unless
    they are the place (a county's name says which place, not which document)."""
    match = _DOC_NAME.search(normalize(title))
    word = (match.group(1) or "") if match else ""
    return "" if not word or place_of(title).startswith(word) or word in place_of(title) else word
