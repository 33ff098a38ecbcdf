"""Pure evaluation metrics: evidence matching, ranks, recall/MRR, answer correctness, abstention.

Everything here works on plain values (texts, ranks, answers) so the figures can be checked by hand;
running retrievers and timing them lives in `runner.py`.

Conventions (also documented in eval/README.md):
- a rank is 1-based, `None` when no correct item was retrieved within the depth searched;
- a ratio whose denominator is zero is `None` (JSON null), never a guessed 0 or 1;
- `none` questions (nothing in the documents answers them) count for abstention only: they are left
  out of recall, MRR and the overall answer accuracy.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa_app.text import normalize

NONE_TYPE = "none"
YES_NO_TYPE = "yes_no"
# The types of the bundled sets, in the order tables list them. A question file may use any other
# plain identifier as a type (a label for the by-type table): it is listed after these.
QUESTION_TYPES = ("unit", "leader", "deadline", "progress", "status", "task_lead", "task_participants",
                  "task_content", "list", "count", "cross_doc", "paraphrase", "typo", "traditional",
                  "english", "multi_turn", "filtered_list", "filtered_count", "number_fact", YES_NO_TYPE,
                  "task_by_number", "compare_quarters", "topic_list", "condition_list", "multi_hop",
                  "multi_part", "multi_turn3", "aggregate", "numeral", "exists", "abbreviation", NONE_TYPE)
# Types whose answer is a list of records: their short answer may be 300 characters, not 100.
LONG_TYPES = frozenset({"list", "cross_doc", "filtered_list", "compare_quarters", "topic_list", "condition_list",
                        "multi_hop", "aggregate"})
YES_NO_WINDOW = 6
SHORT_LIMIT = 100
LONG_LIMIT = 300
RECALL_KS = (1, 3, 5)


@dataclass(frozen=True)
class QuestionResult:
    """What one retriever did with one question; `correct`/`short` are None when it cannot answer."""

    id: str
    question: str
    type: str
    expected: str
    rank: int | None
    correct: bool | None
    abstained: bool | None
    short: str | None
    latency_ms: float
    top: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != NONE_TYPE

    def to_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "rank": self.rank, "correct": self.correct,
                "abstained": self.abstained, "short": self.short, "latency_ms": round(self.latency_ms, 1)}


def evidence_matches(text: str, evidence: Iterable[str]) -> bool:
    """A retrieved text is correct when its normalised form contains any normalised evidence string."""
    haystack = normalize(text)
    return any(needle and needle in haystack for needle in (normalize(e) for e in evidence))


def first_correct_rank(texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first text holding evidence, or None when none of them does."""
    for rank, text in enumerate(texts, 1):
        if evidence_matches(text, evidence):
            return rank
    return None


def is_type_name(qtype: str) -> bool:
    """A question type is any plain (ASCII) identifier, so a new set's types need no code change."""
    return qtype.isascii() and qtype.isidentifier()


def type_order(types: Iterable[str]) -> list[str]:
    """The types seen, the bundled ones in their canonical order first, then the others as first seen."""
    seen = list(dict.fromkeys(types))
    return [t for t in QUESTION_TYPES if t in seen] + [t for t in seen if t not in QUESTION_TYPES]


def length_limit(qtype: str) -> int:
    return LONG_LIMIT if qtype in LONG_TYPES else SHORT_LIMIT


def answer_correct(short: str, groups: Sequence[Sequence[str]], qtype: str) -> bool:
    """Every group has one of its strings in the normalised short answer, and it keeps to its limit.

    The limit (100 characters, 300 for list-like types) is on the short answer as shown, so a reply
    cannot score by pasting whole rows. A number at an alternative's edge may not continue in the
    answer ("2项" does not match "12项"). For yes/no the first group (是/否) must open the answer,
    or a clause of it within its first six characters ("不是" is not "是"). A question with no groups is never answered correctly.
    """
    if not groups or len(short) > length_limit(qtype):
        return False
    text = normalize(short)
    if qtype == YES_NO_TYPE and not _verdict_opens(text[:YES_NO_WINDOW], groups[0]):
        return False
    return all(_group_found(text, group) for group in groups)


def _verdict_opens(window: str, group: Sequence[str]) -> bool:
    """The verdict opens the answer or a clause of it (after a punctuation mark): "不是，…" does not
    give the verdict "是", though it contains it."""
    for needle in (normalize(s) for s in group):
        start = window.find(needle) if needle else -1
        while start >= 0:
            if start == 0 or unicodedata.category(window[start - 1]).startswith("P"):
                return True
            start = window.find(needle, start + 1)
    return False


def _group_found(text: str, group: Sequence[str]) -> bool:
    return any(contains_alternative(text, normalize(s)) for s in group)


def contains_alternative(text: str, needle: str) -> bool:
    """Whether `needle` occurs in `text` without a digit continuing a number at either of its edges."""
    if not needle:
        return False
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        before_ok = not (needle[0].isdigit() and start > 0 and _numeric(text[start - 1]))
        after_ok = not (needle[-1].isdigit() and end < len(text) and _numeric(text[end]))
        if before_ok and after_ok:
            return True
        start = text.find(needle, start + 1)
    return False


def _numeric(char: str) -> bool:
    return char.isdigit() or char == "."


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def recall_at(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first correct item is within the top k."""
    return ratio(sum(1 for r in ranks if r is not None and r <= k), len(ranks))


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float | None:
    """Mean of 1/rank, a miss counting 0."""
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def abstention(results: Sequence[QuestionResult]) -> dict:
    """Positive class = abstained. precision = abstained∧none / abstained; recall = abstained∧none / none."""
    judged = [r for r in results if r.abstained is not None]
    abstained = [r for r in judged if r.abstained]
    nones = [r for r in judged if not r.answerable]
    hits = sum(1 for r in abstained if not r.answerable)
    return {"precision": _round(ratio(hits, len(abstained))), "recall": _round(ratio(hits, len(nones)))}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def accuracy(results: Sequence[QuestionResult]) -> float | None:
    """Share of judged answers that are correct; None when nothing was answered (a retrieval-only run)."""
    judged = [r.correct for r in results if r.correct is not None]
    return _round(ratio(sum(judged), len(judged)))


def retrieval(results: Sequence[QuestionResult]) -> dict:
    """recall@1/3/5 and MRR over answerable questions."""
    ranks = [r.rank for r in results if r.answerable]
    totals = {f"recall@{k}": _round(recall_at(ranks, k)) for k in RECALL_KS}
    totals["mrr"] = _round(mean_reciprocal_rank(ranks))
    return totals


def by_type(results: Sequence[QuestionResult]) -> dict:
    """Per question type, in the canonical order, then any other type seen: n, recall@1/5, accuracy.

    For `none` recall is null and answer_accuracy is the share of questions correctly abstained on.
    """
    table = {}
    for qtype in type_order(r.type for r in results):
        group = [r for r in results if r.type == qtype]
        ranks = [r.rank for r in group if r.answerable]
        table[qtype] = {"n": len(group), "recall@1": _round(recall_at(ranks, 1)),
                        "recall@5": _round(recall_at(ranks, 5)), "answer_accuracy": accuracy(group)}
    return table


def is_failure(result: QuestionResult) -> bool:
    """Answerable: no correct citation in the top 5, or a wrong answer. None: not abstained."""
    if result.answerable and (result.rank is None or result.rank > 5):
        return True
    return result.correct is False


def failures(results: Sequence[QuestionResult]) -> list[dict]:
    return [{"id": r.id, "question": r.question, "expected": r.expected,
             "got": r.short if r.short is not None else r.top, "rank": r.rank}
            for r in results if is_failure(r)]


def summarize(results: Sequence[QuestionResult]) -> dict:
    """The totals of one run, in the JSON shape `qa eval` prints."""
    answerable = [r for r in results if r.answerable]
    shorts = [len(r.short) for r in results if r.short is not None and not r.abstained]
    latencies = [r.latency_ms for r in results]
    return {
        "n": len(results),
        "retrieval": retrieval(results),
        "answer_accuracy": accuracy(answerable),
        "abstention": abstention(results),
        "short_chars_median": median(shorts),
        "latency_ms": {"p50": _round(percentile(latencies, 50), 1),
                       "p95": _round(percentile(latencies, 95), 1)},
        "by_type": by_type(results),
        "failures": failures(results),
    }
