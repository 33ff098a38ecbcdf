"""Chinese numerals in questions: the parser, the rewrite into digits, and the words it must leave alone."""

from __future__ import annotations

import pytest

from qa_app.answering.numerals import chinese_number, digits_for_numerals, ordinals


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("两", 2), ("十", 10), ("十七", 17), ("二十", 20), ("二十一", 21), ("九十九", 99),
    ("一百", 100), ("两百", 200), ("一百零七", 107), ("一百一十", 110), ("一百二十三", 123),
    ("一百二", 120), ("三百零五", 305), ("一千", 1000), ("一千零五", 1005), ("一千零五十", 1050),
    ("两千五", 2500), ("三千四百", 3400), ("九千九百九十九", 9999), ("二千零二十三", 2023),
])
def test_well_formed_numerals_parse(text, value):
    assert chinese_number(text) == value


@pytest.mark.parametrize("text", [
    "", "十四五", "三四", "一二三", "零", "〇", "百", "千", "百十", "一百十", "两十", "二零", "五一", "季",
    "1百2十",
])
def test_what_is_not_one_numeral_is_none(text):
    assert chinese_number(text) is None


@pytest.mark.parametrize("question, rewritten", [
    # ordinals
    ("第一百二十三项由谁负责", "第123项由谁负责"),
    ("第四十二项的完成时限", "第42项的完成时限"),
    ("三季度表第三十九条是什么内容", "三季度表第39条是什么内容"),
    ("排第一百六十九号的目标", "排第169号的目标"),
    ("序号是五十五的目标谁分管", "序号是55的目标谁分管"),
    ("序号第七十四的责任单位", "序号第74的责任单位"),
    ("排在第五十八的那项", "排在第58的那项"),
    ("排第一百零七位的目标", "排第107位的目标"),
    ("第八项任务", "第8项任务"),
    ("第一条", "第1条"),
    ("编号为二百零一的", "编号为201的"),
    ("排名第一", "排名第1"),
    ("第两千五百项", "第2500项"),
    # counts and plain numbers
    ("共有十七项", "共有17项"),
    ("二十一", "21"),
    ("两百", "200"),
    ("两家以上单位共同负责的", "2家以上单位共同负责的"),
    ("十一个部分", "11个部分"),
    ("三项目标分别是什么", "3项目标分别是什么"),
    ("有九条", "有9条"),
    ("十项", "10项"),
    ("五十五个村", "55个村"),
    ("两个年度的推进表", "2个年度的推进表"),
    ("第九部分", "第9部分"),
    # full-width digits and digit-by-digit years
    ("第１２３项", "第123项"),
    ("二〇二三年的任务", "2023年的任务"),
    ("二零二一年一季度", "2021年一季度"),
])
def test_ordinals_and_counts_become_digits(question, rewritten):
    assert digits_for_numerals(question) == rewritten


@pytest.mark.parametrize("question", [
    "一季度完成情况", "三季度表里的目标", "前三季度社零额", "第一季度", "第三季度表", "四季度",
    "上半年", "一村一年一场戏", "四水四定", "一企一策", "两高行业", "一体化发展", "十四五规划",
    "第一批名单", "第四届交易会", "第十一届", "第二轮", "这一项由谁负责", "哪一个单位", "每一项",
    "这两项", "三个代表", "三年行动计划", "十有两禁", "千项技改、千企转型", "一带一路", "两癌筛查",
    "五一假期", "三四个", "1百2十项", "一站式", "一网通办", "第一时间", "前三批高企认定", "哪两条",
])
def test_words_that_only_contain_numeral_characters_stay(question):
    assert digits_for_numerals(question) == question


@pytest.mark.parametrize("question, numbers", [
    ("第一百二十三项由谁负责", (123,)),
    ("序号是五十五的", (55,)),
    ("排在第五十八", (58,)),
    ("第3项和第12项", (3, 12)),
    ("第一季度第5项", (5,)),
    ("第3季度", ()),
    ("一季度有几项", ()),
    ("共有十七项", ()),
])
def test_ordinals_are_the_record_numbers_asked(question, numbers):
    assert ordinals(question) == numbers
