"""Pages saved from a portal (.html/.htm): the article's paragraphs and tables, nothing of the site around it.

Each bundled document is written as such a page (tests/format_inputs.py): a header with the
site's navigation, a breadcrumb, side links, an info line, share buttons, a footer and scripts
around the article. Its records must equal the .txt originals' in every field but the file name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_app.engine import Engine
from qa_app.parsing import load_corpus, parse_file
from qa_app.parsing.formats import read_grids
from qa_app.settings import Limits
from tests.conftest import CORPUS_DIR
from tests.format_inputs import html_page, swapped_workspace
from tests.test_formats import comparable

NOTICE = "004_a6d61ab50cb7c05a"
SITE_WORDS = ("首页", "当前位置", "政务公开", "互动交流", "相关链接", "分享到", "备案号", "访问量", "网站标识码", "_hmt")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    for source in sorted(CORPUS_DIR.glob("*.txt")):
        suffix = ".htm" if source.stem.startswith("000") else ".html"
        (folder / f"{source.stem}{suffix}").write_text(html_page(source), encoding="utf-8")
    return folder


def test_saved_pages_give_the_txt_records(saved, corpus):
    loaded = load_corpus(saved)
    assert len(loaded.records) == 313
    assert comparable(loaded) == comparable(corpus)
    assert [d.title for d in loaded.documents] == [d.title for d in corpus.documents]


def test_the_site_around_the_article_is_dropped(saved):
    for path in saved.iterdir():
        text = "\n".join("\t".join(cells) for cells in read_grids(path)[0].rows)
        assert not [w for w in SITE_WORDS if w in text], path.name


def test_a_gbk_page_with_a_merged_cell(tmp_path):
    page = ("<html><head><meta charset='gb2312'><title>某某县2024年一季度工作推进情况一览表_某某县人民政府</title></head><body>"
            "<div class='nav'><a>首页</a></div><div id='zoom'><p>某某县2024年一季度工作推进情况一览表</p><table>"
            "<tr><th>序号</th><th>责任目标内容</th><th>完成时限</th><th>责任单位</th></tr>"
            "<tr><td>1</td><td>新建幼儿园3所</td><td rowspan='2'>年底</td><td>县教育局</td></tr>"
            "<tr><td>2</td><td>改造农村公路50公里</td><td>县交通运输局<br>县财政局</td></tr></table></div>"
            "<div class='footer'>版权所有</div></body></html>")
    (tmp_path / "q1.htm").write_bytes(page.encode("gb18030"))
    doc = parse_file(tmp_path / "q1.htm")
    assert [(r.number, r.deadline, r.units) for r in doc.records] == \
        [(1, "年底", ("县教育局",)), (2, "年底", ("县交通运输局", "县财政局"))]
    assert doc.title == "某某县2024年一季度工作推进情况一览表" and doc.year == 2024


def test_a_page_past_the_limits_is_refused(tmp_path):
    rows = "".join(f"<tr><td>{i}</td><td>内容</td><td>单位</td></tr>" for i in range(1, 40))
    (tmp_path / "big.html").write_text(f"<table><tr><th>序号</th><th>责任目标内容</th><th>责任单位</th></tr>{rows}</table>")
    doc = parse_file(tmp_path / "big.html", limits=Limits(max_rows=20))
    assert not doc.records and "over the limit of 20 rows in a file (set QA_MAX_ROWS" in doc.skipped[0].reason
    doc = parse_file(tmp_path / "big.html", limits=Limits(max_file_mb=0.001))
    assert "the file is" in doc.skipped[0].reason and "QA_MAX_FILE_MB" in doc.skipped[0].reason


def test_an_answer_from_a_saved_page(tmp_path, saved, index_settings, embedder, engine):
    page = tmp_path / f"{NOTICE}.html"
    shutil.copy(saved / page.name, page)
    settings = swapped_workspace(tmp_path / "ws", index_settings.index_dir, CORPUS_DIR, f"{NOTICE}.txt", page)
    swapped = Engine.load(settings, build_if_missing=True, progress=False, embedder=embedder)
    answer = swapped.answer("关停30万千瓦以下低效煤电机组的任务由哪个部门牵头？")
    assert not answer.abstained and "市发展改革委" in answer.answer
    assert answer.citations[0].doc == page.name
