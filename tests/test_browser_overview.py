"""Headless Chromium on the full page: the 概览 tab (pick a leader, see that leader's records) and
the download buttons (the chat's last answer and the tab's list), read back with openpyxl."""

from __future__ import annotations

from openpyxl import load_workbook

from qa_app.overview import overview, records_of
from tests.conftest import ROOT
from tests.test_browser import (  # noqa: F401  (fixtures and the markers of the browser tests)
    WAIT_MS,
    _ask,
    browser,
    leaves_loopback,
    pytestmark,
    sites,
    watched,
)

OVERVIEW_SHOT = ROOT / "eval" / "overview.png"


def _ids(path) -> list[str]:
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    column = header.index("记录编号")
    return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_overview_tab_lists_the_records_of_a_chosen_leader(sites, watched, tmp_path):  # noqa: F811
    service, chat_url, _ = sites
    page, seen = watched
    records = list(service.engine.records)
    group = overview(records)[0]
    page.goto(f"{chat_url}/")
    page.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    page.get_by_role("tab", name="概览").click()
    page.get_by_text(f"共 {group.items} 项").first.wait_for(timeout=WAIT_MS)
    assert group.label in page.locator("#qa-ov-summary").inner_text()
    leaders = page.locator("#qa-ov-leader label")
    leaders.first.wait_for(timeout=WAIT_MS)
    assert leaders.all_inner_texts() == list(group.by_leader)
    leader = list(group.by_leader)[1]
    wanted = records_of(records, group, leader=leader)
    leaders.nth(1).click()
    page.get_by_text(f"{group.label}、{leader}：{len(wanted)} 项").wait_for(timeout=WAIT_MS)
    rows = page.locator("#qa-ov-list tbody tr")
    assert [rows.nth(i).get_attribute("data-record-id") for i in range(rows.count())] == [r.id for r in wanted]
    assert len(wanted) == group.by_leader[leader]
    page.locator("#qa-ov-leaders canvas, #qa-ov-leaders svg").first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    page.screenshot(path=str(OVERVIEW_SHOT), full_page=True)
    with page.expect_download(timeout=WAIT_MS) as download:
        page.locator("#qa-ov-download").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and _ids(saved) == [r.id for r in wanted]
    assert [url for url in seen["requests"] if leaves_loopback(url)] == []


def test_chat_download_button_exports_the_whole_list(sites, watched, tmp_path):  # noqa: F811
    service, chat_url, _ = sites
    page, seen = watched
    page.goto(f"{chat_url}/")
    page.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    question = "列出2021年一季度所有目标"
    answer = service.ask(question)
    _ask(page, question, 0, press_enter=True)
    turn = page.locator(".qa-turn").nth(0)
    assert turn.locator(".qa-answer-text").inner_text().startswith(answer.answer[:20])
    assert turn.locator(".qa-sources > .qa-card").count() == 20
    assert turn.locator(".qa-more > summary").inner_text() == f"显示全部（共{len(answer.citations)}条）"
    button = page.locator("#qa-download")
    button.wait_for(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as download:
        button.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert _ids(saved) == [c.record_id for c in answer.citations] and len(answer.citations) == 54
    _ask(page, "你好", 1, press_enter=True)
    greeted = page.locator(".qa-turn").nth(1)
    assert greeted.locator(".qa-badge").count() == 0 and "您好" in greeted.locator(".qa-answer-text").inner_text()
    button.wait_for(state="hidden", timeout=WAIT_MS)  # help has no records to export
    assert [url for url in seen["requests"] if leaves_loopback(url)] == []
