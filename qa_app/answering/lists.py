"""Lists, counts and comparisons: every record meeting the question's conditions, never a top-k.

A comparison ("2021年一季度几条，2023年三季度呢？") runs the same conditions once per scope it names,
and says both figures, each with its period. A list about a name that no record holds is not "0项":
it says the documents do not have it.
"""

from __future__ import annotations

import re

from qa_app.answering import compose as c
from qa_app.answering import cues, listing
from qa_app.answering.selection import Knowledge, matching_records, required_kind
from qa_app.answering.understanding import Question
from qa_app.profile import find_period, period_in
from qa_app.records import Record

_LABELS = {"leader": "分管市领导", "unit": "单位", "section": "部分", "deadline": "完成时限"}
_MISSING_LABELS = {"lead_units": "牵头单位", "participating_units": "参与单位", "units": "责任单位",
                   "deadline": "完成时限", "leaders": "市领导"}
_KIND_WORDS = {"task": "任务中", "target": "推进情况表中"}
_YEAR_MENTION = re.compile(r"(20\d\d)年?")
_PERIOD_REACH = 5  # 第三季度 / 上半年 right after the year (not a period named further on)


def answer_list(knowledge: Knowledge, q: Question) -> c.Reply:
    """A list or count over every matching record, or one per compared scope."""
    scopes = compared_scopes(q, knowledge)
    if len(scopes) > 1:
        parts = [(f"{s.year}年{s.period or ''}", scope_words(s, knowledge), matching_records(knowledge, s))
                 for s in scopes]
        return listing.compose_comparison(parts)
    records = matching_records(knowledge, q)
    if not records:
        unknown = _unknown_wording(q, knowledge)
        if unknown:
            return c.compose_abstain(f"“{unknown}”的相关条目")
    scope = scope_words(q, knowledge)
    if q.intent == "count":
        return listing.compose_count(records, scope)
    return listing.compose_list(records, scope, counted=whole_scope(q))


def whole_scope(q: Question) -> bool:
    """A list whose only condition is a scope (year, period, document, section): "所有目标"."""
    return not any(len(k) >= 2 for k in q.keywords) and not (
        q.leaders or q.units or q.deadline or q.on_schedule or q.missing or q.any_of or q.min_leaders)


def compared_scopes(q: Question, knowledge: Knowledge) -> list[Question]:
    """One question per (year, period) the question names in turn, when it names two or more."""
    seen: list[tuple[int, str | None]] = []
    for match in _YEAR_MENTION.finditer(q.flat):
        year = int(match.group(1))
        named = find_period(q.flat[match.end():match.end() + _PERIOD_REACH])  # the period written right after
        period = period_in(named, knowledge.vocab.periods) if named else None
        if (year, period) not in seen:
            seen.append((year, period))
    if len(seen) < 2:
        return []
    return [q.with_(year=year, period=period, kind=q.kind or "target") for year, period in seen]


def scope_words(q: Question, knowledge: Knowledge) -> str:
    """The filters in words, opening a list or count reply: 2021年一季度推进情况表中单位为X的."""
    where = f"{q.year or ''}{'年' if q.year else ''}{q.period or ''}"
    where += _KIND_WORDS.get(required_kind(q) or "", "文件中")
    conditions = []
    for name, value in q.reported_filters(knowledge.vocab).items():
        if name in _LABELS:
            conditions.append(f"{_LABELS[name]}为{value if isinstance(value, str) else '、'.join(value)}")
    if q.missing:
        conditions.append(f"未写明{_MISSING_LABELS.get(q.missing, q.missing)}")
    if q.on_schedule:
        conditions.append("已按计划推进" if q.on_schedule == "是" else "未标明按计划推进")
    if q.min_leaders:
        conditions.append(f"有{q.min_leaders}位以上市领导分管")
    if q.any_of:
        conditions.append("写有" + "或".join(f"“{w}”" for w in q.any_of))
    return where + ("、".join(conditions) + "的" if conditions else "")


def _unknown_wording(q: Question, knowledge: Knowledge) -> str | None:
    """A word of the question that looks like a name (a unit, a place) and that no record holds."""
    for word in q.keywords:
        if len(word) >= 3 and cues.NAME_SUFFIX.search(word) and not _held(word, knowledge.flat_text, knowledge.records):
            return word
    return None


def _held(word: str, texts: tuple[str, ...], records: tuple[Record, ...]) -> bool:
    return any(word in t for t in texts) or any(word in u for r in records for u in r.units)
