"""Scanned pages (a PDF without text, .png/.jpg images) read by OCR: RapidOCR, the `[ocr]` extra.

RapidOCR's wheel ships its detection and recognition models, so nothing is fetched. It gives text
lines with their boxes; a ruled table is recovered from the scan's own rules (rows and columns of
dark pixels across the table) and each line goes to the cell its centre falls in, the lines of one
cell joined; the other lines become paragraphs (`lines.paragraphs`), pages joined as for a PDF.
A page costs 15–30 s on two cores, so results are cached by the file's hash (`ocr_cache`) and each
page is reported as it is done. An image or rendered page past `max_pixels`, or more frames or
pages than `max_pages`, is refused before it is decoded.
"""

from __future__ import annotations

import hashlib
import threading
from bisect import bisect_right
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.parsing import ocr_cache
from qa_app.parsing.grids import Grid
from qa_app.parsing.guards import Budget, TooBig, check_file_size, over
from qa_app.parsing.lines import Line, drop_furniture, join_wrapped, tidy_line
from qa_app.parsing.pages import TableBlock, assemble
from qa_app.settings import Limits

DPI = 150  # a scanned PDF page is rendered at this resolution (A4: 1240 × 1754 pixels)
LAYOUT = "ocr-2"  # bump when what is cached per page changes
INSTALL = "pip install 'qa_app[ocr]' (make install does)"
_LOCK = threading.Lock()
_ENGINE: list = []
PageLayout = tuple[list[Line], list[TableBlock]]


def _engine(name: str):
    """RapidOCR, made once per process; refused with the install command when the extra is missing."""
    with _LOCK:
        if not _ENGINE:
            try:
                from rapidocr import RapidOCR
            except ImportError:
                raise CorpusError(f"{name}: a scanned page needs OCR, which is not installed: {INSTALL}") from None
            _ENGINE.append(RapidOCR(params={"Global.log_level": "error"}))
        return _ENGINE[0]


def _key(path: Path) -> str:
    """The file's SHA-256 and what else decides the result: RapidOCR's version, the dpi, the layout."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"{digest.hexdigest()}-rapidocr{version('rapidocr')}-{DPI}-{LAYOUT}"


def read_image(path: Path, name: str, limits: Limits) -> list[Grid]:
    """A scanned image (.png/.jpg, each frame of a multi-page TIFF-like file a page) as one grid."""
    from PIL import Image, UnidentifiedImageError

    check_file_size(path, name, limits)
    try:
        Image.open(path).close()  # Pillow's own check of the declared size comes first: say it our way
    except Image.DecompressionBombError as exc:
        raise TooBig(name, over(f"the image is too large ({str(exc)[:60]})", limits, "max_pixels")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        pass
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1)
            if frames > limits.max_pages:
                raise TooBig(name, over(f"the image has {frames:,} frames", limits, "max_pages"))
            _check_pixels(image.size[0] * image.size[1], name, "the image", limits)
            heights = [float(image.size[1])] * frames

            def render(number: int):
                image.seek(number - 1)
                return image.convert("L")

            pages = _ocr_pages(path, name, list(range(1, frames + 1)), render, 1.0)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorpusError(f"{name}: not a readable image ({type(exc).__name__}: {str(exc)[:80]})") from None
    return [_grid(pages, heights, name, limits)]


def scanned_pages(path: Path, name: str, numbers: list[int], limits: Limits) -> dict[int, PageLayout]:
    """The layout of a PDF's scanned pages (1-based `numbers`), in PDF points, OCR'd or cached."""
    import pypdfium2

    scale = DPI / 72
    document = pypdfium2.PdfDocument(str(path))
    try:
        for number in numbers:
            width, height = document[number - 1].get_size()
            _check_pixels(int(width * scale) * int(height * scale), name, f"page {number} at {DPI} dpi", limits)

        def render(number: int):
            return document[number - 1].render(scale=scale, grayscale=True).to_pil().convert("L")

        return _ocr_pages(path, name, numbers, render, scale)
    finally:
        document.close()


def _check_pixels(pixels: int, name: str, what: str, limits: Limits) -> None:
    if pixels > limits.max_pixels:
        raise TooBig(name, over(f"{what} has {pixels:,} pixels", limits, "max_pixels"))


def _grid(pages: dict[int, PageLayout], heights: list[float], name: str, limits: Limits) -> Grid:
    body = drop_furniture([pages[n][0] for n in sorted(pages)], heights)
    items: list[Line | TableBlock] = []
    for number, lines in zip(sorted(pages), body, strict=True):
        items += sorted([*lines, *pages[number][1]], key=lambda item: item.top)
    return assemble(items, Budget(name, limits))


def _ocr_pages(path: Path, name: str, numbers: list[int], render, scale: float) -> dict[int, PageLayout]:
    """Each page's lines and tables: from the cache, else OCR'd, cached and reported page by page."""
    engine = _engine(name)
    key = _key(path)
    cached = (ocr_cache.load(key) or {}).get("pages", {})
    out: dict[int, PageLayout] = {}
    for done, number in enumerate(numbers, 1):
        if str(number) not in cached:
            cached[str(number)] = _page_layout(engine, render(number), scale)
            ocr_cache.store(key, {"file": name, "pages": cached})
        out[number] = _decoded(cached[str(number)], number)
        ocr_cache.report(name, done, len(numbers))
    return out


def _decoded(page: dict, number: int) -> PageLayout:
    lines = [Line(number, *box, text) for *box, text in page["lines"]]
    tables = [TableBlock(number, t["top"], t["rows"]) for t in page["tables"]]
    return lines, tables


def _page_layout(engine, gray, scale: float) -> dict:
    """OCR one page image: {"lines": [[x0, x1, top, bottom, text]…], "tables": [{"top", "rows"}]},
    in the page's own units (pixels / `scale`)."""
    import numpy as np

    pixels = np.asarray(gray)
    result = engine(np.stack([pixels] * 3, axis=-1))
    boxes = []
    for box, text in zip(result.boxes if result.boxes is not None else [], result.txts or (), strict=False):
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        boxes.append((min(xs) / scale, max(xs) / scale, min(ys) / scale, max(ys) / scale, tidy_line(text)))
    rules = _rules(pixels < 128)
    tables, rest = [], boxes
    if rules is not None:
        ys, xs = ([v / scale for v in axis] for axis in rules)
        rows, rest = _cells(boxes, ys, xs)
        tables.append({"top": ys[0], "rows": rows})
    return {"lines": [list(line) for line in _visual_lines(rest)], "tables": tables}


def _runs(mask) -> list[float]:
    """Centres of the runs of True in a 1-D mask (a rule is a few pixels thick)."""
    out, start = [], None
    for i, on in enumerate([*mask.tolist(), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start + i - 1) / 2)
            start = None
    return out


def _solid(dark, length: int):
    """Pixels that start a run of at least `length` dark pixels along each row: a rule, never the
    strokes of a line of text (a stroke is at most one character wide)."""
    import numpy as np

    sums = np.cumsum(np.pad(dark.astype(np.int32), ((0, 0), (1, 0))), axis=1)
    return (sums[:, length:] - sums[:, :-length]) == length


def _rules(dark) -> tuple[list[float], list[float]] | None:
    """The horizontal and vertical rules of the page's ruled table, or None when it has none."""
    height, width = dark.shape
    rows = _runs(_solid(dark, max(width // 20, 8)).mean(axis=1) > 0.25)
    if len(rows) < 3:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    span = _solid(dark[top:bottom].T, max((bottom - top) // 20, 8)).mean(axis=1)
    columns = _runs(span > 0.5)
    return (rows, columns) if len(columns) >= 3 else None


def _open_bottom(boxes: list[tuple], ys: list[float], xs: list[float]) -> list[float]:
    """The rows' rules, with one more under the lines right below the last rule inside the table's
    width: the top half of a row cut by the page break, which no rule closes."""
    bottom = ys[-1]
    for box in sorted(boxes, key=lambda b: b[2]):
        inside = box[0] >= xs[0] - 2 and box[1] <= xs[-1] + 2
        if inside and box[2] >= ys[-1] - 2 and box[2] - bottom <= 1.5 * (box[3] - box[2]):
            bottom = max(bottom, box[3])
    return ys + [bottom + 1] if bottom > ys[-1] else ys


def _split_at_rules(box: tuple, xs: list[float]) -> list[tuple]:
    """A line OCR read across a column rule ("151肖": a number and a name close together) cut at
    the rule, at the character the rule falls on (a Latin character counted half as wide)."""
    x0, x1, top, bottom, text = box
    weights = [0.55 if ch.isascii() else 1.0 for ch in text]
    total = sum(weights)
    char = (x1 - x0) / max(total, 1.0)  # a line overlapping a rule by less than a character is not cut
    inner = [x for x in xs[1:-1] if x0 + 0.7 * char < x < x1 - 0.7 * char]
    if not inner or len(text) < 2:
        return [box]
    pieces, start, done = [], 0, 0.0
    for rule in inner:
        share = (rule - x0) / (x1 - x0) * total
        end = start
        while end < len(text) and done + weights[end] / 2 < share:
            done += weights[end]
            end += 1
        if start < end:
            pieces.append((start, end))
        start = end
    pieces.append((start, len(text)))
    edges = [x0, *inner, x1]
    return [(edges[i], edges[i + 1], top, bottom, text[a:b]) for i, (a, b) in enumerate(pieces) if a < b]


def _cells(boxes: list[tuple], ys: list[float], xs: list[float]) -> tuple[list[list[str]], list[tuple]]:
    """The table's cells from the lines whose centre falls between its rules; the other lines."""
    ys = _open_bottom(boxes, ys, xs)
    boxes = [piece for box in boxes for piece in
             (_split_at_rules(box, xs) if ys[0] <= (box[2] + box[3]) / 2 <= ys[-1] else [box])]
    cells: list[list[list[tuple]]] = [[[] for _ in xs[1:]] for _ in ys[1:]]
    rest = []
    for box in boxes:
        cx, cy = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
        r, c = bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1
        if 0 <= r < len(ys) - 1 and 0 <= c < len(xs) - 1:
            cells[r][c].append(box)
        else:
            rest.append(box)
    rows = [["\n".join(b[4] for b in sorted(cell, key=lambda b: (round(b[2] / 8), b[0]))) for cell in row]
            for row in cells]
    return rows, rest


def _visual_lines(boxes: list[tuple]) -> list[tuple]:
    """Boxes on one line of the page (their middles within half a line) as one line, left to right."""
    lines: list[list[tuple]] = []
    for box in sorted(boxes, key=lambda b: (b[2] + b[3]) / 2):
        middle, height = (box[2] + box[3]) / 2, box[3] - box[2]
        last = lines[-1] if lines else None
        if last and abs(middle - (last[0][2] + last[0][3]) / 2) <= height / 2:
            last.append(box)
        else:
            lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[0])
        text = join_wrapped([b[4] for b in line]) if len(line) > 1 else line[0][4]
        out.append((line[0][0], line[-1][1], min(b[2] for b in line), max(b[3] for b in line), text))
    return out
