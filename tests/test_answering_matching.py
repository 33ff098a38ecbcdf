"""Lexical evidence and figure clauses, on real records and hand-worked strings."""

from __future__ import annotations

import numpy as np
import pytest

from qa_app.answering import matching
from qa_app.answering.asks import make_ask
from qa_app.answering.figures import best_clause, focus, summary
from qa_app.answering.matching import (
    RowTails,
    TermRowsBuilder,
    build_lexical_index,
    figure_tails,
    figure_with_unit,
    figures,
    postings_of,
    split_clauses,
    terms,
)
from qa_app.answering.vocabulary import build_vocabulary

STOPS = "002_f75c9825bbd5b703.txt#47"      # 新建“小荷学堂”100个
PARKING = "001_d46b2bc31c3b0751.txt#187"   # 市区新增公共停车位10000个 / 新增车位11594个
DUST = "003_f244d3adb5876381.txt#105"      # 查处扬尘污染违法行 13 起，共处罚款 24 万元
COAL = "004_a6d61ab50cb7c05a.txt#27"       # 全市开展智能化建设煤矿达到8处以上


@pytest.fixture(scope="module")
def lexical(corpus):
    return build_lexical_index(corpus.records)


@pytest.fixture(scope="module")
def vocab(corpus):
    return build_vocabulary(corpus.records)


def test_terms_are_bigrams_and_whole_numbers():
    assert terms("小荷学堂100个") == ["小荷", "荷学", "学堂", "100"]
    assert terms("小荷學堂") == ["小荷", "荷学", "学堂"]


def test_clauses_keep_numbers_with_thousands_separators():
    assert split_clauses("全市实际使用外资23,103万美元，同比增长5%。其中A；B") == [
        "全市实际使用外资23,103万美元", "同比增长5%", "其中A", "B"]


def test_years_are_not_figures():
    assert [m.group() for m in figures("建立2023年度储备库，库内企业已超400家")] == ["400"]


@pytest.mark.parametrize("clause, hint, expected", [
    ("新增车位11594个", "个", True),
    ("共处罚款 24 万元", "元", True),          # a multiplier may sit between number and measure
    ("农村千兆速率固定网络端口达到181万个", "万个", True),
    ("完工率92.03%", "%", True),
    ("建立2023年度储备库", "年", False),
    ("新增车位11594个", "家", False),
])
def test_figure_with_unit(clause, hint, expected):
    assert figure_with_unit(clause, hint) is expected


def test_coverage_prefers_the_record_holding_the_rare_words(corpus, lexical):
    rows = {r.id: i for i, r in enumerate(corpus.records)}
    query = terms("小荷学堂")
    assert lexical.coverage(query, rows[STOPS]) == pytest.approx(1.0)
    assert lexical.coverage(query, rows[PARKING]) == 0.0
    assert lexical.coverage(terms("奥体中心"), rows[STOPS]) == 0.0


@pytest.mark.parametrize("record_id, ask, expected", [
    (PARKING, "城区今年新增了多少个公共停车位", "新增车位11594个"),       # done → the progress cell
    (PARKING, "公共停车位的目标是多少个", "市区新增公共停车位10000个"),   # plan → the target wording
    (DUST, "查处了几起", "累计查处扬尘污染违法行 13 起"),
    (DUST, "罚了多少", "共处罚款 24 万元"),
    (COAL, "煤矿智能化建设今年要搞到几处", "全市开展智能化建设煤矿达到8处以上"),
])
def test_best_clause(by_id, vocab, lexical, record_id, ask, expected):
    clause = best_clause(by_id[record_id], make_ask(ask), (), vocab, lexical)
    assert clause.text == expected


def test_focus_keeps_the_asked_figure_of_a_long_clause():
    text = "签订" + "、".join(f"第{i}家公司医疗器械项目" for i in range(1, 12)) + "等7个投资过亿元项目"
    cut = focus(text, 60, ("个",))
    assert len(cut) <= 60 and "7个" in cut


def test_summary_keeps_first_and_last_clause():
    text = "持续加强日常巡查，" + "严格土地执法，" * 12 + "坚持“零容忍”的态度管住新增问题"
    assert summary(text, 60) == "持续加强日常巡查……坚持“零容忍”的态度管住新增问题"


def _reference_postings(sets) -> dict[str, list[int]]:
    """term → rows holding it, by scanning every row's set (what the postings replace)."""
    out: dict[str, list[int]] = {}
    for row, items in enumerate(sets):
        for item in items:
            out.setdefault(item, []).append(row)
    return out


def _as_lists(postings) -> dict[str, list[int]]:
    return {term: rows.tolist() for term, rows in postings.items()}


@pytest.mark.parametrize("batch", [7, matching.POSTING_BATCH])
def test_postings_are_the_term_sets_transposed(lexical, monkeypatch, batch):
    monkeypatch.setattr(matching, "POSTING_BATCH", batch)  # 7: one term's rows placed across many batches
    for term_rows in (lexical.content_terms, lexical.progress_terms):
        sets = [term_rows[row] for row in range(len(term_rows))]
        postings = term_rows.postings()
        assert _as_lists(postings) == _reference_postings(sets)
        assert term_rows.ids.dtype == np.uint16 and postings.rows.dtype == np.int32
        assert len(postings) == len(_reference_postings(sets))
    assert postings.get("从未出现") is None and "从未出现" not in postings


def test_term_ids_widen_past_65536_terms():
    builder = TermRowsBuilder({}, [])
    rows = [{f"t{i}" for i in range(start, start + 30_000)} for start in (0, 25_000, 50_000)] + [{"t7", "t69999"}]
    for items in rows:
        builder.add(items)
    built = builder.done()
    assert built.ids.dtype == np.int32 and [built[i] for i in range(len(rows))] == rows
    assert _as_lists(built.postings()) == _reference_postings(rows)


def test_postings_of_sets_and_tails_computed_per_row(corpus):
    records = corpus.records
    leaders = [set(r.leaders) for r in records]
    assert _as_lists(postings_of(leaders)) == _reference_postings(leaders)
    assert _as_lists(postings_of([set(), set()])) == {}
    tails = RowTails(records)
    assert len(tails) == len(records)
    assert list(tails) == [figure_tails(r.content + "|" + r.progress) for r in records]
