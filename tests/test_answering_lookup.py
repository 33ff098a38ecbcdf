"""The inverted maps (answering/lookup.py) select exactly what a test of every record selects.

The reference below is the per-record scan the answerer used before the maps: every question of the
evaluation sets is run through both, on the real corpus and on a corpus replicated past 20,000
records (where a list must still be exact, not a top-k).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa_app.answering import lookup as lookup_module
from qa_app.answering.config import DEFAULT_CONFIG
from qa_app.answering.matching import holds_measure, terms
from qa_app.answering.ranking import rank
from qa_app.answering.selection import (
    Candidate,
    best_coverages,
    build_knowledge,
    matching_records,
    required_kind,
    word_coverage,
)
from qa_app.answering.understanding import understand, unit_matches
from qa_app.answering.vocabulary import simplify, unit_key
from qa_app.profile import place_of
from qa_app.records import Hit, one_per_target

ROOT = Path(__file__).resolve().parent.parent


def _questions() -> list[str]:
    out = []
    for name in ("dev.jsonl", "dev2.jsonl"):
        out += [json.loads(line)["question"] for line in (ROOT / "eval" / name).read_text("utf-8").splitlines()
                if line.strip()]
    return out


# Plan conditions beyond equality, written for this test (no dev question reads them all).
CONDITION_QUESTIONS = [
    "2021年一季度表里完成时限不是年底的目标有几项？", "完成时限具体到某个月的目标有哪些？",
    "2023年由三家以上单位共同负责的目标有哪些？", "哪些目标写了两家单位？",
    "先行区任务中市发展改革委只是参与单位、不是牵头的有几项？", "进展里写了“已完成”的目标有哪些？",
    "以“加快”开头的目标有几项？", "市商务局牵头、市发改委参与的任务有哪些？",
    "9月底前就到期的目标有哪些？", "曹临分管的目标里是否按计划一栏不是“是”的有哪些？",
]
QUESTIONS = _questions() + CONDITION_QUESTIONS


# The reference: one test per record, as before the maps ---------------------------------------

def _in_scope(record, q, kind):
    return ((q.year is None or record.year == q.year) and (q.period is None or record.period == q.period)
            and (q.number is None or record.number == q.number)
            and (q.place is None or place_of(record.title) == q.place) and (kind is None or record.kind == kind)
            and (not q.record_ids or record.id in q.record_ids))


def _units_match(record, q):
    column = record.units
    if record.kind == "task" and q.role:
        column = {"lead": record.lead_units, "participating": record.participating_units}[q.role]
    found = [unit_matches(column, key) for key in q.units]
    return (any(found) if q.any_unit else all(found)) and (not q.only_units or len(column) == len(q.units))


def _month(deadline):
    head = simplify(deadline).split("月")[0][-2:] if "月" in deadline else ""
    digits = "".join(ch for ch in head if ch.isdigit())
    return int(digits) if digits else None


def _holds(record, c):
    """One plan condition tested on one record, written apart from conditions.py's masks."""
    value, op = c.value, c.op.name
    if c.field == "id":
        return record.id != value
    if op == "ONLY_PARTICIPATING":
        return unit_matches(record.participating_units, unit_key(value)) and \
            not unit_matches(record.lead_units, unit_key(value))
    if op in ("AT_LEAST", "EXACTLY"):
        names = record.leaders if c.field == "leaders" else (
            record.lead_units if c.field == "units" and record.kind == "task" else getattr(record, c.field))
        return len(names) >= value if op == "AT_LEAST" else len(names) == value
    if c.field == "deadline":
        deadline = simplify(record.deadline)
        tests = {"NE": lambda: deadline != value, "EQ": lambda: deadline in str(value).split("|"),
                 "MONTH_END": lambda: _month(deadline) is not None,
                 "BEFORE_MONTH": lambda: (_month(deadline) or 99) <= int(value)}
        return bool(deadline) and tests[op]()
    if c.field == "on_schedule":
        return record.on_schedule == value if op == "EQ" else (record.kind == "target" and record.on_schedule != value)
    if c.field in ("units", "lead_units", "participating_units"):
        return unit_matches(getattr(record, c.field), unit_key(value))
    text = simplify(getattr(record, c.field, ""))
    return text.startswith(simplify(value)) if op == "STARTS" else (simplify(value) in text) == (op == "CONTAINS")


def _meets(record, q):
    if not all(_holds(record, c) for c in q.conditions):
        return False
    placed = any(c.op.name == "ONLY_PARTICIPATING" or (c.op.name == "CONTAINS" and c.field in
                 ("lead_units", "participating_units")) for c in q.conditions)
    if placed:
        q = replace(q, units=())
    return not (
        (q.leaders and not set(q.leaders) & set(record.leaders))
        or (q.min_leaders and len(record.leaders) < q.min_leaders)
        or (q.units and not _units_match(record, q))
        or (q.sections and record.section not in q.sections)
        or (q.deadline and simplify(record.deadline) != q.deadline)
        or (q.on_schedule == "是" and record.on_schedule != "是")
        or (q.on_schedule == "否" and (record.kind != "target" or record.on_schedule == "是"))
        or (q.missing and getattr(record, q.missing)))


def reference_matching(knowledge, q):
    records = knowledge.records
    rows = [i for i, r in enumerate(records) if _in_scope(r, q, required_kind(q)) and _meets(r, q)]
    if q.any_of:
        rows = [i for i in rows if any(w in knowledge.flat_text[i] for w in q.any_of)]
    words = [k for k in q.keywords if len(k) >= 2]

    def worded(i, w):
        return w in knowledge.flat_text[i] or bool(terms(w)) and knowledge.lexical.coverage(terms(w), i) >= 0.75

    if words:
        kept = [i for i in rows if all(worded(i, w) for w in words)]
        has_structure = bool(q.leaders or q.units or q.sections or q.deadline or q.on_schedule or q.missing
                             or q.any_of or q.min_leaders or q.conditions)
        if len(kept) <= 1 and len(words) > 1 and not has_structure:  # an enumerated topic: any of its parts
            kept = [i for i in rows if any(worded(i, w) for w in words)]
        if kept or not has_structure:
            rows = kept
    return one_per_target([records[i] for i in rows])


def reference_rank(knowledge, q, hits, kind, config=DEFAULT_CONFIG):
    query_terms = terms(" ".join(q.keywords))
    hit_rank = {h.record_id: h.rank for h in hits}
    hints = tuple(h for a in q.asks if a.wants_figure for h in a.unit_hints)
    out = []
    for row, record in enumerate(knowledge.records):
        if not _in_scope(record, q, kind):
            continue
        flat = knowledge.flat_text[row]
        coverage, matched = knowledge.lexical.overlap(query_terms, row) if query_terms else (0.0, 0)
        bonus = config.retrieval_bonus / hit_rank[record.id] if hit_rank.get(record.id) else 0.0
        bonus += config.name_bonus * sum(1 for x in q.quoted if x in flat)
        if q.units and any(unit_matches(record.units, key) for key in q.units):
            bonus += config.name_bonus
        if q.leaders and set(q.leaders) & set(record.leaders):
            bonus += config.name_bonus
        score = coverage + bonus
        if query_terms:
            score += config.topic_bonus * sum(1 for t in set(query_terms) if t in knowledge.topic_terms[row]) \
                / len(set(query_terms))
        if hints and (record.id in hit_rank or not hits) and holds_measure(knowledge.tails[row], hints):
            score += config.measure_bonus
        out.append(Candidate(record, coverage, score, matched))
    out.sort(key=lambda c: (-c.score, -c.coverage))
    return out


# The tests ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def knowledge(corpus):
    return build_knowledge(corpus.records)


@pytest.fixture(scope="module")
def replicated(corpus):
    """The corpus 70 times over (21,910 records), each copy with its own ids."""
    records = [replace(r, id=f"{r.id}~{n}") for n in range(70) for r in corpus.records]
    return build_knowledge(records)


def _query_terms(knowledge, question):
    """The question's ranking terms; the test is skipped for a question without keywords."""
    query_terms = terms(" ".join(understand(simplify(question), knowledge.vocab).keywords))
    if not query_terms:
        pytest.skip("no keywords")
    return query_terms


def _ids(records):
    return [r.id for r in records]


@pytest.mark.parametrize("question", QUESTIONS)
def test_list_selection_equals_a_scan_of_every_record(knowledge, question):
    q = understand(simplify(question), knowledge.vocab)
    assert _ids(matching_records(knowledge, q)) == _ids(reference_matching(knowledge, q))


@pytest.mark.parametrize("question", QUESTIONS)
def test_ranking_head_equals_the_full_ranking(knowledge, question):
    q = understand(simplify(question), knowledge.vocab)
    kind = required_kind(q)
    full = reference_rank(knowledge, q, (), kind)
    head = rank(knowledge, q, (), kind)
    assert len(head) == min(len(full), 64)
    assert [(c.record.id, c.score, c.coverage, c.matched) for c in head] == \
        [(c.record.id, c.score, c.coverage, c.matched) for c in full[:len(head)]]


@pytest.mark.parametrize("question", QUESTIONS[::5])
def test_overlaps_of_a_ranking_rows_equal_each_records_own(knowledge, question):
    query_terms = _query_terms(knowledge, question)
    rows = np.arange(0, len(knowledge.records), 3)
    coverage, held, topic = knowledge.lookup.overlaps(query_terms, knowledge.lexical.weight, rows)
    for i, row in enumerate(rows.tolist()):
        assert (coverage[i], held[i]) == knowledge.lexical.overlap(query_terms, row)
        assert topic[i] == sum(1 for t in set(query_terms) if t in knowledge.topic_terms[row])


def test_ranking_with_hits_and_a_named_record_outside_the_head(knowledge):
    q = understand("新建小荷学堂多少个？", knowledge.vocab)
    last = reference_rank(knowledge, q, (), None)[-1].record
    hits = [Hit(n, r.id, 1.0 / n, r) for n, r in enumerate(knowledge.records[100:110], 1)]
    head = rank(knowledge, q, hits, None, also=(last.id,))
    full = reference_rank(knowledge, q, hits, None)
    assert last.id in _ids(c.record for c in head)
    assert _ids(c.record for c in head[:20]) == _ids(c.record for c in full[:20])


def test_a_list_over_twenty_thousand_records_is_exact(replicated):
    unit = understand("市商务局负责的目标有几项？", replicated.vocab)
    assert len(matching_records(replicated, unit)) >= 700
    assert _ids(matching_records(replicated, unit)) == _ids(reference_matching(replicated, unit))
    everything = understand("推进情况表中一共有多少条目标？", replicated.vocab)
    found = matching_records(replicated, everything)
    assert len(found) > 10_000
    assert _ids(found) == _ids(reference_matching(replicated, everything))


@pytest.mark.parametrize("text", ["小荷学堂", "世界500强", "5G", "不存在的名称甲乙丙", "荷"])
def test_substring_lookup_equals_a_scan(knowledge, text):
    text = simplify(text)
    assert knowledge.lookup.containing(text).tolist() == \
        [i for i, flat in enumerate(knowledge.flat_text) if text in flat]


def test_word_coverage_uses_document_frequencies_of_the_whole_set(knowledge):
    row = knowledge.row_of[next(r.id for r in knowledge.records if "小荷学堂" in r.content)]
    assert word_coverage(knowledge, ["小荷学堂"], row) == 1.0
    assert 0 < word_coverage(knowledge, ["小荷学堂", "足球场"], row) < 1.0


@pytest.mark.parametrize("question", QUESTIONS[::9])
def test_follow_up_coverages_equal_a_scan(knowledge, question):
    query_terms = _query_terms(knowledge, question)
    previous = [r.id for r in knowledge.records[:: 40]]
    by_row = [knowledge.lexical.coverage(query_terms, row) for row in range(len(knowledge.records))]
    mine = [c for c, r in zip(by_row, knowledge.records, strict=True) if r.id in previous]
    other = [c for c, r in zip(by_row, knowledge.records, strict=True) if r.id not in previous]
    assert best_coverages(knowledge, query_terms, previous) == (max(mine), max(other))


@pytest.mark.parametrize("word", ["推进", "完成", "企业"])
def test_a_common_words_document_frequency_is_estimated_from_an_even_sample(replicated, monkeypatch, word):
    exact = sum(word in flat for flat in replicated.flat_text)
    monkeypatch.setattr(lookup_module, "COUNT_EXACT", 2000)
    monkeypatch.setattr(lookup_module, "COUNT_SAMPLE", 1000)
    fresh = type(replicated.lookup).__new__(type(replicated.lookup))
    fresh.__dict__.update(replicated.lookup.__dict__, _cache={})
    assert len(fresh._candidates(word)) > 2000 < exact
    assert abs(fresh.count_containing(word) - exact) <= 0.03 * exact
    assert fresh.count_containing("小荷学堂") == sum("小荷学堂" in flat for flat in replicated.flat_text)  # few: exact
