"""Export of an answer's records: .xlsx read back with openpyxl, .csv with its BOM, `qa ask --xlsx`."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from qa_app import export
from qa_app.answering import listing, pipeline
from qa_app.cli import main
from qa_app.errors import QAError


def _rows(path):
    sheet = load_workbook(path).active
    values = [[("" if c.value is None else str(c.value)) for c in row] for row in sheet.iter_rows()]
    return values[0], values[1:]


def test_xlsx_rows_match_the_records(tmp_path, corpus):
    records = [r for r in corpus.records if r.year == 2021][:10] + [r for r in corpus.records if r.kind == "task"][:3]
    header, rows = _rows(export.write(records, tmp_path / "out.xlsx"))
    assert header[:7] == ["序号", "市政府领导", "责任目标内容", "完成时限", "完成情况", "是否按计划", "责任单位"]
    assert {"所属部分", "任务内容", "牵头单位", "参与单位", "来源文件", "记录编号"} <= set(header)
    assert len(rows) == len(records)
    col = {name: i for i, name in enumerate(header)}
    for row, record in zip(rows, records, strict=True):
        assert row[col["来源文件"]] == record.doc and row[col["记录编号"]] == record.id
        assert row[col["序号"]] == str(record.number)
        if record.kind == "target":
            assert row[col["责任目标内容"]] == record.content
            assert row[col["责任单位"]] == "、".join(record.units)
            assert row[col["任务内容"]] == ""
        else:
            assert row[col["任务内容"]] == record.content
            assert row[col["牵头单位"]] == "、".join(record.lead_units)


def test_csv_is_utf8_with_bom_and_same_table(tmp_path, corpus):
    records = list(corpus.records[:5])
    data = export.write(records, tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, rows = export.table(records)
    assert lines == [header, *rows]


def test_bad_format_or_folder_is_a_clear_error_and_writes_nothing(tmp_path, corpus):
    with pytest.raises(QAError, match="xlsx"):
        export.write(corpus.records[:1], tmp_path / "out.pdf")
    with pytest.raises(QAError, match="does not exist"):
        export.write(corpus.records[:1], tmp_path / "missing" / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_qa_ask_xlsx_exports_a_whole_list(engine, index_settings, tmp_path):
    out, out_csv = tmp_path / "list.xlsx", tmp_path / "list.csv"
    args = ["ask", "--corpus", str(index_settings.corpus_dir), "--index", str(index_settings.index_dir),
            "列出2021年一季度所有目标", "--xlsx", str(out), "--csv", str(out_csv)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    header, rows = _rows(out)
    answer = engine.answer("列出2021年一季度所有目标")
    assert [r[header.index("记录编号")] for r in rows] == [c.record_id for c in answer.citations]
    assert len(rows) == 54
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_list_cut_at_the_cited_limit_exports_every_record(engine, index_settings, tmp_path, monkeypatch):
    """A list longer than `LIST_CITED` cites its first records only; the export still has them all."""
    monkeypatch.setattr(listing, "LIST_CITED", 20)
    monkeypatch.setattr(pipeline, "LIST_CITED", 20)
    answer = engine.answer("列出2021年一季度所有目标")
    assert len(answer.citations) == 20 and "另有34项未列出" in answer.answer
    assert len(answer.record_ids) == 54, "the answer carries every record it counted"
    records = engine.export_records(answer.record_ids)
    assert len(records) == 54 and [r.id for r in records[:20]] == [c.record_id for c in answer.citations]


def test_qa_ask_export_is_for_one_question_not_a_batch(tmp_path):
    result = CliRunner().invoke(main, ["ask", "--batch", "-", "--xlsx", str(tmp_path / "x.xlsx")], input="")
    assert result.exit_code == 2 and "--batch" in result.output
    assert not (tmp_path / "x.xlsx").exists()
