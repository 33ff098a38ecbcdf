"""Grids of text cells, the one shape every reader produces, and merged cells laid out as the .txt files are.

Merged cells follow the .txt layout: a value merged down a column is repeated in each row it
covers, except that a merged 序号 stays empty below its first row (so the lower row is a
continuation of that target, as an empty 序号 is in .txt), and so does the target's content
on such a continuation row. A merge across columns keeps its value in its first column only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa_app.errors import CorpusError
from qa_app.parsing.columns import column_key, find_header
from qa_app.parsing.guards import Budget

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


def fill_merged(rows: list[list[str]], boxes: list[Box], budget: Budget | None = None,
                sheet: str = "") -> list[list[str]]:
    """Copy merged values down their column, the way the .txt tables write them (see module doc).

    Only columns under the header are filled, and boxes are cut at the last row read; `budget`
    refuses boxes covering more cells than a file may hold (overlapping merges in a crafted file
    would otherwise cost rows × boxes).
    """
    found = find_header(rows) if boxes else None
    if found is None:
        return rows
    header_at = found[0]
    keys = [column_key(c) for c in rows[header_at]]
    last = len(rows) - 1
    wanted = sorted((top, col, min(bottom, last)) for top, col, bottom, _ in boxes
                    if header_at < top <= last and col < len(keys) and keys[col] != "number")
    if budget is not None:
        budget.check_merged(sum(bottom - top for top, _, bottom in wanted), sheet)
    numbers = [j for j, key in enumerate(keys) if key == "number"]
    out = [list(r) for r in rows]
    for top, col, bottom in wanted:
        value = out[top][col] if col < len(out[top]) else ""
        number_col = max((j for j in numbers if j < col), default=None)
        for r in range(top + 1, bottom + 1):
            row = out[r]
            if len(row) <= col:
                if not value:
                    continue
                row += [""] * (col + 1 - len(row))
            if keys[col] == "content" and number_col is not None and not row[number_col].strip():
                continue  # a continuation row: the target's content stays with the target above
            row[col] = value
    return out
