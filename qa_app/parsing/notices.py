"""Task notices: numbered tasks under 一、/（一） sections, each ending in the units that carry it.

Variants seen in such notices: the units in a closing bracket with labels or verbs, or on lines of
their own under the task (all read by `roles`); tasks numbered 1. 1、 （1） or 一是, one task or
many, under section headings or none; a task running on across a page break until its units are named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_app.parsing.places import is_signature
from qa_app.parsing.roles import LABEL_LINE, closes_task, find_roles, names_roles
from qa_app.profile import NOTICE_PERIOD
from qa_app.records import TASK, Record, Skipped
from qa_app.text import clip, tidy

Line = tuple[int, str]

_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
TASK_START = re.compile(r"^\s*(?:(\d{1,3})\s*[.．、](?!\d)|[（(](\d{1,3})[）)]|([一二三四五六七八九十]{1,3})是[，,：:]?)\s*")
SECTION = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*、|[（(][一二三四五六七八九十]{1,3}[）)])")
# A heading-numbered line long enough to be a task itself (一、推行…。 / （一）推进…。): the tasks of a
# notice that has no 1. / （1） numbering under its headings.
_LONG_SECTION = re.compile(r"^\s*(?:([一二三四五六七八九十]{1,3})\s*、|[（(]([一二三四五六七八九十]{1,3})[）)])\s*")
_SECTION_CHARS = 40
_FOOTER = re.compile(r"^\s*抄送")
_TAIL_LINES, _TAIL_CHARS = 8, 600  # how far back a task's closing bracket or role lines are looked for


def task_number(match: re.Match) -> int:
    """1. / （1） / 一是 / a long 一、 or （一） line → 1."""
    if match.re is _LONG_SECTION:
        return chinese_number(match.group(1) or match.group(2))
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
    """Numbered tasks (one is enough) of which some name their units, in any of the ways `roles` reads."""
    return any(task_start(t) for _, t in lines) and any(names_roles(t) for _, t in lines)


def task_start(text: str) -> re.Match | None:
    """Where a task opens: 1. / （1） / 一是, or a heading-numbered line too long to be a heading."""
    text = text.strip()
    return TASK_START.match(text) or (_LONG_SECTION.match(text) if len(text) > _SECTION_CHARS else None)


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
        """Its units are named: a closing bracket (read from the last lines: a crafted task of many
        lines costs no more per line), or a role line under it (the next task starts a new one)."""
        tail = "".join(p.strip() for p in self.parts[-_TAIL_LINES:])
        return closes_task(tail[-_TAIL_CHARS:]) or any(LABEL_LINE.match(p) for p in self.parts[max(1, len(self.parts) - _TAIL_LINES):])


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
        if SECTION.match(text) and len(text) <= _SECTION_CHARS:
            section = tidy(text)
            continue
        start = task_start(text)
        expected = drafts[-1].number + 1 if drafts else None
        if start and (expected is None or task_number(start) == expected or _restarts(start, drafts, section)):
            number = task_number(start) if expected is None or task_number(start) == expected else expected
            drafts.append(_Draft(number, line, section, [text]))
        elif drafts and (not drafts[-1].closed or LABEL_LINE.match(text)):
            drafts[-1].parts.append(text)
        elif drafts and not is_signature(text):
            stray.append(Skipped(file, line, f"text after task {drafts[-1].number} is closed: {clip(text)}"))
    return drafts, stray


def _restarts(start: re.Match, drafts: list[_Draft], section: str) -> bool:
    """Numbering that starts again at 1 in a new section (（1）… under each 一、) goes on counting."""
    return task_number(start) == 1 and drafts[-1].closed and drafts[-1].section != section


def parse_notice(file: str, title: str, year: int | None, lines: list[Line]):
    """Parse a task notice into one record per numbered task; page breaks are joined."""
    drafts, skipped = _drafts(file, lines)
    records = []
    for draft in drafts:
        text = draft.text
        roles = find_roles(draft.parts)
        lead, part, label = roles.lead, roles.participants, roles.label
        content = _LONG_SECTION.sub("", TASK_START.sub("", roles.body, count=1), count=1).strip()
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
