"""Running a question set through one retriever (and its answerer), timing each question."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tqdm import tqdm

from qa_app.errors import QAError
from qa_app.evaluation.metrics import NONE_TYPE, QuestionResult, answer_correct, first_correct_rank
from qa_app.evaluation.questions import Question
from qa_app.records import Answer

DEPTH = 10  # hits looked at per question: recall@1/3/5 need 5; MRR counts ranks up to 10

SearchFn = Callable[[str, int], list[str]]
AnswerFn = Callable[[str, Sequence[str]], Answer]


@dataclass(frozen=True)
class System:
    """A retriever under test: `search` gives hit texts best first; `answer` is None for a
    retrieval-only baseline (the text blocks have no fields to compose an answer from)."""

    name: str
    search: SearchFn
    answer: AnswerFn | None = None


def judge(question: Question, texts: Sequence[str], answer: Answer | None, latency_ms: float) -> QuestionResult:
    """Score one question from what was retrieved and answered (pure: no retrieval here)."""
    rank = first_correct_rank(texts, question.evidence) if question.type != NONE_TYPE else None
    correct = abstained = short = None
    if answer is not None:
        abstained, short = bool(answer.abstained), answer.short
        if question.type == NONE_TYPE:
            correct = abstained
        else:
            correct = not abstained and answer_correct(short, question.answers, question.type)
    top = texts[0][:120] if texts else ""
    return QuestionResult(question.id, question.question, question.type, question.expected, rank,
                          correct, abstained, short, latency_ms, top)


def _failed(question: Question, system: System, exc: QAError, latency_ms: float) -> QuestionResult:
    """A question the system raised on is scored as a miss and a wrong answer, with the reason kept."""
    has_answer = system.answer is not None
    correct = False if has_answer else None
    return QuestionResult(question.id, question.question, question.type, question.expected, None,
                          correct, False if has_answer else None, f"（出错：{exc}）" if has_answer else None,
                          latency_ms, f"（出错：{exc}）")


def run_one(system: System, question: Question, depth: int = DEPTH) -> QuestionResult:
    """Search then answer one question; latency is the wall time of both together."""
    start = time.perf_counter()
    try:
        texts = system.search(question.question, depth)
        answer = system.answer(question.question, question.history) if system.answer is not None else None
    except QAError as exc:
        return _failed(question, system, exc, (time.perf_counter() - start) * 1000)
    return judge(question, texts, answer, (time.perf_counter() - start) * 1000)


def run_system(system: System, questions: Sequence[Question], depth: int = DEPTH,
               progress: bool = True) -> list[QuestionResult]:
    """Every question through one system, in file order, with a progress bar on stderr."""
    bar = tqdm(questions, desc=f"eval {system.name}", unit="q", disable=not progress, leave=False)
    return [run_one(system, q, depth) for q in bar]
