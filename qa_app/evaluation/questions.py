"""Reading a question file: one JSON object a line; a malformed line is reported by number and skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa_app.errors import BadQuestion
from qa_app.evaluation.metrics import NONE_TYPE, QUESTION_TYPES, is_type_name


@dataclass(frozen=True)
class Question:
    """One evaluation question with its gold evidence strings and answer groups."""

    id: str
    question: str
    type: str
    evidence: tuple[str, ...] = ()
    answers: tuple[tuple[str, ...], ...] = ()
    source: tuple[dict, ...] = ()
    history: tuple[str, ...] = ()  # earlier questions of the conversation, for follow-ups

    @property
    def expected(self) -> str:
        """The gold answer as one line: groups joined by ' + ', alternatives by ' / '."""
        if self.type == NONE_TYPE:
            return "（应回答：文件中未找到）"
        return " + ".join(" / ".join(group) for group in self.answers)


@dataclass(frozen=True)
class LineWarning:
    """A line of the question file that was skipped, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: skipped: {self.reason}"


def _strings(value, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return tuple(value)


def parse_question(data) -> Question:
    """Check one decoded line; raises ValueError with a reason a person can act on."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for key in ("id", "question", "type"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"'{key}' must be a non-empty string")
    if not is_type_name(data["type"]):
        raise ValueError(f"type {data['type']!r} is not a plain identifier (ASCII letters, digits, _), "
                         f"e.g. {', '.join(QUESTION_TYPES[:3])} or {NONE_TYPE}")
    evidence = _strings(data.get("evidence", []), "evidence")
    raw_answers = data.get("answers", [])
    if not isinstance(raw_answers, list):
        raise ValueError("'answers' must be a list of lists of strings")
    answers = tuple(_strings(group, "answers[]") for group in raw_answers)
    if data["type"] != NONE_TYPE and not (evidence and answers and all(answers)):
        raise ValueError("an answerable question needs evidence strings and non-empty answer groups")
    source = data.get("source", [])
    history = _strings(data.get("history", []), "history")
    return Question(data["id"], data["question"].strip(), data["type"], evidence, answers,
                    tuple(source) if isinstance(source, list) else (), history)


def parse_lines(name: str, lines: list[str]) -> tuple[list[Question], list[LineWarning]]:
    """Parse JSONL lines; blank lines are ignored, a repeated id is a malformed line."""
    questions: list[Question] = []
    warnings: list[LineWarning] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = parse_question(json.loads(line))
            if question.id in seen:
                raise ValueError(f"duplicate id {question.id!r}")
        except json.JSONDecodeError as exc:
            warnings.append(LineWarning(name, number, f"not JSON ({exc.msg} at column {exc.colno})"))
            continue
        except ValueError as exc:
            warnings.append(LineWarning(name, number, str(exc)))
            continue
        seen.add(question.id)
        questions.append(question)
    return questions, warnings


def read_questions(path: Path) -> tuple[list[Question], list[LineWarning]]:
    """Read a question file; raises BadQuestion when it is missing, unreadable or holds no question."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadQuestion(f"cannot read question file {path}: {exc}") from None
    questions, warnings = parse_lines(path.name, lines)
    if not questions:
        detail = f" ({warnings[0]})" if warnings else ""
        raise BadQuestion(f"no valid question in {path}{detail}")
    return questions, warnings
