"""Headless Chromium: 👎 and a correction in the chat, 👍 in the /embed widget, both found on the admin's
问答记录 page; the 检索测试 page shows both legs and the fused list. Screenshots go to docs/img/."""

from __future__ import annotations

import pytest

from qa_app.feedback import QuestionLog
from qa_app.web import ChatService, create_app
from tests.conftest import ROOT
from tests.test_browser import ARGS, CHROMIUM, WAIT_MS, _ask, leaves_loopback
from tests.test_web import TOKEN, XIONGSHANG, running_server

UNANSWERABLE = "菏泽奥体中心啥时候建成？"
CORRECTION = "正确答案应为市住房城乡建设局"
ADMIN_SHOT = ROOT / "docs" / "img" / "admin.png"
HITS_SHOT = ROOT / "docs" / "img" / "hit-test.jpg"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(),
                       reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def site(index_settings, engine, tmp_path_factory):
    """The chat with the admin token, logging to a fresh file."""
    log = QuestionLog(tmp_path_factory.mktemp("browser-log") / "qa_log.sqlite3")
    service = ChatService(index_settings, engine, question_log=log)
    with running_server(create_app(service, admin_token=TOKEN)) as url:
        yield service, url


@pytest.fixture(scope="module")
def page(site):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        seen: list[str] = []
        context.on("request", lambda request: seen.append(request.url))
        yield context.new_page(), seen
        context.close()
        browser.close()


def test_thumbs_down_with_a_correction_reaches_the_admin_page(site, page):
    service, url = site
    tab, seen = page
    tab.goto(f"{url}/")
    tab.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    _ask(tab, XIONGSHANG, 0, press_enter=True)
    _ask(tab, UNANSWERABLE, 1, press_enter=True)
    second = tab.locator(".qa-turn").nth(1)
    second.locator(".qa-rate-down").click()
    fix = second.locator(".qa-rate-comment")
    fix.wait_for(state="visible", timeout=WAIT_MS)
    fix.fill(CORRECTION)
    second.locator(".qa-rate-send").click()
    second.locator(".qa-rate-saved").wait_for(state="visible", timeout=WAIT_MS)
    assert second.locator(".qa-rate-down").get_attribute("aria-pressed") == "true"
    assert tab.locator(".qa-turn").nth(0).locator(".qa-rate-down").get_attribute("aria-pressed") == "false"
    rated = [e for e in service.log.entries() if e.rating]
    assert [(e.question, e.rating, e.comment, e.abstained) for e in rated] == [
        (UNANSWERABLE, "down", CORRECTION, True)]

    tab.get_by_text("问答记录与检索测试（管理员）").click()
    tab.locator("#qa-logs-token input").fill(TOKEN)
    tab.locator("#qa-logs-enter").click()
    down = tab.locator("#qa-logs-down")
    down.wait_for(timeout=WAIT_MS)
    assert CORRECTION in down.inner_text() and UNANSWERABLE in down.inner_text()
    assert UNANSWERABLE in tab.locator("#qa-logs-unanswered").inner_text()
    assert "共 2 个提问" in tab.locator(".qa-logs-totals").inner_text()
    down.scroll_into_view_if_needed()
    tab.wait_for_timeout(300)
    ADMIN_SHOT.parent.mkdir(parents=True, exist_ok=True)
    tab.locator("#qa-logs-admin").screenshot(path=str(ADMIN_SHOT))

    tab.get_by_role("tab", name="检索测试").click()
    tab.locator("#qa-hit-query textarea").fill("雄商高铁")
    tab.locator("#qa-hit-run").click()
    columns = tab.locator("#qa-hit-cols")
    columns.wait_for(timeout=WAIT_MS)
    assert columns.locator(".qa-hit-col").count() == 3
    assert columns.locator(".qa-hit-col").nth(2).locator("tbody tr").count() == 10
    assert "雄商高铁" in columns.locator(".qa-hit-col").nth(2).locator("tbody tr").first.inner_text()
    assert "按：" in tab.locator("#qa-hit-plan").inner_text()
    panel = tab.locator("#qa-logs-admin").bounding_box()  # its top: the query, the plan and the first rows
    tab.screenshot(path=str(HITS_SHOT), type="jpeg", quality=75, full_page=True,
                   clip={**panel, "height": min(panel["height"], 1100)})
    assert [u for u in seen if leaves_loopback(u)] == []


def test_thumbs_up_in_the_embed_widget(site, page):
    service, url = site
    tab, _ = page
    tab.goto(f"{url}/embed/")
    tab.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
    _ask(tab, XIONGSHANG, 0, press_enter=True)
    turn = tab.locator(".qa-turn").nth(0)
    turn.locator(".qa-rate-up").click()
    turn.locator(".qa-rate-thanks").wait_for(state="visible", timeout=WAIT_MS)
    assert turn.locator(".qa-rate-comment").is_hidden()  # the correction line follows 👎 only
    answer_id = turn.locator(".qa-rate").get_attribute("data-answer-id")
    assert [(e.answer_id, e.rating) for e in service.log.entries() if e.rating == "up"] == [(answer_id, "up")]
