"""Shared fixtures: the bundled corpus parsed once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_app.parsing import load_corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"


@pytest.fixture(scope="session")
def corpus():
    return load_corpus(CORPUS_DIR)


@pytest.fixture(scope="session")
def by_id(corpus):
    return {r.id: r for r in corpus.records}
