"""Layouts real offices use, each in an invented document (tests/data, tests/layout_files.py):
one table reader for every source, notices' unit roles wherever written, nothing lost, and places."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_app.cli import main
from qa_app.fields import record_fields
from qa_app.parsing import load_corpus, parse_file
from qa_app.parsing.places import PLACES_FILE, store_place, stored_places
from qa_app.profile import record_place
from tests.layout_files import build_merged_workbook, build_notice_with_table, build_target_workbook

DATA = Path(__file__).parent / "data"
SHARED_DOCUMENTS = Path(__file__).resolve().parents[1].parent / "shared" / "documents"
BUILDERS = {"notice_with_table.docx": build_notice_with_table, "targets_category.xlsx": build_target_workbook,
            "merged_items.xlsx": build_merged_workbook}


def _read(name: str, tmp_path: Path):
    path = BUILDERS[name](tmp_path / name) if name in BUILDERS else DATA / name
    return parse_file(path)


@pytest.mark.parametrize(("name", "count", "kind", "place"), [
    ("county_livelihood_remarks.csv", 5, "target", "梅岭县"),
    ("units_by_content.txt", 3, "target", "白沙区"),
    ("targets_category.xlsx", 5, "target", "松台县"),
    ("notice_with_table.docx", 3, "target", "枫林县"),
    ("merged_items.xlsx", 3, "target", "枫林县"),
    ("notice_role_lines.txt", 3, "task", "云溪县"),
    ("measures_role_verbs.txt", 4, "task", "柳岸区"),
    ("notice_one_task.txt", 1, "task", "石桥镇"),
    ("unrecognised_briefing.txt", 3, "task", "白鹭县"),
])
def test_each_layout_gives_its_records_and_place(tmp_path, name, count, kind, place):
    doc = _read(name, tmp_path)
    assert (len(doc.records), doc.kind, doc.place) == (count, kind, place)
    assert doc.skipped == ()
    assert {record_place(r) for r in doc.records} == {place}
    assert [r.number for r in doc.records] == list(range(1, count + 1))


def test_a_trailing_remarks_column_is_a_named_field_not_the_next_record(tmp_path):
    records = _read("county_livelihood_remarks.csv", tmp_path).records
    assert [r.extra for r in records if r.extra] == [
        (("备注", "列入省级补助项目"),), (("备注", "受春季降雨影响工期延后约20天"),), (("备注", "其中快充桩不少于100个"),)]
    third = records[2]
    assert third.units == ("县交通运输局", "县财政局") and third.on_schedule == "否"
    assert ("备注", "受春季降雨影响工期延后约20天") in record_fields(third)  # shown in the citation card


def test_a_remarks_column_after_the_units_is_never_the_next_records_number():
    from qa_app.parsing import parse_lines

    header = "序号\t市政府领导\t责任目标内容\t完成时限\t完成情况\t是否按计划完成进度\t责任单位\t备注"
    rows = [f"{n}\t王某\t建设公园{n}处\t年底\t已完成\t是\t县住建局\t{n + 10}" for n in range(1, 14)]
    doc = parse_lines("remarks.txt", ["县民生实事", header, *rows])
    assert len(doc.records) == 13 and doc.skipped == ()
    assert [dict(r.extra)["备注"] for r in doc.records] == [str(n + 10) for n in range(1, 14)]


def test_columns_known_by_what_they_hold(tmp_path):
    records = _read("units_by_content.txt", tmp_path).records
    assert [r.units for r in records] == [("区民政局",), ("区住建局", "白沙燃气公司"), ("区城管局", "区公安分局")]
    assert [r.on_schedule for r in records] == ["是", "否", "是"]
    assert records[1].deadline == "10月底" and records[1].content == "完成燃气管道老化更新改造35公里"


def test_category_merged_down_spaced_header_status_and_explanation(tmp_path):
    doc = _read("targets_category.xlsx", tmp_path)
    first, third, fifth = doc.records[0], doc.records[2], doc.records[4]
    assert doc.title == "松台县2024年重点工作目标任务上半年完成情况表" and doc.period == "上半年"
    assert first.content == "新培育规模以上工业企业15家" and first.leaders == ("赵明川",)
    assert [dict(r.extra)["主要任务"] for r in doc.records] == ["产业发展"] * 3 + ["社会事业"] * 2
    assert third.on_schedule == "否" and third.units == ("县工信局", "县通信发展办")
    assert dict(third.extra)["情况说明"].startswith("受铁塔选址审批影响")
    assert fifth.progress == "已开工10个" and "情况说明" in dict(fifth.extra)


@pytest.mark.parametrize("name", ["notice_with_table.docx", "merged_items.xlsx"])
def test_items_merged_over_two_rows_with_one_unit_per_paragraph(tmp_path, name):
    doc = _read(name, tmp_path)
    assert doc.title == "枫林县2024年民生实事项目"
    one, two, three = doc.records
    assert one.content == "新建城区小学2所；改扩建乡镇幼儿园4所" and one.deadline == "8月底；12月底"
    assert one.units == ("县教育局", "县住建局")
    assert two.units == ("县交通运输局",) and two.deadline == "10月底"
    assert three.units == ("县水务局", "县城管局", "枫林水务集团") and three.deadline == "11月底"


@pytest.mark.parametrize(("name", "roles"), [
    ("notice_role_lines.txt", [
        (("县农业农村局",), ("县财政局", "县水利局", "各乡镇人民政府"), "牵头单位"),
        (("县农业农村局",), ("县供销社",), "牵头单位"),
        (("县乡村振兴局",), ("县卫生健康局",), "责任单位")]),
    ("measures_role_verbs.txt", [
        (("区住建局",), ("区城管局", "区交通运输局"), "牵头单位"),
        (("区住建局",), ("各街道办事处",), "牵头单位"),
        (("区城管局",), (), "责任单位"),
        (("区公安分局",), ("区教体局", "区城管局"), "牵头单位")]),
    ("notice_one_task.txt", [(("镇林业站",), ("镇农业服务中心", "各村委会"), "责任单位")]),
])
def test_unit_roles_wherever_the_notice_writes_them(tmp_path, name, roles):
    records = _read(name, tmp_path).records
    assert [(r.lead_units, r.participating_units, r.unit_label) for r in records] == roles
    assert all("单位" not in r.content and "牵头" not in r.content for r in records)


def test_role_lines_keep_the_task_text_and_sections(tmp_path):
    first = _read("notice_role_lines.txt", tmp_path).records[0]
    assert first.content == "建设高标准农田。全年新建高标准农田3.2万亩，改造提升1.5万亩。"
    assert first.section == "一、稳定粮食生产"


def test_an_unrecognised_layout_keeps_its_paragraphs_as_text(tmp_path):
    doc = _read("unrecognised_briefing.txt", tmp_path)
    assert doc.note == "layout not recognised: 3 paragraphs kept as text"
    assert doc.records[1].content == "截至1月底，已完成投资1.1亿元，修复塘坝46座，清淤河道31公里。"
    assert all(r.text for r in doc.records)  # what a citation shows


@pytest.mark.skipif(not SHARED_DOCUMENTS.is_dir(), reason="../shared/documents is not beside this checkout")
def test_the_two_real_notices_give_five_tasks():
    docs = [parse_file(p) for p in sorted(SHARED_DOCUMENTS.glob("*.txt"))]
    assert sum(len(d.records) for d in docs) == 5 and all(not d.skipped for d in docs)
    assert {d.place for d in docs} == {"台儿庄区", "滕州市"}


def test_a_place_given_with_the_document_is_stored_and_used(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "measures.txt").write_text("1.做好防汛物资储备。储备编织袋5万条。(责任单位:应急管理局)\n", encoding="utf-8")
    shutil.copy(DATA / "county_notice.txt", corpus)
    assert {d.file: d.place for d in load_corpus(corpus).documents} == {"county_notice.txt": "青禾县", "measures.txt": ""}
    store_place(corpus, "measures.txt", "青川县")
    store_place(corpus, "county_notice.txt", "某某县")  # a place the document names itself is kept
    assert stored_places(corpus) == {"measures.txt": "青川县", "county_notice.txt": "某某县"}
    loaded = load_corpus(corpus)
    assert {d.file: d.place for d in loaded.documents} == {"county_notice.txt": "青禾县", "measures.txt": "青川县"}
    assert {r.place for r in loaded.records} == {"青川县", ""}  # a title that names its place is enough
    output = CliRunner().invoke(main, ["corpus", "--corpus", str(corpus), "--index", str(tmp_path / "i")]).output
    assert "青川县" in output and "青禾县" in output
    store_place(corpus, "measures.txt", None)
    assert json.loads((corpus / PLACES_FILE).read_text(encoding="utf-8")) == {"county_notice.txt": "某某县"}


def test_qa_corpus_says_how_an_unrecognised_layout_was_kept(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "unrecognised_briefing.txt", corpus)
    result = CliRunner().invoke(main, ["corpus", "--corpus", str(corpus), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0
    assert "layout not recognised: 3 paragraphs kept as text" in result.output and "白鹭县" in result.output


@pytest.fixture(scope="module")
def layouts_engine(tmp_path_factory, embedder):
    """The real engine over the invented layouts (a corpus of their own, embedded with the real model)."""
    from qa_app.engine import Engine
    from qa_app.settings import Settings

    root = tmp_path_factory.mktemp("layouts")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("county_livelihood_remarks.csv", "units_by_content.txt", "notice_role_lines.txt",
                 "measures_role_verbs.txt", "unrecognised_briefing.txt"):
        shutil.copy(DATA / name, corpus)
    build_target_workbook(corpus / "targets_category.xlsx")
    build_notice_with_table(corpus / "notice_with_table.docx")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    return Engine.load(settings, build_if_missing=True, progress=False, embedder=embedder)


@pytest.mark.parametrize(("question", "short", "cited"), [
    ("梅岭县改造农村公路的备注是什么？", "受春季降雨影响工期延后约20天", "county_livelihood_remarks.csv#3"),
    ("新建5G基站的情况说明是什么", "受铁塔选址审批影响", "targets_category.xlsx#3"),
    ("新建5G基站属于哪个主要任务", "产业发展", "targets_category.xlsx#3"),
    ("枫林县新建城区小学由哪些单位负责？", "县教育局、县住建局", "notice_with_table.docx#1"),
    ("云溪县建设高标准农田由哪个单位牵头？", "县农业农村局", "notice_role_lines.txt#1"),
    ("白鹭县计划清淤河道多少公里", "清淤河道85公里", "unrecognised_briefing.txt#1"),
])
def test_each_layout_answers_with_its_citation(layouts_engine, question, short, cited):
    answer = layouts_engine.answer(question)
    assert not answer.abstained and answer.short.startswith(short)
    assert answer.citations[0].record_id == cited


def test_qa_add_with_a_place_stores_it_and_qa_remove_forgets_it(tmp_path, embedder):
    from qa_app.engine import Engine
    from qa_app.ingest import add_documents, remove_document
    from qa_app.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(DATA / "county_notice.txt", corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    source = tmp_path / "measures.txt"
    source.write_text("1.做好防汛物资储备。储备编织袋5万条、救生衣800件。(责任单位:县应急管理局)\n", encoding="utf-8")
    report = add_documents(settings, [source], embedder=embedder, place="青川县")
    assert report["documents"]["measures.txt"]["place"] == "青川县"
    assert stored_places(corpus) == {"measures.txt": "青川县"}
    answer = Engine.load(settings, embedder=embedder).answer("青川县储备编织袋多少条？")
    assert answer.short.startswith("储备编织袋5万条") and answer.citations[0].record_id == "measures.txt#1"
    remove_document(settings, "measures.txt", embedder=embedder)
    assert stored_places(corpus) == {}


_HEADED_TASKS = """关于印发2025年优化政务服务重点任务分工的通知

各镇人民政府，区政府各部门：

现将重点任务分工印发给你们，请认真抓好落实。

一、推行新生儿出生“一件事”联办。整合出生医学证明、户口登记、医保参保等事项，实现线上一次申请、线下一窗领取。
牵头单位：区卫生健康局
责任单位：区公安分局、区医保局

二、压减工程建设项目审批时限。社会投资一般性项目审批时限压减至25个工作日以内，全年完成改革事项12项。
牵头单位：区住房和城乡建设局
责任单位：区行政审批服务局

（三）推进不动产登记与水电气联动过户，全年联动办理不少于3000件，年底前完成。(区自然资源局牵头,区供电公司、区水务集团配合)

柳湾区人民政府办公室
2025年2月10日
"""


def test_tasks_numbered_by_headings_alone_are_tasks_and_the_addressees_no_place(tmp_path):
    """一、… / （三）… lines long enough to be tasks, in a notice with no 1. numbering under them; the
    place is the signature's, not the addressees' line (各镇人民政府…：)."""
    path = tmp_path / "headed.txt"
    path.write_text(_HEADED_TASKS, encoding="utf-8")
    doc = parse_file(path)
    assert [r.number for r in doc.records] == [1, 2, 3]
    assert [r.lead_units for r in doc.records] == [("区卫生健康局",), ("区住房和城乡建设局",), ("区自然资源局",)]
    assert doc.records[2].participating_units == ("区供电公司", "区水务集团")
    assert doc.place == "柳湾区"


def test_a_table_header_names_no_place(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("序号,县政府领导,目标任务,完成时限,责任单位\n1,王一,新建污水管网8公里,年底,县住房和城乡建设局\n",
                    encoding="utf-8")
    doc = parse_file(path)
    assert len(doc.records) == 1 and doc.place == ""
