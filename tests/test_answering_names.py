"""Names resolved against the real corpus: exact, alias table, short names, one-character slips, and
the message a question abstains with when the documents do not have the name."""

from __future__ import annotations

import pytest

from qa_app.answering.missing import missing_place, number_beyond
from qa_app.answering.names import (
    build_name_index,
    expand_short_names,
    resolve_leader,
    resolve_leaders,
    resolve_question,
    resolve_unit,
    resolve_units,
)
from qa_app.answering.numerals import digits_for_numerals, ordinals


@pytest.fixture(scope="module")
def index(corpus):
    return build_name_index(corpus.records)


@pytest.mark.parametrize("question, asked, found, how", [
    ("市水务局承担了哪些目标", "市水务局", "市水务局", "exact"),
    ("市體育局負責什麼", "市体育局", "市体育局", "exact"),                     # traditional characters
    ("市文化旅游局负责几项", "市文化旅游局", "市文化和旅游局", "exact"),          # the stem, without 和
    ("水利局负责几项", "水利局", "市水务局", "alias"),
    ("市国土资源局牵头的任务", "市国土资源局", "市自然资源和规划局", "alias"),
    ("市卫计委的目标进展", "市卫计委", "市卫生健康委", "alias"),
    ("市残疾人联合会负责什么", "市残疾人联合会", "市残联", "alias"),            # the full name
    ("人民银行牵头哪些任务", "人民银行", "人行菏泽市中心支行", "alias"),         # head…tail row
    ("市公路中心负责哪些目标", "市公路中心", "市公路事业发展中心", "short"),
    ("市邮政管里局负责的", "市邮政管里局", "市邮政管理局", "slip"),
    ("市退役军人事物局有几项", "市退役军人事物局", "市退役军人事务局", "slip"),
])
def test_a_unit_resolves_to_the_corpus_name(index, question, asked, found, how):
    assert resolve_unit(question, index) == resolve_units(question, index)[0]
    res = resolve_unit(question, index)
    assert (res.asked, res.found, res.how, res.missing_message) == (asked, found, how, None)


@pytest.mark.parametrize("question, message", [
    ("市气象局牵头了哪些任务", "文件中没有名为市气象局的单位"),
    ("市审计局有几项目标", "文件中没有名为市审计局的单位"),           # not a slip of 市审批局
    ("市统计局负责的进展如何", "文件中没有名为市统计局的单位"),
    ("市档案馆的任务", "文件中没有名为市档案馆的单位"),
])
def test_a_unit_the_corpus_lacks_is_missing_with_its_name(index, question, message):
    res = resolve_unit(question, index)
    assert (res.found, res.how, res.missing_message) == (None, None, message)


def test_each_unit_of_a_question_is_resolved_in_turn(index):
    found = resolve_units("市发改委和市气象局各负责几项", index)
    assert [(r.found, r.how) for r in found] == [("市发展改革委", "alias"), (None, None)]


@pytest.mark.parametrize("question", [
    "全市有哪些目标",
    "哪位市政府领导分管教育",
    "市场化改革的进展",
    "市区新增停车位多少个",
    "市立医院东院区建设由谁负责",    # a place the records name, not a unit
    "市级以上的平台有几家",
    "2023年的目标一共几项",
])
def test_words_that_only_look_like_units_name_none(index, question):
    assert [r for r in resolve_units(question, index) if r.missing_message] == []


@pytest.mark.parametrize("question, asked, found, how", [
    ("肖友华分管哪些目标", "肖友华", "肖友华", "exact"),
    ("曹 临 负责哪些", "曹临", "曹临", "exact"),
    ("聂元料副市长分管的", "聂元料", "聂元科", "slip"),
    ("姜凌钢分管的目标有几项", "姜凌钢", "姜凌刚", "slip"),
    ("刘连分管的目标", "刘连", "刘连栋", "slip"),                       # one character missing
])
def test_a_leader_resolves(index, question, asked, found, how):
    res = resolve_leader(question, index)
    assert (res.asked, res.found, res.how, res.missing_message) == (asked, found, how, None)


@pytest.mark.parametrize("question, asked", [
    ("副市长李明分管哪些目标", "李明"),
    ("孙建国副市长负责哪些", "孙建国"),
    ("市长赵刚分管什么", "赵刚"),
    ("由周立新分管的目标有几项", "周立新"),
])
def test_a_person_who_is_no_leader_there_is_missing(index, question, asked):
    res = resolve_leader(question, index)
    assert (res.asked, res.found, res.missing_message) == (asked, None, f"文件中没有名为{asked}的市政府领导")


@pytest.mark.parametrize("question", [
    "哪位市领导分管的目标最多", "张副市长分管什么", "任务分管情况", "各位市政府领导分管几项",
    "2023年三季度又负责几项", "分管领导是谁",
])
def test_question_words_near_a_title_are_no_person(index, question):
    assert resolve_leaders(question, index) == ()


def test_a_leader_asked_about_a_year_they_are_not_in(index):
    res = resolve_leader("2021年曹临分管哪些目标", index, years=(2021,))
    assert res.found is None
    assert res.missing_message == "2021年的文件中没有曹临分管的目标（曹临见于2023年的文件）"
    assert resolve_leader("2023年曹临分管哪些目标", index, years=(2023,)).found == "曹临"


@pytest.mark.parametrize("question, short, long", [
    ("社零额前三季度增长多少", "社零额", "社会消费品零售总额"),
    ("创卫工作谁在抓", "创卫", "创建国家卫生城市"),
    ("高标农田今年建多少亩", "高标农田", "高标准农田"),
    ("规上工业增加值目标", "规上工业增加值", "规模以上工业增加值"),
    ("新能源车产业由谁牵头", "新能源车产业", "新能源汽车产业"),
    ("齐鲁工大校区建设进展", "齐鲁工大校区", "齐鲁工业大学菏泽校区"),
    ("失能老人照护床位", "失能老人", "失能失智老年人"),
    ("培植院士协同创心中心", "院士协同创心", "院士协同创新中心"),   # a slip inside a term
])
def test_a_short_name_becomes_the_records_term(index, question, short, long):
    rewritten, pairs = expand_short_names(question, index)
    assert pairs == ((short, long),)
    assert rewritten == question.replace(short, long)


@pytest.mark.parametrize("question", [
    "林交会由哪个单位负责",             # the records write 林交会 as is
    "专精特新小巨人企业有几家",         # two terms the records hold
    "这一项要求重点打造几个",
    "地铁建设进展如何",                 # a common word the records lack is no short name
    "老年人方面的目标有哪些",
    "完成时限不是年底的",
    "两家以上单位共同负责的",
    "第93项稳金融防风险",
    "市环保局负责哪些目标",             # units are the unit resolver's
    "副市长李明分管哪些目标",           # and people the leader resolver's
    "What is the deadline of the bridge",
])
def test_ordinary_wording_is_left_as_written(index, question):
    assert expand_short_names(question, index)[1] == ()


@pytest.mark.parametrize("question, place", [
    ("济宁市2023年新增就业多少", "济宁市"),
    ("滕州市的重点任务有哪些", "滕州市"),
    ("山东省2023年的目标", "山东省"),
])
def test_a_place_no_document_is_of_is_named(index, question, place):
    assert missing_place(question, index) == f"文件只含{'、'.join(index.vocab.places)}的文件，没有{place}"


@pytest.mark.parametrize("question", [
    "菏泽市2023年的目标有几项", "咱们市今年社零额多少", "先行区任务中市卫生健康委牵头几项", "医专升本 分管市领导",
    "郓城县人民政府负责哪些",
])
def test_the_corpus_own_places_and_units_are_no_missing_place(index, question):
    assert missing_place(question, index) is None


def _third_quarter(corpus):
    return [r for r in corpus.records if r.period == "三季度"]


def test_a_number_past_the_end_of_the_table(corpus):
    third = _third_quarter(corpus)
    last = max(r.number for r in third)
    [asked] = ordinals(digits_for_numerals("三季度表第二百一十项由谁负责"))
    assert number_beyond(third, asked) == f"2023年三季度表只到第{last}项"
    assert number_beyond(third, last) is None


def test_a_task_number_past_the_end_names_the_notice(corpus):
    tasks = [r for r in corpus.records if r.kind == "task"]
    message = number_beyond(tasks, 120)
    assert message.endswith(f"只到第{max(r.number for r in tasks)}项")
    assert "重点工作任务" in message


def test_a_number_within_range_but_absent_says_so(corpus):
    third = _third_quarter(corpus)
    held = {r.number for r in third}
    gap = next(n for n in range(1, max(held)) if n not in held)
    assert number_beyond(third, gap) == f"2023年三季度表没有第{gap}项"


def test_records_of_several_tables_are_named_generally(corpus):
    assert number_beyond(corpus.records, 9999).startswith("所问的文件只到第")


@pytest.mark.parametrize("question, abstain", [
    ("副市长李明分管的第二十项是什么", "文件中没有名为李明的市政府领导"),
    ("济宁市的市气象局负责几项", "文件只含菏泽市的文件，没有济宁市"),   # the place first
    ("市气象局和市环保局各负责几项", "文件中没有名为市气象局的单位"),
    ("市环保局社零额目标的第三十九条", None),
])
def test_one_call_resolves_every_name_of_a_question(index, question, abstain):
    assert resolve_question(question, index).abstain == abstain


def test_the_rewritten_question_has_long_forms_and_digits(index):
    names = resolve_question("社零额是第十七项吗", index)
    assert names.rewritten == "社会消费品零售总额是第17项吗"
    assert names.short_names == (("社零额", "社会消费品零售总额"),)
    assert names.units == names.leaders == ()


def test_the_short_name_cache_is_bounded_and_results_stay_right(index, monkeypatch):
    from qa_app.answering import short_names

    monkeypatch.setattr(short_names, "_CACHE_LIMIT", 3)
    index.short_names._cache.clear()
    for question in ("创卫工作谁在抓", "高标农田今年建多少亩", "社零额前三季度增长多少", "创卫工作谁在抓"):
        expand_short_names(question, index)
        assert len(index.short_names._cache) <= 3
    assert expand_short_names("社零额多少", index)[1] == (("社零额", "社会消费品零售总额"),)
