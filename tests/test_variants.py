"""Other places' and quarters' documents (issue 12): notice and table variants parsed, added with
`qa add`, answered — and every bundled dev/dev2 answer unchanged beside them.

The three files in tests/data are invented for these tests (no bundled wording): a county notice
naming only 责任单位 with half-width marks, a district table of 上半年 with other headers and a
是否滞后 column, and a notice whose tasks run across page breaks with 牵头部门/配合单位.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa_app.cli import main
from qa_app.engine import Engine
from qa_app.evaluation.questions import read_questions
from qa_app.parsing import parse_file
from qa_app.profile import find_period, place_of
from qa_app.settings import Settings
from tests.conftest import CORPUS_DIR, ROOT

DATA = Path(__file__).resolve().parent / "data"
COUNTY, DISTRICT, PAGES = DATA / "county_notice.txt", DATA / "district_table_q2.txt", DATA / "notice_page_breaks.txt"


def test_a_county_notice_naming_only_responsible_units():
    doc = parse_file(COUNTY)
    assert (doc.title, doc.year, doc.kind, len(doc.records), doc.skipped) == \
        ("青禾县2024年科技创新重点任务", 2024, "task", 5, ())
    fourth = doc.records[3]
    assert fourth.unit_label == "责任单位"
    assert fourth.lead_units == ("县委组织部",)                      # the first unit leads
    assert fourth.participating_units == ("县科技局", "县人社局")
    assert fourth.units == ("县委组织部", "县科技局", "县人社局")     # prefixes kept (县, not 市)


def test_a_district_table_of_another_quarter_with_other_headers():
    doc = parse_file(DISTRICT)
    assert (doc.year, doc.period, doc.kind, len(doc.records)) == (2024, "上半年", "target", 4)
    first, last = doc.records[0], doc.records[-1]
    assert first.leaders == ("林北湖",) and first.deadline == "9月底" and first.units == ("区住建局", "区城管局")
    assert first.on_schedule == "是" and last.on_schedule == "否"  # 是否滞后: 否 → on schedule, 是 → not


def test_a_notice_whose_tasks_span_page_breaks():
    doc = parse_file(PAGES)
    assert [r.number for r in doc.records] == [1, 2, 3]
    first, third = doc.records[0], doc.records[2]
    assert "优良天数比例达到72%以上" in first.content and first.lead_units == ("市生态环境局",)
    assert third.unit_label == "牵头部门" and third.participating_units == ("市能源局", "各县区政府")


@pytest.mark.parametrize("text, period", [
    ("北湖区2024年重点工作上半年推进情况表", "上半年"), ("2024年1-6月", "上半年"), ("第二季度", "二季度"),
    ("前三季度", "三季度"), ("Q4", "四季度"), ("2024年重点任务", None),
])
def test_one_periods_table(text, period):
    assert find_period(text) == period


@pytest.fixture(scope="module")
def added(tmp_path_factory, engine, index_settings):
    """A copy of the corpus and its index with the county notice and the district table added
    through the CLI, as a user would."""
    root = tmp_path_factory.mktemp("variants")
    shutil.copytree(CORPUS_DIR, root / "corpus")
    shutil.copytree(index_settings.index_dir, root / "index")
    env = {"QA_CORPUS_DIR": str(root / "corpus"), "QA_INDEX_DIR": str(root / "index")}
    result = CliRunner().invoke(main, ["add", str(COUNTY), str(DISTRICT)], env=env)
    assert result.exit_code == 0, result.output
    return env


def _ask(env: dict, question: str) -> dict:
    result = CliRunner().invoke(main, ["ask", question, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("question, short", [
    ("青禾县推进成果转化由哪个单位负责？", "县科技局"),                       # unit
    ("青禾县技术合同成交额要达到多少？", "3亿元"),                           # figure
    ("县科技局负责几项任务？", "4项"),                                      # count
    ("周南山分管几项目标？", "2项"),
    ("北湖区老旧小区改造完成投资多少？", "4600万元"),
    ("北湖区二季度口袋公园建成了几处？", "5处"),                             # 二季度 held as 上半年
])
def test_added_documents_are_answerable_through_the_cli(added, question, short):
    answer = _ask(added, question)
    assert not answer["abstained"] and short in answer["short"]


def test_added_documents_list_and_refuse(added):
    listed = _ask(added, "县科技局负责哪些任务？")
    assert not listed["abstained"] and "推进成果转化" in listed["short"]
    assert all(c["doc"] == "county_notice.txt" for c in listed["citations"])
    assert _ask(added, "青禾县2024年的GDP是多少？")["abstained"]
    assert "青禾县" in _ask(added, "青禾县推进成果转化由哪个单位负责？")["answer"]


def test_bundled_answers_are_unchanged_beside_the_added_documents(added, engine):
    wider = Engine.load(Settings(corpus_dir=Path(added["QA_CORPUS_DIR"]), index_dir=Path(added["QA_INDEX_DIR"])),
                        embedder=engine.retriever.embedder)
    assert len(wider.records) == len(engine.records) + 9
    for name in ("dev", "dev2"):
        for q in read_questions(ROOT / "eval" / f"{name}.jsonl")[0]:
            before, after = engine.answer(q.question, list(q.history)), wider.answer(q.question, list(q.history))
            assert (after.short, after.abstained) == (before.short, before.abstained), q.id


def test_no_bundled_place_project_or_period_name_in_the_code(corpus):
    """Places and notice names come from the documents' titles; a few project names from their text."""
    names = {place_of(d.title)[:-1] for d in corpus.documents} | {"先行区", "雄商", "牡丹", "郓城", "两个文件"}
    names.discard("")
    found = [(path.relative_to(ROOT).as_posix(), name) for path in (ROOT / "qa_app").rglob("*.py")
             for name in names if re.search(name, path.read_text(encoding="utf-8"))]
    assert found == []
