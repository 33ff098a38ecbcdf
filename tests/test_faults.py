"""Faults, through the real `qa` command: a deleted or damaged index, a killed build, unreadable files.

Each test works on its own copy of a small index (the first 12 rows of one table) built once per module;
rebuilds embed only those 12 records, so the module stays quick on two cores.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_app.engine import Engine
from qa_app.indexes import load_index, store
from qa_app.settings import Settings
from tests.conftest import CORPUS_DIR, ROOT

pytestmark = pytest.mark.slow

F001, F003 = "001_d46b2bc31c3b0751.txt", "003_f244d3adb5876381.txt"
QUERY = "徐民高速单县至曹县段"
ROWS = 12


def qa(settings: Settings, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the real CLI (`python -m qa_app`) on the given corpus and index folders."""
    command = [sys.executable, "-m", "qa_app", *args, "--corpus", str(settings.corpus_dir),
               "--index", str(settings.index_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def assert_clean_failure(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Settings:
    """A corpus of one short table and its index, built once by `qa build`."""
    root = tmp_path_factory.mktemp("faults")
    (root / "corpus").mkdir()
    lines = (CORPUS_DIR / F001).read_text(encoding="utf-8").splitlines(keepends=True)
    (root / "corpus" / F001).write_text("".join(lines[: 5 + ROWS]), encoding="utf-8")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index")
    result = qa(settings, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    return settings


@pytest.fixture()
def site(built, tmp_path) -> Settings:
    """A private copy of the built corpus and index."""
    shutil.copytree(built.corpus_dir, tmp_path / "corpus")
    shutil.copytree(built.index_dir, tmp_path / "index")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def live_folder(settings: Settings) -> Path:
    folder = store.current_folder(settings.index_dir)
    assert folder is not None
    return folder


def searched(settings: Settings) -> list[str]:
    result = qa(settings, "search", QUERY, "--k", "3")
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_deleted_index_folder_is_rebuilt_by_qa_build(site):
    shutil.rmtree(site.index_dir)
    result = qa(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"no index in {site.index_dir} yet; building it" in result.stderr
    assert f"{ROWS} records, {ROWS} embedded" in result.stdout
    assert len(searched(site)) == 3


def test_deleted_index_folder_is_rebuilt_before_searching(site):
    """`qa search` (like `qa ask` and `qa serve`) builds a missing index before answering."""
    shutil.rmtree(site.index_dir)
    assert len(searched(site)) == 3
    assert len(load_index(site).records) == ROWS


@pytest.mark.parametrize("name", ["vectors.npy", "dense.faiss", "records.json", "chunks.json",
                                  "bm25/data.csc.index.npy", "bm25/vocab.index.json"])
def test_truncated_index_file_says_so_and_qa_build_recovers(site, name):
    path = live_folder(site) / name
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])
    result = qa(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert_clean_failure(result)
    assert "cannot be loaded" in result.stderr and "rebuilding it" in result.stderr
    assert result.stdout.startswith("built ") and f"{ROWS} records" in result.stdout
    assert len(load_index(site).records) == ROWS
    again = qa(site, "build", "--quiet")
    assert again.stdout.startswith("index is up to date") and "rebuilding" not in again.stderr


@pytest.mark.parametrize("name, message", [("manifest.json", "unreadable manifest"),
                                           ("../CURRENT", "unreadable CURRENT pointer")])
def test_damaged_manifest_or_pointer_is_rebuilt(site, name, message):
    (live_folder(site) / name).write_text("{trunc", encoding="utf-8")
    result = qa(site, "build", "--quiet")
    assert result.returncode == 0 and message in result.stderr, result.stderr
    assert len(searched(site)) == 3


def test_damaged_index_is_repaired_by_search(site):
    path = live_folder(site) / "dense.faiss"
    path.write_bytes(path.read_bytes()[:100])
    result = qa(site, "search", QUERY, "--k", "2")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 2
    assert "cannot be loaded (RuntimeError" in result.stderr and "rebuilding it" in result.stderr


# A `qa build` that stops for good when it enters `stage`: a handler on the build's stage logger writes the
# marker file and then sleeps, so the kill lands at exactly that stage whatever the machine's speed.
HELD_BUILD = """
import logging, pathlib, sys, time
marker, stage = pathlib.Path(sys.argv[1]), sys.argv[2]
class Hold(logging.Handler):
    def emit(self, record):
        if record.getMessage() == stage:
            marker.write_text(stage, encoding="utf-8")
            time.sleep(600)
logging.getLogger("qa_app.indexes.stages").setLevel(logging.DEBUG)
logging.getLogger("qa_app.indexes.stages").addHandler(Hold())
from qa_app.cli import main
main(sys.argv[3:], prog_name="qa")
"""


def _start_build(settings: Settings, stage: str, marker: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", HELD_BUILD, str(marker), stage, "build", "--quiet", "--corpus",
               str(settings.corpus_dir), "--index", str(settings.index_dir)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)


def _kill_at_marker(process: subprocess.Popen, marker: Path, timeout: float = 300) -> bool:
    """SIGKILL the process once it has written the marker (it is then held at that stage); False if it
    ended first or never got there."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if marker.exists():
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return True
        time.sleep(0.01)
    return False


def _building(settings: Settings) -> list[Path]:
    return [p for p in settings.index_dir.iterdir() if p.name.startswith(".build-")]


@pytest.mark.parametrize("stage", ["writing", "embedding"])
def test_build_killed_midway_keeps_previous_index(site, embedder, stage, tmp_path):
    before = (site.index_dir / "CURRENT").read_text()
    shutil.copy(CORPUS_DIR / F003, site.corpus_dir / F003)  # 54 new records to embed
    marker = tmp_path / "stage"
    process = _start_build(site, stage, marker)
    killed = _kill_at_marker(process, marker)
    assert killed, process.stderr.read().decode() if process.poll() is not None else "no stage marker"
    assert process.returncode == -signal.SIGKILL
    # writing: the new version's temporary folder exists, partly filled; embedding: nothing written yet
    assert bool(_building(site)) is (stage == "writing")
    assert (site.index_dir / "CURRENT").read_text() == before
    engine = Engine.load(site, embedder=embedder)
    assert len(engine.records) == ROWS and engine.search(QUERY, k=3)
    result = qa(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"{ROWS + 54} records, 54 embedded, {ROWS} reused" in result.stdout
    assert _building(site) == [] and len([p for p in site.index_dir.iterdir() if p.is_dir()]) == 1
    assert len(load_index(site).records) == ROWS + 54


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("bad.txt", b"\xff\xfe\xfa\xfb" * 50, "not UTF-8 or GB18030 text"),
        ("broken.xlsx", b"this is not a spreadsheet", "broken.xlsx"),
        ("broken.docx", b"PK\x03\x04 truncated zip", "broken.docx"),
        ("notes.pdf", b"%PDF-1.4", "not a readable PDF"),
        ("notes.rtf", b"{\\rtf1 notes}", "unsupported file type .rtf"),
    ],
)
def test_unreadable_corpus_file_is_reported_and_skipped(site, name, content, reason):
    (site.corpus_dir / name).write_bytes(content)
    listed = qa(site, "corpus")
    assert listed.returncode == 0, listed.stderr
    skipped = [line for line in listed.stdout.splitlines() if line.startswith(f"skipped {name}")]
    assert len(skipped) == 1 and reason in skipped[0]
    assert f"total: {ROWS} records" in listed.stdout
    result = qa(site, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert f"skipped {name}" in result.stderr and reason in result.stderr
    assert f"index is up to date: {ROWS} records" in result.stdout


def test_corpus_of_only_unreadable_files_is_one_clear_line(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "bad.txt").write_bytes(b"\xff\xff\xff")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    for args in (("corpus",), ("build", "--quiet"), ("search", QUERY)):
        result = qa(settings, *args)
        assert result.returncode == 1
        assert_clean_failure(result)
        assert result.stderr.startswith("Error: no record found in the corpus") and "bad.txt" in result.stderr
