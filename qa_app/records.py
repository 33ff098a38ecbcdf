"""Frozen records: one table row or one numbered task, every field kept, stable JSON names."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields

TARGET = "target"
TASK = "task"

_LIST_FIELDS = ("leaders", "units", "lead_units", "participating_units")
_CONTINUATION = re.compile(r"^(?P<parent>[^#]+#[^#]+)-\d+$")


def parent_id(record_id: str) -> str | None:
    """The target a continuation row (id `<file>#<number>-2`) continues; None for any other record."""
    match = _CONTINUATION.match(record_id)
    return match.group("parent") if match else None


def one_per_target(records: list[Record]) -> list[Record]:
    """Drop continuation rows whose target is in the list too: the target already carries their
    leader and unit, and a count must count the target once."""
    present = {r.id for r in records}
    return [r for r in records if parent_id(r.id) not in present]


@dataclass(frozen=True)
class Record:
    """One responsibility target (a table row) or one task of a notice."""

    id: str
    doc: str
    title: str
    year: int | None
    period: str
    kind: str
    number: int | None
    leaders: tuple[str, ...] = ()
    content: str = ""
    deadline: str = ""
    progress: str = ""
    on_schedule: str = ""
    units: tuple[str, ...] = ()
    section: str = ""
    lead_units: tuple[str, ...] = ()
    participating_units: tuple[str, ...] = ()
    text: str = ""
    unit_label: str = ""  # a task's lead column as the notice writes it: 牵头单位, 责任单位, 牵头部门…
    extra: tuple[tuple[str, str], ...] = ()  # the document's other columns as (header, value): 备注, 主要任务…
    place: str = ""  # its document's place where the title does not say it (issuer, signature, `qa add --place`)
    page: int | None = None  # the page a PDF or scanned record starts on; None where a file has no pages

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in _LIST_FIELDS:
            data[name] = list(data[name])
        data["extra"] = [list(pair) for pair in self.extra]
        if not self.place:  # a record whose title names its place keeps its JSON (and the index's corpus hash)
            del data["place"]
        if self.page is None:  # records of unpaged files keep their JSON (and the index's corpus hash)
            del data["page"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Record:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in _LIST_FIELDS:
            values[name] = tuple(values.get(name) or ())
        values["extra"] = tuple((str(h), str(v)) for h, v in values.get("extra") or ())
        return cls(**values)


@dataclass(frozen=True)
class Skipped:
    """A line or file that was not turned into a record, and why."""

    file: str
    line: int
    reason: str
    sheet: str = ""  # the sheet (or "table 2" of a Word file) the row is in; "" for plain lines

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def where(self) -> str:
        """File, sheet and row (or line) for messages: "q3.xlsx, sheet 'Sheet1', row 7"."""
        if self.sheet.startswith("page "):  # a PDF's or scan's page (qa_app/parsing/pages.py)
            return f"{self.file}, {self.sheet}" + (f", row {self.line}" if self.line else "")
        if self.sheet:
            return f"{self.file}, sheet '{self.sheet}'" + (f", row {self.line}" if self.line else "")
        return f"{self.file}, line {self.line}" if self.line else self.file


@dataclass(frozen=True)
class Document:
    """What was read from one file."""

    file: str
    title: str
    year: int | None
    period: str
    kind: str
    records: tuple[Record, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    place: str = ""
    note: str = ""  # how the layout was read when it was not recognised ("layout not recognised: …")

    def summary(self) -> dict:
        return {
            "file": self.file,
            "title": self.title,
            "year": self.year,
            "period": self.period,
            "kind": self.kind,
            "records": len(self.records),
            "place": self.place,
            "note": self.note,
        }


@dataclass(frozen=True)
class Corpus:
    """Every document of a corpus folder, its records in reading order, and what was skipped."""

    documents: tuple[Document, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())

    @property
    def records(self) -> tuple[Record, ...]:
        return tuple(r for d in self.documents for r in d.records)

    def get(self, record_id: str) -> Record | None:
        for record in self.records:
            if record.id == record_id:
                return record
        return None

    def summary(self) -> dict:
        return {
            "documents": [d.summary() for d in self.documents],
            "records": len(self.records),
            "skipped": [s.to_dict() for s in self.all_skipped()],
        }

    def all_skipped(self) -> list[Skipped]:
        return [s for d in self.documents for s in d.skipped] + list(self.skipped)


@dataclass(frozen=True)
class Hit:
    """One retrieved record with its rank (1-based) and fused score."""

    rank: int
    record_id: str
    score: float
    record: Record

    def to_dict(self) -> dict:
        return {"rank": self.rank, "record_id": self.record_id, "score": round(self.score, 6),
                "record": self.record.to_dict()}


@dataclass(frozen=True)
class Citation:
    """A record an answer rests on; `n` is the number of its [n] marker in the answer."""

    n: int
    record_id: str
    doc: str
    title: str
    number: int | None
    text: str
    score: float
    page: int | None = None  # the record's page in a PDF or scan ("第3页")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["score"] = round(self.score, 6)
        if self.page is None:
            del data["page"]
        return data


@dataclass(frozen=True)
class Answer:
    """A composed reply: `short` is the bare answer, `answer` the full text with [n] markers."""

    question: str
    short: str
    answer: str
    citations: tuple[Citation, ...] = ()
    abstained: bool = False
    intent: str = "general"
    filters: dict = field(default_factory=dict, compare=False, hash=False)
    plan: dict = field(default_factory=dict, compare=False, hash=False)  # how the question was read (plan.py)
    # What the answer counted or listed (every matching record of a list or count, which cites at most
    # its first ones), else the records it cites; none for an abstention. An export writes these.
    record_ids: tuple[str, ...] = ()
    # The handle a rating refers to (POST /api/feedback): set by the server when it logs the answer;
    # None for an answer no log holds (`qa ask`, evaluation, or a server run with QA_LOG=off).
    answer_id: str | None = field(default=None, compare=False, hash=False)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "short": self.short,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "intent": self.intent,
            "filters": dict(self.filters),
            "plan": dict(self.plan),
            "record_ids": list(self.record_ids),
            "answer_id": self.answer_id,
        }
