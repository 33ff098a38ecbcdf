"""The BM25 builder: the model bm25s's own `BM25.index` gives, built with numpy from streamed tokens."""

from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest

from qa_app.indexes import Tokenizer, chunk_text, lexical, vocabulary_words
from qa_app.indexes.lexical import Bm25Index, bm25_model, top_rows
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tokenizer(corpus):
    return Tokenizer(vocabulary_words(list(corpus.records)))


@pytest.fixture(scope="module")
def token_lists(corpus, tokenizer):
    """The bundled corpus's chunks as `qa build` tokenises them, plus two chunks without a token."""
    return [tokenizer(chunk_text(r)) for r in corpus.records] + [[], tokenizer("，。")]


@pytest.fixture(scope="module")
def queries(tokenizer):
    lines = [json.loads(line) for name in ("dev.jsonl", "dev2.jsonl")
             for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [tokenizer(q["question"]) for q in lines]


def reference(token_lists) -> bm25s.BM25:
    model = bm25s.BM25()
    model.index([tokens or [""] for tokens in token_lists], show_progress=False)
    return model


def column(model: bm25s.BM25, token: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A token's (documents, scores), or None for a token known but outside the matrix."""
    i, indptr = model.vocab_dict[token], model.scores["indptr"]
    if i >= len(indptr) - 1:
        return None
    span = slice(indptr[i], indptr[i + 1])
    return model.scores["indices"][span], model.scores["data"][span]


@pytest.mark.parametrize("batch", [7, lexical.BATCH_DOCS])
def test_model_equals_bm25s_index(token_lists, monkeypatch, batch):
    monkeypatch.setattr(lexical, "BATCH_DOCS", batch)  # 7: column entries placed across many batches
    ours, theirs = bm25_model(iter(token_lists)), reference(token_lists)
    assert ours.vocab_dict.keys() == theirs.vocab_dict.keys()
    assert (ours.method, ours.idf_method, ours.k1, ours.b, ours.dtype) == \
        (theirs.method, theirs.idf_method, theirs.k1, theirs.b, theirs.dtype)
    assert ours.scores["num_docs"] == theirs.scores["num_docs"] == len(token_lists)
    for name in ("data", "indices", "indptr"):
        assert ours.scores[name].dtype == theirs.scores[name].dtype
        assert ours.scores[name].shape == theirs.scores[name].shape
    for token in theirs.vocab_dict:
        mine, reference_column = column(ours, token), column(theirs, token)
        assert (mine is None) == (reference_column is None)
        if mine is not None:
            assert np.array_equal(mine[0], reference_column[0]) and np.array_equal(mine[1], reference_column[1])


def test_scores_and_rankings_equal_bm25s(token_lists, queries):
    ours, theirs = Bm25Index(bm25_model(token_lists), len(token_lists)), Bm25Index(reference(token_lists), len(token_lists))
    scored = 0
    for query in queries:
        mine, reference_scores = ours.scores(query), theirs.scores(query)
        assert np.allclose(mine, reference_scores, atol=1e-6, rtol=0)
        assert top_rows(mine, 10) == top_rows(reference_scores, 10)
        scored += bool(reference_scores.any())
    assert scored >= 0.9 * len(queries)


def test_scores_add_each_column_as_bm25s_get_scores_does(token_lists, queries):
    """The product's scoring (plain indexed adds) gives bm25s's `get_scores` (np.add.at) bit for bit."""
    index = Bm25Index.build(token_lists)
    for query in queries:
        known = [t for t in query if t in index._model.vocab_dict]
        if known:
            assert np.array_equal(index.scores(query), index._model.get_scores(known))


def test_unseen_tokens_and_empty_documents(token_lists):
    ours = Bm25Index.build(token_lists)
    assert not ours.scores(["从未出现过的词", "zzz"]).any()
    assert ours.scores(["从未出现过的词", "目标"]).tolist() == ours.scores(["目标"]).tolist()
    empty = bm25_model([[], [], ["甲"]])
    assert column(empty, "") is not None and column(empty, "")[0].tolist() == [0, 1]
    assert Bm25Index(empty, 3).scores(["甲"]).tolist()[:2] == [0.0, 0.0]
    assert "" in bm25_model([["甲", "乙"]]).vocab_dict  # known, as bm25s adds it, though it scores nothing


def test_saved_model_loads_in_bm25s_and_scores_the_same(token_lists, queries, tmp_path):
    built = Bm25Index.build(token_lists)
    built.save(tmp_path / "ours")
    reference(token_lists).save(str(tmp_path / "theirs"), show_progress=False)
    loaded, theirs = Bm25Index.load(tmp_path / "ours", len(token_lists)), Bm25Index.load(tmp_path / "theirs", len(token_lists))
    for query in queries:
        assert np.array_equal(loaded.scores(query), built.scores(query))
        assert np.allclose(loaded.scores(query), theirs.scores(query), atol=1e-6, rtol=0)
