"""Plan parts, each answered on the real corpus and index with questions written for these tests
(none is in a dev set): conditions beyond equality, existence, aggregates, hops, topic lists, and the
one-line plan every reply carries. Expected values are computed from the parsed records directly."""

from __future__ import annotations

from collections import Counter

import pytest

from qa_app.answering import understand
from qa_app.answering.plan import Op, Operation
from qa_app.answering.planning import plan_of
from qa_app.answering.selection import build_knowledge
from qa_app.records import parent_id


@pytest.fixture(scope="module")
def knowledge(corpus):
    return build_knowledge(corpus.records)


def _targets(corpus, **equal):
    return [r for r in corpus.records if parent_id(r.id) is None and r.kind == "target"
            and all(getattr(r, k) == v for k, v in equal.items())]


def _tasks(corpus):
    return [r for r in corpus.records if r.kind == "task"]


# -- reading: which conditions, operation and group a question sets --------------------------------

@pytest.mark.parametrize(("question", "operation", "condition"), [
    ("2021年一季度表里完成时限不是年底的目标有几项？", Operation.COUNT, ("deadline", Op.NE, "年底")),
    ("哪些目标的截止时间并非“年底”？", Operation.LIST, ("deadline", Op.NE, "年底")),
    ("完成时限具体到某个月的目标有哪些？", Operation.LIST, ("deadline", Op.MONTH_END, "")),
    ("2021年一季度表里由三家以上单位共同负责的目标有几项？", Operation.COUNT, ("units", Op.AT_LEAST, 3)),
    ("哪些目标写了两家单位？", Operation.LIST, ("units", Op.EXACTLY, 2)),
    ("先行区任务中市发展改革委只是参与单位、不是牵头的有几项？", Operation.COUNT,
     ("participating_units", Op.ONLY_PARTICIPATING, "市发展改革委")),
    ("进展里写了“已完成”的目标有哪些？", Operation.LIST, ("progress", Op.CONTAINS, "已完成")),
    ("以“加快”开头的目标有几项？", Operation.COUNT, ("content", Op.STARTS, "加快")),
    ("2023年曹临分管的目标里，有没有完成时限不是年底的？", Operation.EXISTS, ("deadline", Op.NE, "年底")),
])
def test_conditions_read(knowledge, question, operation, condition):
    q = understand(question, knowledge.vocab)
    plan = plan_of(q, knowledge.vocab)
    assert plan.operation is operation
    assert any((c.field, c.op, c.value) == condition for c in plan.conditions), plan.describe()


@pytest.mark.parametrize(("question", "group_by", "largest"), [
    ("2021年一季度表里哪位市领导分管的目标最多？", "leaders", True),
    ("先行区任务里哪个部分的任务最多？", "section", True),
    ("先行区任务中哪个单位参与的任务最多？", "participating_units", True),
    ("哪个单位牵头的任务最少？", "lead_units", False),
    ("2023年哪一条目标挂的责任单位最多？", "record_units", True),
    ("三季度表里哪位领导分管的事项多一些？", "leaders", True),
    ("2021年表中承担目标最多的单位是哪家？", "units", True),
    ("二季度分管目标最少的是哪位市领导？", "leaders", False),
    ("任务通知里当牵头单位次数最多的是谁？", "lead_units", True),
])
def test_aggregates_read(knowledge, question, group_by, largest):
    q = understand(question, knowledge.vocab)
    assert (q.intent, q.group_by, q.largest) == ("group", group_by, largest)
    assert plan_of(q, knowledge.vocab).operation is Operation.GROUP


@pytest.mark.parametrize(("question", "subject", "role"), [
    ("负责建设50个如康家园残疾人之家的那个单位，还负责哪些目标？", "建设50个如康家园残疾人之家", "units"),
    ("分管创建国家节水型城市那条目标的市领导还分管哪些目标？", "创建国家节水型城市", "leaders"),
])
def test_hops_read(knowledge, question, subject, role):
    hop = understand(question, knowledge.vocab).hop
    assert hop is not None and (hop.subject, hop.role) == (subject, role)


# -- answering: the same parts executed over the real index ---------------------------------------

@pytest.mark.slow
def test_deadline_not_condition_counts_every_record(engine, corpus):
    expected = [r for r in _targets(corpus, year=2021) if r.deadline and r.deadline != "年底"]
    answer = engine.answer("2021年一季度表里完成时限不是年底的目标有几项？")
    assert answer.short.startswith(f"{len(expected)}项") and not answer.abstained


@pytest.mark.slow
def test_only_participating_count(engine, corpus):
    expected = [r for r in _tasks(corpus) if "市发展改革委" in r.participating_units
                and "市发展改革委" not in r.lead_units]
    answer = engine.answer("先行区任务中市发展改革委只是参与单位、不是牵头的有几项？")
    assert answer.short.startswith(f"{len(expected)}项")


@pytest.mark.slow
def test_exists_answers_no_first_when_nothing_matches(engine, corpus):
    assert {r.deadline for r in corpus.records if "曹临" in r.leaders} == {"年底"}  # the premise
    answer = engine.answer("2023年曹临分管的目标里，有没有完成时限不是年底的？")
    assert answer.short.startswith("没有") and answer.plan["operation"] == "exists"


@pytest.mark.slow
def test_exists_answers_yes_with_the_records(engine, corpus):
    answer = engine.answer("2021年一季度的目标里有没有完成时限不是年底的？")
    expected = [r for r in _targets(corpus, year=2021) if r.deadline and r.deadline != "年底"]
    assert answer.short.startswith("有") and f"{len(expected)}项" in answer.short


@pytest.mark.slow
@pytest.mark.parametrize(("question", "field", "kind", "year"), [
    ("2021年一季度表里哪位市领导分管的目标最多？", "leaders", "target", 2021),
    ("先行区任务里哪个部分的任务最多？", "section", "task", None),
])
def test_group_names_the_largest_with_its_count(engine, corpus, question, field, kind, year):
    records = [r for r in corpus.records if r.kind == kind and parent_id(r.id) is None
               and (year is None or r.year == year)]
    counts = Counter(v for r in records for v in ((getattr(r, field),) if isinstance(getattr(r, field), str)
                                                  else getattr(r, field)))
    (name, count), = counts.most_common(1)
    answer = engine.answer(question)
    assert name in answer.short and f"{count}项" in answer.short


@pytest.mark.slow
def test_hop_lists_the_units_other_records(engine, corpus):
    source = next(r for r in corpus.records if "如康家园" in r.content)
    others = [r for r in corpus.records if set(r.units) & set(source.units) and r.id != source.id]
    answer = engine.answer("负责建设50个如康家园残疾人之家的那个单位，还负责哪些目标？")
    assert not answer.abstained and others
    assert all(c.record_id != source.id for c in answer.citations)
    assert any(c.record_id == others[0].id for c in answer.citations)
    assert answer.plan["subplans"] and answer.plan["subplans"][0]["feeds"] == "units"


@pytest.mark.slow
@pytest.mark.parametrize(("question", "field", "verb"), [
    ("牵头“有序推进城市更新行动”的那家单位一共牵头了几项任务？", "lead_units", "牵头"),
    ("2023年的推进表里负责“推进疾控中心标准化建设”的单位共负责多少项？", "units", "负责"),
])
def test_hop_total_counts_the_found_record_too(engine, corpus, question, field, verb):
    """一共/共…几项 after a hop counts every record of the found unit, the found one included; 牵头X的单位
    feeds X's lead only (not its participants)."""
    subject = question.split("“")[1].split("”")[0]
    source = next(r for r in corpus.records if subject in r.content)
    fed = set(getattr(source, field) or source.units)
    year = source.year if question.startswith("20") else None
    total = [r for r in corpus.records if set(getattr(r, field) or r.units) & fed and r.kind == source.kind
             and (year is None or r.year == year) and parent_id(r.id) is None]
    answer = engine.answer(question)
    assert answer.short.startswith(f"{len(total)}项"), (answer.short, len(total))


@pytest.mark.slow
def test_a_list_of_several_records_opens_with_its_count(engine):
    answer = engine.answer("涉及养老的目标和任务有哪些？")
    assert len(answer.citations) > 1 and answer.short.startswith(f"{len(answer.record_ids)}项：")


@pytest.mark.slow
def test_topic_list_holds_every_record_writing_the_topic(engine, corpus):
    writing = {r.id for r in corpus.records if "养老" in r.content and parent_id(r.id) is None}
    answer = engine.answer("涉及养老的目标和任务有哪些？")
    assert writing <= {c.record_id for c in answer.citations}


@pytest.mark.slow
@pytest.mark.parametrize("question", ["2021年一季度表里完成时限不是年底的目标有几项？",
                                      "负责建设50个如康家园残疾人之家的那个单位，还负责哪些目标？",
                                      "市残联负责的目标有哪些？"])
def test_every_reply_states_its_plan_in_one_line(engine, question):
    answer = engine.answer(question)
    last = answer.answer.splitlines()[-1]
    assert last.startswith("按：") and last == answer.plan["text"] and len(last) < 120


@pytest.mark.slow
@pytest.mark.parametrize("question, scope, words", [
    # a topic is found in the words records on it use (data/topics.tsv), not only in the topic word
    ("2023年三季度涉及教育的目标有哪些？", (2023, "三季度", "target"), ("学校", "教师", "大学")),
    ("有关残疾人的目标和任务", (None, None, None), ("残疾",)),
    ("能源方面的任务有哪几项", (None, None, "task"), ("燃气", "电力", "油气")),
    ("文旅这块儿2023年三季度都有啥目标", (2023, "三季度", "target"), ("旅游", "景区")),
])
def test_topic_list_holds_the_records_in_the_topics_own_words(engine, corpus, question, scope, words):
    year, period, kind = scope
    wanted = {r.id for r in corpus.records if any(w in r.content for w in words) and parent_id(r.id) is None
              and (year is None or r.year == year) and (period is None or r.period == period)
              and (kind is None or r.kind == kind)}
    answer = engine.answer(question)
    assert wanted and answer.intent == "list"
    assert wanted <= {c.record_id for c in answer.citations}
