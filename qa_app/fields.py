"""The one field catalog: every record field, how documents head its column, how questions and replies name it.

Parsing maps a header cell to a field with it, understanding finds the field a question asks for,
replies, exports and source cards label a field with it. The labels are data
(`qa_app/data/fields.json`): a new office's header ("全年目标任务", "分管 领导") is a line there, not
a code change. Columns a document has beyond these fields are kept on the record as `extra`
(header, value) pairs and are answerable by their header.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from qa_app.text import normalize


@dataclass(frozen=True)
class FieldSpec:
    """One field: its record attribute, labels, and the header and question words that name it."""

    name: str
    label: str                      # the column header documents use (exports, source cards)
    reply: str                      # how a reply names it ("分管市领导")
    kind: str                       # number | text | names | status
    exact: tuple[str, ...] = ()     # a header that is exactly one of these
    prefix: tuple[str, ...] = ()    # ...or starts with one of these
    contains: tuple[str, ...] = ()  # ...or holds one of these words
    prefix_with: tuple[tuple[str, tuple[str, ...]], ...] = ()  # ...or starts with X and holds one of Y
    question: tuple[str, ...] = ()  # words a question names the field by

    def heads(self, header: str) -> bool:
        """Whether a (normalised) header cell names this field's column."""
        if header in self.exact or header.startswith(self.prefix):
            return True
        if any(word in header for word in self.contains):
            return True
        return any(header.startswith(start) and any(w in header for w in words) for start, words in self.prefix_with)


@dataclass(frozen=True)
class FieldCatalog:
    """The fields in header-matching order (the most specific first), and each kind's columns."""

    fields: tuple[FieldSpec, ...]
    task_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    task_labels: tuple[tuple[str, str], ...] = ()
    unit_suffixes: tuple[str, ...] = ()   # a cell ending in one of these names a unit (content_rules)
    status_values: tuple[str, ...] = ()   # a column holding only these is a status column

    def get(self, name: str) -> FieldSpec:
        return self._by_name()[name]

    def _by_name(self) -> dict[str, FieldSpec]:
        return {f.name: f for f in self.fields}

    def column_of(self, header: str) -> str | None:
        """The field a header cell names (是否完成目标任务 is the schedule column though it holds 目标:
        fields are checked from the most specific), or None for a column of its own."""
        flat = normalize(header)
        if not flat:
            return None
        return next((f.name for f in self.fields if f.heads(flat)), None)

    def label(self, name: str, kind: str = "target") -> str:
        """The column header a record of this kind shows the field under."""
        if kind == "task":
            own = dict(self.task_labels).get(name)
            if own:
                return own
        return self.get(name).label

    def reply_label(self, name: str) -> str:
        return self.get(name).reply

    def columns(self, kind: str) -> tuple[str, ...]:
        """The fields a record of this kind shows, in the documents' order."""
        return self.task_columns if kind == "task" else self.target_columns


def _spec(data: dict) -> FieldSpec:
    return FieldSpec(
        name=data["name"], label=data["label"], reply=data["reply"], kind=data["kind"],
        exact=tuple(normalize(x) for x in data.get("exact", ())),
        prefix=tuple(normalize(x) for x in data.get("prefix", ())),
        contains=tuple(normalize(x) for x in data.get("contains", ())),
        prefix_with=tuple((normalize(k), tuple(v)) for k, v in data.get("prefix_with", {}).items()),
        question=tuple(data.get("question", ())),
    )


@lru_cache(maxsize=1)
def catalog() -> FieldCatalog:
    """The catalog read from the package's data file (once)."""
    data = json.loads(resources.files("qa_app.data").joinpath("fields.json").read_text(encoding="utf-8"))
    return FieldCatalog(
        fields=tuple(_spec(f) for f in data["fields"]),
        task_columns=tuple(data["task_columns"]),
        target_columns=tuple(data["target_columns"]),
        task_labels=tuple(data.get("task_labels", {}).items()),
        unit_suffixes=tuple(data.get("content_rules", {}).get("unit_suffixes", ())),
        status_values=tuple(data.get("content_rules", {}).get("status_values", ())),
    )


def field_value(record, name: str) -> str:
    """A record field as display text: names joined with 、, a number as digits, '' when empty."""
    value = getattr(record, name, "")
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "、".join(value)
    return str(value)


def record_fields(record) -> list[tuple[str, str]]:
    """The record's fields under the column names the documents use, in their order, then its own
    extra columns (备注, 主要任务…) as the document headed them."""
    rows = [(catalog().label(name, record.kind), field_value(record, name)) for name in catalog().columns(record.kind)]
    return rows + [(header, value) for header, value in getattr(record, "extra", ())]
