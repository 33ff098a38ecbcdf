"""Vocabularies built from the real records: leaders, units and their short forms, typos, variants."""

from __future__ import annotations

import pytest

from qa_app.answering.vocabulary import (
    build_vocabulary,
    find_deadline,
    find_leaders,
    find_quoted,
    find_sections,
    find_units,
    section_name,
    simplify,
    unit_key,
)

LEADERS = {"肖友华", "王昌华", "曹升灵", "曹临", "张鹏", "王忠想", "姜凌刚", "聂元科", "刘连栋"}


@pytest.fixture(scope="module")
def vocab(corpus):
    return build_vocabulary(corpus.records)


def test_leaders_are_the_nine_named_in_the_tables(vocab):
    assert set(vocab.leaders) == LEADERS


def test_years_periods_and_sections_come_from_the_records(vocab):
    assert vocab.years == (2021, 2023)
    assert set(vocab.periods) == {"一季度", "三季度", "全年任务"}
    assert len(vocab.sections) == 11


def test_compound_unit_phrase_is_one_unit(vocab):
    assert "各县区政府、管委会" in vocab.units


@pytest.mark.parametrize("a, b", [
    ("市住房城乡建设局", "市住房和城乡建设局"),
    ("市市场监管局", "菏泽市市场监管局"),
    ("郓城县人民政府", "郓城县政府"),
])
def test_unit_key_makes_spellings_equal(a, b):
    assert unit_key(a) == unit_key(b)


@pytest.mark.parametrize("question, unit", [
    ("市医保局2023年负责哪几项目标", "市医保局"),
    ("市场监管局负责几项", "市市场监管局"),            # without the 市 prefix
    ("发改委牵头的任务有多少项", "市发展改革委"),        # common abbreviation
    ("市場監管局負責幾項", "市市场监管局"),              # traditional characters
    ("市 市场 监管局 负责 几项", "市市场监管局"),        # spaces
    ("市市场监督局负责哪些目标", "市市场监管局"),        # one wrong character
    ("市工业和信息局牵头几项任务", "市工业和信息化局"),    # one character missing
    ("市市场监督管理局负责哪些目标", "市市场监管局"),    # longer than any spelling in the corpus
    ("市住房和城乡建设局负责哪些目标", "市住房城乡建设局"),  # the other spelling in the corpus
    ("工信局牵头几项任务", "市工业和信息化局"),
    ("黄河河务局参与哪些任务", "菏泽黄河河务局"),         # without the documents' city (from their titles)
])
def test_find_units(vocab, question, unit):
    keys = find_units(simplify(question), vocab)
    assert [vocab.unit_name(k) for k in keys] == [unit]


def test_a_county_name_alone_is_not_a_unit(vocab):
    assert find_units(simplify("郓城新河航道复航工程的责任单位"), vocab) == ()


@pytest.mark.parametrize("question, leaders", [
    ("刘连栋负责几项目标", ("刘连栋",)),
    ("曹 临负责几项", ("曹临",)),
    ("刘连东负责哪些目标", ("刘连栋",)),      # typo in a three-character name
    ("王昌化分管多少项目标", ("王昌华",)),
    ("曹县的目标有哪些", ()),                 # a two-character name is never guessed
    ("雄商高铁由谁负责", ()),
])
def test_find_leaders(vocab, question, leaders):
    assert find_leaders(simplify(question), vocab) == leaders


def test_sections_quoted_names_and_deadlines(vocab):
    assert section_name("一、深入实施创新驱动发展战略") == "深入实施创新驱动发展战略"
    assert find_sections(simplify("创新驱动发展战略部分有几项任务"), vocab) == ("一、深入实施创新驱动发展战略",)
    assert "小荷学堂" in find_quoted(simplify("小荷学堂归哪个单位管"), vocab)
    assert find_deadline(simplify("完成时限为11月底的有几项"), vocab) == "11月底"
