"""One answer path: `Engine.answer` for every caller (the chat's scope included), answers that carry what
they counted, answering knowledge built when the engine loads, and answering imported one way."""

from __future__ import annotations

import ast

import pytest

from qa_app.answering import selection
from qa_app.engine import Engine
from qa_app.errors import BadQuestion
from qa_app.retrieval import Filters
from qa_app.scoping import NO_RECORDS_IN_SCOPE
from tests.conftest import ROOT

F000, F002 = "000_dd67d59bfaf7e311.txt", "002_f75c9825bbd5b703.txt"


def _answering_imports(source: str, name: str) -> list[str]:
    """`from qa_app.answering.<module> import …` and `import qa_app.answering.<module>` in one file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        found += [f"{name}:{node.lineno} {n}" for n in names if n.startswith("qa_app.answering.")]
    return found


def test_engine_web_and_bench_import_answering_only_through_its_package():
    files = [ROOT / "qa_app" / "engine.py", ROOT / "qa_app" / "scoping.py",
             *sorted((ROOT / "qa_app" / "web").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]
    assert [hit for path in files for hit in _answering_imports(path.read_text(encoding="utf-8"), path.name)] == []


@pytest.mark.parametrize("source, caught", [
    ("from qa_app.answering.selection import KnowledgeCache\n", True),
    ("import qa_app.answering.pipeline as p\n", True),
    ("from qa_app.answering import KnowledgeCache\n", False),
])
def test_the_import_check_sees_a_reach_into_answering(source, caught):
    assert bool(_answering_imports(source, "x.py")) is caught


@pytest.fixture(scope="module")
def fresh(index_settings, engine, monkeypatch_module):
    """A second engine over the session index, loaded while counting knowledge builds."""
    calls = []
    real = selection.build_knowledge

    def counting(records):
        calls.append(len(records))
        return real(records)

    monkeypatch_module.setattr(selection, "build_knowledge", counting)
    loaded = Engine.load(index_settings, embedder=engine.retriever.embedder)
    return loaded, calls


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_knowledge_is_built_when_the_engine_loads_not_on_the_first_question(fresh):
    loaded, calls = fresh
    assert calls == [len(loaded.records)], "built once, at load"
    assert loaded.answer("雄商高铁项目由哪个单位牵头？").short == "市交通运输局"
    assert calls == [len(loaded.records)], "the first question found it built"


def test_a_list_carries_every_record_it_counted_and_a_single_answer_its_citations(engine):
    listed = engine.answer("列出2021年一季度所有目标")
    assert len(listed.record_ids) == 54 and listed.to_dict()["record_ids"] == list(listed.record_ids)
    single = engine.answer("雄商高铁项目由哪个单位牵头？")
    assert single.record_ids == tuple(c.record_id for c in single.citations) and single.record_ids
    refused = engine.answer("2024年足球场建设由谁负责？")
    assert refused.abstained and refused.record_ids == ()


@pytest.mark.parametrize("question, scope, ids", [
    # 市医保局 has 3 targets in file 002 (序号 83–85) and none in file 000
    ("市医保局负责哪几项目标？", Filters(doc=F002), [f"{F002}#83", f"{F002}#84", f"{F002}#85"]),
    ("市医保局负责哪几项目标？", Filters(doc=F000), []),
])
def test_a_scoped_answer_is_answered_by_the_engine_with_its_caches(engine, question, scope, ids):
    answer = engine.answer(question, scope=scope)
    assert answer.filters.get("doc") == scope.doc
    if ids:
        assert list(answer.record_ids) == ids and not answer.abstained
    else:
        assert answer.abstained and "所选范围内没有“市医保局”的记录" in answer.answer
    again = engine.answer(question, scope=scope)
    assert again == answer
    assert engine._scoped_retriever(scope) is engine._scoped_retriever(scope), "one retriever per scope, kept"


def test_a_scope_without_records_is_a_bad_question(engine):
    with pytest.raises(BadQuestion, match=NO_RECORDS_IN_SCOPE):
        engine.answer("市医保局负责哪几项目标？", scope=Filters(year=1999))


def test_the_export_writes_what_the_answer_counted(engine):
    answer = engine.answer("列出2021年一季度所有目标")
    assert [r.id for r in engine.export_records(answer.record_ids)] == list(answer.record_ids)
    assert engine.export_records(["nope.txt#1"]) == []
