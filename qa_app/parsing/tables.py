"""Progress tables: a header row names the columns; each line holds one or two records."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa_app.fields import catalog
from qa_app.parsing.units import split_leaders, split_units
from qa_app.records import TARGET, Record, Skipped
from qa_app.text import clip, tidy

Row = tuple[int, list[str]]  # (line number, cells)

_NUMBER = re.compile(r"^\d{1,4}$")


def column_key(header: str) -> str | None:
    """The record field a header cell (and its common variants) names, from the one field catalog
    (qa_app/data/fields.json), checked from the most specific field: 是否完成目标任务 is the schedule
    column, 目标完成情况 the progress, 责任目标完成时限 the deadline, though each also holds 目标."""
    return catalog().column_of(header)


@dataclass(frozen=True)
class Layout:
    """The columns of one record; a line holds this group of columns once or twice."""

    keys: tuple[str | None, ...]
    progress_label: str

    @property
    def width(self) -> int:
        return len(self.keys)


def find_layout(cells: list[str]) -> Layout | None:
    """A header row: starts a group at 序号, needs at least content and units columns."""
    keys = [column_key(c) for c in cells]
    if "number" not in keys or "content" not in keys or "units" not in keys:
        return None
    start = keys.index("number")
    try:
        end = keys.index("number", start + 1)
    except ValueError:
        end = len(keys)
    group = tuple(keys[start:end])
    while group and group[-1] is None:
        group = group[:-1]
    label = next((tidy(cells[i]) for i in range(start, end) if keys[i] == "progress"), "完成情况")
    return Layout(keys=group, progress_label=label)


def _values(layout: Layout, chunk: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, cell in zip(layout.keys, chunk, strict=False):
        if key and key not in values:
            values[key] = (cell or "").strip()
    return values


def _stub_shift(layout: Layout, chunk: list[str]) -> int:
    """Where the next record starts when this chunk is an empty stub (number and leader only).

    Some lines hold a stub whose own fields are empty and the second record shifted one
    column left; the shift is the position of that record's number inside the chunk.
    """
    values = _values(layout, chunk)
    if not (_NUMBER.match(values.get("number", "")) and values.get("leaders")):
        return 0
    for j in range(2, len(chunk)):
        if _NUMBER.match(chunk[j].strip()) and not any(c.strip() for c in chunk[2:j]):
            return j
    return 0


def _chunks(layout: Layout, cells: list[str]):
    """Yield (slot, kind, chunk) for the records of one line: kind is 'row' or 'stub'."""
    pos, slot = 0, 0
    while pos < len(cells):
        chunk = cells[pos : pos + layout.width]
        chunk = chunk + [""] * (layout.width - len(chunk))
        if not any(c.strip() for c in chunk):
            pos, slot = pos + layout.width, slot + 1
            continue
        shift = _stub_shift(layout, chunk)
        if shift:
            yield slot, "stub", chunk
            pos, slot = pos + shift, slot + 1
            continue
        yield slot, "row", chunk
        pos, slot = pos + layout.width, slot + 1


@dataclass
class TableMeta:
    file: str
    title: str
    year: int | None
    period: str


def _record(meta: TableMeta, layout: Layout, values: dict, number: int, rid: str, chunk) -> Record:
    return Record(
        id=rid,
        doc=meta.file,
        title=meta.title,
        year=meta.year,
        period=meta.period,
        kind=TARGET,
        number=number,
        leaders=split_leaders(values.get("leaders", "")),
        content=tidy(values.get("content", "")),
        deadline=tidy(values.get("deadline", "")),
        progress=tidy(values.get("progress", "")),
        on_schedule=_on_schedule(values),
        units=split_units(values.get("units", "")),
        text="\t".join(c.strip() for c in chunk).rstrip("\t"),
    )


def _on_schedule(values: dict[str, str]) -> str:
    """是否按计划 as written; a 是否滞后 column says the opposite (滞后 是 → 否, 否 → 是)."""
    if "on_schedule" in values or "behind" not in values:
        return tidy(values.get("on_schedule", ""))
    behind = tidy(values["behind"])
    return {"是": "否", "否": "是"}.get(behind, behind)


class _TableBuilder:
    """Collects records line by line, keeping the last target of each column slot."""

    def __init__(self, meta: TableMeta):
        self.meta = meta
        self.records: list[Record] = []
        self.skipped: list[Skipped] = []
        self.last_in_slot: dict[int, int] = {}
        self.continuations: dict[int, int] = {}

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append(Skipped(self.meta.file, line, reason))

    def add(self, line: int, slot: int, layout: Layout, chunk: list[str]) -> None:
        values = _values(layout, chunk)
        number = values.get("number", "")
        if _NUMBER.match(number):
            self._add_target(line, slot, layout, values, chunk)
        elif not number and values.get("leaders") and not values.get("content"):
            self._add_continuation(line, slot, layout, values, chunk)
        else:
            self.skip(line, f"序号 '{clip(number)}' is not a number and the row continues no target")

    def _add_target(self, line, slot, layout, values, chunk) -> None:
        if not values.get("content"):
            self.skip(line, f"target {values['number']} has no 责任目标内容")
            return
        number = int(values["number"])
        rid = f"{self.meta.file}#{number}"
        self.records.append(_record(self.meta, layout, values, number, rid, chunk))
        self.last_in_slot[slot] = len(self.records) - 1

    def _add_continuation(self, line, slot, layout, values, chunk) -> None:
        if slot not in self.last_in_slot:
            self.skip(line, "a continuation row (empty 序号) with no target above it")
            return
        parent_at = self.last_in_slot[slot]
        parent = self.records[parent_at]
        count = self.continuations.get(parent_at, 1) + 1
        self.continuations[parent_at] = count
        own = _record(self.meta, layout, values, parent.number, f"{parent.id}-{count}", chunk)
        own = replace(own, content=parent.content)
        self.records.append(own)
        self.records[parent_at] = replace(
            parent,
            leaders=tuple(dict.fromkeys(parent.leaders + own.leaders)),
            units=tuple(dict.fromkeys(parent.units + own.units)),
        )


def parse_table(meta: TableMeta, rows: list[Row]) -> tuple[list[Record], list[Skipped]]:
    """Parse the rows of a progress table (header rows included) into target records."""
    builder = _TableBuilder(meta)
    layout: Layout | None = None
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        header = find_layout(cells)
        if header:
            layout = header
            continue
        if layout is None:
            continue
        for slot, kind, chunk in _chunks(layout, cells):
            if kind == "stub":
                number = _values(layout, chunk).get("number")
                builder.skip(line, f"empty stub for target {clip(number or '')} (number and leader only)")
            else:
                builder.add(line, slot, layout, chunk)
    return builder.records, builder.skipped
