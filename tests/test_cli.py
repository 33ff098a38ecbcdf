"""The `qa` commands through click, on the real corpus and the session's real index."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa_app.cli import main


@pytest.fixture(scope="module")
def run(engine, index_settings):
    """Invoke `qa` with the session's corpus and (already built) index."""
    paths = ["--corpus", str(index_settings.corpus_dir), "--index", str(index_settings.index_dir)]

    def invoke(*args, stdin=None):
        command, rest = args[0], list(args[1:])
        return CliRunner().invoke(main, [command, *paths, *rest], input=stdin)

    return invoke


def test_corpus_json_counts(run):
    result = run("corpus", "--json")
    summary = json.loads(result.output)
    assert result.exit_code == 0
    assert [d["records"] for d in summary["documents"]] == [51, 53, 59, 54, 96]
    assert summary["records"] == 313 and len(summary["skipped"]) == 4


def test_show_and_unknown_id(run):
    shown = json.loads(run("show", "004_a6d61ab50cb7c05a.txt#68", "--json").output)
    assert shown["lead_units"] == ["市商务局", "市发展改革委"]
    missing = run("show", "nope#1")
    assert missing.exit_code == 1 and missing.output.startswith("Error: no record with id")
    assert "Traceback" not in missing.output


def test_search_json_shape(run):
    result = json.loads(run("search", "雄商高铁 牵头单位", "--json", "--k", "3").output)
    assert result["query"] == "雄商高铁 牵头单位"
    assert [h["rank"] for h in result["hits"]] == [1, 2, 3]
    assert {"rank", "record_id", "score", "record"} <= set(result["hits"][0])


def test_search_batch_carries_ids_and_reports_bad_lines(run):
    lines = '{"id": "q1", "question": "小荷学堂", "type": "unit"}\nnot json\n{"id": "q2", "question": "五湖十河"}\n'
    result = run("search", "--batch", "-", "--k", "1", stdin=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["q1", "q2"]
    assert out[0]["hits"][0]["record_id"] == "002_f75c9825bbd5b703.txt#47"
    assert out[1]["hits"][0]["record_id"] == "003_f244d3adb5876381.txt#103"
    assert "-:2: skipped" in result.stderr


def test_ask_json_and_batch(run):
    answer = json.loads(run("ask", "雄商高铁项目由哪个单位牵头？", "--json").output)
    assert set(answer) == {"question", "short", "answer", "citations", "abstained", "intent", "filters", "record_ids", "plan", "answer_id"}
    assert "市交通运输局" in answer["short"] and answer["citations"]
    lines = ('{"id": 7, "question": "小荷学堂归哪个单位管？"}\n'
             '{"id": 8, "question": "它的完成时限呢？", "history": [' + json.dumps(answer, ensure_ascii=False) + ']}\n'
             '{"id": 9}\n')
    result = run("ask", "--batch", "-", stdin=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [7, 8]
    assert out[0]["short"] == "团市委"
    assert "年底" in out[1]["short"]
    assert "-:3: skipped" in result.stderr


def test_empty_question_is_one_clear_line(run):
    result = run("ask", "   ")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: 问题为空")
