"""The one-line embed (/embed.js) and the chat's layout, in headless Chromium.

The portal is examples/intranet.html served from another loopback port (see `portal_server`); its only
embedding code is the script tag. The layout checks ask enough questions for the transcript to overflow
its area, then look at what is drawn on top of the input row at desktop and phone sizes.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures reused)
    CHROMIUM,
    EXAMPLE_SERVER,
    WAIT_MS,
    _ask,
    browser,
    leaves_loopback,
    open_portal_chat,
    portal_server,
    sites,
)
from tests.test_web import XIONGSHANG

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SECOND = "市医保局2023年负责哪几项目标？"  # three cards: with the first answer, more than the log's height

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason="Debian's chromium is not installed (.ci/run installs it)")]

# Whether the transcript reaches into the input row: each drawn piece of it (turns, cards, table rows),
# clipped by the log's box when the log clips its overflow, must stay off the row's rectangle; and what
# is on top at points spread over the row must be the row itself.
ROW_CHECK = """() => {
  const log = document.querySelector('#qa-log'), row = document.querySelector('#qa-input-row');
  row.scrollIntoView({block: 'center'});
  const r = row.getBoundingClientRect(), box = log.getBoundingClientRect();
  const overflowY = getComputedStyle(log).overflowY, clips = overflowY !== 'visible';
  let reaching = 0;
  for (const piece of log.querySelectorAll('.qa-turn, .qa-card, .qa-record tr')) {
    const p = piece.getBoundingClientRect();
    const top = clips ? Math.max(p.top, box.top) : p.top, bottom = clips ? Math.min(p.bottom, box.bottom) : p.bottom;
    if (bottom > top && top < r.bottom && bottom > r.top && p.left < r.right && p.right > r.left) reaching++;
  }
  const hits = [];
  for (const fx of [0.01, 0.25, 0.5, 0.75, 0.99]) for (const fy of [0.05, 0.5, 0.95]) {
    const e = document.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
    hits.push(!e ? 'nothing' : row.contains(e) ? 'row' : log.contains(e) ? 'transcript' : e.tagName);
  }
  return {reaching, hits, overflowY, scroll: log.scrollHeight, height: log.clientHeight, rowBottom: r.bottom,
          viewport: innerHeight};
}"""


@contextmanager
def _browsing(browser, viewport: dict):  # noqa: F811
    """A fresh page at this size, and the list of every URL it requests."""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        yield context.new_page(), requests
    finally:
        context.close()


def _assert_row_uncovered(frame) -> dict:
    seen = frame.evaluate(ROW_CHECK)
    assert seen["scroll"] > seen["height"] + 50, "the transcript must overflow for this check to mean anything"
    assert seen["overflowY"] in ("auto", "scroll")
    assert seen["reaching"] == 0, seen
    assert seen["hits"] == ["row"] * 15, seen
    assert seen["rowBottom"] <= seen["viewport"]
    return seen


def test_script_tag_button_opens_the_chat(sites, browser):  # noqa: F811
    _, chat_url, portal_url = sites
    with _browsing(browser, DESKTOP) as (page, requests):
        page.goto(f"{portal_url}/intranet.html")
        button = page.locator("#qa-embed-button")
        box = button.bounding_box(timeout=WAIT_MS)
        assert button.inner_text() == "问答" and button.get_attribute("aria-expanded") == "false"
        assert DESKTOP["width"] - 40 < box["x"] + box["width"] <= DESKTOP["width"] - 10  # bottom-right corner
        assert DESKTOP["height"] - 40 < box["y"] + box["height"] <= DESKTOP["height"] - 10
        assert page.locator("#qa-chat").count() == 0  # the chat loads when first opened, not with the portal

        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        chat = page.frame_locator("#qa-chat")
        assert page.locator("#qa-chat").get_attribute("src") == f"{chat_url}/embed/"
        assert page.locator(".qa-head").inner_text().startswith("责任目标问答")
        chat.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
        _ask(chat, XIONGSHANG, 0, press_enter=True)
        first = chat.locator(".qa-turn").nth(0)
        assert "市交通运输局" in first.locator(".qa-answer-text").inner_text()
        card = first.locator(".qa-card").first
        assert card.locator("th").all_inner_texts()[:1] == ["序号"] and "雄商高铁" in card.inner_text()

        _ask(chat, SECOND, 1, press_enter=False)
        _assert_row_uncovered(page.locator("#qa-chat").element_handle().content_frame())
        page.locator(".qa-close").click()
        assert not page.locator(".qa-panel").is_visible()
        page.locator("#qa-embed-button").click()  # opened again: the same conversation
        assert chat.locator(".qa-turn").count() == 2
        assert [url for url in requests if leaves_loopback(url)] == []
        assert any(url == f"{chat_url}/embed.js" for url in requests)


CUSTOM_PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title></head>
<body><p>自定义门户</p>
<script src="{EXAMPLE_SERVER}/embed.js" defer data-title="督查问答" data-label="提问" data-question="{XIONGSHANG}"
        data-position="left" data-width="320" data-height="480"></script>
<script src="{EXAMPLE_SERVER}/embed.js" defer></script>
</body></html>"""


def test_data_attributes_set_title_label_question_side_and_size(sites, browser, tmp_path):  # noqa: F811
    _, chat_url, _ = sites
    (tmp_path / "custom.html").write_text(CUSTOM_PAGE, encoding="utf-8")
    with _browsing(browser, DESKTOP) as (page, _), portal_server(chat_url, directory=tmp_path) as portal_url:
        page.goto(f"{portal_url}/custom.html")
        button = page.locator("#qa-embed-button")
        assert button.inner_text(timeout=WAIT_MS) == "提问"
        assert page.locator("#qa-embed-button").count() == 1  # the second tag adds no second button
        assert button.bounding_box()["x"] <= 30  # bottom-left corner
        button.click()
        panel = page.locator(".qa-panel").bounding_box()
        assert (round(panel["width"]), round(panel["height"]), round(panel["x"])) == (320, 480, 20)
        assert page.locator(".qa-head").inner_text().startswith("督查问答")
        assert page.locator("#qa-chat").get_attribute("title") == "督查问答"
        box = page.frame_locator("#qa-chat").locator("#qa-question textarea")
        box.wait_for(timeout=WAIT_MS)
        frame = page.locator("#qa-chat").element_handle().content_frame()
        frame.wait_for_function("q => document.querySelector('#qa-question textarea').value === q", arg=XIONGSHANG,
                                timeout=WAIT_MS)
        assert page.frame_locator("#qa-chat").locator(".qa-turn").count() == 0  # put in the box, not sent


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x900", "390x844"])
def test_input_row_is_never_covered_on_the_full_page(sites, browser, viewport):  # noqa: F811
    _, chat_url, _ = sites
    with _browsing(browser, viewport) as (page, _):
        page.goto(f"{chat_url}/")
        page.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
        _ask(page, XIONGSHANG, 0, press_enter=True)
        _ask(page, SECOND, 1, press_enter=True)
        _assert_row_uncovered(page)


def test_panel_fills_a_phone_screen_and_keeps_the_input_row(sites, browser):  # noqa: F811
    _, _, portal_url = sites
    with _browsing(browser, PHONE) as (page, _):
        chat = open_portal_chat(page, portal_url)
        panel = page.locator(".qa-panel").bounding_box()
        assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, PHONE["width"], PHONE["height"])
        assert not page.locator("#qa-embed-button").is_visible()  # the panel's × closes it
        chat.locator("#qa-question textarea").wait_for(timeout=WAIT_MS)
        _ask(chat, XIONGSHANG, 0, press_enter=True)
        _ask(chat, SECOND, 1, press_enter=True)
        _assert_row_uncovered(page.locator("#qa-chat").element_handle().content_frame())
