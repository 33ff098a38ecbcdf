"""Question understanding (pure): intent, scope, names, keywords and sub-questions."""

from __future__ import annotations

import pytest

from qa_app.answering.asks import split_asks, unit_hints
from qa_app.answering.understanding import detect_intent, understand
from qa_app.answering.vocabulary import build_vocabulary, simplify


@pytest.fixture(scope="module")
def vocab(corpus):
    return build_vocabulary(corpus.records)


@pytest.mark.parametrize("question, intent", [
    ("雄商高铁菏泽段工程的责任单位是哪个？", "unit"),
    ("城乡书房归哪个部门管", "unit"),
    ("市立医院东院区项目建设由谁负责？", "unit"),
    ("红色物业三年行动是谁在管？", "unit"),
    ("种业振兴工程由哪个部门牵头？", "lead_unit"),
    ("新时代文明实践中心建设 牵头單位", "lead_unit"),
    ("低保扩围增效有哪些参与单位", "participants"),
    ("扫黑除恶 是哪位领导分管", "leader"),
    ("城乡书房 是谁分官", "leader"),                      # typo of 分管
    ("成武港安济河作业区要求啥时候建完？", "deadline"),
    ("国土空间总体规划编制的完成时限", "deadline"),
    ("农村供水水质提升三年行动按计划推进了吗？", "status"),
    ("绿色建筑新增了多少平方米？", "progress"),
    ("前三季度规上工业增加值增长了多少？", "progress"),
    ("农村生活污水治理完工率", "progress"),               # a figure asked by its name alone
    ("雄商高铁进展如何", "progress"),
    ("省级绿色工厂今年要新增几个？", "task_content"),
    ("适老化改造目标户数", "task_content"),
    ("完善实验室体系这项任务的具体要求", "task_content"),
    ("姜凌刚分管的目标有哪些？", "list"),
    ("菏泽海关负责什么？", "list"),                       # only a unit named: what it is responsible for
    ("刘连栋负责几项目标？", "count"),
    ("完成时限为长期坚持的有几项", "count"),
    ("科技成果登记完成了多少项？", "progress"),           # 多少项 of a figure, not a count of records
    ("先行区任务要求新招聘多少名教师？三季度表里实际招了多少？", "cross_doc"),
    ("老旧小区改造2021年和2023年分别是多少个？", "cross_doc"),
    ("世界牡丹大会", "general"),
])
def test_intent(vocab, question, intent):
    assert understand(question, vocab).intent == intent


def test_detect_intent_is_wording_only():
    assert detect_intent(simplify("牵头单位还有谁？")) == "lead_unit"
    assert detect_intent(simplify("那2021年的呢？")) == "general"


@pytest.mark.parametrize("question, filters", [
    ("2021年一季度表里市市场监管局负责哪些目标？",
     {"year": 2021, "period": "一季度", "kind": "target", "unit": "市市场监管局"}),
    ("石墨烯项目（2021年）是哪位市政府领导负责？", {"year": 2021}),
    ("城区今年新增了多少个公共停车位？", {"year": 2023}),          # 今年 = the latest year held
    ("跨境电商前三季度进出口额多少", {"period": "三季度", "kind": "target"}),
    ("先行区2023年重点任务里，没写牵头单位的有几项？", {"year": 2023, "kind": "task", "missing": "lead_units"}),
    ("王昌化分管多少项目标？", {"leader": "王昌华"}),
    ("完成时限为11月底的有几项", {"deadline": "11月底"}),
    ("发改委牵头的先行区任务有多少项？", {"kind": "task", "unit": "市发展改革委", "role": "lead"}),
    ("先行区任务第19项由谁牵头", {"kind": "task", "number": 19}),
])
def test_scope_and_names(vocab, question, filters):
    assert understand(question, vocab).filters(vocab) == filters


@pytest.mark.parametrize("question, absent", [
    ("2024年新建5G基站的目标是多少？", "2024年"),
    ("2022年规上工业增加值增长多少", "2022年"),
    ("去年跨境电商进出口额多少", "2022年"),                     # 去年 counted from the latest year
    ("济宁市2023年三季度城镇新增就业完成了多少？", "济宁市"),
    ("河南省新建5G基站多少个", "河南省"),
    ("2023年第二季度农村污水治理完成了多少个村？", "二季度"),
    ("上海路高速出口绿地由谁负责", None),                       # a road named after a city is local
    ("小荷学堂归哪个单位管？", None),
])
def test_absent_scope(vocab, question, absent):
    assert understand(question, vocab).absent == absent


@pytest.mark.parametrize("question, expected", [
    ("小荷学堂归哪个单位管？", ("小荷学堂",)),
    ("小荷學堂歸哪個單位管", ("小荷学堂",)),
    ("鄄城 铁路 货运站 的 完成 时限", ("鄄城铁路货运站",)),
    ("2021年一季度，人工湿地和入河排污口整治那项由哪些单位负责？", ("人工湿地和入河排污口整治",)),
    ("刘连栋负责几项目标", ()),
])
def test_keywords(vocab, question, expected):
    """Content words of two characters or more (single characters are kept apart, as weak hints)."""
    assert tuple(k for k in understand(question, vocab).keywords if len(k) > 1) == expected


@pytest.mark.parametrize("question, asks", [
    ("2021年一季度工地扬尘违法查处了几起？罚了多少？", 2),
    ("新招聘教师 计划多少 实际多少", 2),
    ("建筑业和房地产企业新增150家的目标，三季度进度达标吗？新增了多少家？", 2),
    ("2021年一季度，人工湿地和入河排污口整治那项由哪些单位负责？", 1),
])
def test_sub_questions(question, asks):
    assert len(split_asks(question)) == asks


def test_sub_questions_keep_their_own_document_and_tense(vocab):
    """The notice is named by its own word, which comes from its title (vocab.task_words)."""
    first, second = split_asks("先行区任务要求新招聘多少名教师？三季度表里实际招了多少？", (), vocab.task_words)
    assert (first.kind, first.wants_plan, first.period) == ("task", True, None)
    assert (second.kind, second.wants_done, second.period) == ("target", True, "三季度")


def test_two_years_make_one_sub_question_each():
    asks = split_asks("老旧小区改造2021年和2023年分别是多少个？", (2021, 2023))
    assert [a.year for a in asks] == [2021, 2023]


@pytest.mark.parametrize("text, hints", [
    ("农村千兆网口现在到多少万个了", ("万个",)),
    ("查处了几起", ("起",)),
    ("每月探访率要求达到多少", ("%",)),
    ("罚了多少", ("元",)),
    ("适老化改造目标户数", ("户",)),
    ("三季度完工了多少个项目", ("个项目",)),
])
def test_unit_hints(text, hints):
    assert unit_hints(simplify(text)) == hints


@pytest.mark.parametrize("question, value", [
    ("三季度是否达序为“否”的任务有几项？", "否"),      # a status header of another office, known to the field catalog
    ("是否按计划完成进度为否的有哪些", "否"),
    ("是否达序写的是的有几项", "是"),
    ("今年是否完成", None),
])
def test_status_asked_in_its_own_headers_words(question, value):
    from qa_app.answering.understanding import parse_on_schedule
    assert parse_on_schedule(question) == value
