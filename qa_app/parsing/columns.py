"""Which field each column of a table holds: by its header first, then by what the column holds.

One reader for every source's tables: the header row is found among the rows (the first one whose
cells name 序号, the content and the units — the units column may also be known by its cells),
each header cell is mapped to a field by the field catalog (qa_app/data/fields.json, data, not
code), and the catalog's content rules settle what the headers leave open: a column of unit names
is units, a column of 是/否/— is the schedule status, and of two columns that both read as content
(主要任务 merged down over its items beside 全年目标任务) the one that changes from row to row is the
content, the other a category kept under its header. Every column the catalog does not name is
kept as a named extra field (备注, 情况说明), never read as the start of the next record.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_app.fields import catalog
from qa_app.parsing.units import split_units
from qa_app.text import tidy

_HEADER_LOOKAHEAD = 15  # a header known by its cells' content is looked for among this many rows
_SAMPLE = 40            # data rows read to judge a column by its content


def column_key(header: str) -> str | None:
    """The record field a header cell (and its common variants) names, from the one field catalog
    (qa_app/data/fields.json), checked from the most specific field: 是否完成目标任务 is the schedule
    column, 目标完成情况 the progress, 责任目标完成时限 the deadline, though each also holds 目标."""
    return catalog().column_of(header)


@dataclass(frozen=True)
class Layout:
    """The columns of one record; a line holds this group of columns once or twice.

    `keys` is the field of each column (None: a column of its own), `headers` its header as written.
    """

    keys: tuple[str | None, ...]
    progress_label: str
    headers: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.keys)

    def extra(self, chunk: list[str]) -> tuple[tuple[str, str], ...]:
        """The chunk's cells of columns no field names, under their headers (empty cells left out)."""
        return tuple((header, tidy(cell)) for key, header, cell in zip(self.keys, self.headers, chunk, strict=False)
                     if key is None and header and tidy(cell))


def find_layout(cells: list[str]) -> Layout | None:
    """A header row: starts a group at 序号, needs at least content and units columns."""
    layout = _group(cells)
    return layout if layout and "content" in layout.keys and "units" in layout.keys else None


def _group(cells: list[str]) -> Layout | None:
    """The columns from 序号 up to the next 序号 (a line holding two records) or the header's end;
    trailing columns without a header are dropped, those with one (备注) belong to the record."""
    keys = [column_key(c) for c in cells]
    if "number" not in keys:
        return None
    start = keys.index("number")
    end = next((j for j in range(start + 1, len(keys)) if keys[j] == "number"), len(keys))
    while end > start and keys[end - 1] is None and not tidy(cells[end - 1]):
        end -= 1
    label = next((tidy(cells[i]) for i in range(start, end) if keys[i] == "progress"), "完成情况")
    return Layout(tuple(keys[start:end]), label, tuple(tidy(c) for c in cells[start:end]))


def find_header(rows: list[list[str]]) -> tuple[int, Layout] | None:
    """The header row and its layout, settled by the rows below it (see the module doc)."""
    for i, cells in enumerate(rows):
        layout = find_layout(cells)
        if layout is None and i < _HEADER_LOOKAHEAD:
            group = _group(cells)
            layout = group if group and "content" in group.keys else None
        if layout is not None:
            refined = refine(layout, rows[i + 1 : i + 1 + _SAMPLE])
            if "units" in refined.keys:
                return i, refined
    return None


def refine(layout: Layout, below: list[list[str]]) -> Layout:
    """The layout with what its columns hold taken into account: a second content column that
    repeats down the rows becomes a category, and columns no header names may be units or status."""
    keys = list(layout.keys)
    columns = [[tidy(r[j]) for r in below if j < len(r) and tidy(r[j])] for j in range(layout.width)]
    content = [j for j, key in enumerate(keys) if key == "content"]
    if len(content) > 1:
        keep = max(content, key=lambda j: (len(set(columns[j])), sum(map(len, columns[j]))))
        keys = [None if j in content and j != keep else key for j, key in enumerate(keys)]
    for j, key in enumerate(keys):
        if key is not None or not columns[j]:
            continue
        if "units" not in keys and _all_units(columns[j]):
            keys[j] = "units"
        elif not {"on_schedule", "behind"} & set(keys) and len(columns[j]) >= 2 and _all_status(columns[j]):
            keys[j] = "on_schedule"
    return Layout(tuple(keys), layout.progress_label, layout.headers)


def _all_units(values: list[str]) -> bool:
    """Every cell (most, at least 4 in 5) names units only: 县住建局、县水务局."""
    suffixes = catalog().unit_suffixes
    named = [all(name.endswith(suffixes) and len(name) <= 20 for name in split_units(v)) for v in values]
    return bool(suffixes) and sum(named) >= max(1, 0.8 * len(values))


def _all_status(values: list[str]) -> bool:
    return all(v in catalog().status_values for v in values)
