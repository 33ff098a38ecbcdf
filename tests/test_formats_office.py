"""Old office files: .doc and .wps through LibreOffice into the .docx reader, .xls through xlrd.

The inputs are made here: the .docx and .xlsx versions of the bundled documents (tests/test_formats.py
writes them, merged cells included) converted by LibreOffice to .doc and .xls, and a .doc saved
under .wps, as Kingsoft WPS writes it. Their records must equal the .txt originals'. Where LibreOffice
is absent the tests that need it are skipped, saying so; the refusal without it is tested always.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_app.engine import Engine
from qa_app.parsing import convert, load_corpus, parse_file
from qa_app.settings import Limits
from tests.conftest import CORPUS_DIR
from tests.format_inputs import SOFFICE, office_convert, swapped_workspace
from tests.test_formats import comparable, write_corpus

_skip = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it: "
                                                           "apt-get install libreoffice-writer libreoffice-calc)")


def needs_soffice(test):
    """Skipped without LibreOffice; slow with it (its conversions take 5–20 s each)."""
    return pytest.mark.slow(_skip(test))
TABLE, NOTICE = "001_d46b2bc31c3b0751", "004_a6d61ab50cb7c05a"


@pytest.fixture(scope="module")
def converted(tmp_path_factory, corpus) -> Path:
    """The four tables as .xls, table 001 as .doc, the notice as .doc and as .wps."""
    source, out = tmp_path_factory.mktemp("office-src"), tmp_path_factory.mktemp("office")
    for kind in ("docx", "xlsx"):
        (source / kind).mkdir()
        write_corpus(source / kind, corpus, kind)
    office_convert(sorted((source / "xlsx").glob("*.xlsx")), "xls", out)
    office_convert([source / "docx" / f"{TABLE}.docx", source / "docx" / f"{NOTICE}.docx"], "doc", out)
    shutil.copy(out / f"{NOTICE}.doc", out / f"{NOTICE}.wps")
    return out


def _folder(tmp_path: Path, converted: Path, files: list[str]) -> Path:
    """The bundled corpus with some documents in their converted form instead of .txt."""
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, folder)
    for name in files:
        (folder / f"{Path(name).stem}.txt").unlink()
        shutil.copy(converted / name, folder / name)
    return folder


@needs_soffice
def test_xls_workbooks_give_the_txt_records(tmp_path, converted, corpus):
    tables = [f"{p.stem}.xls" for p in sorted(CORPUS_DIR.glob("*.txt"))[:4]]
    loaded = load_corpus(_folder(tmp_path, converted, tables))
    assert comparable(loaded) == comparable(corpus) and len(loaded.records) == 313
    assert {d.file for d in loaded.documents} >= set(tables)


@needs_soffice
@pytest.mark.parametrize("notice", [f"{NOTICE}.doc", f"{NOTICE}.wps"])
def test_doc_and_wps_give_the_txt_records(tmp_path, converted, corpus, notice):
    loaded = load_corpus(_folder(tmp_path, converted, [f"{TABLE}.doc", notice]))
    assert comparable(loaded) == comparable(corpus) and len(loaded.records) == 313


def test_without_libreoffice_the_file_is_refused_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(convert, "soffice", lambda: None)
    for name, package in (("notice.doc", "libreoffice-writer"), ("notice.wps", "libreoffice-writer"),
                          ("table.et", "libreoffice-calc")):
        (tmp_path / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
        reason = parse_file(tmp_path / name).skipped[0].reason
        assert f"needs LibreOffice, which is not installed (apt-get install {package})" in reason, reason


def test_office_files_past_the_limits_are_refused(tmp_path):
    (tmp_path / "big.doc").write_bytes(b"\x00" * 40_000)
    reason = parse_file(tmp_path / "big.doc", limits=Limits(max_file_mb=0.01)).skipped[0].reason
    assert "the file is 39 KB, over the limit of 0.01 MB (set QA_MAX_FILE_MB" in reason  # before any conversion
    (tmp_path / "bad.xls").write_bytes(b"not a workbook")
    assert "not a readable .xls workbook" in parse_file(tmp_path / "bad.xls").skipped[0].reason


@needs_soffice
def test_an_xls_past_the_row_limit_is_refused(converted):
    doc = parse_file(converted / f"{TABLE}.xls", limits=Limits(max_rows=10))
    assert not doc.records and "(set QA_MAX_ROWS to raise it)" in doc.skipped[0].reason


@needs_soffice
@pytest.mark.parametrize("file, question, unit", [
    (f"{NOTICE}.doc", "关停30万千瓦以下低效煤电机组的任务由哪个部门牵头？", "市发展改革委"),
    (f"{TABLE}.xls", "谋划推进G327线东明黄河公路大桥重点交通项目的责任单位是谁？", "市公路事业发展中心"),
])
def test_an_answer_from_an_old_office_file(tmp_path, converted, index_settings, embedder, engine, file, question, unit):
    settings = swapped_workspace(tmp_path, index_settings.index_dir, CORPUS_DIR, f"{Path(file).stem}.txt",
                                 converted / file)
    swapped = Engine.load(settings, build_if_missing=True, progress=False, embedder=embedder)
    answer = swapped.answer(question)
    assert not answer.abstained and unit in answer.answer
    assert answer.citations[0].doc == file
