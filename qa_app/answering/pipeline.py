"""answer_question: validate, understand, resolve follow-ups, choose records, compose a cited reply.

No LLM: the reply is built from the chosen records' fields. When the question's year, period or
place is not in the documents, or no record covers enough of its wording, the reply says the
documents do not contain it (abstained) and at most names the nearest records as possibly related.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_app.answering import compose as c
from qa_app.answering.conversation import resolve
from qa_app.answering.figures import Clause, best_clause
from qa_app.answering.matching import terms
from qa_app.answering.selection import (
    RETRIEVAL_DEPTH,
    Candidate,
    Knowledge,
    KnowledgeCache,
    matching_records,
    prefer_main,
    rank,
    required_kind,
    word_coverage,
)
from qa_app.answering.understanding import Question, understand
from qa_app.errors import BadQuestion
from qa_app.records import Answer
from qa_app.retrieval import Filters

MAX_QUESTION_CHARS = 500
MIN_COVERAGE = 0.3
SINGLE_TERM_COVERAGE = 0.6
MIN_WORD_COVERAGE = 0.3
MIN_BOTH_COVERAGE = 0.85
COMPANION_MIN = 0.5
FOLLOWUP_COVERAGE = 0.6
SETTLED_COVERAGE = 0.85
SETTLED_MARGIN = 0.3
FOLLOWUP_RATIO = 0.7
COMPANION_RATIO = 0.7
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]")
_CACHE = KnowledgeCache()


def answer_question(retriever, question: str, history: Sequence | None = None, mode: str = "hybrid",
                    cache: KnowledgeCache = _CACHE) -> Answer:
    """Answer one question over `retriever.records`, using `retriever.search` for paraphrases."""
    text = validate(question)
    knowledge = cache.get(retriever.records)
    understood = resolve(understand(text, knowledge.vocab), history, knowledge.vocab,
                         covers=lambda q, ids: previous_covers(knowledge, q, ids))
    reply, intent = respond(retriever, knowledge, understood, mode)
    return Answer(question=text, short=reply.short, answer=reply.answer, citations=c.citations(reply),
                  abstained=reply.abstained, intent=intent, filters=_filters(understood, knowledge))


def previous_covers(knowledge: Knowledge, q: Question, record_ids: tuple[str, ...]) -> bool:
    """Whether the previous answer's records hold this question's words well, and as well as any
    other record does (then a short question is about them: "同比增长多少？")."""
    query_terms = terms(" ".join(q.keywords))
    if not query_terms:
        return False
    wanted = set(record_ids)
    best_previous = best_other = 0.0
    for row, record in enumerate(knowledge.records):
        coverage = knowledge.lexical.coverage(query_terms, row)
        if record.id in wanted:
            best_previous = max(best_previous, coverage)
        else:
            best_other = max(best_other, coverage)
    return best_previous >= FOLLOWUP_COVERAGE and best_previous >= FOLLOWUP_RATIO * best_other


def validate(question) -> str:
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion("问题为空，请输入要查询的内容。")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"问题过长（{len(question)}字），请控制在{MAX_QUESTION_CHARS}字以内。")
    return question.strip()


def _filters(question: Question, knowledge: Knowledge) -> dict:
    out = question.filters(knowledge.vocab)
    if question.intent not in ("list", "count"):
        for name in ("deadline", "on_schedule", "missing", "role", "section"):
            out.pop(name, None)
    return out


def respond(retriever, knowledge: Knowledge, q: Question, mode: str) -> tuple[c.Reply, str]:
    """The reply and the intent it answered."""
    if q.absent:
        return c.compose_abstain(f"关于“{q.absent}”的内容（文件只含{_held(knowledge)}）"), q.intent
    if not _MEANINGFUL.search(q.flat) or not (q.keywords or q.leaders or q.units or q.record_ids
                                               or q.number is not None or q.intent in ("list", "count")):
        return c.compose_abstain("与此相关的内容：没能理解这个问题，请说明要查询的目标、任务或单位，"
                                 "例如“雄商高铁菏泽段工程的责任单位是哪个？”"), q.intent
    if q.intent in ("list", "count"):
        return _list(knowledge, q), q.intent
    if q.intent == "cross_doc":
        return _cross_doc(retriever, knowledge, q, mode), q.intent
    candidates = _candidates(retriever, knowledge, q, required_kind(q), mode)
    if q.number is not None and len(candidates) > 1 and too_weak(candidates[0], knowledge, q):
        return c.compose_abstain(f"唯一的第{q.number}项（多个文件都有，请说明年份或文件）",
                                 [x.record for x in candidates[:3]], [x.score for x in candidates[:3]]), q.intent
    if not candidates or (too_weak(candidates[0], knowledge, q) and q.number is None):
        return _not_found(candidates), q.intent
    return _single(knowledge, q, candidates), q.intent


def too_weak(candidate: Candidate, knowledge: Knowledge, q: Question) -> bool:
    """Too little of the question in the best record to call it the answer: under 30% of the bigram
    weight; a single shared bigram (天气 in 极端天气) unless it is most of the question; or too few of
    the question's whole words (足球场建设 has 市场建设's bigrams but not its 足球场)."""
    if candidate.coverage < MIN_COVERAGE:
        return True
    if candidate.matched < 2 and candidate.coverage < SINGLE_TERM_COVERAGE:
        return True
    row = knowledge.records.index(candidate.record)
    words = word_coverage(knowledge, q.keywords, row)
    return words is not None and (words < MIN_WORD_COVERAGE or candidate.coverage + words < MIN_BOTH_COVERAGE)


def _held(knowledge: Knowledge) -> str:
    years = "、".join(f"{y}年" for y in knowledge.vocab.years)
    return f"{years}的材料"


def _candidates(retriever, knowledge: Knowledge, q: Question, kind: str | None, mode: str) -> list[Candidate]:
    """Records in scope, best first. The retriever (which knows paraphrases) is asked only when the
    wording alone does not settle it: the best record must hold nearly all of the question's words
    and lead the next one clearly; otherwise its ranks are folded in."""
    if q.record_ids:
        candidates = rank(knowledge, q, (), kind)
        if candidates:
            return candidates
        q = q.with_(record_ids=())
    candidates = rank(knowledge, q, (), kind)
    if _settled(candidates):
        return candidates
    hits = retriever.search(q.search_text, k=RETRIEVAL_DEPTH,
                            filters=Filters(year=q.year, period=q.period, kind=kind), mode=mode)
    return rank(knowledge, q, hits, kind)


def _settled(candidates: list[Candidate]) -> bool:
    if not candidates or candidates[0].coverage < SETTLED_COVERAGE:
        return False
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return candidates[0].score - runner_up >= SETTLED_MARGIN


def _not_found(candidates: list[Candidate]) -> c.Reply:
    nearest = [x for x in candidates[:3] if x.coverage > 0]
    return c.compose_abstain("与该问题直接相关的内容", [x.record for x in nearest], [x.score for x in nearest])


def _single(knowledge: Knowledge, q: Question, candidates: list[Candidate]) -> c.Reply:
    if q.intent in ("unit", "leader", "deadline", "status", "lead_unit", "participants"):
        candidates = prefer_main(candidates)
    best = candidates[0]
    record, score = best.record, best.score
    if q.intent == "unit":
        chosen = _with_companion(candidates, q, lambda r: bool(r.units))
        return c.compose_units([x.record for x in chosen], [x.score for x in chosen])
    if q.intent == "lead_unit":
        if "参与" in q.flat:
            return c.compose_units([record], [score])
        return c.compose_role(record, score, "lead")
    if q.intent == "participants":
        return c.compose_role(record, score, "participating")
    if q.intent in ("leader", "deadline"):
        field = "leaders" if q.intent == "leader" else "deadline"
        chosen = _with_companion(candidates, q, lambda r: bool(getattr(r, field)))
        return c.compose_field([x.record for x in chosen], [x.score for x in chosen], field)
    figure_asks = [a for a in q.asks if a.wants_figure]
    if q.intent == "status":
        clause = best_clause(record, figure_asks[0], q.keywords, knowledge.vocab, knowledge.lexical) \
            if figure_asks else None
        return c.compose_status(record, score, clause)
    if q.intent in ("progress", "task_content") and figure_asks:
        return c.compose_figures(_clauses(knowledge, q, record, figure_asks), {record.id: score})
    if q.intent == "progress":
        return c.compose_progress(record, score)
    if q.intent == "task_content":
        return c.compose_content(record, score)
    chosen = _with_companion(candidates, q, lambda r: True)
    return c.compose_general([x.record for x in chosen], [x.score for x in chosen])


def _clauses(knowledge: Knowledge, q: Question, record, asks) -> list[Clause]:
    """One clause per sub-question; a second sub-question does not repeat the first's clause."""
    out: list[Clause] = []
    for ask in asks:
        clause = best_clause(record, ask, q.keywords, knowledge.vocab, knowledge.lexical,
                             exclude=tuple(x.text for x in out))
        if clause:
            out.append(clause)
    return out


def _with_companion(candidates: list[Candidate], q: Question, has_field) -> list[Candidate]:
    """The best record, plus the same subject in the other document or year when it is there too."""
    best = candidates[0]
    floor = MIN_COVERAGE if q.cross else max(COMPANION_MIN, COMPANION_RATIO * best.coverage)
    for other in candidates[1:RETRIEVAL_DEPTH]:
        if other.coverage < floor or not has_field(other.record):
            continue
        other_doc = q.kind is None and other.record.kind != best.record.kind
        other_year = q.year is None and other.record.year != best.record.year
        if other_doc or other_year:
            return [best, other]
    return [best]


def _cross_doc(retriever, knowledge: Knowledge, q: Question, mode: str) -> c.Reply:
    """Each sub-question answered from the document it names, the two kept apart."""
    clauses: list[Clause] = []
    scores: dict[str, float] = {}
    for ask in q.asks:
        kind = ask.kind or q.kind
        scoped = q.with_(period=ask.period, year=ask.year or q.year)
        candidates = _candidates(retriever, knowledge, scoped, kind, mode)
        if not candidates or too_weak(candidates[0], knowledge, q):
            continue
        best = candidates[0]
        clause = best_clause(best.record, ask, q.keywords, knowledge.vocab, knowledge.lexical,
                             exclude=tuple(x.text for x in clauses))
        if clause:
            clauses.append(clause)
            scores[best.record.id] = best.score
    if not clauses:
        return _not_found(_candidates(retriever, knowledge, q, q.kind, mode))
    return c.compose_figures(clauses, scores)


def _list(knowledge: Knowledge, q: Question) -> c.Reply:
    records = matching_records(knowledge, q)
    scope = _scope_words(q, knowledge)
    return c.compose_count(records, scope) if q.intent == "count" else c.compose_list(records, scope)


def _scope_words(q: Question, knowledge: Knowledge) -> str:
    """The filters in words, opening a list or count reply: 2021年一季度推进情况表中单位为X的."""
    where = f"{q.year or ''}{'年' if q.year else ''}{q.period or ''}"
    where += {"task": "先行区重点工作任务中", "target": "推进情况表中"}.get(required_kind(q) or "", "文件中")
    conditions = []
    for name, value in _filters(q, knowledge).items():
        if name in _LABELS:
            conditions.append(f"{_LABELS[name]}为{value if isinstance(value, str) else '、'.join(value)}")
    if q.missing:
        conditions.append(f"未写明{_MISSING_LABELS.get(q.missing, q.missing)}")
    if q.on_schedule:
        conditions.append("已按计划推进" if q.on_schedule == "是" else "未标明按计划推进")
    return where + ("、".join(conditions) + "的" if conditions else "")


_LABELS = {"leader": "分管市领导", "unit": "单位", "section": "部分", "deadline": "完成时限"}
_MISSING_LABELS = {"lead_units": "牵头单位", "participating_units": "参与单位", "units": "责任单位",
                   "deadline": "完成时限", "leaders": "市领导"}
