"""Readers: each file becomes grids of cell rows the table and notice parsers take.

A reader only turns a file into rows of text cells and says where each row came from (sheet,
table, row); deciding what the rows mean stays with `tables` and `notices`, so every format
is read by the same rules as the .txt originals. Every reader works within `Limits` (see
`guards`): a file past one is refused with one line naming the file, the place, the limit and the
setting that raises it. .xlsx lives in `xlsx`, .docx in `word`; the text formats are here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.columns import find_header
from qa_app.parsing.grids import Grid, decode_text
from qa_app.parsing.guards import Budget, TooBig, check_file_size, over
from qa_app.parsing.other_formats import OTHER_READERS
from qa_app.parsing.word import read_docx
from qa_app.parsing.xlsx import read_xlsx
from qa_app.settings import Limits
from qa_app.text import clip


def _read_text(path: Path, name: str, limits: Limits) -> str:
    check_file_size(path, name, limits)
    return decode_text(path.read_bytes(), name)


def read_txt(path: Path, name: str, limits: Limits) -> list[Grid]:
    """A text file's lines, each split at tabs (a table row) or kept whole (a notice's line)."""
    budget, grid = Budget(name, limits), Grid("")
    for number, line in enumerate(_read_text(path, name, limits).splitlines(), 1):
        grid.add(budget.take(line.split("\t"), "", number), ("", number))
    return [grid]


# ---------------------------------------------------------------- .csv


def read_csv(path: Path, name: str, limits: Limits) -> list[Grid]:
    """A csv file in UTF-8 or GB18030; the delimiter (, tab ;) is the one that shows a header row."""
    text = _read_text(path, name, limits)
    best: list[tuple[int, list[str]]] = []
    for delimiter in (",", "\t", ";"):
        rows = _csv_rows(text, delimiter, Budget(name, limits))
        if find_header([cells for _, cells in rows]) is not None:
            best = rows
            break
        best = best or rows
    grid = Grid("")
    for line, cells in best:
        grid.add(cells, ("", line))
    return [grid]


def _csv_rows(text: str, delimiter: str, budget: Budget) -> list[tuple[int, list[str]]]:
    # The csv module refuses a field past its own (process-wide) limit before handing it over;
    # it is only ever raised, to just above ours, so that ours is the one that speaks.
    csv.field_size_limit(max(csv.field_size_limit(), budget.limits.max_cell_chars + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, budget.take(cells, "", start)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):
            limit = budget.limits.max_cell_chars
            raise TooBig(budget.name, over(f"a cell of more than {limit:,} characters", budget.limits,
                                           "max_cell_chars"), start) from None
        raise CorpusError(f"{budget.name}: line {start}: not valid csv: {clip(str(exc), 80)}") from None
    return rows


# ---------------------------------------------------------------- dispatch


READERS = {".txt": read_txt, ".xlsx": read_xlsx, ".csv": read_csv, ".docx": read_docx, **OTHER_READERS}


def read_grids(path: Path, name: str | None = None, limits: Limits | None = None) -> list[Grid]:
    """The grids of a supported file; CorpusError naming the file when it cannot be read or is too big.

    `name` is the name messages use when it differs from the path's (an upload's temporary file).
    """
    name = name or path.name
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CorpusError(f"{name}: unsupported file type {path.suffix!r}")
    try:
        return reader(path, name, limits or Limits())
    except OSError as exc:
        raise CorpusError(f"{name}: cannot read: {exc.strerror or exc}") from None
