"""Adding a new quarter's workbook to a copy of the corpus: incremental index update, cited answers,
clear refusals that change nothing, and removal.

The index copy starts from the session index of the bundled corpus (conftest `engine`), so only
the new file's records need embedding: the build report's `embedded` count must say so.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from qa_app.cli import main
from qa_app.engine import Engine
from qa_app.errors import CorpusError
from qa_app.ingest import add_documents, check_name, remove_document
from qa_app.settings import Settings
from tests.conftest import CORPUS_DIR

TITLE = "菏泽市人民政府2024年经济社会发展责任目标第一季度工作推进情况一览表"
HEADER = ["序号", "市政府领导", "责任目标内容", "完成时限", "一季度完成情况", "是否按计划完成进度", "责任单位"]
ROWS = [
    [1, "王建设", "建成牡丹机场航站楼改扩建工程", "年底", "一季度完成航站楼主体结构封顶，完成投资3.2亿元", "是", "市交通运输局"],
    [2, None, "开通菏泽至北京定期航班", "6月底", "已与两家航空公司签订合作意向协议", "是", "市交通运输局 市发展改革委"],
    [3, "李发展", "新建5G基站2000个", "年底", "一季度新建5G基站612个，完成率30.6%", "是", "市工业和信息化局"],
    [None, "赵通信", None, "年底", "铁塔公司完成基站选址审批412处", "是", "中国铁塔菏泽分公司"],
    [4, "李发展", "建设城市数据中心二期", "9月底", "机房土建工程完成60%", "否", "市大数据局"],
]
NEW = "2024q1.xlsx"
BUNDLED_RECORDS = 313


def write_quarter(path: Path) -> None:
    """A new quarter's table: leader merged over targets 1–2; 序号 and content of 3 merged down."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "一季度"
    sheet.append([TITLE])
    sheet.merge_cells("A1:G1")
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    for cells in ("B3:B4", "A5:A6", "C5:C6"):
        sheet.merge_cells(cells)
    workbook.save(path)


@pytest.fixture
def workspace(tmp_path, engine, index_settings) -> Settings:
    """A copy of the corpus and of the session's built index, for a test to change."""
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    shutil.copytree(index_settings.index_dir, tmp_path / "index")
    return Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")


def _cli(settings: Settings, *args: str):
    return CliRunner().invoke(main, [*args, "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)])


def _state(settings: Settings) -> tuple[list[str], str]:
    """The corpus folder's file names and the live index version: what must not change on refusal."""
    names = sorted(p.name for p in Path(settings.corpus_dir).iterdir())
    return names, (Path(settings.index_dir) / "CURRENT").read_text(encoding="utf-8")


def test_qa_add_new_quarter_then_remove(tmp_path, workspace, embedder):
    write_quarter(tmp_path / NEW)
    result = _cli(workspace, "add", str(tmp_path / NEW), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["added"] == [NEW] and report["records"] == 5
    assert report["index"]["embedded"] == 5  # only the new records; the 313 come from the cache
    assert report["index"]["reused"] == BUNDLED_RECORDS
    assert report["corpus_records"] == BUNDLED_RECORDS + 5

    engine = Engine.load(workspace, embedder=embedder)
    assert engine.search("牡丹机场航站楼改扩建工程", k=3)[0].record_id == f"{NEW}#1"
    assert engine.record(f"{NEW}#2").leaders == ("王建设",)  # merged leader cell
    assert engine.record(f"{NEW}#3-2").units == ("中国铁塔菏泽分公司",)  # merged 序号: continuation
    assert engine.record(f"{NEW}#3").units == ("市工业和信息化局", "中国铁塔菏泽分公司")
    assert (engine.record(f"{NEW}#4").year, engine.record(f"{NEW}#4").period) == (2024, "一季度")
    answer = engine.answer("牡丹机场航站楼改扩建工程由哪个单位负责？")
    assert not answer.abstained
    assert f"{NEW}#1" in [c.record_id for c in answer.citations]
    assert "市交通运输局" in answer.answer

    removed = remove_document(workspace, NEW, embedder=embedder)
    assert (removed["removed"], removed["records"]) == (NEW, 5)
    assert removed["index"]["embedded"] == 0 and removed["corpus_records"] == BUNDLED_RECORDS
    engine = Engine.load(workspace, embedder=embedder)
    assert all(h.record.doc != NEW for h in engine.search("牡丹机场航站楼改扩建工程", k=5))


def _no_header(path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append([])
    workbook.active.append(["项目", "说明"])
    workbook.save(path)


def test_bad_file_is_refused_and_nothing_changes(tmp_path, workspace):
    write_quarter(tmp_path / NEW)
    _no_header(tmp_path / "bad.xlsx")
    before = _state(workspace)
    with pytest.raises(CorpusError, match=r"cannot add bad\.xlsx: bad\.xlsx, sheet 'Sheet1', row 2: neither"):
        add_documents(workspace, [tmp_path / NEW, tmp_path / "bad.xlsx"])
    assert _state(workspace) == before  # the good file of the batch was not added either
    result = _cli(workspace, "add", str(tmp_path / "bad.xlsx"))
    assert result.exit_code == 1
    assert "bad.xlsx, sheet 'Sheet1', row 2" in result.output and "Traceback" not in result.output
    assert _state(workspace) == before


def test_refusals_name_the_problem(tmp_path, workspace):
    copy = tmp_path / "copy.txt"
    shutil.copy(CORPUS_DIR / "001_d46b2bc31c3b0751.txt", copy)
    before = _state(workspace)
    with pytest.raises(CorpusError, match="already in the corpus as 001_d46b2bc31c3b0751.txt"):
        add_documents(workspace, [copy])
    with pytest.raises(CorpusError, match="is already in the corpus; remove it first"):
        add_documents(workspace, [CORPUS_DIR / "001_d46b2bc31c3b0751.txt"])
    with pytest.raises(CorpusError, match="no such file"):
        add_documents(workspace, [tmp_path / "absent.xlsx"])
    with pytest.raises(CorpusError, match="absent.xlsx is not in the corpus"):
        remove_document(workspace, "absent.xlsx")
    assert _state(workspace) == before


@pytest.mark.parametrize("name", ["../x.xlsx", "a/b.xlsx", "/tmp/x.xlsx", ".hidden.xlsx", "", "..", "x.rtf",
                                  "C:\\x.xlsx", "~$lock.xlsx", "a\nb.xlsx"])
def test_names_that_would_escape_or_hide_are_refused(name):
    with pytest.raises(CorpusError):
        check_name(name)


def test_upload_is_stored_under_its_given_name(tmp_path):
    """The web panel passes a temp file and the name the person chose; records carry that name."""
    (tmp_path / "corpus").mkdir()
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    write_quarter(tmp_path / "upload-3f2a.xlsx")
    with pytest.raises(CorpusError, match="not .csv"):
        add_documents(settings, [tmp_path / "upload-3f2a.xlsx"], names=["q1.csv"])
    with pytest.raises(CorpusError, match="not a plain document name"):
        add_documents(settings, [tmp_path / "upload-3f2a.xlsx"], names=["../q1.xlsx"])
    assert list((tmp_path / "corpus").iterdir()) == []


def test_removing_the_last_document_is_refused(tmp_path, embedder):
    """A corpus left with no record cannot be indexed: the file is put back, the index kept."""
    (tmp_path / "corpus").mkdir()
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    write_quarter(tmp_path / NEW)
    report = add_documents(settings, [tmp_path / NEW], embedder=embedder)
    assert (report["records"], report["index"]["embedded"]) == (5, 5)
    before = _state(settings)
    with pytest.raises(CorpusError, match="no record"):
        remove_document(settings, NEW, embedder=embedder)
    assert _state(settings) == before
