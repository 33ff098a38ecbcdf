"""Yes/no questions: 是 or 否 first, then the fact of the record that decides it.

Two kinds. A question naming a unit or a leader asks whether that name is in the record's column
("第38项是由市水务局牵头的吗？" → 否，由市生态环境局牵头). Any other asks whether the record says
so ("疾控中心扩建项目是不是都建成了？"): the clause that best matches the question decides, and a
clause that says the work is still under way (正在, 尚未) is a no.
"""

from __future__ import annotations

import re

from qa_app.answering import compose as c
from qa_app.answering.asks import make_ask
from qa_app.answering.figures import best_clause, focus
from qa_app.answering.matching import terms
from qa_app.answering.selection import Knowledge
from qa_app.answering.understanding import Question, unit_matches
from qa_app.records import Record
from qa_app.text import tidy

_UNDER_WAY = re.compile(r"正在|尚未|未能|还未|仍在|在建|推进中|加快推进|没有|未完成|暂未")
MIN_CLAUSE_SHARE = 0.3


def compose_verdict(knowledge: Knowledge, q: Question, record: Record, score: float) -> c.Reply:
    if q.units or q.leaders:
        return _name_verdict(q, record, score)
    return _fact_verdict(knowledge, q, record, score)


def _name_verdict(q: Question, record: Record, score: float) -> c.Reply:
    """Whether the named unit (in the column the question means) or leader is the record's."""
    if q.leaders:
        names, word = record.leaders, "分管市领导"
        inside = bool(set(q.leaders) & set(names))
    else:
        names, word = _column(record, q.role)
        inside = all(unit_matches(names, key) for key in q.units)
    verdict = "是" if inside else "否"
    fact = f"{c.source_label(record)}的{word}为{c.join_names(names)}"
    short = f"{verdict}，{word}为{c.join_names(names)}"
    text = f"{verdict}。{fact}[1]。"
    return c.Reply(c.clip(short, c.SHORT_LIMIT), text, (record,), (score,))


def _column(record: Record, role: str | None) -> tuple[tuple[str, ...], str]:
    if record.kind == "task" and role == "lead":
        return record.lead_units, "牵头单位"
    if record.kind == "task" and role == "participating":
        return record.participating_units, "参与单位"
    return record.units, "责任单位"


def _fact_verdict(knowledge: Knowledge, q: Question, record: Record, score: float) -> c.Reply:
    """The best clause decides: it must hold a fair share of the question's words, and not say the
    work is still under way."""
    ask = make_ask(q.text)
    clause = best_clause(record, ask, q.keywords, knowledge.vocab, knowledge.lexical)
    said = tidy(clause.text) if clause else ""
    asked = set(terms(" ".join(q.keywords)))
    share = len(asked & set(terms(said))) / len(asked) if asked else 0.0
    yes = bool(said) and share >= MIN_CLAUSE_SHARE and not _UNDER_WAY.search(said)
    verdict = "是" if yes else "否"
    support = focus(said, c.SHORT_LIMIT - 3) if said else "文件未写明"
    field = "要求" if clause and clause.field == "content" else "进展"
    text = (f"{verdict}。{c.source_label(record)}{c.quoted(c.topic(record))}{field}："
            f"{said or '未写明'}[1]。")
    return c.Reply(c.clip(f"{verdict}，{support}", c.SHORT_LIMIT), text, (record,), (score,))
