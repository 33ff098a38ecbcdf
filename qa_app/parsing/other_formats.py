"""The readers of formats beyond .txt/.csv/.xlsx/.docx, by file type (docs/formats.md).

Each is imported when a file of its type is read, so a missing optional backend (OCR) or an
absent converter (LibreOffice) costs nothing until such a file comes, and is then refused with
the install hint.
"""

from __future__ import annotations

from pathlib import Path

from qa_app.parsing.grids import Grid
from qa_app.settings import Limits


def _pdf(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.pdf import read_pdf

    return read_pdf(path, name, limits)


def _html(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.webpage import read_html

    return read_html(path, name, limits)


def _xls(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.xls import read_xls

    return read_xls(path, name, limits)


def _word97(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.convert import read_converted
    from qa_app.parsing.word import read_docx

    return read_converted(path, name, limits, "docx", read_docx)


def _calc(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.convert import read_converted
    from qa_app.parsing.xlsx import read_xlsx

    return read_converted(path, name, limits, "xlsx", read_xlsx)


def _image(path: Path, name: str, limits: Limits) -> list[Grid]:
    from qa_app.parsing.ocr import read_image

    return read_image(path, name, limits)


OTHER_READERS = {".png": _image, ".jpg": _image, ".jpeg": _image, ".pdf": _pdf, ".html": _html, ".htm": _html, ".xls": _xls, ".doc": _word97, ".wps": _word97,
                 ".et": _calc}
