"""The units a notice's task names, wherever the notice puts them, and which of them leads.

Offices write the roles in three ways, all read here into one `Roles`:
- a closing bracket with labels: （牵头单位：…；参与单位：…）, (责任单位:…), full or half width;
- a closing bracket with verbs: (区X牵头,区Y、区Z配合), （X负责）;
- lines of their own under the task: 牵头单位：… / 责任单位：… / 配合单位：….
With both a 牵头 and a 责任 label, 牵头 names the lead and 责任 the others; a task naming only
责任单位 has its first unit as lead, the rest as participating (as the bundled notices read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_app.parsing.units import split_units

LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主办单位")
DUTY_LABELS = ("责任单位", "责任部门")
PART_LABELS = ("参与单位", "参与部门", "配合单位", "配合部门", "协办单位", "协同单位")
_LABEL = "|".join(LEAD_LABELS + DUTY_LABELS + PART_LABELS)
# The closing bracket naming the units: (责任单位:…), （牵头单位：…；参与单位：…）, full or half width.
UNITS = re.compile(rf"[（(]\s*(?P<body>(?:{_LABEL})\s*[:：][^（()）]*)[）)]\s*[。.；;]?\s*$")
_PART = re.compile(rf"(?P<label>{_LABEL})\s*[:：]\s*(?P<names>[^；;]*)")
# A line of its own that names a role (or two: 牵头单位：X；配合单位：Y), not in brackets
LABEL_LINE = re.compile(rf"^\s*(?:{_LABEL})\s*[:：]")
# The closing bracket with verbs: (区X牵头,区Y、区Z配合)
_VERB_BRACKET = re.compile(r"[（(](?P<body>[^（()）]{2,200}?(?:牵头|负责)[^（()）]*)[）)]\s*[。.；;]?\s*$")
_LEAD_VERB = re.compile(r"^(?P<names>.+?)(?:牵头|负责)(?:落实|实施)?$")
_PART_VERB = re.compile(r"^(?P<names>.+?)(?:配合|参与|协助|协同|协办)(?:落实|实施)?$")
_VERB_SEPARATORS = re.compile(r"[,，;；]")
_DUTY_SUFFIX = re.compile(r"(按职责分工负责|按职责分工|分别负责)$")


@dataclass(frozen=True)
class Roles:
    """The lead and participating units of one task, the text without them, and the lead label."""

    lead: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    body: str = ""
    label: str = ""

    @property
    def found(self) -> bool:
        return bool(self.lead or self.participants)


def closes_task(text: str) -> bool:
    """Whether a task's text ends in a bracket naming its units (so the next line is not part of it)."""
    return bool(UNITS.search(text) or _verb_roles(text))


def names_roles(text: str) -> bool:
    """Whether a line names units in any of the three ways (what makes a text a task notice)."""
    return closes_task(text) or bool(LABEL_LINE.match(text))


def _names(text: str) -> list[str]:
    return [u for u in (_DUTY_SUFFIX.sub("", n) for n in split_units(text)) if u]


def _labelled(pieces: list[tuple[str, str]]) -> tuple[list[str], list[str], str]:
    """(lead, participants, lead label) from (label, names) pairs."""
    lead = [u for label, names in pieces if label in LEAD_LABELS for u in _names(names)]
    duty = [u for label, names in pieces if label in DUTY_LABELS for u in _names(names)]
    part = [u for label, names in pieces if label in PART_LABELS for u in _names(names)]
    first = next((label for label, _ in pieces if label in LEAD_LABELS + DUTY_LABELS), "")
    if lead:
        label = next(label for label, _ in pieces if label in LEAD_LABELS)
        return lead, [u for u in duty + part if u not in lead], label
    if duty and not part and len(duty) > 1:
        return duty[:1], duty[1:], first
    return duty, part, first


def _verb_roles(text: str) -> Roles | None:
    """(X牵头,Y、Z配合) at the end of the text; None unless every piece of the bracket has a role verb."""
    match = _VERB_BRACKET.search(text)
    if not match:
        return None
    lead: list[str] = []
    part: list[str] = []
    label = "责任单位"
    for piece in (p.strip() for p in _VERB_SEPARATORS.split(match.group("body")) if p.strip()):
        if found := _LEAD_VERB.match(piece):
            lead += _names(found.group("names"))
            label = "牵头单位" if "牵头" in piece else label
        elif found := _PART_VERB.match(piece):
            part += _names(found.group("names"))
        else:
            return None
    if not lead:
        return None
    return Roles(tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(u for u in part if u not in lead)),
                 text[: match.start()], label)


def find_roles(parts: list[str]) -> Roles:
    """The roles of a task written as `parts` (its lines): label lines, else the closing bracket."""
    lines = [p for p in parts if LABEL_LINE.match(p.strip())]
    text = "".join(p.strip() for p in parts if p not in lines)
    if lines:
        pieces = [(m.group("label"), m.group("names").rstrip("。.")) for p in lines for m in _PART.finditer(p)]
        lead, part, label = _labelled(pieces)
        return Roles(tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(part)), text, label)
    match = UNITS.search(text)
    if match:
        lead, part, label = _labelled([(m.group("label"), m.group("names"))
                                       for m in _PART.finditer(match.group("body"))])
        return Roles(tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(part)), text[: match.start()], label)
    return _verb_roles(text) or Roles(body=text)
