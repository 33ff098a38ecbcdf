"""A list or overview answer as a table: .xlsx for Excel, .csv (UTF-8 with BOM, which Excel opens).

Office staff paste lists into reports; retyping them loses rows. One row per record under the
column names the documents use (the same columns the chat's source cards show), then the source
file and the record's number in it. Targets and tasks have different columns, so a mixed list
keeps both sets; a cell a record's kind does not have stays empty. Writes are atomic.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qa_app.errors import QAError
from qa_app.fields import record_fields
from qa_app.records import Record

SOURCE_COLUMNS = ("来源文件", "文件标题", "记录编号")
FORMATS = ("xlsx", "csv")


def record_rows(record: Record) -> list[tuple[str, str]]:
    """The record's fields under the column names the documents use, in their order (the field catalog)."""
    return record_fields(record)


def table(records: Sequence[Record]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): the documents' columns (in their order, first seen first), then the source."""
    columns: list[str] = []
    for record in records:
        for name, _ in record_rows(record):
            if name not in columns:
                columns.append(name)
    header = columns + list(SOURCE_COLUMNS)
    rows = []
    for record in records:
        values = dict(record_rows(record))
        rows.append([values.get(name, "") for name in columns] + [record.doc, record.title, record.id])
    return header, rows


def to_csv(records: Sequence[Record]) -> bytes:
    header, rows = table(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(records: Sequence[Record], sheet: str = "条目") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    header, rows = table(records)
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([_cell(v) for v in row])
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # written text, never a formula
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, name in zip((c.column_letter for c in ws[1]), header, strict=True):
        ws.column_dimensions[letter].width = 48 if name in ("责任目标内容", "任务内容", "完成情况") else 14
        for cell in ws[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(records: Sequence[Record], path: Path, fmt: str | None = None) -> Path:
    """Write the records to `path` (format from `fmt` or the suffix), atomically."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise QAError(f"export format must be .xlsx or .csv, not '{path.suffix or fmt}'")
    data = to_xlsx(records) if fmt == "xlsx" else to_csv(records)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise QAError(f"folder {directory} does not exist")
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _cell(value: str) -> object:
    """Numbers stay numbers, so 序号 sorts in Excel."""
    return int(value) if value.isdigit() and len(value) < 10 else value
