"""PDF files with a text layer: ruled tables as tables, the rest as paragraphs, page by page.

pdfplumber finds a page's ruled tables from its drawn lines and rectangles; their cells' wrapped
lines are joined, and merged cells (one rectangle over several rows) become boxes, filled down
as the .xlsx and .docx readers fill them. The text outside the tables is read as lines, less the
running header, footer and page number (`lines.drop_furniture`), and `pages.assemble` lays it all
into one grid: a table over several pages read once, paragraphs joined across page breaks.

Before pdfplumber parses a page, what it would cost is checked: the page count (`max_pages`), the
page's content streams decompressed (`max_unpacked_mb` over the whole file, measured with a
bounded inflate, so a deflate bomb is refused before pdfminer inflates it whole) and the pixels
of its images (`max_pixels`). A page without text (a scan) goes to OCR (`ocr`).
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Box, Grid
from qa_app.parsing.guards import DAMAGED, MB, Budget, TooBig, check_file_size, over
from qa_app.parsing.lines import Line, drop_furniture, tidy_line
from qa_app.parsing.pages import TableBlock, assemble
from qa_app.settings import Limits
from qa_app.text import clip

# A gap this wide (points) between two characters is a space: a printed space glyph is ~0.3 em
# (2.7 pt in 9 pt type) and pdfplumber's 3 pt default would drop it between unit names.
_X_TOLERANCE = 1.5
_TEXT_CHARS = 10  # fewer characters than this on a page: a scanned page, read by OCR
logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of every Chromium/Word PDF


def read_pdf(path: Path, name: str, limits: Limits) -> list[Grid]:
    """A PDF's pages as one grid; scanned pages are read by OCR (the [ocr] extra)."""
    import pdfplumber
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    check_file_size(path, name, limits)
    try:
        with pdfplumber.open(path) as pdf:
            return [_read_pages(path, pdf, name, limits)]
    except (*DAMAGED, PSException, PDFException, PdfminerException) as exc:
        if isinstance(exc, TooBig | CorpusError):
            raise
        kind = "encrypted" if "password" in type(exc).__name__.lower() else "damaged"
        raise CorpusError(f"{name}: not a readable PDF ({kind}: {clip(str(exc) or type(exc).__name__, 80)})") from None


def _read_pages(path: Path, pdf, name: str, limits: Limits) -> Grid:
    pages = pdf.pages
    if len(pages) > limits.max_pages:
        raise TooBig(name, over(f"the PDF has {len(pages):,} pages", limits, "max_pages"))
    used = 0
    lines: list[list[Line]] = []
    tables: list[list[TableBlock]] = []
    scanned: list[int] = []
    for number, page in enumerate(pages, 1):
        used = check_page(page.page_obj, name, number, limits, used)
        found = _read_page(page, number)
        page.close()  # pdfplumber caches every page's objects: keep one page's at a time
        if found is None:
            scanned.append(number)
        lines.append(found[0] if found else [])
        tables.append(found[1] if found else [])
    if scanned:
        from qa_app.parsing.ocr import scanned_pages

        for number, (page_lines, page_tables) in scanned_pages(path, name, scanned, limits).items():
            lines[number - 1], tables[number - 1] = page_lines, page_tables
    body = drop_furniture(lines, [float(p.height) for p in pages])
    items: list[Line | TableBlock] = []
    for page_lines, page_tables in zip(body, tables, strict=True):
        items += sorted([*page_lines, *page_tables], key=lambda item: item.top)
    return assemble(items, Budget(name, limits))


def _read_page(page, number: int) -> tuple[list[Line], list[TableBlock]] | None:
    """A page's text lines and ruled tables; None for a page without text (a scan)."""
    if len(page.chars) < _TEXT_CHARS:
        return None
    found = page.find_tables()
    blocks = [_table_block(t, number) for t in found]
    page_lines = _page_lines(page, number, [t.bbox for t in found])
    if found:
        last = max(range(len(found)), key=lambda i: found[i].bbox[3])
        row, page_lines = _open_row(page, found[last], page_lines)
        if row is not None and len(row) == len(blocks[last].rows[0]):
            blocks[last].rows.append(row)
    return page_lines, blocks


def _page_lines(page, number: int, boxes: list[tuple]) -> list[Line]:
    """The page's text lines outside its tables."""
    def outside(obj) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    text = page.filter(outside) if boxes else page
    return [Line(number, float(t["x0"]), float(t["x1"]), float(t["top"]), float(t["bottom"]), tidy_line(t["text"]))
            for t in text.extract_text_lines(strip=True, x_tolerance=_X_TOLERANCE) if t["text"].strip()]


def _table_block(table, number: int) -> TableBlock:
    """A pdfplumber table's text, its wrapped cell lines joined, and its merged cells as boxes."""
    rows = [[(cell or "").strip() for cell in row] for row in table.extract(x_tolerance=_X_TOLERANCE)]
    return TableBlock(number, float(table.bbox[1]), rows, _merged(table))


def _open_row(page, table, lines: list[Line]) -> tuple[list[str] | None, list[Line]]:
    """The top half of a row cut by the page break: no rule closes it, so pdfplumber leaves it out of
    the table. It is the lines right under the table, inside its width, split at its columns."""
    x0, _, x1, bottom = table.bbox
    taken: list[Line] = []
    for line in sorted(lines, key=lambda item: item.top):
        last = taken[-1].bottom if taken else bottom
        if line.top >= bottom - 1 and line.x0 >= x0 - 1 and line.x1 <= x1 + 1 and line.top - last <= 1.5 * line.height:
            taken.append(line)
    if not taken:
        return None, lines
    lefts = sorted({round(c[0], 1) for c in table.cells})
    columns: list[dict[float, list]] = [{} for _ in lefts]
    for char in page.crop((x0, bottom, x1, taken[-1].bottom + 1), strict=False).chars:
        middle = (char["x0"] + char["x1"]) / 2
        col = max((i for i, left in enumerate(lefts) if left <= middle), default=0)
        columns[col].setdefault(round(char["top"]), []).append(char)
    cells = ["\n".join(_spaced(sorted(chars, key=lambda c: c["x0"])) for _, chars in sorted(col.items()))
             for col in columns]
    return cells, [line for line in lines if line not in taken]


def _merged(table) -> list[Box]:
    """Cells that span rows: (first row, column, last row, last column), on the table's own grid."""
    tops = sorted({round(c[1], 1) for c in table.cells})
    lefts = sorted({round(c[0], 1) for c in table.cells})
    boxes: list[Box] = []
    for x0, top, x1, bottom in table.cells:
        first = tops.index(round(top, 1))
        last = max(i for i, t in enumerate(tops) if t < bottom - 1)
        if last > first:
            col = lefts.index(round(x0, 1))
            right = max(i for i, x in enumerate(lefts) if x < x1 - 1)
            boxes.append((first, col, last, right))
    return boxes


def _spaced(chars: list[dict]) -> str:
    """One line's characters, a space where the gap between two is wider than `_X_TOLERANCE`."""
    text = ""
    for before, char in zip([None, *chars], chars, strict=False):
        if before is not None and char["x0"] - before["x1"] > _X_TOLERANCE:
            text += " "
        text += char["text"]
    return text.strip()


# ---------------------------------------------------------------- what a page costs


def check_page(page, name: str, number: int, limits: Limits, used: int) -> int:
    """Bytes of the page's content streams (forms included) once inflated, added to `used` and
    refused past `max_unpacked_mb`; images past `max_pixels` are refused too."""
    from pdfminer.pdftypes import resolve1

    streams = list(page.contents)
    resources = resolve1(page.resources) or {}
    for obj in (resolve1(resources.get("XObject")) or {}).values():
        obj = resolve1(obj)
        kind = getattr(resolve1(obj.get("Subtype")), "name", "") if hasattr(obj, "get") else ""
        if kind == "Form":
            streams.append(obj)
        elif kind == "Image":
            pixels = int(resolve1(obj.get("Width")) or 0) * int(resolve1(obj.get("Height")) or 0)
            if pixels > limits.max_pixels:
                raise TooBig(name, over(f"page {number} has an image of {pixels:,} pixels", limits, "max_pixels"))
    budget = int(limits.max_unpacked_mb * MB)
    for stream in streams:
        used += _inflated_size(resolve1(stream), budget - used + 1)
        if used > budget:
            raise TooBig(name, over(f"page {number}'s content unpacks to more than {limits.max_unpacked_mb:g} MB "
                                    "(with the pages before it)", limits, "max_unpacked_mb"))
    return used


def _inflated_size(stream, limit: int) -> int:
    """A stream's decoded size, inflating at most `limit` bytes of it (a bomb stops there)."""
    raw = getattr(stream, "rawdata", None)
    if raw is None:
        return len(getattr(stream, "data", b"") or b"")
    filters = [getattr(f, "name", str(f)) for f, _ in stream.get_filters()]
    if not filters or filters[0] not in ("FlateDecode", "Fl"):
        return len(raw)
    inflater = zlib.decompressobj()
    try:
        size = len(inflater.decompress(raw, max(limit, 1)))
    except zlib.error:
        return len(raw)  # pdfminer reads what it can of a corrupt stream: no more than its raw bytes
    return size + (1 if inflater.unconsumed_tail else 0)
