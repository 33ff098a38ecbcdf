"""Progress tables: a header row names the columns (see `columns`); each line holds one or two records.

A row with an empty 序号 belongs to the target above it: a second leader's row of that target
(a continuation record, as the .txt tables write it) or, otherwise, more of the same item (a 序号
merged down over two rows in Word or Excel), folded into that target's record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa_app.parsing.columns import Layout, column_key, find_header, find_layout, refine
from qa_app.parsing.places import is_signature
from qa_app.parsing.units import split_leaders, split_units
from qa_app.records import TARGET, Record, Skipped
from qa_app.text import clip, tidy

__all__ = ["Layout", "TableMeta", "column_key", "find_header", "find_layout", "parse_table"]

Row = tuple[int, list[str]]  # (line number, cells)

_NUMBER = re.compile(r"^\d{1,4}$")
_MAX_FOLDED = 20  # rows of one item under a merged 序号; past this a row is reported, not joined (no n² joins)


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
        extra=layout.extra(chunk),
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
        self.folded: dict[int, int] = {}  # record position → rows folded into it

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append(Skipped(self.meta.file, line, reason))

    def add(self, line: int, slot: int, layout: Layout, chunk: list[str]) -> None:
        values = _values(layout, chunk)
        number = values.get("number", "")
        if _NUMBER.match(number):
            self._add_target(line, slot, layout, values, chunk)
        elif not number and values.get("leaders") and not values.get("content"):
            self._add_continuation(line, slot, layout, values, chunk)
        elif not number and slot in self.last_in_slot and self.folded.get(self.last_in_slot[slot], 0) < _MAX_FOLDED:
            self._fold(slot, layout, values, chunk)
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


    def _fold(self, slot, layout, values, chunk) -> None:
        """More of the target above (its 序号 merged down): its cells joined to that record's."""
        at = self.last_in_slot[slot]
        self.folded[at] = self.folded.get(at, 0) + 1
        parent = self.records[at]
        own = _record(self.meta, layout, values, parent.number, parent.id, chunk)
        extra = dict(parent.extra)
        for header, value in own.extra:
            extra[header] = _joined(extra.get(header, ""), value)
        self.records[at] = replace(
            parent,
            content=_joined(parent.content, own.content),
            deadline=_joined(parent.deadline, own.deadline),
            progress=_joined(parent.progress, own.progress),
            on_schedule=parent.on_schedule or own.on_schedule,
            leaders=tuple(dict.fromkeys(parent.leaders + own.leaders)),
            units=tuple(dict.fromkeys(parent.units + own.units)),
            extra=tuple(extra.items()),
            text=f"{parent.text}\n{own.text}",
        )


def _joined(first: str, second: str) -> str:
    """Two rows' values of one item: the second added unless it is empty or already said."""
    if not second or second in first:
        return first
    return f"{first}；{second}" if first else second


def parse_table(meta: TableMeta, rows: list[Row]) -> tuple[list[Record], list[Skipped]]:
    """Parse the rows of a progress table (header rows included) into target records."""
    builder = _TableBuilder(meta)
    grid = [cells for _, cells in rows]
    first = find_header(grid)
    layout: Layout | None = None
    for i, (line, cells) in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        header = first[1] if first and first[0] == i else find_layout(cells)
        if header:
            layout = header if first and first[0] == i else refine(header, grid[i + 1 : i + 41])
            continue
        if layout is None or (len([c for c in cells if c.strip()]) == 1 and is_signature(cells[0])):
            continue  # above the header, or the issuer and date signed below the table
        for slot, kind, chunk in _chunks(layout, cells):
            if kind == "stub":
                number = _values(layout, chunk).get("number")
                builder.skip(line, f"empty stub for target {clip(number or '')} (number and leader only)")
            else:
                builder.add(line, slot, layout, chunk)
    return builder.records, builder.skipped
