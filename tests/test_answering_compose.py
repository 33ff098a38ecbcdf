"""Composition (pure): short answers, cited full answers, lists within their length limits."""

from __future__ import annotations

import re

import pytest

from qa_app.answering import compose as c
from qa_app.answering import listing
from qa_app.answering.figures import Clause

RAIL = "000_dd67d59bfaf7e311.txt#146"        # 加快建设雄商高铁菏泽段工程 | 市交通运输局 交投集团
RAIL_TASK = "004_a6d61ab50cb7c05a.txt#19"    # 建设便捷高效轨道交通网 (先行区任务)
HARBOUR = "001_d46b2bc31c3b0751.txt#161"     # 完成成武港安济河作业区建设 | 6月底
TEACHERS_TASK = "004_a6d61ab50cb7c05a.txt#84"
TEACHERS = "001_d46b2bc31c3b0751.txt#199"


def test_units_of_a_target(by_id):
    reply = c.compose_units([by_id[RAIL]], [1.0])
    assert reply.short == "市交通运输局、交投集团"
    assert reply.answer.endswith("责任单位是市交通运输局、交投集团[1]。")
    assert "2023年三季度推进情况表第146项" in reply.answer


def test_units_in_both_documents_are_kept_apart(by_id):
    task = by_id[RAIL_TASK]
    assert task.lead_units == ("市交通运输局",)
    reply = c.compose_units([by_id[RAIL], task], [1.0, 0.9])
    assert reply.short.startswith("2023年三季度表：市交通运输局、交投集团；先行区任务：牵头：市交通运输局")
    assert "[1]" in reply.answer and "[2]" in reply.answer
    assert f"由{'、'.join(task.lead_units)}牵头" in reply.answer


def test_lead_and_participating_units(by_id):
    task = by_id[RAIL_TASK]
    lead = c.compose_role(task, 1.0, "lead")
    part = c.compose_role(task, 1.0, "participating")
    assert lead.short == "、".join(task.lead_units)
    assert part.short == "、".join(task.participating_units)


def test_deadline_and_leader(by_id):
    assert c.compose_field([by_id[HARBOUR]], [1.0], "deadline").short == "6月底"
    assert c.compose_field([by_id[HARBOUR]], [1.0], "leaders").short == "肖友华"


def test_status_is_yes_with_a_short_progress_summary(by_id):
    reply = c.compose_status(by_id[HARBOUR], 1.0, None)
    assert reply.short.startswith("是，按计划推进；")
    assert len(reply.short) <= c.SHORT_LIMIT


def test_figures_from_two_documents(by_id):
    clauses = [Clause(by_id[TEACHERS_TASK], "content", "新招聘教师3000名", 1.0),
               Clause(by_id[TEACHERS], "progress", "实际招聘教师3130名", 1.0)]
    reply = c.compose_figures(clauses, {TEACHERS_TASK: 1.0, TEACHERS: 0.8})
    assert reply.short == "先行区任务：新招聘教师3000名；2023年三季度表：实际招聘教师3130名"
    assert [r.id for r in reply.records] == [TEACHERS_TASK, TEACHERS]
    assert "要求：新招聘教师3000名[1]" in reply.answer and "进展：实际招聘教师3130名[2]" in reply.answer


def test_long_lists_fit_in_300_characters_and_cite_every_record(corpus):
    records = [r for r in corpus.records if "王昌华" in r.leaders]
    reply = listing.compose_list(records, "推进情况表中分管市领导为王昌华的")
    assert len(reply.short) <= c.LIST_LIMIT
    assert len(reply.records) == len(records) == 42
    assert f"[{len(records)}]" in reply.answer


def test_a_list_past_the_cited_limit_counts_all_and_writes_out_the_first(corpus):
    records = list(corpus.records) * 3
    reply = listing.compose_list(records, "文件中")
    count = listing.compose_count(records, "文件中")
    assert reply.answer.startswith(f"文件中共{len(records)}项：") and count.short.startswith(f"{len(records)}项")
    assert len(reply.records) == listing.LIST_CITED and f"[{listing.LIST_CITED}]" in reply.answer
    assert f"[{listing.LIST_CITED + 1}]" not in reply.answer
    assert f"另有{len(records) - listing.LIST_CITED}项未列出" in reply.answer
    assert reply.short.endswith(f"等{len(records)}项") and len(reply.short) <= c.LIST_LIMIT


def test_count_short_starts_with_the_number(corpus):
    records = [r for r in corpus.records if r.deadline == "11月底" and r.year == 2021]
    reply = listing.compose_count(records, "2021年一季度推进情况表中完成时限为11月底的")
    assert reply.short.startswith(f"{len(records)}项")
    assert len(reply.short) <= c.SHORT_LIMIT


def test_abstention_names_nearby_records_only_as_possibly_related(by_id):
    reply = c.compose_abstain("与该问题直接相关的内容", [by_id[RAIL]], [0.2])
    assert reply.abstained and reply.short == ""
    assert reply.answer.startswith(c.NOT_FOUND) and "并非答案" in reply.answer


def test_citations_number_the_records_in_order(by_id):
    reply = c.compose_units([by_id[RAIL], by_id[RAIL_TASK]], [1.0, 0.5])
    cites = c.citations(reply)
    assert [(x.n, x.record_id) for x in cites] == [(1, RAIL), (2, RAIL_TASK)]
    assert cites[0].text == by_id[RAIL].text


@pytest.mark.parametrize("record_id", [RAIL, HARBOUR, TEACHERS, TEACHERS_TASK])
def test_every_figure_of_a_general_answer_is_in_the_record(by_id, record_id):
    record = by_id[record_id]
    reply = c.compose_general([record], [1.0])
    said = re.sub(r"\[\d+\]", "", reply.answer)
    source = record.text + record.title
    assert all(n in source for n in re.findall(r"\d+(?:\.\d+)?", said))
