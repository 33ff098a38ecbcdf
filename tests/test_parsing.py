"""Parsing the bundled documents into exact records (counts and tricky rows from the issue)."""

from __future__ import annotations

import shutil

import pytest

from qa_app.errors import CorpusError
from qa_app.parsing import load_corpus, parse_lines
from qa_app.parsing.units import split_leaders, split_units, unglue
from qa_app.records import one_per_target, parent_id
from tests.conftest import CORPUS_DIR

F000, F001, F002, F003, F004 = (
    "000_dd67d59bfaf7e311.txt",
    "001_d46b2bc31c3b0751.txt",
    "002_f75c9825bbd5b703.txt",
    "003_f244d3adb5876381.txt",
    "004_a6d61ab50cb7c05a.txt",
)


def _doc(corpus, name):
    return next(d for d in corpus.documents if d.file == name)


@pytest.mark.parametrize(
    "name, count, first, last",
    [(F000, 51, 97, 147), (F001, 53, 148, 200), (F003, 54, 53, 106), (F004, 96, 1, 96)],
)
def test_record_counts_and_numbers(corpus, name, count, first, last):
    doc = _doc(corpus, name)
    numbers = sorted(r.number for r in doc.records)
    assert len(doc.records) == count
    assert numbers == list(range(first, last + 1))


def test_continuation_rows_in_002(corpus, by_id):
    doc = _doc(corpus, F002)
    targets = [r for r in doc.records if "-" not in r.id.split("#")[1]]
    continuations = [r for r in doc.records if "-" in r.id.split("#")[1]]
    assert len(targets) == 57 and sorted(r.number for r in targets) == list(range(40, 97))
    assert [r.id for r in continuations] == [f"{F002}#40-2", f"{F002}#46-2"]
    r40 = by_id[f"{F002}#40"]
    assert r40.leaders == ("聂元科", "刘连栋")
    assert "市退役军人事务局" in r40.units
    cont = by_id[f"{F002}#40-2"]
    assert cont.leaders == ("刘连栋",) and cont.content == r40.content
    assert cont.progress.startswith("组织开展退役士兵专项招聘会")


def test_stubs_in_003_are_reported_not_counted(corpus, by_id):
    doc = _doc(corpus, F003)
    assert [s.line for s in doc.skipped] == [31, 32, 33, 34]
    assert all("stub" in s.reason for s in doc.skipped)
    r103 = by_id[f"{F003}#103"]
    assert r103.deadline == "11月底" and r103.leaders == ("王忠想",)
    assert r103.units == ("市住房城乡建设局", "市水务局")
    assert by_id[f"{F003}#78"].content.startswith("加强生态湿地建设")


def test_every_table_record_has_content_leader_unit(corpus):
    targets = [r for r in corpus.records if r.kind == "target"]
    assert len(targets) == 51 + 53 + 59 + 54
    for record in targets:
        assert record.content and record.leaders and record.units, record.id


def test_document_metadata(corpus):
    meta = {d.file: (d.year, d.period, d.kind) for d in corpus.documents}
    assert meta[F000] == (2023, "三季度", "target")
    assert meta[F003] == (2021, "一季度", "target")
    assert meta[F004] == (2023, "全年任务", "task")
    assert _doc(corpus, F004).title == "菏泽市建设绿色低碳高质量发展先行区2023年重点工作任务"


def test_spaced_leader_name_is_joined(by_id):
    assert by_id[f"{F002}#90"].leaders == ("曹临",)


def test_glued_units_are_split_with_corpus_vocabulary(by_id):
    assert by_id[f"{F000}#146"].units == ("市交通运输局", "交投集团")


def test_task_notice_sections_and_units(corpus, by_id):
    tasks = _doc(corpus, F004).records
    assert len({t.section for t in tasks}) == 11
    assert sum(1 for t in tasks if t.lead_units) == 93
    assert [t.number for t in tasks if not t.lead_units] == [94, 95, 96]
    t41 = by_id[f"{F004}#41"]
    assert "24.18 亿立方米" in t41.content and t41.lead_units == ("市水务局",)
    t68 = by_id[f"{F004}#68"]
    assert t68.lead_units == ("市商务局", "市发展改革委")
    assert t68.participating_units == ("各县区政府、管委会",)
    t60 = by_id[f"{F004}#60"]
    assert t60.lead_units[-1] == "市市场监管局"
    assert by_id[f"{F004}#19"].section == "三、坚定不移扩大内需"
    assert "抄送" not in by_id[f"{F004}#96"].text


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("市交通运输局 郓城县人民政府", ("市交通运输局", "郓城县人民政府")),
        ("市科技局、市工业和信息化局", ("市科技局", "市工业和信息化局")),
        ("市生态环境局，各县区政府、管委会", ("市生态环境局", "各县区政府、管委会")),
        ("市交通运输局 交投集团 ", ("市交通运输局", "交投集团")),
    ],
)
def test_split_units(cell, expected):
    assert split_units(cell) == expected


@pytest.mark.parametrize(
    "cell, expected",
    [("曹 临", ("曹临",)), ("聂元科", ("聂元科",)), ("曹临、王昌华", ("曹临", "王昌华")), ("张鹏 肖友华", ("张鹏", "肖友华"))],
)
def test_split_leaders(cell, expected):
    assert split_leaders(cell) == expected


def test_unglue_needs_a_full_cover():
    vocab = {"市交通运输局", "交投集团", "市交通运输局交投集团"}
    assert unglue("市交通运输局交投集团", vocab) == ("市交通运输局", "交投集团")
    assert unglue("市交通运输局某公司", vocab) == ("市交通运输局某公司",)


def test_file_in_neither_layout_keeps_its_paragraphs_as_text():
    doc = parse_lines("notes.txt", ["", "会议纪要", "今天讨论了三件事。"])
    assert [(r.id, r.content) for r in doc.records] == [("notes.txt#1", "今天讨论了三件事。")]
    assert doc.title == "会议纪要" and doc.note == "layout not recognised: 1 paragraph kept as text"


def test_file_with_nothing_to_keep_is_reported():
    doc = parse_lines("notes.txt", ["", "项目", "说明"])
    assert doc.records == ()
    assert doc.skipped[0].line == 2 and "neither" in doc.skipped[0].reason


def test_bad_row_is_reported_with_its_line(tmp_path):
    lines = ["表", "序号\t市政府领导\t责任目标内容\t完成时限\t完成情况\t是否按计划完成进度\t责任单位",
             "1\t张三\t建设道路\t年底\t已完成\t是\t市交通运输局",
             "甲\t李四\t\t\t\t\t"]
    doc = parse_lines("t.txt", lines)
    assert len(doc.records) == 1
    assert doc.skipped[0].line == 4


def test_empty_corpus_fails_clearly(tmp_path):
    (tmp_path / "a.txt").write_text("nothing to see", encoding="utf-8")
    with pytest.raises(CorpusError, match="no record"):
        load_corpus(tmp_path)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "absent")


def test_undecodable_file_is_skipped(tmp_path, corpus):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\xd8" * 10)
    shutil.copy(CORPUS_DIR / F001, tmp_path / F001)
    source = _doc(corpus, F001)
    loaded = load_corpus(tmp_path)
    assert len(loaded.records) == len(source.records)
    assert any(s.file == "bad.txt" for s in loaded.all_skipped())


def test_broken_link_in_corpus_is_reported(tmp_path):
    shutil.copy(CORPUS_DIR / F001, tmp_path / F001)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "no-such-file.txt")
    loaded = load_corpus(tmp_path)
    assert len(loaded.records) == 53
    assert [s.file for s in loaded.all_skipped()] == ["gone.txt"]
    assert "cannot read" in loaded.all_skipped()[0].reason


@pytest.mark.parametrize(
    "record_id, parent",
    [(f"{F002}#40-2", f"{F002}#40"), (f"{F002}#40", None), ("y.xlsx#二季度!1-2", "y.xlsx#二季度!1"),
     ("q-1.xlsx#7", None)],
)
def test_parent_of_a_continuation_row(record_id, parent):
    assert parent_id(record_id) == parent


def test_one_per_target_keeps_a_continuation_row_alone(by_id):
    target, continuation = by_id[f"{F002}#40"], by_id[f"{F002}#40-2"]
    assert one_per_target([target, continuation]) == [target]
    assert one_per_target([continuation]) == [continuation]
