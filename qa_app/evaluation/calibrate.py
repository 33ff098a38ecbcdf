"""Calibrating the answer thresholds with k-fold cross-validation, so the figure we report is held out.

The thresholds live in one `AnswerConfig`. We score every question under the default config and under
each one-parameter variation of it (a small grid), once. Then, per fold, the config that answers the
other folds best is chosen and scored on the fold it never saw; the held-out accuracy is the share of
questions answered correctly that way. The in-sample figure (the best config scored on everything it
was chosen on) is reported beside it: the gap between the two is what tuning to the questions costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa_app.answering import AnswerConfig
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


def score_matrix(questions: Sequence[Question], configs: Sequence[AnswerConfig],
                 correct: CorrectFn) -> list[list[bool]]:
    """correct[c][q]: whether config c answers question q correctly."""
    return [[correct(q, config) for q in questions] for config in configs]


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


def _changes(config: AnswerConfig, base: AnswerConfig) -> dict:
    """How a config differs from the default ({} when it is the default)."""
    mine, theirs = config.to_dict(), base.to_dict()
    return {name: value for name, value in mine.items() if theirs[name] != value}
