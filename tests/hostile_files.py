"""Hostile and broken documents, built into a folder: what `tests/test_hostile.py` and `make bench` refuse.

Each builder writes one file and returns its path. The office files are real packages (a workbook
saved by openpyxl, a document saved by python-docx) with one part replaced or added, written as a
stream, so a file that unpacks to a gigabyte is built without holding a gigabyte.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import docx
from openpyxl import Workbook

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
BODY = "word/document.xml"
HEADER = ["序号", "市政府领导", "责任目标内容", "完成时限", "一季度完成情况", "是否按计划完成进度", "责任单位"]
ROW = ["1", "王建设", "建成机场航站楼改扩建工程", "年底", "一季度完成主体结构封顶", "是", "市交通运输局"]


def quarter_xlsx(path: Path) -> Path:
    """A small, valid quarterly table (two targets): the base the office bombs are made from."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2024年一季度工作推进情况一览表"])
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.append(["2", *ROW[1:]])
    workbook.save(path)
    return path


def notice_docx(path: Path) -> Path:
    document = docx.Document()
    for text in ("2024年重点工作任务", "一、基础设施", "1. 建设城市快速路。（牵头单位：市交通运输局；参与单位：各县区政府）"):
        document.add_paragraph(text)
    document.save(path)
    return path


def _repack(base: Path, target: Path, part: str, body: Callable[[], Iterator[bytes]],
            extra: dict[str, bytes] | None = None) -> Path:
    """`base` with `part` replaced by the chunks of `body()`, written as a stream; `extra` parts added."""
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename == part:
                with out.open(part, "w", force_zip64=True) as sink:
                    for chunk in body():
                        sink.write(chunk)
            else:
                out.writestr(info, source.read(info))
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return target


def _sheet(rows: Callable[[], Iterator[bytes]], dimension: str | None = None) -> Callable[[], Iterator[bytes]]:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}>'
    head += f'<dimension ref="{dimension}"/>' if dimension else ""

    def body() -> Iterator[bytes]:
        yield (head + "<sheetData>").encode()
        yield from rows()
        yield b"</sheetData></worksheet>"
    return body


def _repeat(unit: bytes, total: int) -> Iterator[bytes]:
    chunk = unit * max(1, MB // len(unit))
    for _ in range(max(1, total // len(chunk))):
        yield chunk


def zip_bomb_xlsx(folder: Path, unpacked_mb: int = 1024) -> Path:
    """A sheet of 1,000-character cells that unpacks to `unpacked_mb` (1 GB packs into about 2.6 MB)."""
    row = b'<row><c t="inlineStr"><is><t>' + "超长单元格".encode() * 200 + b"</t></is></c></row>"
    base = quarter_xlsx(folder / "base-bomb.xlsx")
    return _repack(base, folder / "zip_bomb.xlsx", SHEET, _sheet(lambda: _repeat(row, unpacked_mb * MB)))


def _document(paragraphs: Callable[[], Iterator[bytes]], prolog: str = "") -> Callable[[], Iterator[bytes]]:
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def body() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document {ns}><w:body>'.encode()
        yield from paragraphs()
        yield b"</w:body></w:document>"
    return body


def zip_bomb_docx(folder: Path, unpacked_mb: int = 1024) -> Path:
    paragraph = "<w:p><w:r><w:t>推进重点项目建设，完成年度投资计划。</w:t></w:r></w:p>".encode()
    base = notice_docx(folder / "base-bomb.docx")
    return _repack(base, folder / "zip_bomb.docx", BODY, _document(lambda: _repeat(paragraph, unpacked_mb * MB)))


def _numbered_rows(first: int, count: int, numbered: bool = True) -> Iterator[bytes]:
    for start in range(first, first + count, 10_000):
        rows = range(start, min(first + count, start + 10_000))
        if numbered:
            yield b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in rows)
        else:
            yield b"<row><c><v>1</v></c></row>" * len(rows)


def million_rows_xlsx(folder: Path, rows: int = 1_000_000) -> Path:
    """A sheet exported with a million filled rows, its <dimension> saying so (about 40 MB unpacked)."""
    base = quarter_xlsx(folder / "base-million.xlsx")
    return _repack(base, folder / "million_rows.xlsx", SHEET,
                   _sheet(lambda: _numbered_rows(1, rows), dimension=f"A1:A{rows}"))


def declared_rows_xlsx(folder: Path) -> Path:
    """A small sheet whose <dimension> declares a million rows by seven columns."""
    base = quarter_xlsx(folder / "base-declared.xlsx")
    return _repack(base, folder / "declared_rows.xlsx", SHEET,
                   _sheet(lambda: _numbered_rows(1, 3), dimension="A1:G1000000"))


def undeclared_rows_xlsx(folder: Path, rows: int = 700_000) -> Path:
    """700,000 filled rows under 20 MB unpacked, with a <dimension> that lies (A1:A3): found while reading."""
    base = quarter_xlsx(folder / "base-undeclared.xlsx")
    return _repack(base, folder / "undeclared_rows.xlsx", SHEET,
                   _sheet(lambda: _numbered_rows(1, rows, numbered=False), dimension="A1:A3"))


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>")


def billion_laughs_docx(folder: Path) -> Path:
    """Nine levels of ten entities each: a billion "lol"s if expanded."""
    base = notice_docx(folder / "base-laughs.docx")
    paragraph = lambda: iter([b"<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>"])  # noqa: E731
    return _repack(base, folder / "billion_laughs.docx", BODY, _document(paragraph, prolog=LAUGHS))


def xxe_xlsx(folder: Path) -> Path:
    """A shared string that is an external entity: /etc/passwd if the parser fetched it."""
    base = quarter_xlsx(folder / "base-xxe.xlsx")
    strings = ('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               "<si><t>&xxe;</t></si></sst>")
    row = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    target = folder / "xxe.xlsx"
    _repack(base, target, SHEET, _sheet(lambda: iter([row])), extra={"xl/sharedStrings.xml": strings.encode()})
    return target


def truncated(folder: Path, suffix: str) -> Path:
    """A real workbook or document cut in half (a download or a copy that stopped)."""
    base = quarter_xlsx(folder / "base-cut.xlsx") if suffix == ".xlsx" else notice_docx(folder / "base-cut.docx")
    data = base.read_bytes()
    target = folder / f"truncated{suffix}"
    target.write_bytes(data[: len(data) // 2])
    return target


def big_txt(folder: Path, megabytes: int = 30) -> Path:
    """A 30 MB text table: the header, then the same row over and over."""
    line = ("\t".join(ROW) + "\n").encode()
    target = folder / "big.txt"
    with target.open("wb") as out:
        out.write(("\t".join(HEADER) + "\n").encode())
        for chunk in _repeat(line, megabytes * MB):
            out.write(chunk)
    return target


def long_line_csv(folder: Path, megabytes: int = 10) -> Path:
    """A csv whose second line is one 10 MB cell."""
    target = folder / "long_line.csv"
    target.write_bytes((",".join(HEADER) + "\n").encode() + b"1," + "很长的内容".encode() * (megabytes * MB // 15)
                       + b"\n")
    return target


def far_row_xlsx(folder: Path) -> Path:
    """Two rows, then row 1,000,000: three <row> elements, a million rows as read (gaps are rows too)."""
    base = quarter_xlsx(folder / "base-far.xlsx")
    rows = lambda: iter([b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><c r="A1000000"><v>2</v></c></row>'])  # noqa: E731
    return _repack(base, folder / "far_row.xlsx", SHEET, _sheet(rows, dimension="A1:A2"))


def many_parts_xlsx(folder: Path, parts: int = 5_000) -> Path:
    base = quarter_xlsx(folder / "base-parts.xlsx")
    extra = {f"xl/media/empty{i}.bin": b"" for i in range(parts)}
    return _repack(base, folder / "many_parts.xlsx", "", lambda: iter(()), extra=extra)


def wide_span_docx(folder: Path) -> Path:
    """A Word table cell spanning a billion grid columns."""
    base = notice_docx(folder / "base-span.docx")
    table = (b"<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"1000000000\"/></w:tcPr><w:p><w:r><w:t>x</w:t>"
             b"</w:r></w:p></w:tc></w:tr></w:tbl>")
    return _repack(base, folder / "wide_span.docx", BODY, _document(lambda: iter([table])))


def overlapping_merges_xlsx(folder: Path, merges: int = 40_000) -> Path:
    """A table whose 40,000 merged ranges all cover the same 40,000 rows (each a few bytes of XML)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER))
    first = "".join(f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(ROW))

    def body() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'.encode()
        yield f'<row r="1">{header}</row><row r="2">{first}</row><row r="40000"/>'.encode()
        yield f'</sheetData><mergeCells count="{merges}">'.encode()
        yield b'<mergeCell ref="B2:B40000"/>' * merges
        yield b"</mergeCells></worksheet>"
    base = quarter_xlsx(folder / "base-merges.xlsx")
    return _repack(base, folder / "overlapping_merges.xlsx", SHEET, body)


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "zip_bomb.xlsx": zip_bomb_xlsx,
    "zip_bomb.docx": zip_bomb_docx,
    "million_rows.xlsx": million_rows_xlsx,
    "declared_rows.xlsx": declared_rows_xlsx,
    "undeclared_rows.xlsx": undeclared_rows_xlsx,
    "far_row.xlsx": far_row_xlsx,
    "billion_laughs.docx": billion_laughs_docx,
    "xxe.xlsx": xxe_xlsx,
    "truncated.xlsx": lambda folder: truncated(folder, ".xlsx"),
    "truncated.docx": lambda folder: truncated(folder, ".docx"),
    "big.txt": big_txt,
    "long_line.csv": long_line_csv,
    "many_parts.xlsx": many_parts_xlsx,
    "wide_span.docx": wide_span_docx,
    "overlapping_merges.xlsx": overlapping_merges_xlsx,
}


def _renamed(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


# Just under the archive limits (19 MB unpacked against 20): what the worst file that gets past the
# archive checks costs. The Word file is refused at row 50,001 after python-docx has loaded it whole;
# the workbook (6,600 rows of 1,000-character cells) is read to its end and holds no table.
NEAR_LIMIT: dict[str, Callable[[Path], Path]] = {
    "near_limit.docx": lambda folder: _renamed(zip_bomb_docx(folder, unpacked_mb=19), "near_limit.docx"),
    "near_limit.xlsx": lambda folder: _renamed(zip_bomb_xlsx(folder, unpacked_mb=19), "near_limit.xlsx"),
}


def build(name: str, folder: Path, **options) -> Path:
    """Build one file of HOSTILE or NEAR_LIMIT by name into `folder` (its helper files are removed)."""
    path = {**HOSTILE, **NEAR_LIMIT}[name](folder, **options)
    for helper in folder.glob("base-*"):
        helper.unlink()
    return path


def folder_digest(*folders: Path) -> dict[str, str]:
    """Every file under the folders with a digest of its bytes: what a refused add must leave as it was."""
    state = {}
    for root in folders:
        for path in sorted(Path(root).rglob("*")):
            if path.is_file():
                state[f"{Path(root).name}/{path.relative_to(root)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state
