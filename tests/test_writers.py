"""One writer at a time on an index folder (issue 25, finding 3): a lock across processes, taken before the
corpus is read; two `qa add` at once both land, and a build removes no folder it did not create."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa_app.errors import IndexBusy
from qa_app.indexes import load_index, store
from qa_app.settings import Settings
from qa_app.writers import index_writer
from tests.conftest import ROOT
from tests.test_faults import built, qa  # noqa: F401  (the module's small built index)

HOLD = """
import pathlib, sys, time
from qa_app.writers import index_writer
with index_writer(sys.argv[1]):
    pathlib.Path(sys.argv[2]).write_text("held")
    time.sleep(600)
"""


def _holder(index_dir: Path, marker: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(index_dir), str(marker)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, "the holder did not take the lock"
        time.sleep(0.02)
    return process


def test_a_second_writer_waits_then_fails_cleanly_and_a_killed_holder_frees_the_lock(tmp_path, caplog):
    holder = _holder(tmp_path, tmp_path / "held")
    try:
        began = time.monotonic()
        with pytest.raises(IndexBusy, match=f"pid {holder.pid}"), index_writer(tmp_path, wait_s=0.5):
            pass
        assert time.monotonic() - began >= 0.5
        assert f"another process (pid {holder.pid}) is changing the index" in caplog.text
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    with index_writer(tmp_path, wait_s=0.5), index_writer(tmp_path, wait_s=0):  # re-entrant in one thread
        pass


def test_two_threads_take_turns(tmp_path):
    inside, overlaps = [], []

    def write(n: int) -> None:
        with index_writer(tmp_path):
            inside.append(n)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.remove(n)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(8)))
    assert overlaps == [1] * 8


def _document(path: Path, trial: int, which: int) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([["菏泽市人民政府2024年经济社会发展责任目标一季度工作推进情况一览表"], [],
                          ["序号", "市政府领导", "责任目标内容", "完成时限", "一季度完成情况", "是否按计划完成进度", "责任单位"],
                          ["1", "张鹏", f"建成第{trial}批智慧停车示范街区{which}号", "年底", "已建成2条", "是", "市城管局"]])
    return path


# A `qa add` held when its build enters `stage` (after it has read the corpus) until `release` exists: the
# other add then runs in the window where, with a lock per process, it published first and was overwritten.
HELD_ADD = """
import logging, pathlib, sys, time
marker, release, stage = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
class Hold(logging.Handler):
    def emit(self, record):
        if record.getMessage() == stage:
            marker.write_text(stage, encoding="utf-8")
            while not release.exists():
                time.sleep(0.02)
logging.getLogger("qa_app.indexes.stages").setLevel(logging.DEBUG)
logging.getLogger("qa_app.indexes.stages").addHandler(Hold())
from qa_app.cli import main
main(sys.argv[4:], prog_name="qa")
"""


def _site(source: Settings, tmp_path: Path) -> Settings:
    shutil.copytree(source.corpus_dir, tmp_path / "corpus")
    shutil.copytree(source.index_dir, tmp_path / "index")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _cli(site: Settings, *args: str) -> list[str]:
    return [*args, "--corpus", str(site.corpus_dir), "--index", str(site.index_dir)]


def _wait_for(check, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.slow
def test_an_add_beside_a_held_add_waits_and_both_land(built, tmp_path):  # noqa: F811
    site = _site(built, tmp_path)
    first, second = (_document(tmp_path / f"held-{w}.csv", 9, w) for w in (1, 2))
    marker, release, log = tmp_path / "marker", tmp_path / "release", tmp_path / "second.log"
    held = subprocess.Popen([sys.executable, "-c", HELD_ADD, str(marker), str(release), "embedding",
                             *_cli(site, "add", str(first))], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for(marker.exists, "the first add never reached its build")
    with log.open("w") as sink:
        other = subprocess.Popen([sys.executable, "-m", "qa_app", *_cli(site, "add", str(second))], cwd=ROOT,
                                 stdout=sink, stderr=subprocess.STDOUT)
        _wait_for(lambda: other.poll() is not None or "is changing the index" in log.read_text(),
                  "the second add neither finished nor said it waits")
        release.write_text("go")
        assert held.wait(timeout=300) == 0, held.stderr.read().decode()
        assert other.wait(timeout=300) == 0, log.read_text()
    assert "Traceback" not in log.read_text() and "is changing the index" in log.read_text()
    assert {first.name, second.name} <= {r.doc for r in load_index(site).records}


@pytest.mark.slow
def test_two_adds_at_once_both_land_without_a_traceback(built, tmp_path):  # noqa: F811
    site = _site(built, tmp_path)
    expected = len(load_index(site).records)
    for trial in range(4):
        files = [_document(tmp_path / f"t{trial}-{which}.csv", trial, which) for which in (1, 2)]
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda f: qa(site, "add", str(f)), files))
        for result in results:
            assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
            assert result.stdout.startswith("added ")
        expected += 2
        records = load_index(site).records
        assert len(records) == expected
        assert {f.name for f in files} <= {r.doc for r in records}
    assert store.leftovers(site.index_dir) == []


@pytest.mark.slow
def test_a_build_removes_no_folder_it_did_not_create(built, tmp_path, embedder):  # noqa: F811
    site = _site(built, tmp_path)
    other = tmp_path / "index" / ".build-another-writer"
    other.mkdir()
    (other / "records.json").write_text("[]")
    previous = store.current_folder(site.index_dir)
    _document(site.corpus_dir / "new.csv", 0, 1)
    store.build_index(site, embedder=embedder, progress=False)  # as a writer beside another one would
    assert other.is_dir() and not previous.exists()
