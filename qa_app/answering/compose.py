"""Composing replies (pure): cited records and the chosen clauses → `short`, `answer`, citations.

Every sentence is built from record fields, so every figure in a reply is one of the cited
records'; `[n]` markers point at `citations[n-1]`. Targets and tasks, and the two years, are
always named apart ("2023年三季度推进情况表第97项", a notice by its own name: "某某区2023年重点工作任务
第33项", its word before the year in short answers: "某某区任务").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa_app.answering.figures import Clause, clip, focus, summary
from qa_app.answering.matching import split_clauses
from qa_app.profile import document_name, notice_word, record_place
from qa_app.records import Citation, Record
from qa_app.text import tidy

SHORT_LIMIT = 100
LIST_LIMIT = 300
NOT_FOUND = "文件中未找到"


@dataclass(frozen=True)
class Reply:
    """The text part of an Answer, before the question and filters are attached."""

    short: str
    answer: str
    records: tuple[Record, ...] = ()
    scores: tuple[float, ...] = ()
    abstained: bool = False


def citations(reply: Reply) -> tuple[Citation, ...]:
    scores = reply.scores or (1.0,) * len(reply.records)
    return tuple(Citation(n, r.id, r.doc, r.title, r.number, r.text, float(s), r.page)
                 for n, (r, s) in enumerate(zip(reply.records, scores, strict=True), 1))


def source_label(record: Record) -> str:
    """Where a record comes from, in words: which document and which row or task number."""
    name = document_name(record.title) if record.kind == "task" else \
        f"{record.year or ''}年{record.period}推进情况表"
    place = record_place(record)
    page = f"（第{record.page}页）" if record.page else ""
    return f"{'' if not place or name.startswith(place) else place}{name}第{record.number}项{page}"


def topic(record: Record, limit: int = 40) -> str:
    """A record's subject: a task's heading sentence, or a target's first clause."""
    first = record.content.split("。")[0] if record.kind == "task" else (split_clauses(record.content) or [""])[0]
    return clip(tidy(first), limit)


def quoted(text: str) -> str:
    """A subject in quotation marks; 「」 when it already holds “”."""
    return f"「{text}」" if "“" in text else f"“{text}”"


def join_names(names: Sequence[str]) -> str:
    return "、".join(names) if names else "（未写明）"


def _names_by_duty(record: Record) -> bool:
    """A notice that names 责任单位 rather than a lead (the lead is then only its first unit)."""
    return record.unit_label in ("责任单位", "责任部门")


def unit_phrase(record: Record) -> str:
    """Who is responsible, as the record words it: task lead/participants, or target units."""
    if record.kind == "task" and _names_by_duty(record):
        return f"{record.unit_label}为{join_names(record.units)}"
    if record.kind == "task":
        if not record.lead_units:
            return "未写明牵头单位"
        text = f"由{join_names(record.lead_units)}牵头"
        if record.participating_units:
            text += f"，参与单位为{join_names(record.participating_units)}"
        return text
    return f"责任单位是{join_names(record.units)}"


def unit_short(record: Record) -> str:
    if record.kind == "task" and _names_by_duty(record):
        return join_names(record.units)
    if record.kind == "task":
        short = f"牵头：{join_names(record.lead_units)}"
        if record.participating_units:
            short += f"；参与：{join_names(record.participating_units)}"
        return short
    return join_names(record.units)


def compose_units(records: Sequence[Record], scores: Sequence[float]) -> Reply:
    """Responsible units; a second record (the other document or year) is said apart."""
    parts = [f"{source_label(r)}{quoted(topic(r))}{unit_phrase(r)}[{n}]" for n, r in enumerate(records, 1)]
    shorts = [unit_short(r) for r in records]
    if len(records) > 1:
        shorts = [f"{_where(r)}：{s}" for r, s in zip(records, shorts, strict=True)]
    return Reply(clip("；".join(shorts), SHORT_LIMIT), "；".join(parts) + "。", tuple(records), tuple(scores))


def compose_role(record: Record, score: float, role: str) -> Reply:
    """Lead or participating units of a task."""
    if role == "lead" and (_names_by_duty(record) or (record.kind != "task" and not record.lead_units)):
        return compose_units([record], [score])  # a table names 责任单位 only: they are who leads it
    names = record.lead_units if role == "lead" else record.participating_units
    word = (record.unit_label or "牵头单位") if role == "lead" else "参与单位"
    if not names:
        text = f"{source_label(record)}{quoted(topic(record))}未写明{word}[1]。"
        return Reply(f"未写明{word}", text, (record,), (score,), abstained=True)  # found the record, not the field
    text = f"{source_label(record)}{quoted(topic(record))}{unit_phrase(record)}[1]。"
    return Reply(clip(join_names(names), SHORT_LIMIT), text, (record,), (score,))


def compose_field(records: Sequence[Record], scores: Sequence[float], field: str) -> Reply:
    """A leader or a deadline, for one record or two kept apart."""
    word = {"leaders": "分管市领导", "deadline": "完成时限"}[field]
    values = [join_names(r.leaders) if field == "leaders" else (r.deadline or "未写明") for r in records]
    parts = [f"{source_label(r)}{quoted(topic(r))}的{word}是{v}[{n}]"
             for n, (r, v) in enumerate(zip(records, values, strict=True), 1)]
    short = values[0] if len(set(values)) == 1 else "；".join(
        f"{_where(r)}：{v}" for r, v in zip(records, values, strict=True))
    return Reply(clip(short, SHORT_LIMIT), "；".join(parts) + "。", tuple(records), tuple(scores))


def compose_status(record: Record, score: float, figure: Clause | None) -> Reply:
    """Whether a target is on schedule, with the figure asked for or a short progress summary."""
    value = record.on_schedule
    verdict = "是，按计划推进" if value == "是" else f"表中未标明已按计划推进（填写为“{value or '空'}”）"
    room = SHORT_LIMIT - len(verdict) - 1
    support = focus(tidy(figure.text), room, figure.hints) if figure else summary(record.progress, room)
    short = f"{verdict}；{tidy(support)}" if support else verdict
    text = (f"{source_label(record)}{quoted(topic(record))}的“是否完成计划进度”为“{value or '空'}”[1]。"
            f"进展：{tidy(record.progress) or '未填写'}[1]。")
    return Reply(clip(short, SHORT_LIMIT), text, (record,), (score,))


def compose_figures(clauses: Sequence[Clause], score_of: Mapping[str, float]) -> Reply:
    """Figures quoted as written, one clause per sub-question; records in both documents kept apart."""
    records = tuple(dict.fromkeys(c.record for c in clauses))
    many = len(records) > 1
    limit = LIST_LIMIT if many else SHORT_LIMIT
    budget = max(limit // max(len(clauses), 1) - 12, 20)
    shorts, parts = [], []
    for clause in clauses:
        n = records.index(clause.record) + 1
        said = tidy(clause.text)
        brief = focus(said, budget, clause.hints)
        shorts.append(f"{_where(clause.record)}：{brief}" if many else brief)
        field = "要求" if clause.field == "content" else "进展"
        parts.append(f"{source_label(clause.record)}{quoted(topic(clause.record))}{field}：{said}[{n}]")
    short = "；".join(dict.fromkeys(shorts))
    return Reply(clip(short, limit), "；".join(dict.fromkeys(parts)) + "。", records,
                 tuple(score_of.get(r.id, 0.0) for r in records))


def with_clauses(reply: Reply, clauses: Sequence[Clause]) -> Reply:
    """A field reply (units, leader, deadline) followed by the figures also asked, from its record [1]."""
    briefs = [focus(tidy(x.text), 40, x.hints) for x in clauses]
    said = "；".join(f"{'要求' if x.field == 'content' else '进展'}：{tidy(x.text)}[1]" for x in clauses)
    short = clip(f"{reply.short}；{'；'.join(briefs)}", SHORT_LIMIT)
    return Reply(short, f"{reply.answer}{said}。", reply.records, reply.scores, reply.abstained)


def compose_content(record: Record, score: float) -> Reply:
    """What a task or target requires, as worded."""
    text = f"{source_label(record)}{quoted(topic(record))}的内容：{tidy(record.content)}[1]。"
    return Reply(clip(tidy(record.content), SHORT_LIMIT), text, (record,), (score,))


def compose_extra(record: Record, score: float, header: str, value: str) -> Reply:
    """A column of the document's own (备注, 情况说明), under its header as the document wrote it."""
    text = f"{source_label(record)}{quoted(topic(record))}的{header}：{tidy(value)}[1]。"
    return Reply(clip(tidy(value), SHORT_LIMIT), text, (record,), (score,))


def compose_progress(record: Record, score: float) -> Reply:
    progress = tidy(record.progress)
    if not progress:
        return compose_content(record, score)
    text = f"{source_label(record)}{quoted(topic(record))}的进展：{progress}[1]。"
    return Reply(clip(summary(progress, SHORT_LIMIT), SHORT_LIMIT), text, (record,), (score,))


def compose_general(records: Sequence[Record], scores: Sequence[float]) -> Reply:
    """Everything the best record (and its counterpart in the other document or year) says."""
    parts, shorts = [], []
    for n, record in enumerate(records, 1):
        fields = [f"内容：{tidy(record.content).rstrip('。')}"]
        if record.kind == "target":
            fields += [f"分管市领导：{join_names(record.leaders)}", f"完成时限：{record.deadline or '未写明'}",
                       f"责任单位：{join_names(record.units)}"]
        else:
            fields.append(unit_phrase(record))
        parts.append(f"{source_label(record)}[{n}]：" + "；".join(fields) + "。")
        short = f"{topic(record)}（{unit_short(record)}）"
        shorts.append(f"{_where(record)}：{short}" if len(records) > 1 else short)
    return Reply(clip("；".join(shorts), SHORT_LIMIT), "".join(parts), tuple(records), tuple(scores))


def compose_abstain(reason: str, nearest: Sequence[Record] = (), scores: Sequence[float] = ()) -> Reply:
    """"Not in the documents", naming at most a few nearby records as possibly related."""
    text = f"{NOT_FOUND}{reason}。"
    if nearest:
        related = "；".join(f"{source_label(r)}{quoted(topic(r))}[{n}]" for n, r in enumerate(nearest, 1))
        text += f"可能相关的条目（仅供参考，并非答案）：{related}。"
    return Reply("", text, tuple(nearest), tuple(scores), abstained=True)


def _where(record: Record) -> str:
    return f"{notice_word(record.title)}任务" if record.kind == "task" else f"{record.year}年{record.period}表"
