"""The unit short-form table (data/unit_aliases.tsv) and the aliases it gives the real corpus."""

from __future__ import annotations

import pytest

from qa_app.answering.unit_aliases import UnitAlias, unit_alias_table
from qa_app.answering.vocabulary import build_vocabulary, find_units, simplify


@pytest.fixture(scope="module")
def vocab(corpus):
    return build_vocabulary(corpus.records)


def test_every_row_has_a_short_form_and_a_stem():
    rows = unit_alias_table().rows
    assert len(rows) >= 50
    assert all(row.short and row.stem and "\t" not in row.short for row in rows)


@pytest.mark.parametrize("row, stem, matches", [
    (UnitAlias("环保局", "生态环境局"), "生态环境局", True),
    (UnitAlias("环保局", "生态环境局"), "生态环境局分局", False),
    (UnitAlias("人民银行", "人行…中心支行"), "人行某某市中心支行", True),
    (UnitAlias("人民银行", "人行…中心支行"), "人行中心支行", False),     # nothing in the gap
    (UnitAlias("人民银行", "人行…中心支行"), "人行某某市支行", False),
])
def test_a_row_matches_its_stem_or_head_and_tail(row, stem, matches):
    assert row.matches(stem) is matches


@pytest.mark.parametrize("question, unit", [
    ("市环保局负责哪些目标", "市生态环境局"),
    ("市环境保护局负责哪些目标", "市生态环境局"),
    ("市交通局牵头的任务", "市交通运输局"),
    ("市人社局负责几项", "市人力资源社会保障局"),
    ("市国土局负责哪些", "市自然资源和规划局"),
    ("市卫计委分管领导是谁", "市卫生健康委"),
    ("人民银行负责什么", "人行菏泽市中心支行"),    # the corpus's own branch name, matched by head…tail
    ("市公路局的目标", "市公路事业发展中心"),
])
def test_old_and_common_names_resolve_to_the_corpus_spelling(vocab, question, unit):
    keys = find_units(simplify(question), vocab)
    assert [vocab.unit_name(k) for k in keys] == [unit]


def test_a_row_whose_stem_the_corpus_lacks_adds_nothing(corpus):
    without = [r for r in corpus.records if "市生态环境局" not in r.units]
    forms = dict(build_vocabulary(without).unit_aliases)
    assert "市环保局" not in forms and "环保局" not in forms
    assert "市交通局" in forms


def test_a_malformed_row_names_the_line(monkeypatch):
    from qa_app.answering import unit_aliases

    class Fake:
        def joinpath(self, _):
            return self

        def read_text(self, encoding):
            return "# comment\n环保局\t生态环境局\n审计局 没有制表符\n"

    unit_aliases.unit_alias_table.cache_clear()
    monkeypatch.setattr(unit_aliases.resources, "files", lambda _: Fake())
    with pytest.raises(ValueError, match="line 3"):
        unit_aliases.unit_alias_table()
    unit_aliases.unit_alias_table.cache_clear()
