"""Readers for .xlsx, .csv and .docx: each file becomes grids of cell rows the table and notice parsers take.

A reader only turns a file into rows of text cells and says where each row came from (sheet,
table, row); deciding what the rows mean stays with `tables` and `notices`, so every format
is read by the same rules as the .txt originals.

Merged cells follow the .txt layout: a value merged down a column is repeated in each row it
covers, except that a merged 序号 stays empty below its first row (so the lower row is a
continuation of that target, as an empty 序号 is in .txt), and so does the target's content
on such a continuation row. A merge across columns keeps its value in its first column only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml.etree import XMLSyntaxError

from qa_app.errors import CorpusError
from qa_app.parsing.tables import column_key, find_layout

Box = tuple[int, int, int, int]  # merged range: first row, first column, last row, last column (0-based)


@dataclass
class Grid:
    """Rows of text cells read from one sheet (or a whole csv or Word file), with where each row is."""

    name: str
    rows: list[list[str]] = field(default_factory=list)
    places: list[tuple[str, int]] = field(default_factory=list)  # (sheet or table label, row number)

    def add(self, cells: list[str], place: tuple[str, int]) -> None:
        self.rows.append(cells)
        self.places.append(place)


def decode_text(data: bytes, name: str) -> str:
    """Text as UTF-8 (with or without BOM) or, failing that, GB18030 — what Chinese offices save."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusError(f"{name}: not UTF-8 or GB18030 text")


# ---------------------------------------------------------------- merged cells


def fill_merged(rows: list[list[str]], boxes: list[Box]) -> list[list[str]]:
    """Copy merged values down their column, the way the .txt tables write them (see module doc)."""
    header_at = next((i for i, cells in enumerate(rows) if find_layout(cells)), None)
    if header_at is None or not boxes:
        return rows
    keys = [column_key(c) for c in rows[header_at]]
    out = [list(r) for r in rows]
    for top, col, bottom, _ in sorted(boxes):
        key = keys[col] if col < len(keys) else None
        if top <= header_at or key == "number":
            continue
        number_col = max((j for j in range(col + 1) if keys[j] == "number"), default=None)
        for r in range(top + 1, bottom + 1):
            out[r] += [""] * (col + 1 - len(out[r]))
            continuation = number_col is not None and not out[r][number_col].strip()
            if key == "content" and continuation:
                continue
            out[r][col] = out[top][col]
    return out


# ---------------------------------------------------------------- .xlsx


def _cell_text(value, number_format: str = "General") -> str:
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


def _sheet_grid(ws) -> Grid:
    grid = Grid(ws.title)
    for number, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row), 1):
        cells = [_cell_text(c.value, getattr(c, "number_format", "General")) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        grid.add(cells, (ws.title, number))
    boxes = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in ws.merged_cells.ranges]
    grid.rows = fill_merged(grid.rows, boxes)
    return grid


def read_xlsx(path: Path) -> list[Grid]:
    """Every worksheet of a workbook, as cached values (formulas are read as Excel last showed them)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, XMLSyntaxError, KeyError, ValueError, TypeError) as exc:
        raise CorpusError(f"{path.name}: not a readable .xlsx workbook (encrypted, damaged, or "
                          f"an old .xls renamed?): {exc}") from None
    try:
        return [_sheet_grid(ws) for ws in workbook.worksheets]
    finally:
        workbook.close()


# ---------------------------------------------------------------- .csv


def read_csv(path: Path) -> list[Grid]:
    """A csv file in UTF-8 or GB18030; the delimiter (, tab ;) is the one that shows a header row."""
    text = decode_text(path.read_bytes(), path.name)
    best: list[tuple[int, list[str]]] = []
    for delimiter in (",", "\t", ";"):
        rows = _csv_rows(text, delimiter, path.name)
        if any(find_layout(cells) for _, cells in rows):
            best = rows
            break
        best = best or rows
    grid = Grid("")
    for line, cells in best:
        grid.add(cells, ("", line))
    return [grid]


def _csv_rows(text: str, delimiter: str, name: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CorpusError(f"{name}: line {start}: not valid csv: {exc}") from None
    return rows


# ---------------------------------------------------------------- .docx


def read_docx(path: Path) -> list[Grid]:
    """A Word document in reading order: each paragraph a one-cell row, each table row a row of cells.

    Paragraph numbers Word draws itself (list numbering) are written into the text, since the
    notice parser finds tasks by their "41." — a task is written with them or without.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, XMLSyntaxError, KeyError, ValueError) as exc:
        raise CorpusError(f"{path.name}: not a readable .docx document (an old .doc renamed?): {exc}") from None
    grid, boxes = Grid(""), []
    numbering = _Numbering(document)
    paragraphs = tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            rows, table_boxes = _table_rows(block)
            boxes += [(a + len(grid.rows), b, c + len(grid.rows), d) for a, b, c, d in table_boxes]
            for number, cells in enumerate(rows, 1):
                grid.add(cells, (f"table {tables}", number))
        else:
            paragraphs += 1
            grid.add([numbering.label(block) + block.text], ("", paragraphs))
    grid.rows = fill_merged(grid.rows, boxes)
    return [grid]


def _table_rows(table) -> tuple[list[list[str]], list[Box]]:
    """The cells of a Word table laid on its grid; vertical merges become boxes, like Excel's."""
    from docx.table import _Cell

    rows: list[list[str]] = []
    boxes: list[list[int]] = []
    for r, tr in enumerate(table._tbl.tr_lst):
        cells = [""] * (tr.grid_before or 0)
        for tc in tr.tc_lst:
            col = len(cells)
            if tc.vMerge == "continue":
                box = next((b for b in boxes if b[1] == col and b[2] == r - 1), None)
                if box:
                    box[2] = r
                cells.append("")
            else:
                cells.append(_Cell(tc, table).text.strip())
                boxes.append([r, col, r, col + tc.grid_span - 1])
            cells += [""] * (tc.grid_span - 1)
        rows.append(cells)
    return rows, [tuple(b) for b in boxes if b[2] > b[0]]


_CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 40 → 四十: how section headings are numbered."""
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十" + (_CHINESE_DIGITS[ones] if ones else "")
    return str(n)


class _Numbering:
    """Renders the numbers Word draws before list paragraphs ("41. ", "一、")."""

    def __init__(self, document):
        self.root = document.part.numbering_part.element
        self.counters: dict[str, dict[int, int]] = {}

    def label(self, paragraph) -> str:
        num_id, level = _num_pr(paragraph)
        if not num_id or num_id == "0":
            return ""
        counts = self.counters.setdefault(num_id, {})
        start = int(self._level_attr(num_id, level, "start") or 1)
        counts[level] = counts.get(level, start - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        fmt = self._level_attr(num_id, level, "numFmt") or "decimal"
        if fmt in ("bullet", "none"):
            return ""
        text = self._level_attr(num_id, level, "lvlText") or f"%{level + 1}."
        for k in range(level + 1):
            value = counts.get(k, 1)
            shown = chinese_number(value) if fmt.startswith(("chinese", "ideograph")) else str(value)
            text = text.replace(f"%{k + 1}", shown)
        return text + ("" if text.endswith("、") else " ")

    def _level_attr(self, num_id: str, level: int, name: str) -> str | None:
        abstract = self.root.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not abstract:
            return None
        found = self.root.xpath(
            f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]/w:{name}/@w:val')
        return found[0] if found else None


def _num_pr(paragraph) -> tuple[str | None, int]:
    """(numId, level) from the paragraph itself or, failing that, from its style (List Number)."""
    for ppr in (paragraph._p.pPr, _style_ppr(paragraph)):
        numpr = ppr.numPr if ppr is not None else None
        if numpr is not None and numpr.numId is not None:
            level = numpr.ilvl.val if numpr.ilvl is not None else 0
            return str(numpr.numId.val), int(level)
    return None, 0


def _style_ppr(paragraph):
    style = paragraph.style
    return style.element.pPr if style is not None else None


# ---------------------------------------------------------------- dispatch


READERS = {".xlsx": read_xlsx, ".csv": read_csv, ".docx": read_docx}


def read_grids(path: Path) -> list[Grid]:
    """The grids of a .xlsx, .csv or .docx file; CorpusError naming the file when it cannot be read."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CorpusError(f"{path.name}: unsupported file type {path.suffix!r}")
    try:
        return reader(path)
    except OSError as exc:
        raise CorpusError(f"{path.name}: cannot read: {exc.strerror or exc}") from None
