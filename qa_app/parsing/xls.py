"""Excel 97–2003 workbooks (.xls), read with xlrd: every sheet's values, merged cells filled, within the limits.

xlrd reads the BIFF records itself (no converter needed). It holds the whole workbook, so the file's
size is checked first, each sheet's row count before its rows are read, and every row through the
`Budget`. Merged cells come from the sheet's merge records and are filled as the .xlsx reader fills
them (`grids.fill_merged`); numbers and dates are written as the office sees them (`xlsx._cell_text`).
"""

from __future__ import annotations

from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Grid, fill_merged
from qa_app.parsing.guards import Budget, check_file_size
from qa_app.parsing.xlsx import _cell_text
from qa_app.settings import Limits
from qa_app.text import clip


def read_xls(path: Path, name: str, limits: Limits) -> list[Grid]:
    """One grid per worksheet of an .xls workbook."""
    import xlrd

    check_file_size(path, name, limits)
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except (xlrd.XLRDError, AssertionError, ValueError, IndexError, KeyError, TypeError, OverflowError) as exc:
        raise CorpusError(f"{name}: not a readable .xls workbook (an .xlsx renamed?): {clip(str(exc), 80)}") from None
    budget = Budget(name, limits)
    try:
        return [_sheet_grid(book, book.sheet_by_index(i), budget) for i in range(book.nsheets)]
    finally:
        book.release_resources()


def _sheet_grid(book, sheet, budget: Budget) -> Grid:
    import xlrd

    budget.check_declared(sheet.name, sheet.nrows)
    grid = Grid(sheet.name)
    for r in range(sheet.nrows):
        budget.take_width(sheet.row_len(r), sheet.name, r + 1)
        cells = []
        for cell in sheet.row(r):
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                value = xlrd.xldate_as_datetime(value, book.datemode)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                value = None
            cells.append(_cell_text(value))
        grid.add(budget.check_cells(cells, sheet.name, r + 1), (sheet.name, r + 1))
    for _ in sheet.merged_cells:
        budget.take_merged(sheet.name)
    boxes = [(top, left, bottom - 1, right - 1) for top, bottom, left, right in sheet.merged_cells]
    grid.rows = fill_merged(grid.rows, boxes, budget, sheet.name)
    return grid
