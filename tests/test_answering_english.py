"""English questions read through the glossary (no model): record numbers, hyphenated quarters, names
spelled in pinyin. The questions are ours, outside every dev set."""

import pytest

from qa_app.answering.english import romanized, translate

LEADERS = ("王小明", "欧阳春")


@pytest.mark.parametrize(("question", "expected"), [
    ("What is the deadline of item 37 in the 2021 first-quarter table?", ("第37项", "一季度", "2021年", "完成时限")),
    ("Who leads task 5 of the notice?", ("第5项", "谁牵头", "任务通知")),
    ("How many targets does Wang Xiaoming oversee?", ("王小明", "分管", "几项目标")),
    ("Which targets does Xiaoming Wang supervise in the Q2 2023 table?", ("王小明", "二季度", "2023年")),
    ("Which unit is responsible for row 8?", ("第8项", "哪个单位负责")),
])
def test_translate_keeps_numbers_quarters_and_names(question, expected):
    chinese = translate(question, LEADERS)
    assert all(part in chinese for part in expected), chinese


def test_a_number_not_naming_a_record_is_context():
    assert "12" not in translate("Which unit builds 12 schools?", LEADERS)


def test_romanized_spells_people_not_units():
    spelled = romanized(("欧阳春", "市教育局局长办公室"))
    assert spelled["ouyangchun"] == "欧阳春" and all(len(name) <= 4 for name in spelled.values())
