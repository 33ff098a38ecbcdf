"""The question log on a real SQLite file: rows, ratings, filters, retention, several writer processes,
a file that cannot be written; and what the admin reads from it (report.py)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from qa_app.feedback import (
    DisabledLog,
    Entry,
    LogUnavailable,
    Query,
    QuestionLog,
    logged,
    now_text,
    read_entries,
)
from qa_app.feedback.report import (
    correction,
    csv_text,
    eval_lines,
    per_day,
    totals,
    unanswered_groups,
    write_eval,
)
from qa_app.records import Answer, Citation
from qa_app.settings import Settings
from tests.conftest import ROOT


def entry(answer_id: str, question: str = "q", abstained: bool = False, time: str | None = None, **extra) -> Entry:
    return Entry(answer_id=answer_id, time=time or now_text(), question=question, history=0, short="s",
                 abstained=abstained, intent="general", plan="按：…", cited=("a.txt#1",), latency_ms=12.345,
                 **extra)


def test_rows_ratings_and_filters(tmp_path):
    log = QuestionLog(tmp_path / "log.sqlite3")
    log.record(entry("a1", "雄商高铁谁牵头"))
    log.record(entry("a2", "火星基地谁负责", abstained=True))
    log.record(entry("a3", "第三个问题"))
    assert log.rate("a3", "down", "正确答案应为市商务局") is True
    assert log.rate("a1", "up", None) is True
    assert log.rate("nope", "down", None) is False
    rows = log.entries()
    assert [r.answer_id for r in rows] == ["a1", "a2", "a3"] and log.errors == 0
    assert rows[2].rating == "down" and rows[2].comment == "正确答案应为市商务局" and rows[2].rated_at
    assert rows[0].cited == ("a.txt#1",) and rows[0].latency_ms == 12.3
    assert [r.answer_id for r in log.entries(Query(abstained=True))] == ["a2"]
    assert [r.answer_id for r in log.entries(Query(rating="down"))] == ["a3"]
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert log.entries(Query(since=tomorrow)) == [] and len(log.entries(Query(since="2000-01-01"))) == 3
    assert set(rows[0].to_dict()) == {"answer_id", "time", "question", "short", "abstained", "rating", "comment",
                                      "latency_ms"}
    with sqlite3.connect(tmp_path / "log.sqlite3") as other:  # WAL is a property of the file itself
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_logged_answer_gets_an_id_unless_the_log_is_off(tmp_path):
    answer = Answer("问", "市商务局", "市商务局[1]", (Citation(1, "x.txt#3", "x.txt", "t", 3, "text", 0.5),),
                    plan={"text": "按：…"})
    log = QuestionLog(tmp_path / "log.sqlite3")
    with_id = logged(log, answer, 2, 8.0, "v-1")
    assert len(with_id.answer_id) == 32 and with_id == answer  # the id does not change what the answer is
    row = log.entries()[0]
    assert (row.answer_id, row.history, row.cited, row.index_version, row.plan) == (
        with_id.answer_id, 2, ("x.txt#3",), "v-1", "按：…")
    assert logged(DisabledLog(), answer, 0, 1.0, None).answer_id is None
    with pytest.raises(LogUnavailable, match="QA_LOG=off"):
        DisabledLog().rate("x", "up", None)


def test_default_path_is_beside_the_index(tmp_path):
    settings = Settings(index_dir=tmp_path / "index")
    assert settings.log_path() == tmp_path / "qa_log.sqlite3"
    assert settings.with_(log_db=tmp_path / "x.db").log_path() == tmp_path / "x.db"


def test_old_rows_are_deleted_after_the_retention(tmp_path):
    path = tmp_path / "log.sqlite3"
    old = (datetime.now().astimezone() - timedelta(days=40)).isoformat(timespec="milliseconds")
    first = QuestionLog(path, days=365)
    first.record(entry("old", time=old))
    first.flush()
    assert [r.answer_id for r in read_entries(path)] == ["old"]
    second = QuestionLog(path, days=30)  # a server started with QA_LOG_DAYS=30
    second.record(entry("new"))
    assert [r.answer_id for r in second.entries()] == ["new"]


WRITER = """
import sys
from qa_app.feedback import QuestionLog, Entry, now_text
log = QuestionLog(sys.argv[1])
for i in range(int(sys.argv[3])):
    log.record(Entry(f"{sys.argv[2]}-{i}", now_text(), "q", 0, "s", False, "general", "", (), 1.0))
    if i % 25 == 0:
        log.flush()
log.flush()
print(log.errors)
"""


def test_several_processes_write_one_file(tmp_path):
    path = tmp_path / "log.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}", "150"], env=env,
                                stdout=subprocess.PIPE, text=True) for n in range(3)]
    here = QuestionLog(path)
    for i in range(150):
        here.record(entry(f"me-{i}"))
    outputs = [w.communicate(timeout=120)[0].strip() for w in writers]
    assert outputs == ["0", "0", "0"] and here.errors == 0
    ids = {r.answer_id for r in here.entries()}
    assert len(ids) == 600 and {"p0-149", "p1-0", "p2-77", "me-149"} <= ids


@contextmanager
def unwritable(path: Path):
    """The file made read-only; as root (who ignores permissions) also immutable, where chattr works."""
    path.chmod(0o444)
    immutable = os.geteuid() == 0
    if immutable and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        path.chmod(0o644)
        pytest.skip("running as root and chattr +i is not available: the file cannot be made unwritable")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_a_read_only_file_counts_errors_and_never_raises(tmp_path):
    path = tmp_path / "log.sqlite3"
    setup = QuestionLog(path)
    setup.record(entry("before"))
    setup.flush()
    with unwritable(path):
        log = QuestionLog(path)
        log.record(entry("during"))  # must not raise
        log.flush()
        assert log.errors == 1 and log.written == 0
        with pytest.raises(LogUnavailable):
            log.rate("before", "down", "x")
        assert [r.answer_id for r in read_entries(path)] == ["before"]  # still readable
    log.record(entry("after"))  # writable again: the writer reopens the file
    assert [r.answer_id for r in log.entries()] == ["before", "after"]


def test_figures_eval_lines_and_csv(tmp_path):
    rows = [entry("a1", "谁牵头", time="2026-12-01T09:00:00.000+08:00"),
            entry("a2", "火星基地谁负责", abstained=True, time="2026-12-01T10:00:00.000+08:00"),
            entry("a3", "第三个", time="2026-12-02T10:00:00.000+08:00", rating="down", comment="正确答案应为：市商务局。"),
            entry("a4", "第四个", time="2026-12-02T11:00:00.000+08:00", rating="up")]
    assert [d.to_dict() for d in per_day(rows)] == [
        {"day": "2026-12-02", "questions": 2, "abstained": 0, "rated_down": 1, "abstained_share": 0.0,
         "rated_down_share": 0.5},
        {"day": "2026-12-01", "questions": 2, "abstained": 1, "rated_down": 0, "abstained_share": 0.5,
         "rated_down_share": 0.0}]
    assert totals(rows)["abstained_share"] == 0.25 and totals(rows)["rated_up"] == 1
    lines = eval_lines(rows)
    assert [(x["question"], x["answers"], x["type"]) for x in lines] == [
        ("火星基地谁负责", [], "from_log"), ("第三个", [["市商务局"]], "from_log")]
    assert correction("市医保局") == "市医保局" and correction("正确答案应为 市医保局") == "市医保局"
    out = tmp_path / "from_log.jsonl"
    assert write_eval(rows, out) == 2
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["log_a2", "log_a3"]
    text = csv_text(rows)
    assert text.startswith("\ufeffanswer_id,time,question") and "正确答案应为：市商务局。" in text
    assert len(text.strip().splitlines()) == 5


def test_unanswered_questions_grouped_by_identical_text_without_a_model():
    rows = [entry("1", "火星基地谁负责", True), entry("2", " 火星基地谁负责", True), entry("3", "月球呢", True),
            entry("4", "答上了", False)]
    groups = unanswered_groups(rows, embed=None)
    assert [(g.question, g.count) for g in groups] == [("火星基地谁负责", 2), ("月球呢", 1)]


def test_unanswered_near_duplicates_grouped_by_the_bundled_embedder(embedder):
    asked = ["市长的电话号码是多少？", "市长电话是多少", "市长的电话号码是多少？", "今年的天气预报怎么样？",
             "今年天气预报如何", "火星基地建设由哪个单位负责？", "月球基地谁负责"]
    rows = [entry(str(i), q, True) for i, q in enumerate(asked)]
    groups = unanswered_groups(rows, embed=embedder.embed_queries)
    assert [(g.question, g.count) for g in groups] == [
        ("市长的电话号码是多少？", 3), ("今年的天气预报怎么样？", 2), ("火星基地建设由哪个单位负责？", 1), ("月球基地谁负责", 1)]
    assert groups[0].variants == ("市长的电话号码是多少？", "市长电话是多少")


def test_rows_queued_at_exit_are_written(tmp_path):
    path = tmp_path / "log.sqlite3"
    script = ("import sys\nfrom qa_app.feedback import QuestionLog, Entry, now_text\nlog = QuestionLog(sys.argv[1])\n"
              "for i in range(50):\n    log.record(Entry(f'x-{i}', now_text(), 'q', 0, 's', False, 'general', '', (), 1.0))\n")
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert len(read_entries(path)) == 50


def test_qa_log_command_reads_filters_and_refuses_bad_values(tmp_path):
    from click.testing import CliRunner

    from qa_app.cli import main

    path = tmp_path / "log.sqlite3"
    log = QuestionLog(path)
    log.record(entry("a1", "谁牵头"))
    log.record(entry("a2", "火星基地谁负责", abstained=True))
    log.flush()

    def qa(*args, **env):
        return CliRunner().invoke(main, ["log", "--log-db", str(path), *args], env=env)

    assert [r["answer_id"] for r in json.loads(qa("--json").output)["questions"]] == ["a1", "a2"]
    assert [r["answer_id"] for r in json.loads(qa("--json", "--abstained").output)["questions"]] == ["a2"]
    assert "火星基地谁负责  → 未找到" in qa().output
    assert qa("--since", "2026-13-01").exit_code == 2 and qa("--since", "yesterday").exit_code == 2
    refused = qa("--json", QA_LOG_DAYS="0")
    assert refused.exit_code == 2 and "QA_LOG_DAYS" in refused.output
    by_variable = CliRunner().invoke(main, ["log", "--json"], env={"QA_LOG_DB": str(path)})
    assert len(json.loads(by_variable.output)["questions"]) == 2
    missing = CliRunner().invoke(main, ["log", "--json", "--log-db", str(tmp_path / "none.db")])
    assert json.loads(missing.output) == {"questions": []}
