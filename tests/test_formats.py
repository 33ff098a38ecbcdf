"""Excel, csv and Word versions of the seed documents parse into the records of the .txt originals.

The versions are generated from the parsed .txt records: each target's `text` holds its raw
cells, and each task's `text` its raw paragraph, so a generated file holds the same cells in
another container. Records must then equal the originals in every field except `doc` and the
file part of `id` (the file name differs); `text` is compared too, so a reader that changed a
cell would fail. Ungluing unit names uses the whole corpus, so each case writes all five
documents (the notice as .docx or a .txt copy) and reads the folder with `load_corpus`.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from qa_app.parsing import load_corpus, parse_file
from qa_app.parsing.grids import fill_merged
from qa_app.parsing.word import chinese_number
from qa_app.parsing.xlsx import _cell_text
from tests.conftest import CORPUS_DIR

WIDTH = 7
HEADERS = {  # header variants a reader must map by name, not position
    "txt": ["序号", "市政府领导", "责任目标内容", "完成时限", "三季度完成情况", "是否按计划完成进度", "责任单位"],
    "xlsx": ["序号", "责任领导", "责任目标", "完成时间", "完成情况", "是否完成计划进度", "牵头部门"],
    "csv": ["编号", "分管市领导", "目标任务", "完成时限", "三季度工作推进情况", "是否按计划完成", "责任部门"],
    "docx": ["序号", "市政府领导", "责任目标内容", "时间节点", "进展情况", "是否完成计划进度", "责任单位"],
}
FILL_COLUMNS = (1, 3, 5, 6)  # leader, deadline, on-schedule, units: runs of equal values get merged


def _cells(record) -> list[str]:
    return (record.text.split("\t") + [""] * WIDTH)[:WIDTH]


def table_layout(doc, per_row: int):
    """Rows of cells and merged boxes for a document's targets, one or two targets per row.

    A continuation target (id …#40-2) goes under its parent with 序号 and content merged down;
    runs of equal leaders, deadlines, 是/否 and units are merged too, as offices do.
    """
    records = list(doc.records)
    half = -(-len(records) // per_row)
    blocks = [records[i * half:(i + 1) * half] for i in range(per_row)]
    rows = [[c for block in blocks for c in (_cells(block[i]) if i < len(block) else [""] * WIDTH)]
            for i in range(half)]
    boxes = []
    for b, block in enumerate(blocks):
        offset = b * WIDTH
        for i, record in enumerate(block):
            if "-" in record.id.split("#")[1]:
                boxes += [(i - 1, offset, i, offset), (i - 1, offset + 2, i, offset + 2)]
        for col in FILL_COLUMNS:
            boxes += _runs([rows[i][offset + col] for i in range(len(block))], offset + col)
    return rows, boxes


def _runs(values: list[str], col: int):
    boxes, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start > 1 and values[start]:
                boxes.append((start, col, i - 1, col))
            start = i
    return boxes


def _covered(boxes):
    return {(r, c) for top, c, bottom, _ in boxes for r in range(top + 1, bottom + 1)}


def write_sheet(ws, doc, per_row: int, header: list[str]) -> None:
    rows, boxes = table_layout(doc, per_row)
    covered = _covered(boxes)
    ws.append([doc.title])
    ws.append([])
    ws.append(header * per_row)
    for r, cells in enumerate(rows):
        ws.append([None if (r, c) in covered else (int(v) if v.isdigit() and c % WIDTH == 0 else v)
                   for c, v in enumerate(cells)])
    for top, col, bottom, _ in boxes:
        ws.merge_cells(start_row=top + 4, start_column=col + 1, end_row=bottom + 4, end_column=col + 1)


def write_xlsx(path: Path, docs, per_row: int) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for doc in docs:
        write_sheet(workbook.create_sheet(doc.file[:3]), doc, per_row, HEADERS["xlsx"])
    workbook.save(path)


def write_csv(path: Path, doc, encoding: str) -> None:
    rows, _ = table_layout(doc, 1)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([[doc.title], [], HEADERS["csv"], *rows])


def write_docx_table(path: Path, doc, per_row: int) -> None:
    rows, boxes = table_layout(doc, per_row)
    covered = _covered(boxes)
    document = docx.Document()
    document.add_paragraph("附件")
    document.add_paragraph(doc.title)
    table = document.add_table(rows=len(rows) + 1, cols=WIDTH * per_row)
    grid = [row.cells for row in table.rows]  # table.cell() re-walks the whole table each call
    for cell, name in zip(grid[0], HEADERS["docx"] * per_row, strict=True):
        cell.text = name
    for r, cells in enumerate(rows, 1):
        for c, value in enumerate(cells):
            if (r - 1, c) not in covered:
                grid[r][c].text = value
    for top, col, bottom, _ in boxes:
        grid[top + 1][col].merge(grid[bottom + 1][col])
    document.add_paragraph("注：本表由市政府办公室汇总。")
    document.save(path)


PAGE_BREAK_AT = "控制在 24.18"  # task 41 runs over a page break in the original notice


def write_docx_notice(path: Path, doc, auto_numbers: bool) -> None:
    """The notice as Word paragraphs; task 41 split in two at its page break.

    With `auto_numbers` the "41. " is not in the text but drawn by Word's List Number style.
    """
    document = docx.Document()
    preamble = "为深入贯彻党的二十大精神，全面落实国务院关于支持山东深化新旧动能转换推动绿色低碳高质量发展的意见，制定2023年重点工作任务如下："
    for text in ("菏泽市人民政府办公室", "2023年3月31日", doc.title, preamble):
        document.add_paragraph(text)
    section = None
    for record in doc.records:
        if record.section != section:
            section = record.section
            document.add_paragraph(section)
        text = record.text
        parts = [text[: text.index(PAGE_BREAK_AT)], text[text.index(PAGE_BREAK_AT):]] \
            if record.number == 41 else [text]
        if auto_numbers:
            document.add_paragraph(parts[0].removeprefix(f"{record.number}. "), style="List Number")
        else:
            document.add_paragraph(parts[0])
        for part in parts[1:]:
            document.add_paragraph(part)
    document.add_paragraph("抄送：市委各部门。")
    document.save(path)


def _stem(doc) -> str:
    return Path(doc.file).stem


def write_corpus(folder: Path, txt_corpus, kind: str) -> None:
    """All five documents: the four tables in `kind`, the notice as .docx (docx kinds) or .txt."""
    tables, notice = txt_corpus.documents[:4], txt_corpus.documents[4]
    two_per_row = {"000", "003"}  # as the originals are laid out
    for doc in tables:
        per_row = 2 if doc.file[:3] in two_per_row else 1
        target = folder / _stem(doc)
        if kind == "xlsx":
            write_xlsx(target.with_suffix(".xlsx"), [doc], per_row)
        elif kind in ("csv-utf8", "csv-gb18030"):
            write_csv(target.with_suffix(".csv"), doc, "utf-8-sig" if kind == "csv-utf8" else "gb18030")
        else:
            write_docx_table(target.with_suffix(".docx"), doc, per_row)
    if kind.startswith("docx"):
        write_docx_notice((folder / _stem(notice)).with_suffix(".docx"), notice, kind == "docx-auto")
    else:
        shutil.copy(CORPUS_DIR / notice.file, folder / notice.file)


def comparable(corpus) -> dict[tuple[str, str], dict]:
    """Records keyed by (file stem, id after '#'), without the fields that name the file."""
    out = {}
    for record in corpus.records:
        data = record.to_dict()
        key = (Path(data.pop("doc")).stem, data.pop("id").split("#", 1)[1])
        out[key] = data
    return out


@pytest.mark.parametrize("kind", ["xlsx", "csv-utf8", "csv-gb18030", "docx", "docx-auto"])
def test_generated_formats_give_the_txt_records(tmp_path, corpus, kind):
    write_corpus(tmp_path, corpus, kind)
    loaded = load_corpus(tmp_path)
    assert comparable(loaded) == comparable(corpus)
    assert {(d.title, d.year, d.period, d.kind) for d in loaded.documents} == \
        {(d.title, d.year, d.period, d.kind) for d in corpus.documents}
    assert len(loaded.records) == 313


def test_gb18030_csv_is_not_utf8(tmp_path, corpus):
    write_csv(tmp_path / "t.csv", corpus.documents[1], "gb18030")
    data = (tmp_path / "t.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert len(parse_file(tmp_path / "t.csv").records) == 53


def test_workbook_with_several_sheets(tmp_path, corpus):
    """000, 001 and 002 (same title) as three sheets of one workbook, 000 two targets per row."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for doc, per_row in zip(corpus.documents[:3], (2, 1, 1), strict=True):
        write_sheet(workbook.create_sheet(doc.file[:3]), doc, per_row, HEADERS["xlsx"])
    workbook.save(tmp_path / "q3.xlsx")
    doc = parse_file(tmp_path / "q3.xlsx")
    expected = {r.id.split("#")[1]: r.to_dict() for d in corpus.documents[:3] for r in d.records}
    got = {r.id.split("#")[1]: {**r.to_dict(), "doc": expected[r.id.split("#")[1]]["doc"],
                                 "id": expected[r.id.split("#")[1]]["id"]} for r in doc.records}
    # ungluing needs the corpus-wide vocabulary; 000#146 is the one glued cell and is checked above
    got.pop("146"), expected.pop("146")
    assert got == expected
    assert (doc.year, doc.period, len(doc.records)) == (2023, "三季度", 51 + 53 + 59)


@pytest.mark.parametrize(
    "rows, boxes, expected",
    [
        # merged 序号 and content: the lower row is a continuation (empty 序号 and content)
        ([["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["", "乙", "", "水务局"]],
         [(1, 0, 2, 0), (1, 2, 2, 2)],
         [["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["", "乙", "", "水务局"]]),
        # merged leader and unit over two numbered targets: each row gets them
        ([["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["2", "", "建桥", ""]],
         [(1, 1, 2, 1), (1, 3, 2, 3)],
         [["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["2", "甲", "建桥", "交通局"]]),
        # merged content over two numbered targets is each one's content
        ([["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["2", "乙", "", "水务局"]],
         [(1, 2, 2, 2)],
         [["序号", "领导", "目标", "单位"], ["1", "甲", "修路", "交通局"], ["2", "乙", "修路", "水务局"]]),
        # a merge across columns stays in its first column; a merged title is left alone
        ([["表", ""], ["序号", "领导", "目标", "单位"], ["1", "甲", "修路", ""]],
         [(0, 0, 0, 1), (2, 2, 2, 3)],
         [["表", ""], ["序号", "领导", "目标", "单位"], ["1", "甲", "修路", ""]]),
    ],
)
def test_fill_merged(rows, boxes, expected):
    assert fill_merged(rows, boxes) == expected


def _bad_workbook(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "进度表"
    sheet.append(["菏泽市2024年一季度工作推进情况"])
    sheet.append(HEADERS["xlsx"])
    sheet.append([1, "张三", "建设道路", "年底", "已完成", "是", "市交通运输局"])
    sheet.append(["甲", "李四", None, None, None, None, None])
    notes = workbook.create_sheet("说明")
    notes.append([])
    notes.append(["本表由市政府办公室汇总"])
    workbook.save(path)


def test_problem_rows_name_sheet_and_row(tmp_path):
    _bad_workbook(tmp_path / "q1.xlsx")
    doc = parse_file(tmp_path / "q1.xlsx")
    assert [r.id for r in doc.records] == ["q1.xlsx#1"]
    assert (doc.year, doc.period) == (2024, "一季度")
    assert [(s.sheet, s.line) for s in doc.skipped] == [("进度表", 4), ("说明", 2)]
    assert doc.skipped[0].where == "q1.xlsx, sheet '进度表', row 4"
    assert "no header row" in doc.skipped[1].reason
    assert doc.skipped[0].to_dict() == {"file": "q1.xlsx", "line": 4, "sheet": "进度表",
                                        "reason": doc.skipped[0].reason}


def test_workbook_without_header_names_sheet_and_row(tmp_path):
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append([])
    workbook.active.append(["会议纪要", "今天讨论了三件事"])
    workbook.save(tmp_path / "notes.xlsx")
    doc = parse_file(tmp_path / "notes.xlsx")  # kept as text (docs/layouts.md), said so
    assert [r.content for r in doc.records] == ["会议纪要 今天讨论了三件事"]
    assert doc.note == "layout not recognised: 1 row kept as text"
    workbook.active.append([])
    workbook.active["A2"], workbook.active["B2"] = "项目", "说明"
    workbook.save(tmp_path / "notes.xlsx")
    doc = parse_file(tmp_path / "notes.xlsx")  # nothing to keep: reported where it starts
    assert doc.records == ()
    assert doc.skipped[0].where == "notes.xlsx, sheet 'Sheet1', row 2"
    assert "neither a progress table" in doc.skipped[0].reason


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
        ("broken.docx", b"\xd0\xcf\x11\xe0 an old .doc", "not a readable .docx"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "not a readable .xls workbook"),
        ("bad.csv", b"\xff\xfe\x00\xd8" * 10, "not UTF-8 or GB18030"),
    ],
)
def test_unreadable_files_are_reported(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    doc = parse_file(tmp_path / name)
    assert doc.records == () and words in doc.skipped[0].reason and doc.skipped[0].file == name


def test_sheets_numbered_from_one_again_keep_ids_apart(tmp_path):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, unit in (("一季度", "市水务局"), ("二季度", "市商务局")):
        sheet = workbook.create_sheet(name)
        sheet.append([f"2024年{name}推进情况"])
        sheet.append(HEADERS["txt"])
        sheet.append([1, "张三", "建设道路", "年底", "已完成", "是", unit])
    workbook.save(tmp_path / "y.xlsx")
    records = parse_file(tmp_path / "y.xlsx").records
    assert [(r.id, r.period, r.units) for r in records] == [
        ("y.xlsx#1", "一季度", ("市水务局",)), ("y.xlsx#二季度!1", "二季度", ("市商务局",))]


def test_tab_separated_csv(tmp_path, corpus):
    source = corpus.documents[1]
    lines = [source.title, "\t".join(HEADERS["csv"])] + [r.text for r in source.records]
    (tmp_path / "t.csv").write_text("\n".join(lines), encoding="utf-8")
    assert [r.text for r in parse_file(tmp_path / "t.csv").records] == [r.text for r in source.records]


@pytest.mark.parametrize(
    "value, number_format, expected",
    [(97, "General", "97"), (97.0, "General", "97"), (0.9203, "0.00%", "92.03%"), (1.5, "General", "1.5"),
     (dt.datetime(2023, 12, 31), "yyyy-mm-dd", "2023年12月31日"), (True, "General", "是"),
     (None, "General", ""), (" 年底 ", "General", "年底")],
)
def test_cell_text(value, number_format, expected):
    assert _cell_text(value, number_format) == expected


@pytest.mark.parametrize("n, expected", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (43, "四十三")])
def test_chinese_number(n, expected):
    assert chinese_number(n) == expected


def test_lock_and_hidden_files_are_ignored(tmp_path, corpus):
    shutil.copy(CORPUS_DIR / corpus.documents[1].file, tmp_path / "a.txt")
    (tmp_path / "~$q1.xlsx").write_bytes(b"\x00lock")
    (tmp_path / ".q1.xlsx.part").write_bytes(b"PK")
    loaded = load_corpus(tmp_path)
    assert [d.file for d in loaded.documents] == ["a.txt"] and loaded.all_skipped() == []
