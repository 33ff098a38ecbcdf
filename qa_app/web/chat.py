"""The Gradio chat: the full page at / and the compact one for iframes at /embed.

The log is one gr.HTML drawn by `render.py` from per-session turns, so every piece of user text is
escaped by us; the answers of earlier turns are kept as the `history` the engine uses for follow-ups.
"""

from __future__ import annotations

import gradio as gr

from qa_app.answering import assistant_title, example_questions
from qa_app.errors import BadQuestion, QAError
from qa_app.retrieval import Filters
from qa_app.validation import MAX_QUESTION_CHARS
from qa_app.web.admin import build_admin_panel
from qa_app.web.admin_log import build_log_panel
from qa_app.web.dashboard import build_overview_tab, export_file
from qa_app.web.feedback_ui import FEEDBACK_JS
from qa_app.web.render import esc, render_conversation
from qa_app.web.service import ChatService, check_question

HISTORY_TURNS = 5
GRADIO_API_NAME = "ask"  # gradio_client.Client(url).predict(question, api_name="/ask")
INITIAL_QUESTION_PARAM = "q"  # /embed/?q=… puts a question in the box (embed.js's data-question)
ANSWER_CONCURRENCY = 4  # answers run in threads; the engine is thread-safe

# Runs once when the log is first drawn: one delegated listener serves every copy button.
COPY_JS = """
element.addEventListener('click', async (event) => {
  const button = event.target.closest('.qa-copy');
  if (!button) return;
  const text = button.dataset.copy || '';
  let ok = false;
  try { await navigator.clipboard.writeText(text); ok = true; } catch (error) {
    const area = document.createElement('textarea');
    area.value = text; area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    try { ok = document.execCommand('copy'); } catch (error2) { ok = false; }
    area.remove();
  }
  button.textContent = ok ? '已复制' : '复制失败';
  setTimeout(() => { button.textContent = '复制'; }, 1500);
});
// Keep the newest exchange in view: scroll the log (not the page) to the start of the last turn.
const box = element.closest('#qa-log') || element;
new MutationObserver(() => {
  const turns = element.querySelectorAll('.qa-turn');
  const last = turns[turns.length - 1];
  if (!last) return;
  box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 4;
}).observe(element, {childList: true, subtree: true});
"""


def _history(turns: list[dict]) -> list[dict]:
    """The answers of the last few finished turns, oldest first, as the engine wants them."""
    answers = [t["answer"] for t in turns if t.get("answer") is not None]
    return answers[-HISTORY_TURNS:]


def chosen_filters(year: str | None, doc: str | None) -> Filters | None:
    """The dropdowns as Filters; "" (全部) means no constraint."""
    chosen = Filters(year=int(year) if year and str(year).isdigit() else None, doc=doc or None)
    return None if chosen.is_empty() else chosen


def start_turn(question: str, turns: list[dict]) -> list[dict]:
    """Add the question as a waiting turn, or with a polite notice when it cannot be asked."""
    try:
        text = check_question(question)
    except BadQuestion as exc:
        shown = (question or "").strip()
        shown = shown if len(shown) <= MAX_QUESTION_CHARS else shown[:MAX_QUESTION_CHARS] + "…"
        return turns + [{"question": shown, "answer": None, "notice": f"抱歉，{exc}"}]
    return turns + [{"question": text, "answer": None, "notice": None}]


def finish_turn(service: ChatService, turns: list[dict], year: str | None, doc: str | None) -> list[dict]:
    """Answer the waiting turn (the last one), keeping the earlier answers as history."""
    if not turns or turns[-1].get("answer") is not None or turns[-1].get("notice"):
        return turns
    last = dict(turns[-1])
    try:
        last["answer"] = service.ask(last["question"], _history(turns[:-1]), chosen_filters(year, doc)).to_dict()
    except BadQuestion as exc:
        last["notice"] = f"抱歉，{exc}"
    except QAError as exc:
        last["notice"] = f"抱歉，暂时无法回答：{exc}"
    return turns[:-1] + [last]


def page_text(records) -> tuple[str, tuple[str, ...], str]:
    """Title, example questions and placeholder, made from the loaded documents (as the help reply)."""
    examples = example_questions(records, n=4)
    hint = f"例如：{examples[0]}" if examples else "例如：某项目由哪个单位牵头？"
    placeholder = f"请输入问题，{hint}也可以问“你能做什么？”。回答会标出 [n] 并在下方列出来源记录。"
    return assistant_title(records), examples, placeholder


def _header(title: str) -> str:
    return (f'<header class="qa-header"><h1>{esc(title)}</h1><p>依据市政府责任目标文件作答，'
            "每个回答都标出来源记录；文件里没有的，会明确说“文件中未找到”。</p></header>")


def _footer() -> str:
    return ('<footer class="qa-footer">接口：<a href="docs" target="_blank">/docs</a>（POST /api/ask）'
            ' · 嵌入：<a href="embed" target="_blank">/embed</a></footer>')


def build_chat(service: ChatService, compact: bool = False, admin_token: str | None = None) -> gr.Blocks:
    """One chat page; `compact` drops header, footer, 概览 tab and admin panel for a 360×560 iframe."""
    title, examples, placeholder = page_text(service.engine.records)
    draw = _drawer(service, placeholder)
    with gr.Blocks(title=title, analytics_enabled=False, fill_height=compact) as blocks:
        if compact:
            parts = _chat_parts(service, draw, examples, compact)
        else:
            gr.HTML(_header(title))
            with gr.Tabs(elem_id="qa-tabs"):
                with gr.Tab("问答", id="chat", elem_id="qa-tab-chat"):
                    parts = _chat_parts(service, draw, examples, compact)
                    if admin_token:
                        build_admin_panel(service, admin_token, refresh=list(parts[:2]))
                        build_log_panel(service, admin_token)
                with gr.Tab("概览", id="overview", elem_id="qa-tab-overview"):
                    group, show_group, outputs = build_overview_tab(service)
            gr.HTML(_footer())
            blocks.load(show_group, [group], outputs, api_visibility="private")
        year, doc, question = parts
        blocks.load(lambda: _dropdown_updates(service), outputs=[year, doc], api_visibility="private")
        if compact:
            blocks.load(initial_question, outputs=[question], api_visibility="private")
        else:
            gr.api(api_ask(service), api_name=GRADIO_API_NAME, concurrency_limit=ANSWER_CONCURRENCY,
                   concurrency_id="answer")
    return blocks


def _chat_parts(service: ChatService, draw, examples, compact: bool):
    """The chat itself: filters, log, input row, examples and the download of the last answer."""
    years, docs = service.filter_choices()
    turns = gr.State([])
    with gr.Accordion("筛选", open=False) if compact else gr.Row():
        year = gr.Dropdown(years, value="", label="年份", elem_id="qa-year", scale=1)
        doc = gr.Dropdown(docs, value="", label="文件", elem_id="qa-doc", scale=3)
    log = gr.HTML(draw([]), elem_id="qa-log", js_on_load=COPY_JS + FEEDBACK_JS, scale=1 if compact else None,
                  elem_classes=["qa-compact" if compact else "qa-full"])
    download = gr.DownloadButton("下载本回答的条目（Excel）", visible=False, size="sm", elem_id="qa-download")
    with gr.Row(equal_height=True, elem_id="qa-input-row"):
        question = gr.Textbox(placeholder="输入问题，回车发送", show_label=False, lines=1, max_lines=4,
                              scale=6, elem_id="qa-question", max_length=MAX_QUESTION_CHARS * 2,
                              container=False)
        send = gr.Button("发送", variant="primary", scale=1, min_width=56, elem_id="qa-send")
        clear = gr.Button("清空", variant="secondary", scale=0, min_width=64, elem_id="qa-clear")
    with gr.Row(elem_id="qa-examples"):
        example_buttons = [gr.Button(q, size="sm", scale=0, elem_classes=["qa-example"]) for q in examples]
    _wire(service, draw, turns, log, question, send, example_buttons, clear, year, doc, download)
    return year, doc, question


def initial_question(request: gr.Request):
    """The question the page was opened with (`?q=`), for the input box; the person still sends it.

    Without `?q=` the box is left alone: this load event can finish after someone has started typing
    (a busy server), and an empty value would wipe what they typed."""
    text = (request.query_params.get(INITIAL_QUESTION_PARAM) or "").strip() if request else ""
    return text[:MAX_QUESTION_CHARS] if text else gr.skip()


def api_ask(service: ChatService):
    """The one public Gradio endpoint, for `gradio_client`: the chat's events stay private."""

    def ask(question: str, history: list | None = None) -> dict:
        """Answer a question; returns the JSON of `qa ask --json` (history: earlier answers or questions)."""
        try:
            return service.ask(question, history or []).to_dict()
        except BadQuestion as exc:
            raise gr.Error(str(exc)) from None

    return ask


def _drawer(service: ChatService, placeholder: str):
    def draw(turns: list[dict]) -> str:
        return render_conversation(turns, service.record, placeholder)

    return draw


def _dropdown_updates(service: ChatService):
    years, docs = service.filter_choices()
    return gr.update(choices=years), gr.update(choices=docs)


def answer_download(service: ChatService, turns: list[dict]):
    """The download button for the last answer: its records as .xlsx, shown for lists, overviews and
    any answer with records; hidden for an abstention, help or a notice."""
    answer = turns[-1].get("answer") if turns else None
    if not answer or answer.get("abstained") or not answer.get("citations"):
        return gr.update(value=None, visible=False)
    records = service.engine.export_records(answer.get("record_ids", []))
    stem = "列表" if answer.get("intent") in ("list", "count", "overview") else "回答"
    return gr.update(value=export_file(records, stem), visible=bool(records))


def _wire(service, draw, turns, log, question, send, example_buttons, clear, year, doc, download) -> None:
    """Enter or 发送 (or an example) → show the question at once → answer it."""

    def start(text, current):
        new = start_turn(text, current)
        return "", new, draw(new)

    def finish(current, year_value, doc_value):
        done = finish_turn(service, current, year_value, doc_value)
        return done, draw(done), answer_download(service, done)

    private = {"api_visibility": "private"}
    answering = {"show_progress": "minimal", "concurrency_limit": ANSWER_CONCURRENCY, "concurrency_id": "answer",
                 **private}
    for trigger in (question.submit, send.click):
        trigger(start, [question, turns], [question, turns, log], show_progress="hidden", **private).then(
            finish, [turns, year, doc], [turns, log, download], **answering)
    for button in example_buttons:
        button.click(start, [button, turns], [question, turns, log], show_progress="hidden", **private).then(
            finish, [turns, year, doc], [turns, log, download], **answering)
    clear.click(lambda: ([], draw([]), "", gr.update(value=None, visible=False)), None,
                [turns, log, question, download], **private)
