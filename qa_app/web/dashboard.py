"""The 概览 tab: per document, bar charts by leader and by unit, the on-schedule share, and the
records behind any bar (pick a leader or a unit, or click its bar), downloadable as a table.

Figures come from `qa_app.overview`, the same as `qa overview` and the chat's overview answers.
Charts are Gradio's own BarPlot (drawn in the page, no outside request); the record list is HTML
escaped in `render.py`'s way.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
import pandas as pd

from qa_app import export
from qa_app.overview import Group, overview, records_of
from qa_app.records import Record
from qa_app.web.render import esc
from qa_app.web.service import ChatService

ALL = ""
KEEP_S = 3600  # how long an exported file is kept for its download


def group_choices(records) -> list[tuple[str, str]]:
    return [(f"{g.label}（{g.items}项）", str(i)) for i, g in enumerate(overview(records))]


def _group(service: ChatService, choice: str | None) -> tuple[list[Record], Group | None]:
    records = list(service.engine.records)
    groups = overview(records)
    index = int(choice) if choice and str(choice).isdigit() and int(choice) < len(groups) else 0
    return records, (groups[index] if groups else None)


def summary_html(group: Group | None) -> str:
    """Items, and the on-schedule share as the table writes it (是/否/…), as a bar."""
    if group is None:
        return '<div class="qa-ov-summary">尚未载入文件。</div>'
    parts = [f"<strong>{esc(group.label)}</strong>：共 <b>{group.items}</b> 项"]
    if group.on_schedule:
        done = group.on_schedule.get("是", 0)
        share = round(100 * done / group.items) if group.items else 0
        counts = "、".join(f"“{esc(k)}” {n} 项" for k, n in group.on_schedule.items())
        parts.append(f'是否按计划推进：{counts}（按计划 {share}%）'
                     f'<div class="qa-ov-share" role="img" aria-label="按计划 {share}%">'
                     f'<div style="width:{share}%"></div></div>')
    if group.by_deadline:
        parts.append("完成时限：" + "、".join(f"{esc(k)} {n} 项" for k, n in group.by_deadline.items()))
    return '<div class="qa-ov-summary">' + "<br>".join(parts) + "</div>"


def _bars(counts: dict[str, int], column: str):
    """A BarPlot's data, its axis from 0 (a bar of the smallest count stays visible)."""
    frame = pd.DataFrame({column: list(counts), "条目数": list(counts.values())})
    return gr.update(value=frame, y_lim=[0, max(counts.values(), default=1)])


def records_html(records: list[Record], what: str) -> str:
    """The chosen records as a table: 序号, subject, units, deadline, on schedule, source."""
    if not records:
        return f'<div class="qa-ov-records"><p>{esc(what)}：没有条目。</p></div>'
    rows = "".join(
        f'<tr data-record-id="{esc(r.id)}"><td>{esc(r.number)}</td><td>{esc(r.content)}</td>'
        f'<td>{esc("、".join(r.leaders))}</td><td>{esc("、".join(r.lead_units or r.units))}</td>'
        f'<td>{esc(r.deadline)}</td><td>{esc(r.on_schedule)}</td><td>{esc(r.doc)}</td></tr>' for r in records)
    head = "".join(f"<th>{h}</th>" for h in ("序号", "内容", "市政府领导", "单位", "完成时限", "是否按计划", "来源文件"))
    return (f'<div class="qa-ov-records"><p class="qa-ov-what">{esc(what)}：{len(records)} 项</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


def export_file(records: list[Record], stem: str) -> str | None:
    """The records as an .xlsx in a fresh folder under one temporary folder of this process (Gradio
    copies it into its own cache to serve it); folders older than KEEP_S are removed as we go."""
    if not records:
        return None
    root = _export_root()
    now = time.time()
    for old in root.iterdir():
        if now - old.stat().st_mtime > KEEP_S:
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(dir=root))
    return str(export.write(records, folder / f"{stem}-{len(records)}项.xlsx"))


@functools.cache
def _export_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="qa-export-"))


def build_overview_tab(service: ChatService):
    """The tab's components and events (inside a gr.Tab of the full page); what the page's load
    event needs to draw the first group: (dropdown, function, outputs)."""
    choices = group_choices(service.engine.records)
    group = gr.Dropdown(choices, value=choices[0][1] if choices else None, label="文件", elem_id="qa-ov-group")
    summary = gr.HTML(elem_id="qa-ov-summary")
    with gr.Row():
        by_leader = gr.BarPlot(x="分管市领导", y="条目数", label="按分管市领导", elem_id="qa-ov-leaders",
                               sort="-y", height=300)
        by_unit = gr.BarPlot(x="单位", y="条目数", label="按单位（前15个）", elem_id="qa-ov-units", sort="-y",
                             height=300, x_label_angle=-40)
    with gr.Row():
        leader = gr.Radio([], label="分管市领导（选一位，列出其条目）", elem_id="qa-ov-leader")
        unit = gr.Dropdown([], label="单位（选一个，列出其条目）", elem_id="qa-ov-unit")
    listing = gr.HTML(elem_id="qa-ov-list")
    download = gr.DownloadButton("下载这些条目（Excel）", visible=False, elem_id="qa-ov-download", size="sm")
    private = {"api_visibility": "private"}

    def show_group(choice):
        records, chosen = _group(service, choice)
        if chosen is None:
            return summary_html(None), None, None, gr.update(choices=[]), gr.update(choices=[]), "", gr.update()
        shown = records_of(records, chosen)
        return (summary_html(chosen), _bars(chosen.by_leader, "分管市领导"),
                _bars(dict(list(chosen.by_unit.items())[:15]), "单位"),
                gr.update(choices=list(chosen.by_leader), value=None, visible=bool(chosen.by_leader)),
                gr.update(choices=[ALL, *chosen.by_unit], value=None),
                records_html(shown, chosen.label), gr.update(value=export_file(shown, "全部"), visible=True))

    def pick(choice, leader_name, unit_name):
        records, chosen = _group(service, choice)
        if chosen is None:
            return "", gr.update(visible=False)
        shown = records_of(records, chosen, leader=leader_name or None, unit=unit_name or None)
        what = "、".join(x for x in (chosen.label, leader_name, unit_name) if x)
        return records_html(shown, what), gr.update(value=export_file(shown, leader_name or unit_name or "全部"),
                                                    visible=bool(shown))

    def from_bar(evt: gr.SelectData):
        """A bar chosen on the chart picks its leader or unit (one name, or the first of a range)."""
        value = evt.value[0] if isinstance(evt.value, list) and evt.value else evt.value
        return gr.update(value=value) if isinstance(value, str) and value else gr.update()

    outputs = [summary, by_leader, by_unit, leader, unit, listing, download]
    group.change(show_group, [group], outputs, **private)
    leader.change(lambda c, name: pick(c, name, None), [group, leader], [listing, download], **private)
    unit.change(lambda c, name: pick(c, None, name), [group, unit], [listing, download], **private)
    by_leader.select(from_bar, None, [leader], **private)
    by_unit.select(from_bar, None, [unit], **private)
    return group, show_group, outputs
