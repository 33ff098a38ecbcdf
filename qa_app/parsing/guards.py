"""What an incoming document may cost: checked before it is parsed, and row by row while it is read.

Documents arrive by email and USB stick. An .xlsx/.docx is a zip archive of XML, so a 2.6 MB file
can unpack to a gigabyte, declare a million rows, or carry a DTD whose entities expand a billion
times or read /etc/passwd. Before any library parses it: the file's size on disk, the archive's
entry count (from its end record, before the central directory is read), the declared uncompressed
size of its parts (zipfile's own info, nothing extracted; zipfile stops at the declared size, so a
part cannot unpack to more than it declares), and the prolog of every XML part through defusedxml,
which refuses a DTD, entity declarations and external references. While reading, `Budget` counts
rows and cells and measures each cell, so reading stops at the first row past a limit.

Every refusal is one `TooBig` line: the place, what was too big, the limit, and the QA_* variable
that raises it (read by the CLI into `Settings.limits`).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from qa_app.errors import CorpusError
from qa_app.records import Skipped
from qa_app.settings import Limits, limit_variable
from qa_app.text import clip

MB = 1024 * 1024
# What zipfile, lxml, openpyxl and python-docx raise on a damaged or crafted package: corrupt deflate
# data (zlib.error), a cut-off part (EOFError), unsupported or encrypted entries (NotImplementedError,
# RuntimeError), bad XML (SyntaxError), and values the libraries convert (ValueError, KeyError …).
DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError, OSError, SyntaxError,
           RuntimeError, KeyError, ValueError, TypeError, IndexError, AttributeError, OverflowError)
_END_RECORD = b"PK\x05\x06"
_END_FORMAT = "<4s4H2LH"  # signature, disk numbers, entries on this disk, entries in all, sizes, comment
_PROLOG_CHUNK = 64 * 1024


class TooBig(CorpusError):
    """A document past one of the limits (or declaring XML entities); says which setting raises it."""

    def __init__(self, file: str, reason: str, line: int = 0, sheet: str = ""):
        self.skipped = Skipped(file, line, reason, sheet)
        super().__init__(f"{self.skipped.where}: {reason}")


_UNITS = {"max_file_mb": "{:g} MB", "max_unpacked_mb": "{:g} MB", "max_archive_entries": "{:,} parts",
          "max_rows": "{:,} rows in a file", "max_cells": "{:,} cells in a file", "max_cell_chars": "{:,} characters",
          "max_merged_ranges": "{:,} merged ranges in a file", "max_pages": "{:,} pages",
          "max_pixels": "{:,} pixels"}


def over(what: str, limits: Limits, field: str) -> str:
    """The reason of a refusal: what was found, the limit, and the QA_* variable that raises it."""
    limit = _UNITS[field].format(getattr(limits, field))
    return f"{what}, over the limit of {limit} (set {limit_variable(field)} to raise it)"


def _mb(size: float) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size / 1024:,.0f} KB"


def check_file_size(path: Path, name: str, limits: Limits) -> int:
    """The file's size in bytes, refused past `max_file_mb` before a byte of it is read."""
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise TooBig(name, over(f"the file is {_mb(size)}", limits, "max_file_mb"))
    return size


def _declared_entries(path: Path, size: int) -> int | None:
    """Entries the archive's end record declares (None: no end record, so not a zip or cut short)."""
    with path.open("rb") as handle:
        handle.seek(max(0, size - (65_535 + 22)))  # the end record and a comment of at most 64 KB
        tail = handle.read()
    at = tail.rfind(_END_RECORD)
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack(_END_FORMAT, tail[at:at + 22])[4]


def check_archive(path: Path, name: str, kind: str, limits: Limits) -> None:
    """Refuse an .xlsx/.docx whose archive is damaged, too big unpacked, or has XML with a DTD."""
    size = check_file_size(path, name, limits)
    entries = _declared_entries(path, size)
    if entries is None:
        raise CorpusError(f"{name}: not a readable {kind} (not a zip archive, or cut short: no end record)")
    if entries > limits.max_archive_entries:
        raise TooBig(name, over(f"the archive has {entries:,} parts", limits, "max_archive_entries"))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            if unpacked > limits.max_unpacked_mb * MB:
                biggest = max(infos, key=lambda info: info.file_size)
                raise TooBig(name, over(f"it unpacks to {_mb(unpacked)} ({clip(biggest.filename)}: "
                                        f"{_mb(biggest.file_size)})", limits, "max_unpacked_mb"))
            for info in infos:
                _check_prolog(archive, info, name)
    except DAMAGED as exc:
        raise CorpusError(f"{name}: not a readable {kind} (damaged archive: {clip(str(exc), 80)})") from None


class _RootReached(Exception):
    """The XML prolog is over: a DTD can no longer come."""


class _StopAtRoot:
    def start(self, tag, attrib):
        raise _RootReached

    def end(self, tag):
        pass

    def data(self, data):
        pass

    def close(self):
        pass


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> None:
    """An XML part must not declare a DTD or entities; only the prolog (up to the root element) can."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    with archive.open(info) as part:
        first = part.read(_PROLOG_CHUNK)
        if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return  # not XML (an image, a binary part): the libraries do not parse it as XML
        parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=True, forbid_entities=True,
                                  forbid_external=True)
        try:
            chunk = first
            while chunk:
                parser.feed(chunk)
                chunk = part.read(_PROLOG_CHUNK)
        except _RootReached:
            return
        except DefusedXmlException as exc:
            raise TooBig(name, f"{info.filename} declares XML entities or a DTD ({type(exc).__name__}); "
                               "refused: entity expansion and external entities are never read") from None
        except ParseError as exc:
            raise CorpusError(f"{name}: {info.filename} is not well-formed XML ({clip(str(exc), 80)})") from None


class Budget:
    """Rows and cells read from one file so far, refused at the first one past the limits."""

    def __init__(self, name: str, limits: Limits):
        self.name = name
        self.limits = limits
        self.rows = 0
        self.cells = 0
        self.merged = 0

    def check_declared(self, sheet: str, rows: int | None) -> None:
        """A sheet's declared row count (its <dimension>), refused before its rows are read. Its width is
        not trusted either way: rows are read as long as their last cell, and counted."""
        if rows and rows > self.limits.max_rows - self.rows:
            raise TooBig(self.name, over(f"the sheet declares {rows:,} rows", self.limits, "max_rows"), 0, sheet)

    def take_width(self, width: int, sheet: str, line: int) -> None:
        """Count one row of `width` cells (empty ones inside the row too) before its cells are read."""
        self.rows += 1
        self.cells += width
        limits = self.limits
        if self.rows > limits.max_rows:
            raise TooBig(self.name, over(f"more than {limits.max_rows:,} rows", limits, "max_rows"), line, sheet)
        if self.cells > limits.max_cells:
            raise TooBig(self.name, over(f"more than {limits.max_cells:,} cells", limits, "max_cells"), line, sheet)

    def check_rows_ahead(self, rows: int, sheet: str) -> None:
        """Rows found ahead of reading them (a sheet's <row> elements): refused past the limit."""
        if self.rows + rows > self.limits.max_rows:
            raise TooBig(self.name, over(f"more than {self.limits.max_rows:,} rows", self.limits, "max_rows"), 0, sheet)

    def take_merged(self, sheet: str) -> None:
        """Count one merged range."""
        self.merged += 1
        if self.merged > self.limits.max_merged_ranges:
            raise TooBig(self.name, over(f"more than {self.limits.max_merged_ranges:,} merged ranges", self.limits,
                                         "max_merged_ranges"), 0, sheet)

    def check_merged(self, covered: int, sheet: str) -> None:
        """Merged ranges copy their value into the cells they cover; no more than a file's cells."""
        if covered > self.limits.max_cells:
            raise TooBig(self.name, over(f"merged cells cover {covered:,} cells", self.limits, "max_cells"), 0, sheet)

    def check_cells(self, cells: list[str], sheet: str, line: int) -> list[str]:
        """The row's cells, refused when one is longer than `max_cell_chars`."""
        longest = max(cells, key=len, default="")
        if len(longest) > self.limits.max_cell_chars:
            raise TooBig(self.name, over(f"a cell of {len(longest):,} characters (“{clip(longest)}”)", self.limits,
                                         "max_cell_chars"), line, sheet)
        return cells

    def take(self, cells: list[str], sheet: str, line: int) -> list[str]:
        """Count and check one row of cells already read (a text line, a csv row, a Word paragraph)."""
        self.take_width(len(cells), sheet, line)
        return self.check_cells(cells, sheet, line)
