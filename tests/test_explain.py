"""`qa search --explain`: both legs, the fused list (exactly `qa search`'s) and the answerer's plan."""

from __future__ import annotations

import json

from qa_app.explain import explain
from qa_app.retrieval import Filters
from tests.test_cli import run  # noqa: F401  (fixture reused)


def test_legs_fused_and_plan(engine):
    result = explain(engine, "雄商高铁项目由哪个单位牵头？", k=5)
    fused = engine.search("雄商高铁项目由哪个单位牵头？", k=5)
    assert [r["record_id"] for r in result["fused"]] == [h.record_id for h in fused]
    _, legs = engine.retriever.search_legs("雄商高铁项目由哪个单位牵头？", 5)
    assert [r["record_id"] for r in result["lexical"]] == [i for i, _ in legs["bm25"][:5]]
    assert [r["record_id"] for r in result["dense"]] == [i for i, _ in legs["dense"][:5]]
    assert all(len(result[name]) == 5 for name in ("lexical", "dense", "fused"))
    assert [r["rank"] for r in result["fused"]] == [1, 2, 3, 4, 5]
    assert "雄商高铁" in result["fused"][0]["content"]
    assert result["answer"]["plan"]["text"].startswith("按：") and "市交通运输局" in result["answer"]["short"]


def test_filters_narrow_every_leg(engine):
    result = explain(engine, "停车", k=10, filters=Filters(year=2021))
    rows = result["lexical"] + result["dense"] + result["fused"]
    assert rows and all(engine.record(r["record_id"]).year == 2021 for r in rows)
    assert result["filters"] == {"year": 2021} and result["scope"]["filters"] == {"year": 2021}


def test_cli_explain_json_is_the_same(run, engine):  # noqa: F811
    printed = json.loads(run("search", "雄商高铁", "--explain", "--json", "--k", "4").output)
    assert printed == explain(engine, "雄商高铁", k=4)
    assert run("search", "--batch", "-", "--explain", stdin="").exit_code == 2
