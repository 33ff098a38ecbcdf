"""Benchmark questions written from a record set: every kind the evaluation sets ask, names taken
from the records themselves (so at 1M synthetic records they name what that corpus holds), and no
text twice (a distinct-question load test measures the answerer, not a cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np

from qa_app.records import TASK, Record

_CLAUSE = re.compile(r"[,，;；。:：、（(]")
# One template per kind of eval/dev2.jsonl; {subject} is a record's first clause, {unit} / {leader}
# its names, {year}/{number} its scope.
TEMPLATES = {
    "unit": "{subject}是哪个单位负责的？",
    "paraphrase": "关于{subject}这件事，具体由谁来管？",
    "number_fact": "{subject}目前完成了多少？",
    "filtered_list": "{year}年{unit}负责的目标有哪些？",
    "filtered_count": "{leader}分管的目标一共有几项？",
    "yes_no": "{subject}是否按计划推进了？",
    "deadline": "{subject}要求什么时候完成？",
    "task_by_number": "第{number}项任务的牵头单位是哪个？",
    "traditional": "{subject}由哪個單位負責？",
    "english": "Which unit is responsible for {subject}?",
    "compare_quarters": "{unit}的目标：2021年第一季度几条，2023年第三季度几条？",
    "none": "{subject}的总投资和设计单位是什么？",
}


def subject_of(record: Record) -> str:
    """A record's first clause, cut to a question-sized name."""
    first = _CLAUSE.split(record.content.strip(), 1)[0]
    return re.sub(r"[“”\"'\s]", "", first)[:18]


def _fill(kind: str, record: Record) -> str | None:
    units = record.lead_units if record.kind == TASK else record.units
    values = {"subject": subject_of(record), "unit": units[0] if units else "",
              "leader": record.leaders[0] if record.leaders else "", "year": record.year or "",
              "number": record.number or ""}
    needed = re.findall(r"\{(\w+)\}", TEMPLATES[kind])
    if any(not values[name] or (name == "subject" and len(values[name]) < 4) for name in needed):
        return None
    if kind == "task_by_number" and record.kind != TASK:
        return None
    return TEMPLATES[kind].format(**values)


def distinct_questions(records: Sequence[Record], count: int, seed: int = 0) -> list[tuple[str, str]]:
    """`count` (kind, question) pairs, kinds in turn, each text new, records drawn at random."""
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    kinds = list(TEMPLATES)
    for attempt, row in enumerate(_rows(rng, len(records))):
        if len(out) >= count or attempt > 50 * count:
            break
        kind = kinds[attempt % len(kinds)]
        text = _fill(kind, records[row])
        if text and text not in seen:
            seen.add(text)
            out.append((kind, text))
    return out


def _rows(rng: np.random.Generator, size: int) -> Iterator[int]:
    while True:
        yield from rng.integers(0, size, 1024).tolist()
