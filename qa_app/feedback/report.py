"""What the log tells an admin: per-day figures, the unanswered questions grouped, the rated-down
answers, a CSV of the whole log, and the eval lines a person reviews before adding them to eval/.

Near-duplicate unanswered questions ("智慧停车谁负责" / "智慧停车归谁管") are grouped by the bundled
embedder: a question joins the first group whose first question is at least `SAME` cosine-similar.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa_app.feedback.store import COLUMNS, Entry

SAME = 0.95  # e5 (bundled): rephrasings of one question 0.95–0.99; 今年/明天天气, 火星/月球基地 0.92, 2025/2030年目标 0.94
FROM_LOG = "from_log"
CORRECTION_PREFIXES = ("正确答案应为", "正确答案应该是", "正确答案是", "应为", "应该是")


@dataclass(frozen=True)
class Day:
    day: str
    questions: int
    abstained: int
    rated_down: int

    def to_dict(self) -> dict:
        return {"day": self.day, "questions": self.questions, "abstained": self.abstained,
                "rated_down": self.rated_down, "abstained_share": _share(self.abstained, self.questions),
                "rated_down_share": _share(self.rated_down, self.questions)}


@dataclass(frozen=True)
class Group:
    """Near-duplicate unanswered questions: the first one asked stands for the rest."""

    question: str
    count: int
    variants: tuple[str, ...]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def per_day(entries: Sequence[Entry]) -> list[Day]:
    """Questions, abstentions and rated-down answers per local day, newest day first."""
    days: dict[str, list[int]] = {}
    for entry in entries:
        counts = days.setdefault(entry.time[:10], [0, 0, 0])
        counts[0] += 1
        counts[1] += entry.abstained
        counts[2] += entry.rating == "down"
    return [Day(day, *counts) for day, counts in sorted(days.items(), reverse=True)]


def totals(entries: Sequence[Entry]) -> dict:
    whole = len(entries)
    abstained = sum(e.abstained for e in entries)
    down = sum(e.rating == "down" for e in entries)
    return {"questions": whole, "abstained": abstained, "rated_down": down,
            "rated_up": sum(e.rating == "up" for e in entries),
            "abstained_share": _share(abstained, whole), "rated_down_share": _share(down, whole)}


def unanswered_groups(entries: Sequence[Entry], embed: Callable[[list[str]], np.ndarray] | None,
                      same: float = SAME, limit: int = 20) -> list[Group]:
    """The abstained questions, near-duplicates together, most frequent first. Without an embedder
    only identical texts (after trimming) are grouped."""
    asked = [e.question.strip() for e in entries if e.abstained and e.question.strip()]
    distinct = list(Counter(asked).items())
    if not distinct:
        return []
    texts = [text for text, _ in distinct]
    vectors = _unit(np.asarray(embed(texts), dtype=np.float32)) if embed else None
    heads: list[int] = []
    members: dict[int, list[int]] = {}
    for i in range(len(texts)):
        home = None
        if vectors is not None and heads:
            similarity = vectors[heads] @ vectors[i]
            best = int(np.argmax(similarity))
            home = heads[best] if similarity[best] >= same else None
        if home is None:
            heads.append(i)
            members[i] = [i]
        else:
            members[home].append(i)
    groups = [Group(texts[h], sum(distinct[m][1] for m in ids), tuple(texts[m] for m in ids))
              for h, ids in members.items()]
    return sorted(groups, key=lambda g: -g.count)[:limit]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def rated_down(entries: Sequence[Entry]) -> list[Entry]:
    """Answers rated 👎, newest first."""
    return sorted((e for e in entries if e.rating == "down"), key=lambda e: e.time, reverse=True)


def csv_text(entries: Sequence[Entry]) -> str:
    """The whole log as CSV (UTF-8 with a BOM, so Excel reads the Chinese), one row per answer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = list(entry.row())
        row[COLUMNS.index("cited")] = " ".join(entry.cited)
        writer.writerow(row)
    return "\ufeff" + out.getvalue()


def correction(comment: str | None) -> str:
    """The answer a comment gives: "正确答案应为市商务局" → "市商务局"."""
    text = (comment or "").strip()
    for prefix in CORRECTION_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):].lstrip("：:，, ").rstrip("。.")
    return text


def eval_lines(entries: Sequence[Entry]) -> list[dict]:
    """The abstained and rated-down questions as eval question lines (type "from_log") to review:
    `answers` holds the comment's answer where one was given; evidence is left for the reviewer."""
    lines = []
    for entry in entries:
        if not (entry.abstained or entry.rating == "down"):
            continue
        answer = correction(entry.comment)
        lines.append({"id": f"log_{entry.answer_id[:12]}", "question": entry.question, "type": FROM_LOG,
                      "evidence": [], "answers": [[answer]] if answer else [], "source": [],
                      "log": {"answer_id": entry.answer_id, "time": entry.time, "short": entry.short,
                              "abstained": entry.abstained, "rating": entry.rating}})
    return lines


def write_atomic(path: Path, text: str) -> Path:
    """Write a whole file or nothing: a temporary file beside it, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_eval(entries: Sequence[Entry], path: Path) -> int:
    """`qa log --to-eval`: the eval lines written atomically; how many."""
    lines = eval_lines(entries)
    write_atomic(path, "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return len(lines)
