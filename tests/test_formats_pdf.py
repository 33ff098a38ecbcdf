"""PDFs with a text layer: the five bundled documents printed by headless Chromium read as the .txt originals.

Chromium prints as a browser user would: its own running header (date, title) and footer (file
address, page x/y) on, the table's header repeated on every page, and rows cut by page breaks
(001's target 160 starts on page 1 and ends on page 2). The records must equal the originals'
field by field (spaces aside: the printer drops some beside digits), none may be a header or
furniture, and each must carry its page. Hostile PDFs are refused naming the file and the limit.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qa_app.engine import Engine
from qa_app.parsing import load_corpus, parse_file
from qa_app.parsing.formats import read_grids
from qa_app.settings import Limits
from tests.conftest import CORPUS_DIR
from tests.format_inputs import CHROMIUM, html_page, pdf_bytes, print_pdf, swapped_workspace

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                                         "(.ci/run installs it: apt-get install chromium)")
FIELDS = ("number", "leaders", "content", "deadline", "progress", "on_schedule", "units", "lead_units",
          "participating_units", "section", "title", "year", "period", "kind")
TABLE = "001_d46b2bc31c3b0751"


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    for source in sorted(CORPUS_DIR.glob("*.txt")):
        print_pdf(html_page(source, table_only=True), folder / f"{source.stem}.pdf")
    return folder


def _plain(value):
    if isinstance(value, str):
        return re.sub(r"\s+", "", value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _fields(corpus) -> dict:
    return {(Path(r.doc).stem, r.id.split("#", 1)[1]): tuple(_plain(getattr(r, f)) for f in FIELDS)
            for r in corpus.records}


def test_printed_pdfs_give_the_txt_records(printed, corpus):
    loaded = load_corpus(printed)
    assert len(loaded.records) == len(corpus.records) == 313
    assert _fields(loaded) == _fields(corpus)
    assert len(loaded.all_skipped()) == len(corpus.all_skipped())  # 003's empty stubs, as in the .txt


def test_each_record_carries_its_page(printed):
    doc = parse_file(printed / f"{TABLE}.pdf")
    pages = [r.page for r in doc.records]
    assert pages[0] == 1 and pages == sorted(pages) and pages[-1] == 5
    cut = next(r for r in doc.records if r.number == 160)  # cut by the break after page 1
    assert cut.page == 1 and cut.leaders == ("肖友华",) and cut.units == ("市公路事业发展中心",)
    assert cut.progress.endswith("招标文件初稿已编制完成")


def test_header_footer_and_repeated_header_are_dropped(printed):
    rows = ["".join(cells) for cells in read_grids(printed / f"{TABLE}.pdf")[0].rows]
    assert not [r for r in rows if "file://" in r or re.search(r"\d+/\d+", r) or re.search(r"[AP]M", r)]
    assert sum("责任目标内容" in r for r in rows) == 1  # the header Chromium repeats on 5 pages, read once
    assert rows[0] == "菏泽市人民政府2023年经济社会发展责任目标三季度工作推进情况一览表"


def test_notice_paragraphs_are_joined_across_pages(printed, corpus):
    doc = parse_file(printed / "004_a6d61ab50cb7c05a.pdf")
    txt = {r.number: r for r in corpus.documents[4].records}
    assert len(doc.records) == len(txt) == 96
    crossing = [r for r in doc.records if r.page and r.page < max(p.page or 0 for p in doc.records)
                and _plain(r.content) == _plain(txt[r.number].content)]
    assert len(crossing) > 80


def test_hostile_pdfs_are_refused_naming_the_file_and_limit(tmp_path):
    text = b"BT /F1 12 Tf 72 720 Td (x) Tj ET"
    cases = {
        "pages.pdf": (pdf_bytes([text] * 5), Limits(max_pages=3), "5 pages, over the limit of 3 pages (set QA_MAX_PAGES"),
        "bomb.pdf": (pdf_bytes([b" " * (3 << 20)]), Limits(max_unpacked_mb=1), "unpacks to more than 1 MB"),
        "pixels.pdf": (pdf_bytes([text], images={"Im1": (50_000, 50_000)}), Limits(),
                       "image of 2,500,000,000 pixels, over the limit of 40,000,000 pixels (set QA_MAX_PIXELS"),
        "cut.pdf": (pdf_bytes([text])[:60], Limits(), "not a readable PDF"),
    }
    for name, (data, limits, expected) in cases.items():
        (tmp_path / name).write_bytes(data)
        doc = parse_file(tmp_path / name, limits=limits)
        assert not doc.records and doc.skipped[0].file == name
        assert expected in doc.skipped[0].reason, doc.skipped[0].reason


def test_an_answer_from_a_pdf_cites_its_page(tmp_path, printed, index_settings, embedder, engine):
    pdf = tmp_path / f"{TABLE}.pdf"
    shutil.copy(printed / pdf.name, pdf)
    settings = swapped_workspace(tmp_path / "ws", index_settings.index_dir, CORPUS_DIR, f"{TABLE}.txt", pdf)
    swapped = Engine.load(settings, build_if_missing=True, progress=False, embedder=embedder)
    answer = swapped.answer("谋划推进G327线东明黄河公路大桥重点交通项目的责任单位是谁？")
    assert not answer.abstained and "市公路事业发展中心" in answer.answer
    cited = answer.citations[0]
    assert (cited.record_id, cited.page) == (f"{TABLE}.pdf#160", 1)
    assert "第1页" in answer.answer and cited.to_dict()["page"] == 1


def test_running_lines_are_dropped_and_a_paragraph_cut_by_a_page_is_joined():
    from qa_app.parsing.lines import Line, drop_furniture, paragraphs

    def line(page, top, text, x0=72.0, x1=523.0):
        return Line(page, x0, x1, top, top + 12, text)

    pages = [[line(1, 20, "某某县人民政府办公室文件", 200, 400), line(1, 100, "某某县2024年重点工作任务", 200, 400),
              line(1, 130, "1. 建设城市快速路，完成主线", 96), line(1, 780, "这一行写到页底的右边缘，下一页接着写"),
              line(1, 815, "- 1 -", 280, 310)],
             [line(2, 20, "某某县人民政府办公室文件", 200, 400), line(2, 60, "完。（牵头单位：县交通运输局）", 72, 300),
              line(2, 90, "2. 新建幼儿园3所。（牵头单位：县教育局）", 96, 400), line(2, 815, "第 2 页", 280, 310)]]
    body = drop_furniture(pages, [842.0, 842.0])
    assert [x.text for x in body[0]] == ["某某县2024年重点工作任务", "1. 建设城市快速路，完成主线", "这一行写到页底的右边缘，下一页接着写"]
    assert [x.text for x in body[1]] == ["完。（牵头单位：县交通运输局）", "2. 新建幼儿园3所。（牵头单位：县教育局）"]
    joined = paragraphs(body[0] + body[1])
    assert joined[2] == (1, "这一行写到页底的右边缘，下一页接着写完。（牵头单位：县交通运输局）")
    assert joined[3][1].startswith("2. ")
