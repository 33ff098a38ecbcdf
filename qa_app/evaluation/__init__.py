"""Evaluation: score retrieval and answers on a question set, compare retrievers, draw the report."""

from qa_app.evaluation.metrics import (
    QUESTION_TYPES,
    QuestionResult,
    answer_correct,
    evidence_matches,
    first_correct_rank,
    mean_reciprocal_rank,
    percentile,
    recall_at,
    summarize,
)
from qa_app.evaluation.questions import LineWarning, Question, read_questions
from qa_app.evaluation.report import draw_chart, render_markdown, write_report
from qa_app.evaluation.runner import DEPTH, System, judge, run_system

__all__ = [
    "DEPTH", "QUESTION_TYPES", "LineWarning", "Question", "QuestionResult", "System", "answer_correct",
    "draw_chart", "evidence_matches", "first_correct_rank", "judge", "mean_reciprocal_rank", "percentile",
    "read_questions", "recall_at", "render_markdown", "run_system", "summarize", "write_report",
]
