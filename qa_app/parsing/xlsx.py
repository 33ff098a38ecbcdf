"""Excel workbooks, read as a stream: every worksheet's cached values, row by row, within the limits.

openpyxl's read-only mode parses a sheet while its rows are taken, so memory stays flat however
big the sheet, and reading stops at the first row past `Limits`. That mode does not read merged
cells, so they come from a second streaming pass over the sheet's XML (its <mergeCell> elements,
which follow the rows). The archive itself is checked first (`guards.check_archive`).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from lxml import etree

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Box, Grid, fill_merged
from qa_app.parsing.guards import DAMAGED, Budget, check_archive
from qa_app.settings import Limits
from qa_app.text import clip

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _MERGE = f"{{{_MAIN}}}row", f"{{{_MAIN}}}mergeCell"


def _cell_text(value, number_format: str | None = "General") -> str:
    """A cell as the office sees it: whole numbers without .0, percentages with %, dates in Chinese."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{value * 100:g}%"
        return str(int(value)) if float(value).is_integer() else f"{value:g}"
    return str(value).strip()


def _sheet_grid(ws, archive: zipfile.ZipFile, budget: Budget) -> Grid:
    """One worksheet's rows (trailing empty cells dropped) with its merges filled in."""
    title = ws.title if len(ws.title) <= 40 else clip(ws.title)  # Excel allows 31; a crafted file more
    budget.check_declared(title, ws.max_row)
    boxes = _scan_sheet(archive, ws._worksheet_path, budget, title)
    ws.reset_dimensions()  # a wrong <dimension> would cut rows off or pad every row to its width
    grid = Grid(title)
    for number, row in enumerate(ws.iter_rows(), 1):
        budget.take_width(len(row), title, number)
        cells = [_cell_text(c.value, c.number_format) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        grid.add(budget.check_cells(cells, title, number), (title, number))
    grid.rows = fill_merged(grid.rows, boxes, budget, title)
    return grid


def _scan_sheet(archive: zipfile.ZipFile, part: str, budget: Budget, sheet: str) -> list[Box]:
    """The sheet's merged ranges, from a streaming pass over its XML before openpyxl reads it.

    openpyxl parses every <mergeCell> even in read-only mode (750,000 of them: 19 s, 490 MB), and
    they come after the rows; this pass (lxml, rows dropped as they end) counts both first, so a
    sheet with too many of either is refused in a fraction of a second.
    """
    from openpyxl.utils.cell import range_boundaries

    boxes, rows = [], 0
    with archive.open(part) as source:
        for _, element in etree.iterparse(source, tag=(_ROW, _MERGE), resolve_entities=False, no_network=True,
                                          load_dtd=False):
            if element.tag == _MERGE:
                budget.take_merged(sheet)
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref") or "")
                boxes.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
            else:
                rows += 1
                budget.check_rows_ahead(rows, sheet)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    return boxes


def read_xlsx(path: Path, name: str, limits: Limits) -> list[Grid]:
    """Every worksheet of a workbook, as cached values (formulas are read as Excel last showed them)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(path, name, ".xlsx workbook", limits)
    budget = Budget(name, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            with zipfile.ZipFile(path) as archive:
                return [_sheet_grid(ws, archive, budget) for ws in workbook.worksheets]
        finally:
            workbook.close()
    except (*DAMAGED, InvalidFileException) as exc:
        raise CorpusError(f"{name}: not a readable .xlsx workbook (encrypted, damaged, or an old .xls "
                          f"renamed?): {clip(str(exc), 80)}") from None
