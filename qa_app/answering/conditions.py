"""A question's structured conditions as row masks over the answerer's inverted maps (lookup.py).

Each function gives, for every record at once, what testing that record's fields one by one gives:
scope (year, period, number, place, kind, named ids), leaders, units in the column a role names,
section, deadline, schedule, missing fields, and wording (as written, or 75% of a word's bigrams).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qa_app.answering.matching import terms
from qa_app.answering.plan import Condition, Op
from qa_app.answering.understanding import Question
from qa_app.answering.vocabulary import simplify, unit_key

if TYPE_CHECKING:
    from qa_app.answering.selection import Knowledge


def scope_mask(knowledge: Knowledge, question: Question, kind: str | None) -> np.ndarray:
    """Rows in the question's scope (year, period, number, place, kind, named record ids), from columns."""
    lookup = knowledge.lookup
    mask = np.ones(lookup.size, dtype=bool)
    if question.year is not None:
        mask &= lookup.year == question.year
    if question.number is not None:
        mask &= lookup.number == question.number
    for name, value in (("period", question.period), ("place", question.place), ("kind", kind)):
        if value is not None:
            mask &= lookup.equal(name, value)
    if question.record_ids:
        mask &= lookup.mask_of(np.array([knowledge.row_of[i] for i in question.record_ids if i in knowledge.row_of],
                                        dtype=np.int64))
    return mask


def has_structure(question: Question) -> bool:
    return bool(question.leaders or question.units or question.sections or question.deadline
                or question.on_schedule or question.missing or question.any_of or question.min_leaders
                or question.conditions)


def wording_mask(knowledge: Knowledge, word: str) -> np.ndarray:
    """Rows holding the word as written, or 75% of its bigram weight (`LexicalIndex.coverage`)."""
    mask = knowledge.lookup.mask_of(knowledge.lookup.containing(word))
    word_terms = terms(word)
    if word_terms:
        mask |= knowledge.lookup.coverage(word_terms, knowledge.lexical.weight) >= 0.75
    return mask


def filters_mask(knowledge: Knowledge, question: Question) -> np.ndarray:
    """Rows meeting the question's leader, unit, section, deadline, schedule and missing-field conditions."""
    lookup = knowledge.lookup
    mask = np.ones(lookup.size, dtype=bool)
    if question.leaders:
        mask &= lookup.leader_mask(question.leaders)
    if question.min_leaders:
        mask &= lookup.leader_count >= question.min_leaders
    if question.units and not unit_conditions(question):
        mask &= _units_mask(knowledge, question)
    if question.sections:
        mask &= lookup.any_equal("section", question.sections)
    if question.deadline:
        mask &= lookup.equal("deadline", question.deadline)
    if question.on_schedule == "是":
        mask &= lookup.equal("on_schedule", "是")
    if question.on_schedule == "否":
        mask &= lookup.equal("kind", "target") & ~lookup.equal("on_schedule", "是")
    if question.missing:
        mask &= lookup.empty_mask(question.missing)
    for condition in question.conditions:
        mask &= condition_mask(knowledge, condition)
    return mask


def unit_conditions(question: Question) -> bool:
    """Whether the plan's conditions already place the named units in their columns (仅参与; 商务局牵头、
    发改委参与), so the one-role unit filter does not apply."""
    return any(c.op is Op.ONLY_PARTICIPATING or (c.op is Op.CONTAINS and c.field in ("lead_units", "participating_units"))
               for c in question.conditions)


def condition_mask(knowledge: Knowledge, condition: Condition) -> np.ndarray:
    """Rows meeting one plan condition (planning.py): each operator's test, for every row at once."""
    return _TESTS[condition.op](knowledge, condition)


def _deadline_where(knowledge: Knowledge, keep) -> np.ndarray:
    """Rows whose (non-empty) deadline value passes `keep`: tested once per distinct value."""
    table, codes = knowledge.lookup.codes["deadline"]
    passing = [code for value, code in table.items() if value and keep(value)]
    return np.isin(codes, passing)


def _month_of(value: str) -> int | None:
    digits = "".join(ch for ch in value.split("月")[0][-2:] if ch.isdigit()) if "月" in value else ""
    return int(digits) if digits else None


def _equal(knowledge: Knowledge, c: Condition) -> np.ndarray:
    if c.field == "deadline":
        return knowledge.lookup.any_equal("deadline", str(c.value).split("|"))
    if c.field == "on_schedule":
        return knowledge.lookup.equal("on_schedule", c.value)
    if c.field == "leaders":
        return knowledge.lookup.leader_mask([str(c.value)])
    return _contains(knowledge, c)


def _not_equal(knowledge: Knowledge, c: Condition) -> np.ndarray:
    if c.field == "id":  # a record set aside (a hop's source record)
        row = knowledge.row_of.get(str(c.value))
        return ~knowledge.lookup.mask_of(np.array([] if row is None else [row], dtype=np.int64))
    if c.field == "deadline":
        return _deadline_where(knowledge, lambda v: v != c.value)
    if c.field == "on_schedule":
        return knowledge.lookup.equal("kind", "target") & ~knowledge.lookup.equal("on_schedule", c.value)
    return ~_equal(knowledge, c)


def _contains(knowledge: Knowledge, c: Condition) -> np.ndarray:
    lookup = knowledge.lookup
    if c.field in lookup.units:
        return lookup.unit_mask(c.field, unit_key(str(c.value)))
    if c.field == "leaders":
        return lookup.leader_mask([str(c.value)])
    rows = lookup.containing(simplify(str(c.value)))
    if c.field in ("progress", "content"):
        rows = np.array([r for r in rows.tolist() if simplify(str(c.value)) in simplify(
            getattr(knowledge.records[r], c.field))], dtype=np.int64)
    return lookup.mask_of(rows)


def _starts(knowledge: Knowledge, c: Condition) -> np.ndarray:
    rows = knowledge.lookup.containing(simplify(str(c.value)))
    return knowledge.lookup.mask_of(np.array(
        [r for r in rows.tolist() if simplify(knowledge.records[r].content).startswith(simplify(str(c.value)))],
        dtype=np.int64))


def _count(knowledge: Knowledge, c: Condition) -> np.ndarray:
    lookup = knowledge.lookup
    if c.field == "leaders":
        counts = lookup.leader_count
    else:
        counts = lookup.unit_count.get(c.field, lookup.unit_count["units"])
        counts = np.where(lookup.equal("kind", "task"), lookup.unit_count["lead_units"], counts) \
            if c.field == "units" else counts
    return counts >= int(c.value) if c.op is Op.AT_LEAST else counts == int(c.value)


def _only_participating(knowledge: Knowledge, c: Condition) -> np.ndarray:
    key = unit_key(str(c.value))
    lookup = knowledge.lookup
    return lookup.unit_mask("participating_units", key) & ~lookup.unit_mask("lead_units", key)


_TESTS = {
    Op.EQ: _equal, Op.NE: _not_equal, Op.CONTAINS: _contains,
    Op.NOT_CONTAINS: lambda k, c: ~_contains(k, c), Op.STARTS: _starts,
    Op.MONTH_END: lambda k, c: _deadline_where(k, lambda v: _month_of(v) is not None),
    Op.BEFORE_MONTH: lambda k, c: _deadline_where(k, lambda v: (_month_of(v) or 99) <= int(c.value)),
    Op.AT_LEAST: _count, Op.EXACTLY: _count, Op.EMPTY: lambda k, c: k.lookup.empty_mask(c.field),
    Op.ONLY_PARTICIPATING: _only_participating,
}


def _units_mask(knowledge: Knowledge, question: Question) -> np.ndarray:
    """The named units in the column the question means (牵头/参与 on tasks, else every unit): one
    of them when joined by 或, all of them otherwise, and nothing else when it says 只…一家."""
    lookup = knowledge.lookup
    column = {"lead": "lead_units", "participating": "participating_units"}.get(question.role or "")
    tasks = lookup.equal("kind", "task") if column else np.zeros(lookup.size, dtype=bool)

    def in_column(key: str) -> np.ndarray:
        found = lookup.unit_mask("units", key)
        return np.where(tasks, lookup.unit_mask(column, key), found) if column else found

    found = [in_column(key) for key in question.units]
    mask = np.logical_or.reduce(found) if question.any_unit else np.logical_and.reduce(found)
    if question.only_units:
        count = lookup.unit_count["units"]
        if column:
            count = np.where(tasks, lookup.unit_count[column], count)
        mask &= count == len(question.units)
    return mask
