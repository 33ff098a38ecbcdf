"""Aggregates (qa_app.overview) and `qa overview`, against figures counted here from the records."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from qa_app.cli import main
from qa_app.overview import overview, records_of
from qa_app.records import parent_id
from tests.conftest import CORPUS_DIR


def _targets(records, year, period, kind):
    """Distinct items of a scope: a continuation row (#N-2) is its target's, not an item of its own."""
    return {parent_id(r.id) or r.id for r in records if (r.year, r.period, r.kind) == (year, period, kind)}


def test_counts_per_group_count_continuation_rows_once(corpus):
    records = corpus.records
    groups = {(g.year, g.period, g.kind): g for g in overview(records)}
    for key in groups:
        assert groups[key].items == len(_targets(records, *key))
    assert groups[(2023, "三季度", "target")].items == 161
    assert groups[(2021, "一季度", "target")].items == 54
    assert groups[(2023, "全年任务", "task")].items == 96
    files = {r.doc for r in records if (r.year, r.period) == (2023, "三季度")}
    assert len(files) == 3 and any(parent_id(r.id) for r in records if r.doc in files)


def test_leader_and_unit_tallies_match_the_records(corpus):
    records = corpus.records
    group = overview(records, year=2023, period="三季度")[0]
    leaders = Counter()
    for item in _targets(records, 2023, "三季度", "target"):
        family = [r for r in records if r.id == item or parent_id(r.id) == item]
        leaders.update({n for r in family for n in r.leaders})
    assert group.by_leader == dict(sorted(leaders.items(), key=lambda kv: (-kv[1], kv[0])))
    assert sum(group.on_schedule.values()) == group.items
    assert sum(group.by_deadline.values()) == group.items
    leader, count = next(iter(group.by_leader.items()))
    chosen = records_of(records, group, leader=leader)
    assert len(chosen) == count
    assert all(any(leader in r.leaders for r in records if r.id == c.id or parent_id(r.id) == c.id)
               for c in chosen)
    unit, count = next(iter(group.by_unit.items()))
    assert len(records_of(records, group, unit=unit)) == count


def test_filters_narrow_the_groups(corpus):
    assert [g.items for g in overview(corpus.records, year=2021)] == [54]
    assert [g.kind for g in overview(corpus.records, kind="task")] == ["task"]
    assert overview(corpus.records, year=1999) == []


def test_qa_overview_json_shape_and_figures(corpus):
    result = CliRunner().invoke(main, ["overview", "--corpus", str(CORPUS_DIR), "--json"])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.output)["groups"]
    assert {(g["year"], g["period"], g["kind"]): g["items"] for g in groups} == {
        (2023, "三季度", "target"): 161, (2021, "一季度", "target"): 54, (2023, "全年任务", "task"): 96}
    for group in groups:
        assert set(group) == {"year", "period", "kind", "title", "items", "on_schedule", "by_leader",
                              "by_unit", "by_deadline"}


def test_qa_overview_period_wording_and_text_output():
    result = CliRunner().invoke(main, ["overview", "--corpus", str(CORPUS_DIR), "--year", "2021",
                                       "--period", "第一季度"])
    assert result.exit_code == 0, result.output
    assert "54项" in result.output and "分管市领导" in result.output
    empty = CliRunner().invoke(main, ["overview", "--corpus", str(CORPUS_DIR), "--year", "1999"])
    assert empty.exit_code == 0 and "没有符合条件的条目" in empty.output
