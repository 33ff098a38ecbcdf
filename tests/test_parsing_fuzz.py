"""Fuzzing the readers: random bytes, and real documents mutated (cells shifted, headers renamed, rows
duplicated or dropped, merges added, XML parts cut or spliced, archives truncated or bit-flipped).

Whatever comes in, `read_grids` either returns grids or raises the project's own `CorpusError` whose
message starts with the file's name, and `parse_file` never raises: it reports the file instead.
"""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from pathlib import Path

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from qa_app.errors import CorpusError
from qa_app.parsing import parse_file, read_text_lines
from qa_app.parsing.formats import read_grids
from tests.conftest import CORPUS_DIR

TABLE = read_text_lines(CORPUS_DIR / "001_d46b2bc31c3b0751.txt")
NOTICE = read_text_lines(CORPUS_DIR / "004_a6d61ab50cb7c05a.txt")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])
SUFFIXES = (".txt", ".csv", ".xlsx", ".docx")


def check_reads(data: bytes, suffix: str) -> None:
    """The property: grids or a CorpusError naming the file; parse_file reports and never raises."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        try:
            grids = read_grids(path)
            assert all(len(g.rows) == len(g.places) for g in grids)
        except CorpusError as exc:
            assert str(exc).startswith("fuzzed"), str(exc)
        document = parse_file(path)  # a table without rows gives neither records nor skips: also fine
        assert all(s.file == path.name for s in document.skipped)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(data, suffix):
    check_reads(data, suffix)


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from((".xlsx", ".docx")))
def test_random_bytes_behind_a_zip_signature(data, suffix):
    check_reads(b"PK\x03\x04" + data, suffix)


# ---- real documents, mutated row by row --------------------------------------------------------

XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)  # what a writer can store
CELL = st.one_of(XML_TEXT, st.sampled_from(["序号", "责任单位", "1", "", "  ", "=1/0", "是"]),
                 st.integers(-10**6, 10**6).map(str))


@st.composite
def mutated_rows(draw, lines: list[str]) -> list[list[str]]:
    rows = [line.split("\t") for line in lines[: draw(st.integers(5, len(lines)))]]
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(rows) - 1))
        action = draw(st.sampled_from(["shift", "rename", "duplicate", "drop", "replace", "widen"]))
        row = rows[at]
        if action == "shift":
            row.insert(draw(st.integers(0, len(row))), "")
        elif action == "rename" and row:  # a header or any cell under a new name
            row[draw(st.integers(0, len(row) - 1))] = draw(CELL)
        elif action == "duplicate":
            rows.insert(at, list(row))
        elif action == "drop" and len(rows) > 1:
            del rows[at]
        elif action == "replace":
            rows[at] = draw(st.lists(CELL, max_size=10))
        else:
            row += draw(st.lists(CELL, max_size=5))
    return rows


def _workbook(rows: list[list[str]], merges: list[tuple[int, int, int]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append([int(c) if c.isdigit() and len(c) < 6 else c for c in row] or [None])
    for top, col, height in merges:
        workbook.active.merge_cells(start_row=top, start_column=col, end_row=top + height, end_column=col)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _document(rows: list[list[str]], as_table: bool, merges: list[tuple[int, int, int]]) -> bytes:
    document = docx.Document()
    if as_table and rows:
        width = max(1, max(len(r) for r in rows))
        table = document.add_table(rows=len(rows), cols=width)
        grid = [r.cells for r in table.rows]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                grid[r][c].text = value
        for top, col, height in merges:
            if top - 1 + height < len(rows) and col - 1 < width:
                grid[top - 1][col - 1].merge(grid[top - 1 + height][col - 1])
    else:
        for row in rows:
            document.add_paragraph("\t".join(row))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


MERGES = st.lists(st.tuples(st.integers(1, 30), st.integers(1, 8), st.integers(1, 4)), max_size=4)


@FUZZ
@given(data=st.data(), suffix=st.sampled_from(SUFFIXES), source=st.sampled_from(["table", "notice"]),
       merges=MERGES)
def test_real_documents_with_rows_mutated(data, suffix, source, merges):
    rows = data.draw(mutated_rows(TABLE if source == "table" else NOTICE))
    if suffix == ".txt":
        payload = "\n".join("\t".join(r) for r in rows).encode()
    elif suffix == ".csv":
        payload = "\n".join(",".join(f'"{c}"' for c in r) for r in rows).encode("gb18030", "replace")
    elif suffix == ".xlsx":
        payload = _workbook(rows, merges)
    else:
        payload = _document(rows, source == "table", merges)
    check_reads(payload, suffix)


# ---- real documents, mutated inside the archive --------------------------------------------------


@functools.cache
def real_package(suffix: str) -> bytes:
    """The real table as a workbook or a Word table, with a merged range (built once)."""
    rows = [line.split("\t") for line in TABLE]
    return _workbook(rows, [(5, 2, 2)]) if suffix == ".xlsx" else _document(rows, True, [(5, 2, 2)])


def _splice(part: bytes, draw) -> bytes:
    start = draw(st.integers(0, len(part)))
    end = draw(st.integers(start, min(len(part), start + 200)))
    action = draw(st.sampled_from(["cut", "delete", "duplicate", "insert"]))
    if action == "cut":
        return part[:start]
    if action == "delete":
        return part[:start] + part[end:]
    if action == "duplicate":
        return part[:end] + part[start:end] + part[end:]
    return part[:start] + draw(st.sampled_from([b"<", b">", b"&", b'"', b"<x>", b"</w:tc>", b"<row>", b"\x00",
                                                b'<c r="ZZZZ9"><v>1</v></c>', b'ref="A1:XFD1048576"'])) + part[start:]


@FUZZ
@given(data=st.data(), suffix=st.sampled_from((".xlsx", ".docx")))
def test_real_documents_with_an_xml_part_spliced(data, suffix):
    with zipfile.ZipFile(io.BytesIO(real_package(suffix))) as source:
        names = [n for n in source.namelist() if n.endswith((".xml", ".rels"))]
        target = data.draw(st.sampled_from(names))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name in source.namelist():
                part = source.read(name)
                package.writestr(name, _splice(part, data.draw) if name == target else part)
    check_reads(out.getvalue(), suffix)


@FUZZ
@given(data=st.data(), suffix=st.sampled_from((".xlsx", ".docx")))
def test_real_archives_truncated_or_flipped(data, suffix):
    damaged = bytearray(real_package(suffix))
    if data.draw(st.booleans()):
        damaged = damaged[: data.draw(st.integers(0, len(damaged)))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            damaged[data.draw(st.integers(0, len(damaged) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    check_reads(bytes(damaged), suffix)
