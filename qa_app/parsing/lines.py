"""Positioned text lines (a PDF's text layer, or OCR) → paragraphs and table rows, in reading order.

A PDF or a scan has no paragraphs, only lines at positions. A line goes on the paragraph above
when that one ran to the right edge and this one is not indented, so a paragraph cut by a page
break is joined again, as Word would show it. Lines in the top and bottom margins that repeat on
several pages (the running title, the printing date) or read as a page number are the page's
furniture, not the document, and are dropped. Wrapped text is joined without a space between
Chinese characters, with one between Latin words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

from qa_app.parsing.notices import SECTION, TASK_START

MARGIN = 0.08  # the top and bottom share of a page where running headers and footers are
_PAGE_NUMBER = re.compile(r"^[-—－–·\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4}|\s*[,，]?\s*共\s*\d{1,4}\s*页)?"
                          r"[-—－–·\s]*$")
_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


@dataclass(frozen=True)
class Line:
    """One line of text where it stands on its page (points or pixels, top-down)."""

    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    text: str

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


def tidy_line(text: str) -> str:
    """Spaces a PDF's layout or OCR put between Chinese characters are not the document's."""
    return _CJK_GAP.sub("", text.strip())


def join_wrapped(parts: list[str]) -> str:
    """Lines of one wrapped cell or paragraph as one text: no space after a Chinese character."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Each page's lines less its running header, footer and page number.

    A margin line is dropped when it reads as a page number, or when the same text (digits aside)
    stands in the margins of two pages or more; a title that is only on the first page stays.
    """
    def in_margin(line: Line) -> bool:
        height = heights[line.page - 1]
        return line.bottom <= height * MARGIN or line.top >= height * (1 - MARGIN)

    seen: dict[str, set[int]] = {}
    for lines in pages:
        for line in lines:
            if in_margin(line):
                seen.setdefault(_furniture_key(line.text), set()).add(line.page)
    repeated = {key for key, on in seen.items() if len(on) >= 2}
    return [[line for line in lines if not (in_margin(line) and (_PAGE_NUMBER.match(line.text)
                                                                  or _furniture_key(line.text) in repeated))]
            for lines in pages]


def paragraphs(lines: list[Line]) -> list[tuple[int, str]]:
    """(page of its first line, text) of each paragraph of consecutive body lines."""
    if not lines:
        return []
    size = median(line.height for line in lines)
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    out: list[tuple[int, list[str]]] = []
    previous: Line | None = None
    for line in lines:
        if previous is not None and _continues(previous, line, left, right, size):
            out[-1][1].append(line.text)
        else:
            out.append((line.page, [line.text]))
        previous = line
    return [(page, join_wrapped(parts)) for page, parts in out]


def _continues(previous: Line, line: Line, left: float, right: float, size: float) -> bool:
    """Whether `line` wraps on from `previous`: that one is full to the right edge, this one starts
    at the left edge and opens no numbered item or section."""
    full = previous.x1 >= right - 1.5 * size
    flush = line.x0 <= left + 0.8 * size
    near = line.page != previous.page or line.top - previous.bottom <= 1.2 * size
    opens = TASK_START.match(line.text) or SECTION.match(line.text)
    return full and flush and near and not opens
