"""The store interface: one factory picks the store, both stores implement the protocol, one result order,
and the package keeps its modules' private names to themselves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from qa_app.indexes import (
    SCORE_DECIMALS,
    FilesStore,
    Store,
    fetch_size,
    ranked,
    store_for,
    top_rows,
)
from qa_app.indexes.milvus import MilvusStore
from qa_app.retrieval import rrf_fuse
from qa_app.settings import Settings
from tests.conftest import ROOT

PACKAGE = ROOT / "qa_app"
FACTORY = PACKAGE / "indexes" / "__init__.py"


@pytest.mark.parametrize("store, expected, shared", [("faiss", FilesStore, False), ("milvus", MilvusStore, True)])
def test_the_factory_picks_the_store_from_the_settings(store, expected, shared):
    picked = store_for(Settings(store=store))
    assert type(picked) is expected and isinstance(picked, Store)
    assert picked.name == store and picked.shared is shared


def test_an_unknown_store_is_refused():
    with pytest.raises(ValueError, match="unknown store 'sqlite'"):
        store_for(Settings(store="sqlite"))


def _python_files():
    return sorted(PACKAGE.rglob("*.py"))


def test_only_the_factory_compares_the_store_name():
    pattern = re.compile(r"""\.store\s*[!=]=|\bstore\s*[!=]=\s*["']""")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in _python_files() if path != FACTORY
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_the_store_name_check_would_catch_a_comparison():
    pattern = re.compile(r"""\.store\s*[!=]=|\bstore\s*[!=]=\s*["']""")
    assert pattern.search('if settings.store == "milvus":') and pattern.search("if store != 'faiss':")
    assert not pattern.search("store_for(settings).shared")


def _module_of(path: Path) -> tuple[str, str]:
    """(module name, its package) of a file under qa_app/."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        name = ".".join(parts[:-1])
        return name, name
    return ".".join(parts), ".".join(parts[:-1])


def _package_of(module: str) -> str:
    return module if (ROOT / module.replace(".", "/") / "__init__.py").exists() else module.rsplit(".", 1)[0]


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, path: Path) -> list[str]:
    """Private names one module takes from a module of another package: `from a.b import _x`, or `m._x`
    where `m` is a qa_app module it imported."""
    _, package = _module_of(path)
    found, modules = [], {}
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qa_app"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                if (ROOT / target.replace(".", "/")).with_suffix(".py").exists() or \
                        (ROOT / target.replace(".", "/") / "__init__.py").exists():
                    modules[alias.asname or alias.name] = target
                elif _private(alias.name) and _package_of(node.module) != package:
                    found.append(f"{path.name}:{node.lineno} from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("qa_app") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules \
                and _private(node.attr) and _package_of(modules[node.value.id]) != package:
            found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_module_takes_a_private_name_from_another_package():
    offenders = [hit for path in _python_files() for hit in private_imports(path.read_text(encoding="utf-8"), path)]
    assert offenders == []


@pytest.mark.parametrize("source, caught", [
    ("from qa_app.indexes.store import _cached_vectors\n", True),     # another package's private helper
    ("from qa_app.indexes import store\nstore._publish(1, 2)\n", True),
    ("from qa_app.indexes.milvus.client import _CLIENTS\n", False),  # same package (qa_app.indexes.milvus)
    ("from qa_app import __version__\n", False),                      # a dunder is public
    ("from qa_app.indexes.store import cached_vectors\n", False),
])
def test_the_private_import_check_catches_what_it_should(source, caught):
    path = PACKAGE / "indexes" / "milvus" / "writer.py"
    assert bool(private_imports(source, path)) is caught


# ---- the one result order --------------------------------------------------------------------------------


def test_ranked_rounds_then_orders_by_score_and_row_then_cuts():
    rows = [9, 3, 7, 1, 5]
    scores = [0.50001, 0.5, 0.9, 0.49996, 0.1]
    # 0.50001, 0.5 and 0.49996 round to 0.5: a tie, which goes to the lower row
    assert ranked(rows, scores, 4) == [(7, 0.9), (1, 0.5), (3, 0.5), (9, 0.5)]
    assert ranked(np.array(rows), np.array(scores, dtype=np.float32), 2) == [(7, 0.9), (1, 0.5)]
    assert ranked([], [], 3) == [] and ranked(rows, scores, 0) == []
    assert SCORE_DECIMALS == 4


def test_a_leg_fetches_a_margin_past_k():
    assert fetch_size(5) == 21 and fetch_size(50) == 75 and all(fetch_size(k) > k for k in (1, 8, 100, 1000))


def test_bm25_top_rows_break_ties_by_row_whatever_the_partition_returns():
    rng = np.random.default_rng(3)
    scores = np.zeros(1000, dtype=np.float32)
    scores[rng.choice(1000, size=500, replace=False)] = 1.0
    tied = rng.choice(1000, size=20, replace=False)  # a tie within the margin (k = 10 fetches 26)
    scores[tied] = 2.5
    scores[tied[:5]] = np.nextafter(np.float32(2.5), np.float32(3))  # float noise below the rounding: a tie
    scores[17] = 3.0
    found = top_rows(scores, 10)
    assert found[0] == (17, 3.0) and all(s == 2.5 for _, s in found[1:])
    assert [r for r, _ in found[1:]] == sorted(int(r) for r in tied if r != 17)[:9]
    allowed = np.sort(np.concatenate([tied[8:], np.flatnonzero(scores == 1.0)[:50]]))
    assert [r for r, _ in top_rows(scores, 5, allowed)] == sorted(int(r) for r in tied[8:])[:5]


def test_fusion_breaks_ties_by_best_rank_then_row():
    # 7 and 3 each come first in one leg, 4 and 8 second: equal fused scores
    fused = rrf_fuse([[7, 8, 1], [3, 4, 1]], [1.0, 1.0])
    assert [key for key, _ in fused] == [1, 3, 7, 4, 8]
    assert fused[1][1] == fused[2][1] and fused[3][1] == fused[4][1]
    # same best rank (2) and same score: the smaller row wins, whichever leg was read first
    assert [k for k, _ in rrf_fuse([[5, 2], [6, 9]], [1.0, 1.0])] == [5, 6, 2, 9]
    assert [k for k, _ in rrf_fuse([[6, 9], [5, 2]], [1.0, 1.0])] == [5, 6, 2, 9]
