"""The three decisions of issue 11, each tested alone: what is asked, which records, is it there.

The questions are written for these tests from the documents (none is in eval/dev*.jsonl), so they
check the mechanisms, not the tuned questions.
"""

from __future__ import annotations

import pytest

from qa_app.answering.config import DEFAULT_CONFIG
from qa_app.answering.english import is_english, translate
from qa_app.answering.lists import compared_scopes
from qa_app.answering.selection import KnowledgeCache
from qa_app.answering.subject import retrieval_choice
from qa_app.answering.understanding import understand
from qa_app.records import Hit


@pytest.fixture(scope="module")
def knowledge(corpus):
    return KnowledgeCache().get(corpus.records)


# 1. What is asked ---------------------------------------------------------------------------

@pytest.mark.parametrize("question, intent, slots", [
    ("市水务局是第21项任务的牵头单位吗？", "yes_no", {"number": 21, "role": "lead"}),
    ("新万福河复航工程是不是已经完工了？", "yes_no", {}),
    ("由市商务局牵头组织了多少场展会？", "progress", {}),       # a figure, not the lead unit
    ("第5项任务是哪方面的工作？", "general", {"number": 5}),
    ("编号7的那项任务讲的是什么？", "general", {"number": 7}),
    ("市商务局和市发展改革委共同负责的目标有哪些？", "list", {"any_unit": False}),
    ("市商务局或市发展改革委负责的目标有哪些？", "list", {"any_unit": True}),
    ("有几项目标是两位市领导共同分管的？", "count", {"min_leaders": 2}),
    ("牵头单位只写了市科技局一家的任务有几项？", "count", {"only_units": True, "role": "lead"}),
    ("目标写了“开工建设”或“开工新建”的有哪些？", "list", {"any_of": ("开工建设", "开工新建")}),
    ("王昌华分管、市卫生健康委参与的目标一共多少条？", "count", {"leaders": ("王昌华",)}),
    ("城区停车难，2023年新增了多少个停车位？", "progress", {"year": 2023}),
    ("Which unit leads the task of building a green manufacturing system?", "lead_unit", {}),
    ("How many tasks does the Commerce Bureau lead?", "count", {}),
])
def test_what_is_asked(knowledge, question, intent, slots):
    q = understand(question, knowledge.vocab)
    assert q.intent == intent
    for name, value in slots.items():
        assert getattr(q, name) == value, name


def test_two_units_named_with_huo_is_either_and_with_he_is_both(knowledge):
    both = understand("市商务局和市发展改革委共同负责的目标有哪些？", knowledge.vocab)
    assert len(both.units) == 2 and not both.any_unit


@pytest.mark.parametrize("question, scopes", [
    ("2021年一季度和2023年三季度市商务局各有几项目标？", [(2021, "一季度"), (2023, "三季度")]),
    ("市城管局的目标：2021年第一季度几条，2023年第三季度几条？", [(2021, "一季度"), (2023, "三季度")]),
    ("2023年三季度市城管局有几项目标？", []),
])
def test_compared_scopes(knowledge, question, scopes):
    q = understand(question, knowledge.vocab)
    assert [(s.year, s.period) for s in compared_scopes(q, knowledge)] == scopes


@pytest.mark.parametrize("text, english", [
    ("Which department leads the pilot-zone task on elderly care?", True),
    ("5G基站建了多少个？", False),
    ("市商务局 GDP 目标", False),
])
def test_english_is_recognised(text, english):
    assert is_english(text) is english


def test_english_is_read_through_the_glossary():
    text = translate("In the 2023 Q3 progress table, which unit is responsible for high-standard farmland?")
    assert text.startswith("2023年三季度推进情况表")
    assert "哪个单位负责" in text and "高标准农田" in text


# 2. Which records --------------------------------------------------------------------------

def _hits(*ids):
    return [Hit(rank, rid, 1.0 / rank, None) for rank, rid in enumerate(ids, 1)]


@pytest.mark.parametrize("fused, legs, expected", [
    (("a", "b"), {"bm25": [("a", 9.0), ("b", 2.0)], "dense": [("a", 0.9), ("b", 0.8)]}, ("a", True)),
    (("a", "b"), {"bm25": [("b", 5.0), ("c", 4.0), ("a", 3.0)], "dense": [("a", 0.9), ("b", 0.8)]}, ("a", False)),
    (("a", "b"), {"bm25": [("b", 5.0), ("c", 4.9), ("d", 4.0), ("a", 3.0)], "dense": [("a", 0.90), ("b", 0.89)]},
     (None, False)),
    (("a", "b"), {"bm25": [("c", 9.0), ("b", 3.0)], "dense": [("a", 0.80), ("b", 0.79)]}, ("c", False)),
    (("a", "b"), {"bm25": [("c", 3.0), ("b", 2.9)], "dense": [("a", 0.90), ("b", 0.85)]}, ("a", False)),
    ((), {}, (None, False)),
])
def test_retrieval_vouches_for_a_record(fused, legs, expected):
    """Top of every leg (agree_rank 3), or first in one leg by a clear margin (BM25 ×2, cosine +0.02)."""
    assert retrieval_choice(_hits(*fused), legs, DEFAULT_CONFIG) == expected


@pytest.mark.parametrize("question, number", [
    ("城区停车难，2023年新增了多少个停车位？", 187),            # few shared words, found by retrieval
    ("小区充电桩建得怎么样了，2023年建成多少个？", None),
])
def test_a_paraphrase_is_answered_from_the_retrieved_record(engine, question, number):
    answer = engine.answer(question)
    assert not answer.abstained
    if number is not None:
        assert answer.citations[0].number == number


# 3. Is it there ----------------------------------------------------------------------------

@pytest.mark.parametrize("question, said", [
    ("李明市长分管哪些目标？", "李明"),                        # a person no record has
    ("第150项任务的牵头单位是谁？", "第150项"),                 # beyond the notice's 96 tasks
    ("雄商高铁的设计时速是多少公里？", "设计时速"),              # attribute not written
    ("雄商高铁项目的总投资是多少？", "总投资"),                  # 完成投资 is not 总投资
    ("市交通运输局的局长是谁？", ""),
    ("你觉得菏泽的营商环境前景如何？", "预测"),
    ("2022年市商务局负责几项目标？", "2022年"),
    ("菏泽万达广场的租金是多少？", ""),
    ("2023年四季度市城管局有几项目标？", "四季度"),
])
def test_near_misses_abstain_and_say_what_is_missing(engine, question, said):
    answer = engine.answer(question)
    assert answer.abstained and answer.short == ""
    assert said in answer.answer


def test_a_list_about_an_unknown_unit_is_not_zero_items(engine):
    answer = engine.answer("市档案局负责哪些目标？")
    assert answer.abstained and "0项" not in answer.answer


@pytest.mark.parametrize("question, verdict, fact", [
    ("市水务局是第21项任务的牵头单位吗？", "否", "市交通运输局"),
    ("市交通运输局是第21项任务的牵头单位吗？", "是", "市交通运输局"),
    ("新万福河复航工程是不是已经完工了？", "否", "批复"),
])
def test_yes_no_opens_with_the_verdict_and_the_deciding_fact(engine, question, verdict, fact):
    answer = engine.answer(question)
    assert answer.intent == "yes_no" and answer.short.startswith(verdict)
    assert fact in answer.short


@pytest.mark.parametrize("question, short", [
    ("2023年三季度表第46项是谁分管的？", "聂元科"),        # a target and its continuation row are one target
    ("市民政局是第85项任务的牵头单位吗？", "是"),          # 第N项任务 names the notice
])
def test_a_record_named_by_number(engine, question, short):
    answer = engine.answer(question)
    assert not answer.abstained and answer.short.startswith(short)


def test_a_comparison_gives_both_figures_each_with_its_period(engine, corpus):
    answer = engine.answer("2021年一季度和2023年三季度市城管局各有几项目标？")
    for year, period in ((2021, "一季度"), (2023, "三季度")):
        n = len([r for r in corpus.records if r.year == year and r.period == period and r.kind == "target"
                 and "市城管局" in r.units and "-" not in r.id.rsplit("#", 1)[1]])
        assert f"{year}年{period}：{n}项" in answer.short


def test_two_leaders_count_counts_each_target_once(engine, corpus):
    answer = engine.answer("有几项目标是两位市领导共同分管的？")
    targets = {r.id.rsplit("-", 1)[0] for r in corpus.records if len(r.leaders) >= 2}
    assert answer.short.startswith(f"{len(targets)}项")
