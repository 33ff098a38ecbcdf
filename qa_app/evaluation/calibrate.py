"""Calibrating the answer thresholds on some questions and scoring them on others, so the figure we
report is held out.

The thresholds live in one `AnswerConfig`. We score every question under the default config and under
each one-parameter variation of it (a small grid), once. Then, per fold, the config that answers the
other folds best is chosen and scored on the fold it never saw; the held-out accuracy is the share of
questions answered correctly that way. The in-sample figure (the best config scored on everything it
was chosen on) is reported beside it: the gap between the two is what tuning to the questions costs.
Leave-one-type-out does the same with each question type as the held-out part: thresholds that only
suit the types they were chosen on show there.

Answering is deterministic, so a question whose answer under the default config never read a
threshold gets the same answer when only that threshold changes: the default pass records which
thresholds each question reads, and a variation re-answers only the questions that read what it
changes (on the bundled sets most of them read none of the thresholds that one variation changes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

from qa_app.answering import AnswerConfig
from qa_app.evaluation.metrics import type_order
from qa_app.evaluation.questions import Question

# The thresholds searched, each over a few values around its default.
GRID: dict[str, tuple] = {
    "agree_rank": (1, 2, 3),
    "lexical_margin": (1.5, 2.0, 3.0),
    "dense_margin": (0.01, 0.02, 0.04),
    "retrieval_min_coverage": (0.0, 0.05, 0.1),
    "min_coverage": (0.25, 0.3, 0.35),
}

CorrectFn = Callable[[Question, AnswerConfig], bool]


@dataclass(frozen=True)
class Fold:
    """One held-out fold: the config chosen without it, and how it did on the fold."""

    index: int
    size: int
    chosen: dict
    correct: int


def candidate_configs(base: AnswerConfig, grid: dict[str, tuple] = GRID) -> list[AnswerConfig]:
    """The base config first, then every one-parameter change of it, without repeats."""
    configs = [base]
    for name, values in grid.items():
        for value in values:
            config = base.with_(**{name: value})
            if config not in configs:
                configs.append(config)
    return configs


def fold_of(question_id: str, k: int) -> int:
    """A stable fold per question id (the same split on every machine and run)."""
    return int(hashlib.sha256(question_id.encode("utf-8")).hexdigest(), 16) % k


# Reading these reads every threshold at once (a copy, a pickle, vars()).
_WHOLE_READS = frozenset({"__dict__", "__getstate__", "__reduce__", "__reduce_ex__"})


def recording(config: AnswerConfig) -> tuple[AnswerConfig, set[str]]:
    """A config of the same values that notes in the returned set each threshold read from it (hashing or
    copying it reads them all), so we know which thresholds an answer depended on."""
    base, names = type(config), frozenset(f.name for f in fields(config))
    read: set[str] = set()

    class Recording(base):
        def __getattribute__(self, name: str):
            if name in names:
                read.add(name)
            elif name in _WHOLE_READS:
                read.update(names)
            return super().__getattribute__(name)

        def __reduce__(self):  # a copy or a pickle is a plain config of the same values
            read.update(names)
            return base, tuple(config.to_dict().values())

    Recording.__name__ = Recording.__qualname__ = base.__name__
    return Recording(**config.to_dict()), read


@dataclass(frozen=True)
class ScoreMatrix:
    """rows[c][q]: whether config c answers question q correctly; `answered` counts the answers
    computed, the rest of the configs x questions cells being copied from the default's."""

    rows: list[list[bool]]
    answered: int


def score_matrix(questions: Sequence[Question], configs: Sequence[AnswerConfig],
                 correct: CorrectFn) -> ScoreMatrix:
    """Every question under configs[0] (recording the thresholds it reads), then under each other
    config only the questions that read a threshold that config changes."""
    base, first, reads = configs[0], [], []
    for question in questions:
        traced, read = recording(base)
        first.append(bool(correct(question, traced)))
        reads.append(frozenset(read))
    rows, answered = [first], len(questions)
    for config in configs[1:]:
        changed = set(_changes(config, base))
        row = []
        for i, question in enumerate(questions):
            if changed & reads[i]:
                row.append(bool(correct(question, config)))
                answered += 1
            else:
                row.append(first[i])
        rows.append(row)
    return ScoreMatrix(rows, answered)


def best_config(matrix: Sequence[Sequence[bool]], rows: Sequence[int]) -> int:
    """The config answering most of these questions; ties go to the earlier one (the default first)."""
    scores = [sum(column[i] for i in rows) for column in matrix]
    return max(range(len(matrix)), key=lambda c: (scores[c], -c))


def cross_validate(questions: Sequence[Question], configs: Sequence[AnswerConfig],
                   matrix: Sequence[Sequence[bool]], k: int = 5, folds: Sequence[int] | None = None) -> dict:
    """Held-out and in-sample accuracy, per fold and in all, with the configs chosen; `folds`
    (a fold number per question) defaults to the stable split by question id."""
    folds = list(folds) if folds is not None else [fold_of(q.id, k) for q in questions]
    results, held_out = [], 0
    for index in range(k):
        test = [i for i, f in enumerate(folds) if f == index]
        train = [i for i, f in enumerate(folds) if f != index]
        chosen = best_config(matrix, train)
        correct = sum(matrix[chosen][i] for i in test)
        held_out += correct
        results.append(Fold(index, len(test), _changes(configs[chosen], configs[0]), correct))
    everything = list(range(len(questions)))
    best = best_config(matrix, everything)
    n = len(questions)
    return {
        "k": k, "n": n, "configs_tried": len(configs),
        "held_out_accuracy": round(held_out / n, 4) if n else None,
        "in_sample_accuracy": round(sum(matrix[best]) / n, 4) if n else None,
        "default_accuracy": round(sum(matrix[0]) / n, 4) if n else None,
        "best_changes": _changes(configs[best], configs[0]),
        "folds": [{"fold": f.index, "n": f.size, "correct": f.correct, "chosen": f.chosen} for f in results],
    }


def leave_one_type_out(questions: Sequence[Question], configs: Sequence[AnswerConfig],
                       matrix: Sequence[Sequence[bool]]) -> dict:
    """Per question type: the config best on every other type, scored on this one; the mean over
    types (each type weighing the same), the pooled share, and the default config's figures beside."""
    by_type, pooled = {}, 0
    for qtype in type_order(q.type for q in questions):
        test = [i for i, q in enumerate(questions) if q.type == qtype]
        chosen = best_config(matrix, [i for i, q in enumerate(questions) if q.type != qtype])
        correct = sum(matrix[chosen][i] for i in test)
        pooled += correct
        by_type[qtype] = {"n": len(test), "correct": correct, "accuracy": round(correct / len(test), 4),
                          "default_accuracy": round(sum(matrix[0][i] for i in test) / len(test), 4),
                          "chosen": _changes(configs[chosen], configs[0])}
    n = len(questions)
    return {
        "types": len(by_type), "n": n, "configs_tried": len(configs),
        "mean": _mean([t["accuracy"] for t in by_type.values()]),
        "default_mean": _mean([t["default_accuracy"] for t in by_type.values()]),
        "pooled": round(pooled / n, 4) if n else None,
        "by_type": by_type,
    }


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _changes(config: AnswerConfig, base: AnswerConfig) -> dict:
    """How a config differs from the default ({} when it is the default)."""
    mine, theirs = config.to_dict(), base.to_dict()
    return {name: value for name, value in mine.items() if theirs[name] != value}
