"""A question's structured conditions as row masks over the answerer's inverted maps (lookup.py).

Each function gives, for every record at once, what testing that record's fields one by one gives:
scope (year, period, number, place, kind, named ids), leaders, units in the column a role names,
section, deadline, schedule, missing fields, and wording (as written, or 75% of a word's bigrams).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qa_app.answering.matching import terms
from qa_app.answering.understanding import Question

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
                or question.on_schedule or question.missing or question.any_of or question.min_leaders)


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
    if question.units:
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
    return mask


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
