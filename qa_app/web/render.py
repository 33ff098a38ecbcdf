"""Pure HTML for the chat: answers, [n] markers, source cards. Every piece of text is escaped here.

The chat log is drawn by this module rather than by a chat widget's markdown renderer, so what a
user typed can never become markup: it goes through `html.escape` like every record field.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from qa_app.export import record_rows
from qa_app.records import Record
from qa_app.web.feedback_ui import feedback_html

NOT_FOUND_BADGE = "文件中未找到"
_MARKER = re.compile(r"\[(\d{1,3})\]")
EMPTY_CELL = "（无）"
SHOWN_CARDS = 20  # source cards shown at once; a longer list opens with 显示全部

RecordLookup = Callable[[str], "Record | None"]


def esc(text: object) -> str:
    """Text as HTML text, quotes included (safe inside attributes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def render_record_table(record: Record) -> str:
    """The whole record as a two-column table: column name, value."""
    rows = "".join(f'<tr><th scope="row">{esc(name)}</th><td>{esc(value) or EMPTY_CELL}</td></tr>'
                   for name, value in record_rows(record))
    return f'<table class="qa-record"><tbody>{rows}</tbody></table>'


def render_card(citation: dict, record: Record | None, open_: bool) -> str:
    """One source card: [n], the document title, the record as a table (or the cited text)."""
    number = citation.get("number")
    label = f" · 序号 {esc(number)}" if number is not None else ""
    body = (render_record_table(record) if record is not None
            else f'<p class="qa-card-text">{esc(citation.get("text", ""))}</p>')
    doc = f'<div class="qa-card-doc">{esc(citation.get("title", ""))}（{esc(citation.get("doc", ""))}）</div>'
    return (f'<details class="qa-card" data-record-id="{esc(citation.get("record_id", ""))}"'
            f'{" open" if open_ else ""}><summary><span class="qa-card-n">[{esc(citation.get("n"))}]</span> '
            f'<span class="qa-card-title">{esc(citation.get("title", ""))}</span>{label}</summary>'
            f"{body}{doc}</details>")


def answer_text_html(text: str) -> str:
    """Answer text escaped, [n] markers set apart, line breaks kept."""
    escaped = esc(text)
    marked = _MARKER.sub(r'<sup class="qa-ref">[\1]</sup>', escaped)
    return marked.replace("\n", "<br>")


def copy_text(answer: dict) -> str:
    """What the copy button puts on the clipboard: the answer, then its sources as plain lines."""
    lines = [answer.get("answer", "")]
    cites = answer.get("citations") or []
    if cites:
        lines.append("来源：")
        for c in cites:
            number = f" 序号{c.get('number')}" if c.get("number") is not None else ""
            lines.append(f"[{c.get('n')}] {c.get('title', '')}{number}")
    return "\n".join(lines)


def render_answer(answer: dict, lookup: RecordLookup) -> str:
    """An answer bubble: text with [n] markers, a copy button, and its source cards."""
    abstained = bool(answer.get("abstained"))
    badge = f'<span class="qa-badge">{NOT_FOUND_BADGE}</span>' if abstained else ""
    drawn = [render_card(c, lookup(c.get("record_id", "")), open_=(i == 0))
             for i, c in enumerate(answer.get("citations") or [])]
    cards = "".join(drawn[:SHOWN_CARDS])
    if len(drawn) > SHOWN_CARDS:  # a whole list: the first ones, the rest one click away
        cards += (f'<details class="qa-more"><summary>显示全部（共{len(drawn)}条）</summary>'
                  f'{"".join(drawn[SHOWN_CARDS:])}</details>')
    sources = f'<div class="qa-sources"><div class="qa-sources-head">来源</div>{cards}</div>' if cards else ""
    classes = "qa-answer qa-abstain" if abstained else "qa-answer"
    return (f'<div class="{classes}">{badge}<div class="qa-answer-text">{answer_text_html(answer.get("answer", ""))}'
            f'</div><button type="button" class="qa-copy" data-copy="{esc(copy_text(answer))}" '
            f'title="复制回答和来源">复制</button>{feedback_html(answer)}{sources}</div>')


def render_turn(turn: dict, lookup: RecordLookup) -> str:
    """One exchange: the question as text, then the answer, a notice, or a waiting line."""
    question = turn.get("question") or ""
    user = (f'<div class="qa-user"><div class="qa-user-text">{esc(question)}</div></div>'
            if question.strip() else "")
    if turn.get("answer") is not None:
        reply = render_answer(turn["answer"], lookup)
    elif turn.get("notice"):
        reply = f'<div class="qa-answer qa-notice">{esc(turn["notice"])}</div>'
    else:
        reply = '<div class="qa-answer qa-pending">正在查找…</div>'
    return f'<div class="qa-turn">{user}{reply}</div>'


def render_conversation(turns: Sequence[dict], lookup: RecordLookup, placeholder: str = "") -> str:
    """The whole chat log; an empty chat shows the placeholder."""
    if not turns:
        return f'<div class="qa-log qa-empty"><p class="qa-placeholder">{esc(placeholder)}</p></div>'
    body = "".join(render_turn(t, lookup) for t in turns)
    return f'<div class="qa-log" role="log" aria-live="polite">{body}</div>'
