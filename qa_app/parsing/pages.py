"""Paged documents (PDF, scans): a page's lines and tables laid into one grid, and the page each record is on.

A table printed over several pages comes back as one table: the header a printer repeats on
each page is read once, and a row the page break cut in two (its 序号 cell empty at the top of
the next page) is joined to its first part, cell by cell. Paragraphs go on across pages
(`lines.paragraphs`). Each row keeps its page, so a record read from it can cite "第3页".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from qa_app.parsing.grids import Box, Grid, fill_merged
from qa_app.parsing.guards import Budget
from qa_app.parsing.lines import Line, join_wrapped, paragraphs
from qa_app.parsing.tables import column_key, find_layout
from qa_app.records import Document


@dataclass
class PagedGrid(Grid):
    """A grid whose rows each know their page (1-based)."""

    pages: list[int] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)  # rows so far on each page

    def add_on(self, cells: list[str], page: int, budget: Budget) -> None:
        """Add a row of `page`, counted by `budget`; messages place it as "page 6, row 3"."""
        row = self.counts[page] = self.counts.get(page, 0) + 1
        self.add(budget.take(cells, f"page {page}", row), (f"page {page}", row))
        self.pages.append(page)


@dataclass(frozen=True)
class TableBlock:
    """One ruled table as found on one page: rows of cell text, its vertical merges as boxes."""

    page: int
    top: float
    rows: list[list[str]]
    boxes: list[Box] = field(default_factory=list)


def _same(a: list[str], b: list[str]) -> bool:
    return [re.sub(r"\s+", "", c) for c in a] == [re.sub(r"\s+", "", c) for c in b]


class _Table:
    """A table being gathered over pages."""

    def __init__(self, block: TableBlock):
        self.rows = [list(r) for r in block.rows]
        self.pages = [block.page] * len(block.rows)
        self.boxes = list(block.boxes)
        flat = ([re.sub(r"\s+", "", c) for c in r] for r in self.rows)  # a header cell wraps too
        self.header = next((r for r in flat if find_layout(r)), None)

    def once(self) -> list[list[str]]:
        """The rows with the header blanked where the printer repeated it (a page's top, or even
        inside a page where a row's fragment ends); a blank row is no record."""
        if self.header is None:
            return self.rows
        at = next(i for i, r in enumerate(self.rows) if _same(r, self.header))
        return [[""] * len(r) if i > at and _same(r, self.header) else r for i, r in enumerate(self.rows)]

    def continues(self, block: TableBlock) -> bool:
        return bool(self.rows) and bool(block.rows) and len(block.rows[0]) == len(self.rows[-1])

    def extend(self, block: TableBlock) -> None:
        rows, boxes, drop = [list(r) for r in block.rows], list(block.boxes), 0
        if self.header is not None and rows and _same(rows[0], self.header):
            rows, drop = rows[1:], 1  # the header the printer repeated on this page
        number = next((j for j, c in enumerate(self.header or []) if column_key(c) == "number"), None)
        if rows and number is not None and not rows[0][number].strip() and any(c.strip() for c in rows[0]):
            self.rows[-1] = [f"{a}\n{b}" for a, b in zip(self.rows[-1], rows[0], strict=True)]
            rows, drop = rows[1:], drop + 1  # the lower half of a row cut by the page break
        offset = len(self.rows) - drop
        self.boxes += [(t + offset, c, b + offset, d) for t, c, b, d in boxes if t - drop >= 0]
        self.rows += rows
        self.pages += [block.page] * len(rows)


def assemble(items: list[Line | TableBlock], budget: Budget) -> PagedGrid:
    """Lines and tables in reading order → one grid: a paragraph per row, a table row per row."""
    grid = PagedGrid("")
    pending: list[Line] = []
    table: _Table | None = None

    def flush_lines() -> None:
        for page, text in paragraphs(pending):
            grid.add_on([text], page, budget)
        pending.clear()

    def flush_table() -> None:
        if table is not None:
            rows = fill_merged(_joined(table.once(), table.header), table.boxes, budget)
            for cells, page in zip(rows, table.pages, strict=True):
                grid.add_on(cells, page, budget)

    for item in items:
        if isinstance(item, Line):
            if table is not None:
                flush_table()
                table = None
            pending.append(item)
        elif table is not None and table.continues(item):
            table.extend(item)
        else:
            flush_lines()
            flush_table()
            table = _Table(item)
    flush_lines()
    flush_table()
    return grid


# A wrap after a unit name's last character in the units column is where a space was (the printer
# drops it at the line's end): 市交通运输局 / 成武县人民政府 stay two names.
_NAME_ENDS = "局府会委办室院厅处队行团社部所站心司校馆"


def _joined(rows: list[list[str]], header: list[str] | None) -> list[list[str]]:
    """Each cell's wrapped lines (kept apart by "\n" until the header is known) as one text."""
    units = {j for j, c in enumerate(header or []) if column_key(c) == "units"}
    out = []
    for cells in rows:
        row = []
        for j, cell in enumerate(cells):
            parts = [p.strip() for p in cell.split("\n") if p.strip()]
            if j in units:
                parts = [p + (" " if p[-1] in _NAME_ENDS else "") for p in parts]
            row.append(join_wrapped(parts).strip() if j not in units else "".join(parts).strip())
        out.append(row)
    return out


def _row_text(cells: list[str]) -> str:
    return "\t".join(c.strip() for c in cells).rstrip("\t")


def with_pages(doc: Document, grids: list[Grid]) -> Document:
    """The document with each record's page, found by the row its text starts in (reading order)."""
    rows = [(_row_text(cells), page) for g in grids if isinstance(g, PagedGrid)
            for cells, page in zip(g.rows, g.pages, strict=True)]
    if not rows:
        return doc
    records, at = [], 0
    for record in doc.records:
        found = _find_row(rows, record.text, at)
        if found is None:
            found = _find_row(rows, record.text, 0)
        if found is not None:
            at = found
            record = replace(record, page=rows[found][1])
        records.append(record)
    return replace(doc, records=tuple(records))


def _find_row(rows: list[tuple[str, int]], text: str, start: int) -> int | None:
    compact = text.strip()
    for i in range(start, len(rows)):
        row = rows[i][0]
        if row and (compact.startswith(row) or compact in row):
            return i
    return None
