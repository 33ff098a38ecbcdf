"""Word documents: paragraphs and tables in reading order, within the limits.

python-docx holds the document's XML whole (about 17 bytes of memory per byte of XML), so the
archive is checked first (`guards.check_archive`: unpacked size, XML without DTD) and rows are
counted while the document is walked. Lookups that python-docx would repeat per paragraph (the
paragraph's style, its list numbering) are built once into dictionaries, so a crafted file with
many styles or numbering definitions costs one pass, not one pass per paragraph.
"""

from __future__ import annotations

from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing.grids import Box, Grid, fill_merged
from qa_app.parsing.guards import DAMAGED, Budget, check_archive
from qa_app.settings import Limits
from qa_app.text import clip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: Path, name: str, limits: Limits) -> list[Grid]:
    """A Word document in reading order: each paragraph a one-cell row, each table row a row of cells.

    Paragraph numbers Word draws itself (list numbering) are written into the text, since the
    notice parser finds tasks by their "41." — a task is written with them or without.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_archive(path, name, ".docx document", limits)
    budget = Budget(name, limits)
    try:
        document = docx.Document(str(path))
        return [_document_grid(document, budget)]
    except (*DAMAGED, PackageNotFoundError) as exc:
        raise CorpusError(f"{name}: not a readable .docx document (an old .doc renamed?): "
                          f"{clip(str(exc), 80)}") from None


def _document_grid(document, budget: Budget) -> Grid:
    from docx.table import Table

    grid, boxes = Grid(""), []
    numbering = _Numbering(document)
    paragraphs = tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            rows, table_boxes = _table_rows(block, budget, f"table {tables}")
            boxes += [(a + len(grid.rows), b, c + len(grid.rows), d) for a, b, c, d in table_boxes]
            for number, cells in enumerate(rows, 1):
                grid.add(cells, (f"table {tables}", number))
        else:
            paragraphs += 1
            text = numbering.label(block._p) + block.text
            grid.add(budget.take([text], "", paragraphs), ("", paragraphs))
    grid.rows = fill_merged(grid.rows, boxes, budget)
    return grid


def _table_rows(table, budget: Budget, label: str) -> tuple[list[list[str]], list[Box]]:
    """The cells of a Word table laid on its grid; vertical merges become boxes, like Excel's.

    A row's width (cells it spans, gridBefore included) is counted before any cell is made, so a
    crafted span of a billion columns is refused instead of allocated.
    """
    from docx.table import _Cell

    rows: list[list[str]] = []
    boxes: list[list[int]] = []
    open_boxes: dict[int, list[int]] = {}  # column → the box that reaches the row above
    for r, tr in enumerate(table._tbl.tr_lst):
        spans = [max(1, tc.grid_span) for tc in tr.tc_lst]
        before = max(0, tr.grid_before or 0)
        budget.take_width(before + sum(spans), label, r + 1)
        cells = [""] * before
        reaching: dict[int, list[int]] = {}
        for tc, span in zip(tr.tc_lst, spans, strict=True):
            col = len(cells)
            if tc.vMerge == "continue":
                box = open_boxes.get(col)
                if box:
                    box[2] = r
                    reaching[col] = box
                cells.append("")
            else:
                cells.append(_Cell(tc, table).text.strip())
                box = [r, col, r, col + span - 1]
                boxes.append(box)
                reaching[col] = box
            cells += [""] * (span - 1)
        open_boxes = reaching
        rows.append(budget.check_cells(cells, label, r + 1))
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


def _number(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None and len(text) < 10 else default
    except ValueError:
        return default


def _val(element, tag: str) -> str | None:
    child = element.find(f"{_W}{tag}") if element is not None else None
    return child.get(f"{_W}val") if child is not None else None


def _num_pr(ppr) -> tuple[str, int] | None:
    """(numId, level) of a w:pPr that has list numbering."""
    numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
    if numpr is None or _val(numpr, "numId") is None:
        return None
    return _val(numpr, "numId"), _number(_val(numpr, "ilvl"), 0)


class _Numbering:
    """Renders the numbers Word draws before list paragraphs ("41. ", "一、")."""

    def __init__(self, document):
        root = document.part.numbering_part.element
        abstract: dict[str | None, dict[int, dict[str, str | None]]] = {}
        for definition in root.iterchildren(f"{_W}abstractNum"):
            levels = abstract.setdefault(definition.get(f"{_W}abstractNumId"), {})
            for lvl in definition.iterchildren(f"{_W}lvl"):
                levels.setdefault(_number(lvl.get(f"{_W}ilvl"), -1),
                                  {k: _val(lvl, k) for k in ("start", "numFmt", "lvlText")})
        self.levels: dict[str | None, dict[int, dict[str, str | None]]] = {}
        for num in root.iterchildren(f"{_W}num"):
            self.levels.setdefault(num.get(f"{_W}numId"), abstract.get(_val(num, "abstractNumId"), {}))
        self.styles, self.default_style = _style_numbering(document)
        self.counters: dict[str, dict[int, int]] = {}

    def label(self, p) -> str:
        """The number Word shows before the paragraph element `p` ("" when it has none)."""
        ppr = p.find(f"{_W}pPr")
        style = _val(ppr, "pStyle")
        found = _num_pr(ppr) or (self.styles[style] if style in self.styles else self.default_style)
        if not found or found[0] == "0":
            return ""
        num_id, level = found
        counts = self.counters.setdefault(num_id, {})
        definition = self.levels.get(num_id, {}).get(level, {})
        start = _number(definition.get("start"), 1)
        counts[level] = counts.get(level, start - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        fmt = definition.get("numFmt") or "decimal"
        if fmt in ("bullet", "none"):
            return ""
        text = definition.get("lvlText") or f"%{level + 1}."
        for k in range(min(level, 8) + 1):
            value = counts.get(k, 1)
            shown = chinese_number(value) if fmt.startswith(("chinese", "ideograph")) else str(value)
            text = text.replace(f"%{k + 1}", shown)
        return text + ("" if text.endswith("、") else " ")


def _style_numbering(document) -> tuple[dict[str, tuple[str, int] | None], tuple[str, int] | None]:
    """The list numbering (List Number) of each paragraph style by id, and the default style's.

    As python-docx resolves a paragraph's style: its w:pStyle when that names a paragraph style,
    otherwise the (last) default paragraph style.
    """
    styles: dict[str, tuple[str, int] | None] = {}
    default = None
    for style in document.styles.element.iterchildren(f"{_W}style"):
        if style.get(f"{_W}type") != "paragraph":
            continue
        found = _num_pr(style.find(f"{_W}pPr"))
        styles.setdefault(style.get(f"{_W}styleId") or "", found)
        if style.get(f"{_W}default") in ("1", "true", "on"):
            default = found
    return styles, default
