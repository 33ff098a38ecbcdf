"""Greetings and help, whole lists and overviews, end to end on the real engine; figures counted
here from the records."""

from __future__ import annotations

import re

import pytest

from qa_app.answering.help import assistant_title, example_questions
from qa_app.records import parent_id


def _items(records, year=None, period=None, kind=None):
    return {parent_id(r.id) or r.id for r in records if (year is None or r.year == year)
            and (period is None or r.period == period) and (kind is None or r.kind == kind)}


@pytest.mark.parametrize("greeting", ["你好", "您好！", "你能做什么？", "我可以问什么问题", "谢谢", "谢谢你！",
                                      "help", "Hello", "再见"])
def test_greetings_get_help_not_an_abstention(engine, greeting):
    answer = engine.answer(greeting)
    assert answer.intent == "help" and not answer.abstained
    assert "未找到" not in answer.short
    assert f"（{len(_items(engine.records, 2021, '一季度', 'target'))}项）" in answer.short
    for question in example_questions(engine.records):
        assert question in answer.answer


def test_example_questions_come_from_the_records_and_are_answered(engine):
    questions = example_questions(engine.records)
    assert len(questions) == 3
    for question in questions:
        answer = engine.answer(question)
        assert not answer.abstained, question
    assert assistant_title(engine.records).endswith("责任目标问答")
    assert assistant_title([]) == "责任目标问答"


@pytest.mark.parametrize("question", ["今天天气怎么样？", "你好，帮我订一张去北京的机票"])
def test_other_questions_outside_the_documents_still_abstain(engine, question):
    answer = engine.answer(question)
    assert answer.abstained and answer.intent != "help"


@pytest.mark.parametrize("question, scope", [
    ("列出2021年一季度所有目标", (2021, "一季度", "target")),
    ("列出2023年三季度全部目标", (2023, "三季度", "target")),
    ("2021年一季度有哪些目标？", (2021, "一季度", "target")),
    ("列出所有任务", (None, None, "task")),
])
def test_whole_lists_return_every_item_and_open_with_the_count(engine, question, scope):
    wanted = _items(engine.records, *scope)
    answer = engine.answer(question)
    assert answer.intent == "list" and not answer.abstained
    assert answer.short.startswith(f"{len(wanted)}项：")
    assert {c.record_id for c in answer.citations} == wanted
    assert len(re.findall(r"\[\d+\]", answer.answer)) == len(wanted)


def test_a_list_with_a_condition_opens_with_the_count_it_cites(engine):
    answer = engine.answer("市医保局2023年负责哪几项目标？")
    count = re.match(r"(\d+)项：", answer.short)
    assert answer.intent == "list" and count
    assert int(count.group(1)) == len(answer.citations) == 3


@pytest.mark.parametrize("question, scope", [
    ("帮我总结一下2023年三季度的整体进展", (2023, "三季度", "target")),
    ("2021年一季度概况", (2021, "一季度", "target")),
    ("统计一下所有任务", (None, None, "task")),
    ("2023年三季度目标的总体情况怎么样", (2023, "三季度", "target")),
])
def test_overview_questions_name_the_totals(engine, question, scope):
    wanted = _items(engine.records, *scope)
    answer = engine.answer(question)
    assert answer.intent == "overview" and not answer.abstained
    assert f"共{len(wanted)}项" in answer.short
    assert {c.record_id for c in answer.citations} == wanted
    if scope[2] == "target":
        top = max({n for r in engine.records if (parent_id(r.id) or r.id) in wanted for n in r.leaders},
                  key=lambda n: sum(1 for i in wanted if any(n in r.leaders for r in engine.records
                                                             if r.id == i or parent_id(r.id) == i)))
        assert top in answer.short


def test_overview_of_a_leader_counts_that_leaders_targets(engine):
    leader = engine.records[0].leaders[0]
    year, period = engine.records[0].year, engine.records[0].period
    wanted = {parent_id(r.id) or r.id for r in engine.records
              if leader in r.leaders and (r.year, r.period) == (year, period)}
    answer = engine.answer(f"{year}年{period}{leader}分管的目标整体情况")
    assert answer.intent == "overview" and f"共{len(wanted)}项" in answer.short


def test_an_overview_word_with_a_subject_is_still_a_single_question(engine):
    answer = engine.answer("农村生活污水治理的进展概况")
    assert answer.intent != "overview"
