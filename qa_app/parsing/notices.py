"""Task notices: numbered tasks under 一、/（一） sections, each ending in the units that carry it.

Variants seen in such notices: （牵头单位：…；参与单位：…）, (责任单位:…) with half-width marks,
牵头部门/责任部门/配合单位/协办单位; tasks numbered 1. 1、 （1） or 一是; a task running on across
a page break until its units are named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_app.parsing.units import split_units
from qa_app.profile import NOTICE_PERIOD
from qa_app.records import TASK, Record, Skipped
from qa_app.text import clip, tidy

Line = tuple[int, str]

_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
TASK_START = re.compile(r"^\s*(?:(\d{1,3})\s*[.．、](?!\d)|[（(](\d{1,3})[）)]|([一二三四五六七八九十]{1,3})是[，,：:]?)\s*")
SECTION = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*、|[（(][一二三四五六七八九十]{1,3}[）)])")
_LEAD_LABELS = ("牵头单位", "牵头部门", "责任单位", "责任部门", "主责单位", "主办单位")
_PART_LABELS = ("参与单位", "参与部门", "配合单位", "配合部门", "协办单位", "协同单位")
_LABEL = "|".join(_LEAD_LABELS + _PART_LABELS)
# The closing bracket naming the units: (责任单位:…), （牵头单位：…；参与单位：…）, full or half width.
UNITS = re.compile(rf"[（(]\s*(?P<body>(?:{_LABEL})\s*[:：][^（()）]*)[）)]\s*[。.；;]?\s*$")
_PART = re.compile(rf"(?P<label>{_LABEL})\s*[:：]\s*(?P<names>[^；;]*)")
_FOOTER = re.compile(r"^\s*抄送")
_DUTY_SUFFIX = re.compile(r"(按职责分工负责|按职责分工|分别负责)$")


def task_number(match: re.Match) -> int:
    """1. / （1） / 一是 → 1."""
    if match.group(1) or match.group(2):
        return int(match.group(1) or match.group(2))
    return chinese_number(match.group(3))


def chinese_number(text: str) -> int:
    """一 … 九十九 → 1 … 99."""
    if "十" not in text:
        return _CN_DIGITS.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + _CN_DIGITS.get(ones, 0)


def looks_like_notice(lines: list[Line]) -> bool:
    starts = sum(1 for _, t in lines if TASK_START.match(t))
    return starts >= 3 and any(UNITS.search(t) or any(label in t for label in _LEAD_LABELS) for _, t in lines)


@dataclass
class _Draft:
    number: int
    line: int
    section: str
    parts: list[str]

    @property
    def text(self) -> str:
        return "".join(p.strip() for p in self.parts)

    @property
    def closed(self) -> bool:
        return bool(UNITS.search(self.text))


def _drafts(file: str, lines: list[Line]) -> tuple[list[_Draft], list[Skipped]]:
    """Group lines into tasks; a task runs on across page breaks until its units are named."""
    drafts: list[_Draft] = []
    stray: list[Skipped] = []
    section = ""
    for line, raw in lines:
        text = raw.strip()
        if not text:
            continue
        if _FOOTER.match(text):
            break
        if SECTION.match(text) and len(text) <= 40:
            section = tidy(text)
            continue
        start = TASK_START.match(text)
        expected = drafts[-1].number + 1 if drafts else None
        if start and (expected is None or task_number(start) == expected or _restarts(start, drafts, section)):
            number = task_number(start) if expected is None or task_number(start) == expected else expected
            drafts.append(_Draft(number, line, section, [text]))
        elif drafts and not drafts[-1].closed:
            drafts[-1].parts.append(text)
        elif drafts:
            stray.append(Skipped(file, line, f"text after task {drafts[-1].number} is closed: {clip(text)}"))
    return drafts, stray


def _restarts(start: re.Match, drafts: list[_Draft], section: str) -> bool:
    """Numbering that starts again at 1 in a new section (（1）… under each 一、) goes on counting."""
    return task_number(start) == 1 and drafts[-1].closed and drafts[-1].section != section


def _lead_and_participants(text: str) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
    """(lead units, participating units, the text before the bracket, the lead label as written).
    A task naming only 责任单位 has its first unit as lead, the rest as participating."""
    match = UNITS.search(text)
    if not match:
        return (), (), text, ""
    lead: list[str] = []
    part: list[str] = []
    label = ""
    for piece in _PART.finditer(match.group("body")):
        names = [_DUTY_SUFFIX.sub("", u) for u in split_units(piece.group("names"))]
        if piece.group("label") in _LEAD_LABELS:
            lead += [u for u in names if u]
            label = label or piece.group("label")
        else:
            part += [u for u in names if u]
    if label in ("责任单位", "责任部门") and not part and len(lead) > 1:
        lead, part = lead[:1], lead[1:]
    return tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(part)), text[: match.start()], label


def parse_notice(file: str, title: str, year: int | None, lines: list[Line]):
    """Parse a task notice into one record per numbered task; page breaks are joined."""
    drafts, skipped = _drafts(file, lines)
    records = []
    for draft in drafts:
        text = draft.text
        lead, part, body, label = _lead_and_participants(text)
        content = TASK_START.sub("", body, count=1).strip()
        records.append(
            Record(
                id=f"{file}#{draft.number}",
                doc=file,
                title=title,
                year=year,
                period=NOTICE_PERIOD,
                kind=TASK,
                number=draft.number,
                content=content,
                units=tuple(dict.fromkeys(lead + part)),
                section=draft.section,
                lead_units=lead,
                participating_units=part,
                unit_label=label,
                text=text,
            )
        )
    return records, skipped
