"""Scanned pages read by OCR (RapidOCR, the [ocr] extra): a ruled table as a PNG, a notice as a scanned PDF.

The scans are drawn here (tests/format_inputs.py: a CJK font into a 1-bit-like image, the table's
rules drawn as a scanner sees them) from the bundled .txt documents, so what OCR must give back is
known: the table's rows cell by cell, the notice's tasks with their lead units. OCR runs once per
file; the second read comes from the cache under the index folder. Without RapidOCR the file is
refused naming the install command.
"""

from __future__ import annotations

import shutil
import sys

import pytest
from click.testing import CliRunner
from PIL import Image
from rapidfuzz import fuzz

from qa_app.cli import main
from qa_app.engine import Engine
from qa_app.parsing import load_corpus, ocr, parse_file
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.settings import Limits
from tests.conftest import CORPUS_DIR
from tests.format_inputs import cjk_font, scan_table, scan_text, swapped_workspace, txt_blocks

pytest.importorskip("rapidocr", reason="RapidOCR is not installed: pip install 'qa_app[ocr]' (make install does)")
pytestmark = pytest.mark.skipif(cjk_font() is None, reason="no CJK font to draw the scan with "
                                                           "(.ci/run installs fonts-wqy-microhei)")
TABLE = "001_d46b2bc31c3b0751"
WIDTHS = [70, 140, 280, 80, 420, 90, 230]


@pytest.fixture(scope="module")
def scans(tmp_path_factory, corpus):
    """The first eight targets of 001 as a PNG; the notice's first section as a JPEG in a PDF; and
    the OCR cache folder both were read into."""
    folder = tmp_path_factory.mktemp("scans")
    before, rows, _ = txt_blocks(CORPUS_DIR / f"{TABLE}.txt")
    scan_table(rows[:9], before[-1], WIDTHS, folder / f"{TABLE}.png")
    notice = corpus.documents[4]
    tasks = [r for r in notice.records if r.number <= 4]
    page = scan_text(["菏泽市建设绿色低碳高质量发展先行区2023年重点工作任务", tasks[0].section, *[r.text for r in tasks]],
                     folder / "notice.png")
    Image.open(page).convert("RGB").save(folder / "notice.jpg", quality=85)
    Image.open(folder / "notice.jpg").save(folder / "notice.pdf", resolution=150)
    cache, pages = folder / "index", []
    with ocr_context(cache, lambda name, done, total: pages.append((name, done, total))):
        docs = {name: parse_file(folder / name) for name in (f"{TABLE}.png", "notice.pdf")}
    return folder, cache, docs, pages


@pytest.mark.slow  # OCR: ~25 s a page
def test_a_scanned_table_gives_its_rows(scans, by_id, tmp_path):
    """Read in a corpus (as `qa build` reads it), where unit names OCR ran together (it drops the
    space in 市交通运输局 郓城县人民政府) are split by the names the other documents hold, here the
    earlier quarter's table; the OCR itself comes from the cache."""
    folder, cache, _, _ = scans
    shutil.copytree(CORPUS_DIR, tmp_path / "corpus")
    shutil.copy(folder / f"{TABLE}.png", tmp_path / "corpus")
    with ocr_context(cache):
        doc = next(d for d in load_corpus(tmp_path / "corpus").documents if d.file == f"{TABLE}.png")
    assert [r.number for r in doc.records] == list(range(148, 156)) and not doc.skipped
    for record in doc.records:
        original = by_id[f"{TABLE}.txt#{record.number}"]
        assert (record.leaders, record.deadline, record.on_schedule, record.units, record.page) == \
            (original.leaders, original.deadline, original.on_schedule, original.units, 1)
        assert record.content.replace(" ", "") == original.content.replace(" ", "")
        assert fuzz.ratio(record.progress, original.progress) > 90
    assert doc.title == "菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表"


@pytest.mark.slow  # OCR: ~25 s a page
def test_a_scanned_pdf_notice_gives_its_tasks(scans, by_id):
    _, _, docs, pages = scans
    doc = docs["notice.pdf"]
    assert [r.number for r in doc.records] == [1, 2, 3, 4]
    for record in doc.records:
        original = by_id[f"004_a6d61ab50cb7c05a.txt#{record.number}"]
        assert (record.lead_units, record.participating_units) == (original.lead_units, original.participating_units)
        assert fuzz.ratio(record.content, original.content) > 90 and record.page == 1
    assert doc.year == 2023 and ("notice.pdf", 1, 1) in pages and (f"{TABLE}.png", 1, 1) in pages


@pytest.mark.slow  # OCR: ~25 s a page
def test_a_second_read_comes_from_the_cache(scans, monkeypatch):
    folder, cache, docs, _ = scans
    monkeypatch.setattr(ocr, "_page_layout", lambda *a: pytest.fail("OCR ran again"))
    with ocr_context(cache):
        again = parse_file(folder / f"{TABLE}.png")
    assert again.records == docs[f"{TABLE}.png"].records
    assert len(list((cache / "ocr").glob("*.json"))) == 2


def test_without_the_extra_a_scan_is_refused_naming_the_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "rapidocr", None)
    monkeypatch.setattr(ocr, "_ENGINE", [])
    scan_text(["一、基础设施"], tmp_path / "scan.png")
    Image.open(tmp_path / "scan.png").save(tmp_path / "scan.pdf")
    for name in ("scan.png", "scan.pdf"):
        reason = parse_file(tmp_path / name).skipped[0].reason
        assert "needs OCR, which is not installed: pip install 'qa_app[ocr]'" in reason, reason


def test_scans_past_the_pixel_and_page_limits_are_refused(tmp_path):
    Image.new("L", (3000, 2000), 255).save(tmp_path / "big.png")
    reason = parse_file(tmp_path / "big.png", limits=Limits(max_pixels=1_000_000)).skipped[0].reason
    assert "the image has 6,000,000 pixels, over the limit of 1,000,000 pixels (set QA_MAX_PIXELS" in reason
    frames = [Image.new("L", (50, 50), 255) for _ in range(4)]
    frames[0].save(tmp_path / "pages.pdf", save_all=True, append_images=frames[1:])
    reason = parse_file(tmp_path / "pages.pdf", limits=Limits(max_pages=3)).skipped[0].reason
    assert "the PDF has 4 pages, over the limit of 3 pages (set QA_MAX_PAGES" in reason
    (tmp_path / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    assert "not a readable image" in parse_file(tmp_path / "cut.png").skipped[0].reason


def test_qa_add_of_a_scan_reports_pages_and_answers(tmp_path, scans, index_settings, embedder, engine):
    folder, cache, _, _ = scans
    settings = swapped_workspace(tmp_path, index_settings.index_dir, CORPUS_DIR, f"{TABLE}.txt", None)
    result = CliRunner().invoke(main, ["add", str(folder / f"{TABLE}.png"), "--corpus", str(settings.corpus_dir),
                                       "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert f"OCR {TABLE}.png: page 1/1" in result.output and "added 001_d46b2bc31c3b0751.png: 8 records" in result.output
    swapped = Engine.load(settings, embedder=embedder)
    answer = swapped.answer("加快建设济宁至商丘高速公路成武至曹县段由哪个单位负责？")
    assert not answer.abstained and "市公路事业发展中心" in answer.answer
    assert answer.citations[0].record_id == f"{TABLE}.png#150" and "第1页" in answer.answer
