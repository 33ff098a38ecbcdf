"""The admin's 问答记录 and 检索测试, next to the upload panel and behind the same admin token.

问答记录: questions per day with the share answered 文件中未找到 and the share rated 👎, the most
frequent unanswered questions (near-duplicates grouped by the bundled embedder), the 👎 answers with
their comments, and the whole log as CSV. 检索测试: one query and optional filters → the lexical leg,
the dense leg and the fused list side by side, and the answerer's plan (`qa search --explain --json`).
Like the upload panel, every handler checks the token again on the server.
"""

from __future__ import annotations

import functools
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import gradio as gr

from qa_app.errors import BadQuestion, QAError
from qa_app.explain import explain
from qa_app.feedback import Query
from qa_app.feedback.report import csv_text, per_day, rated_down, totals, unanswered_groups, write_atomic
from qa_app.retrieval import Filters
from qa_app.web.admin import WRONG_TOKEN, token_ok
from qa_app.web.render import esc
from qa_app.web.service import ChatService

PAGE_DAYS = 90  # the page's figures cover this many days; the CSV holds the whole log
SHOWN = 30  # rows of each list on the page
EMBED_LIMIT = 2000  # distinct unanswered questions grouped (the most recent ones)


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _table(head: tuple[str, ...], rows: list[tuple], elem: str) -> str:
    if not rows:
        return f'<p class="qa-logs-empty" id="{elem}">（暂无）</p>'
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="qa-logs" id="{elem}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'


def log_report_html(service: ChatService) -> str:
    """The 问答记录 page: figures, unanswered questions grouped, 👎 answers with comments."""
    if not service.log.enabled:
        return "<p>本服务未开启问答记录（QA_LOG=off）。</p>"
    since = (datetime.now() - timedelta(days=PAGE_DAYS)).strftime("%Y-%m-%d")
    entries = service.log.entries(Query(since=since))
    whole = totals(entries)
    head = (f'<p class="qa-logs-totals">近 {PAGE_DAYS} 天共 <b>{whole["questions"]}</b> 个提问；'
            f'文件中未找到 <b>{_pct(whole["abstained_share"])}</b>（{whole["abstained"]} 个）；'
            f'点踩 <b>{_pct(whole["rated_down_share"])}</b>（{whole["rated_down"]} 个），点赞 {whole["rated_up"]} 个。'
            f'{"" if not service.log.errors else f" 写入失败 {service.log.errors} 次（见服务日志）。"}'
            f"记录文件：{esc(service.log.path)}</p>")
    days = [(d.day, d.questions, _pct(d.to_dict()["abstained_share"]), _pct(d.to_dict()["rated_down_share"]))
            for d in per_day(entries)[:SHOWN]]
    unanswered = [e for e in entries if e.abstained][-EMBED_LIMIT * 2:]
    groups = unanswered_groups(unanswered, _embedder(service), limit=SHOWN)
    down = [(e.time[:16].replace("T", " "), e.question, e.short or "（文件中未找到）", e.comment or "")
            for e in rated_down(entries)[:SHOWN]]
    return (head + "<h4>每天</h4>" + _table(("日期", "提问", "未找到", "点踩"), days, "qa-logs-days")
            + "<h4>最常见的未答出问题（相近问法合并）</h4>"
            + _table(("问题", "次数", "相近问法"), [(g.question, g.count, "；".join(g.variants[1:]))
                                                 for g in groups], "qa-logs-unanswered")
            + "<h4>点踩的回答</h4>" + _table(("时间", "问题", "回答", "更正或意见"), down, "qa-logs-down"))


def _embedder(service: ChatService):
    try:
        return service.embedder.embed_queries
    except (AttributeError, QAError):
        return None


def csv_file(service: ChatService) -> str | None:
    """The whole log as a CSV in a fresh file (Gradio serves it from its cache)."""
    entries = service.log.entries()
    if not entries:
        return None
    folder = Path(tempfile.mkdtemp(dir=_csv_root()))
    return str(write_atomic(folder / f"问答记录-{time.strftime('%Y%m%d-%H%M')}.csv", csv_text(entries)))


@functools.cache
def _csv_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="qa-log-export-"))


def _column(title: str, rows: list[dict]) -> str:
    body = "".join(f'<tr data-record-id="{esc(r["record_id"])}"><td>{esc(r["rank"])}</td><td>{r["score"]:.4f}</td>'
                   f'<td class="qa-hit-id">{esc(r["record_id"])}</td><td>{esc(r["content"])}</td></tr>' for r in rows)
    return (f'<div class="qa-hit-col"><h4>{esc(title)}</h4><table class="qa-logs"><thead><tr><th>名次</th><th>分数</th>'
            f"<th>记录</th><th>内容</th></tr></thead><tbody>{body}</tbody></table></div>")


def explain_html(result: dict) -> str:
    """The three lists side by side and the plan."""
    answer = result["answer"]
    said = "文件中未找到" if answer["abstained"] else answer["short"]
    plan = answer["plan"].get("text") or ""
    scope = result["scope"]
    within = f"；在问题条件选出的 {scope['within']} 条记录内检索" if scope["within"] else ""
    filters = "、".join(f"{k}={v}" for k, v in scope["filters"].items()) or "无"
    return (f'<div class="qa-hit-plan" id="qa-hit-plan"><b>回答：</b>{esc(said)}<br><b>理解：</b>{esc(plan)}<br>'
            f"<b>检索范围：</b>筛选 {esc(filters)}{esc(within)}</div>"
            f'<div class="qa-hit-cols" id="qa-hit-cols">{_column("关键词检索（BM25）", result["lexical"])}'
            f'{_column("向量检索", result["dense"])}{_column("融合结果（qa search）", result["fused"])}</div>')


def run_explain(service: ChatService, given: str, expected: str, query: str, year: str, kind: str, unit: str,
                leader: str, doc: str, k: float) -> str:
    if not token_ok(given, expected):
        return f"<p>{esc(WRONG_TOKEN)}</p>"
    if not (query or "").strip():
        return "<p>请输入检索词或问题。</p>"
    filters = Filters(year=int(year) if year and str(year).isdigit() else None, kind=kind or None,
                      unit=(unit or "").strip() or None, leader=(leader or "").strip() or None, doc=doc or None)
    try:
        return explain_html(explain(service.engine, query.strip()[:500], k=int(k or 10), filters=filters))
    except (BadQuestion, QAError) as exc:
        return f"<p>{esc(exc)}</p>"


def build_log_panel(service: ChatService, expected: str) -> None:
    """The accordion with its own token field (the upload panel's token): 问答记录 and 检索测试."""
    with gr.Accordion("问答记录与检索测试（管理员）", open=False, elem_id="qa-logs-admin"):
        given = gr.Textbox(label="管理口令", type="password", elem_id="qa-logs-token")
        enter = gr.Button("查看问答记录", size="sm", elem_id="qa-logs-enter")
        status = gr.Markdown(elem_id="qa-logs-status")
        with gr.Column(visible=False, elem_id="qa-logs-panel") as panel, gr.Tabs():
            with gr.Tab("问答记录", id="logs"):
                refresh = gr.Button("刷新", size="sm", elem_id="qa-logs-refresh")
                report = gr.HTML(elem_id="qa-logs-report")
                download = gr.DownloadButton("导出全部问答记录（CSV）", size="sm", elem_id="qa-logs-csv")
            with gr.Tab("检索测试", id="hits"):
                years, docs = service.filter_choices()
                query = gr.Textbox(label="检索词或问题", elem_id="qa-hit-query")
                with gr.Row():
                    year = gr.Dropdown(years, value="", label="年份", elem_id="qa-hit-year")
                    kind = gr.Dropdown([("全部类别", ""), ("推进情况表", "target"), ("任务通知", "task")], value="",
                                       label="类别", elem_id="qa-hit-kind")
                    unit = gr.Textbox(label="单位", elem_id="qa-hit-unit")
                    leader = gr.Textbox(label="市政府领导", elem_id="qa-hit-leader")
                    doc = gr.Dropdown(docs, value="", label="文件", elem_id="qa-hit-doc")
                    k = gr.Slider(1, 30, value=10, step=1, label="条数", elem_id="qa-hit-k")
                search = gr.Button("检索", variant="primary", elem_id="qa-hit-run")
                hits = gr.HTML(elem_id="qa-hit-result")

    def show(token):
        if not token_ok(token, expected):
            return gr.update(visible=False), WRONG_TOKEN, "", gr.update(value=None)
        return gr.update(visible=True), "", log_report_html(service), gr.update(value=csv_file(service))

    private = {"api_visibility": "private"}
    for trigger in (enter.click, given.submit, refresh.click):
        trigger(show, [given], [panel, status, report, download], **private)
    for trigger in (search.click, query.submit):
        trigger(lambda *values: run_explain(service, values[0], expected, *values[1:]),
                [given, query, year, kind, unit, leader, doc, k], [hits], **private)
