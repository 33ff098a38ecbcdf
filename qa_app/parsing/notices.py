"""Task notices: numbered tasks under 一、二、… sections, each ending in （牵头单位：…；参与单位：…）."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_app.parsing.units import split_units
from qa_app.records import TASK, Record, Skipped
from qa_app.text import clip, tidy

Line = tuple[int, str]

TASK_START = re.compile(r"^\s*(\d{1,3})\s*[.．、](?!\d)\s*")
SECTION = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*、")
UNITS = re.compile(
    r"[（(]\s*牵头(?:单位|部门)\s*[:：]\s*(?P<lead>[^；;）)]*)"
    r"(?:[；;]\s*参与(?:单位|部门)\s*[:：]\s*(?P<part>[^）)]*))?\s*[）)]\s*[。.]?\s*$"
)
_FOOTER = re.compile(r"^\s*抄送")
_DUTY_SUFFIX = re.compile(r"(按职责分工负责|按职责分工|分别负责)$")


def looks_like_notice(lines: list[Line]) -> bool:
    starts = sum(1 for _, t in lines if TASK_START.match(t))
    return starts >= 3 and any("牵头" in t for _, t in lines)


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
        if start and (expected is None or int(start.group(1)) == expected):
            drafts.append(_Draft(int(start.group(1)), line, section, [text]))
        elif drafts and not drafts[-1].closed:
            drafts[-1].parts.append(text)
        elif drafts:
            stray.append(Skipped(file, line, f"text after task {drafts[-1].number} is closed: {clip(text)}"))
    return drafts, stray


def _lead_and_participants(text: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    match = UNITS.search(text)
    if not match:
        return (), (), text
    lead = tuple(_DUTY_SUFFIX.sub("", u) for u in split_units(match.group("lead") or ""))
    part = split_units(match.group("part") or "")
    return tuple(u for u in lead if u), part, text[: match.start()]


def parse_notice(file: str, title: str, year: int | None, lines: list[Line]):
    """Parse a task notice into one record per numbered task; page breaks are joined."""
    drafts, skipped = _drafts(file, lines)
    records = []
    for draft in drafts:
        text = draft.text
        lead, part, body = _lead_and_participants(text)
        content = TASK_START.sub("", body, count=1).strip()
        records.append(
            Record(
                id=f"{file}#{draft.number}",
                doc=file,
                title=title,
                year=year,
                period="全年任务",
                kind=TASK,
                number=draft.number,
                content=content,
                units=tuple(dict.fromkeys(lead + part)),
                section=draft.section,
                lead_units=lead,
                participating_units=part,
                text=text,
            )
        )
    return records, skipped
