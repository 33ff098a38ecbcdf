"""answer_question: validate, understand, resolve follow-ups, then three decisions and a cited reply.

1. What is asked: `understand` (intent, scope, names, sub-questions), pure and testable alone.
2. Which records: every record meeting a list's filters (selection.py), or the subject of a single
   question, trusted on wording or on retrieval agreement (subject.py).
3. Is it there: names no record has, and measures or attributes the chosen record lacks, make an
   honest "文件中未找到…" that says what is missing and names the nearest records (presence.py).
No LLM: the reply is built from the chosen records' fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa_app.answering import compose as c
from qa_app.answering import verdicts
from qa_app.answering.aggregates import answer_exists, answer_group
from qa_app.answering.config import DEFAULT_CONFIG, AnswerConfig
from qa_app.answering.conversation import resolve
from qa_app.answering.figures import Clause, best_clause
from qa_app.answering.help import compose_help, is_social
from qa_app.answering.hops import answer_hop
from qa_app.answering.listing import LIST_CITED
from qa_app.answering.lists import answer_list
from qa_app.answering.matching import terms
from qa_app.answering.names import resolve_question
from qa_app.answering.numerals import digits_for_numerals
from qa_app.answering.overviews import answer_overview
from qa_app.answering.plan import Operation
from qa_app.answering.planning import plan_of
from qa_app.answering.presence import asked_extra, describe, missing_in_record, unknown_name
from qa_app.answering.ranking import prefer_main
from qa_app.answering.selection import (
    Candidate,
    Knowledge,
    KnowledgeCache,
    best_coverages,
    matching_records,
    required_kind,
)
from qa_app.answering.subject import Subject, find_subject, lexically_enough
from qa_app.answering.topics import with_topic_evidence
from qa_app.answering.two_asks import answer_asks
from qa_app.answering.understanding import Question, understand
from qa_app.records import Answer, parent_id
from qa_app.validation import validate_history, validate_question

_CACHE = KnowledgeCache()


def answer_question(retriever, question: str, history: Sequence | None = None, mode: str = "hybrid",
                    cache: KnowledgeCache = _CACHE, config: AnswerConfig = DEFAULT_CONFIG) -> Answer:
    """Answer one question over `retriever.records`, using `retriever.search_legs` for paraphrases."""
    text = validate_question(question)
    knowledge = cache.get(retriever.records)
    if is_social(text):
        reply = compose_help(knowledge.records, text)
        return Answer(question=text, short=reply.short, answer=reply.answer, intent="help")
    understood = resolve(understand(digits_for_numerals(text), knowledge.vocab), validate_history(history),
                         knowledge.vocab, covers=lambda q, ids: previous_covers(knowledge, q, ids, config))
    understood = with_names(understood, text, knowledge)
    reply = respond(retriever, knowledge, understood, mode, config)
    if reply.abstained and understood.relative_year and not understood.absent:
        # 今年 is the latest year held; a subject only in an earlier year's documents is still theirs
        understood = understood.with_(year=None, relative_year=False)
        reply = respond(retriever, knowledge, understood, mode, config)
    plan = plan_of(understood, knowledge.vocab)
    return Answer(question=text, short=reply.short, answer=f"{reply.answer}\n{plan.describe()}",
                  citations=c.citations(reply), abstained=reply.abstained, intent=understood.intent,
                  filters=understood.reported_filters(knowledge.vocab), plan=plan.to_dict(),
                  record_ids=counted_ids(knowledge, understood, reply))


def with_names(q: Question, text: str, knowledge: Knowledge) -> Question:
    """The question with its names resolved against the corpus (names.py): a name the documents do
    not have is the reason to abstain; a short name people use (社零额) searches as its long form."""
    names = resolve_question(text, knowledge.names, (q.year,) if q.year else ())
    if names.abstain:
        return q.with_(missing_name=names.abstain)
    if not names.short_names:
        return q
    keywords = list(q.keywords)
    for short, long in names.short_names:
        keywords = [k.replace(short, long) for k in keywords]
    query = " ".join([q.search_text, *(long for _, long in names.short_names)])
    return q.with_(keywords=tuple(keywords), query=query)


def counted_ids(knowledge: Knowledge, q: Question, reply: c.Reply) -> tuple[str, ...]:
    """The ids an answer counted or listed: a list or count cut at its first LIST_CITED cited records
    counted every record its conditions select; any other answer, the records it cites; an abstention
    (whose citations are only possibly related) none."""
    if reply.abstained:
        return ()
    cited = tuple(r.id for r in reply.records)
    if q.intent in ("list", "count") and len(cited) >= LIST_CITED:
        matched = tuple(r.id for r in matching_records(knowledge, q))
        return matched if len(matched) > len(cited) else cited
    return cited


def previous_covers(knowledge: Knowledge, q: Question, record_ids: tuple[str, ...],
                    config: AnswerConfig = DEFAULT_CONFIG) -> bool:
    """Whether the previous answer's records hold this question's words well, and as well as any
    other record does (then a short question is about them: "同比增长多少？")."""
    query_terms = terms(" ".join(q.keywords))
    if not query_terms:
        return False
    best_previous, best_other = best_coverages(knowledge, query_terms, record_ids)
    return best_previous >= config.followup_coverage and best_previous >= config.followup_ratio * best_other


def respond(retriever, knowledge: Knowledge, q: Question, mode: str,
            config: AnswerConfig = DEFAULT_CONFIG) -> c.Reply:
    """The reply to an understood question."""
    if q.absent:
        return c.compose_abstain(f"关于“{q.absent}”的内容（文件只含{_held(knowledge)}）")
    if q.missing_name:  # an existence question answers 没有 first; any other says which name is missing
        if q.intent == "exists":
            return c.Reply(f"没有（{q.missing_name}）", f"没有：{q.missing_name}。")
        return c.Reply("", f"{q.missing_name}。", abstained=True)
    kind = required_kind(q)
    absent = unknown_name(q, knowledge, kind)
    if absent:
        return c.compose_abstain(f"{absent}")
    if q.hop:
        reply = answer_hop(q, knowledge, lambda sub: respond(retriever, knowledge, sub, mode, config))
        if reply is not None:
            return reply
    operation = plan_of(q).operation
    q = with_topic_evidence(retriever, knowledge, q, mode, config)
    if operation in _SET_HANDLERS:
        return _SET_HANDLERS[operation](knowledge, q)
    if not q.meaningful:
        return c.compose_abstain("与此相关的内容：没能理解这个问题，请说明要查询的目标、任务或单位")
    return _lookup(retriever, knowledge, q, kind, mode, config)


# Operations over every record the plan selects; a lookup (one record's fields) is `_lookup`.
_SET_HANDLERS = {Operation.OVERVIEW: answer_overview, Operation.LIST: answer_list, Operation.COUNT: answer_list,
                 Operation.COMPARE: answer_list, Operation.GROUP: answer_group, Operation.EXISTS: answer_exists}


def _lookup(retriever, knowledge: Knowledge, q: Question, kind: str | None, mode: str,
            config: AnswerConfig) -> c.Reply:
    """One record's fields: the subject found by wording and retrieval, checked to hold what is asked."""
    both = answer_asks(q, lambda sub: _lookup(retriever, knowledge, sub, required_kind(sub), mode, config))
    if both is not None:
        return both
    if q.intent == "cross_doc":
        return _cross_doc(retriever, knowledge, q, mode, config)
    subject = find_subject(retriever, knowledge, q, kind, mode, config)
    if q.number is not None and _targets(subject.candidates) > 1 and not subject.trusted:
        return c.compose_abstain(f"唯一的第{q.number}项（多个文件都有，请说明年份或文件）",
                                 *_nearest(subject.candidates))
    if not subject.candidates or not (subject.trusted or q.number is not None):
        return _not_found(subject.candidates)
    extra = asked_extra(q, subject.best.record)
    if extra:
        return c.compose_extra(subject.best.record, subject.best.score, *extra)
    missing = missing_in_record(q, subject.best.record, knowledge)
    if missing:
        return c.compose_abstain(describe(subject.best.record, missing), *_nearest(subject.candidates))
    return _single(knowledge, q, subject, config)


def _targets(candidates: Sequence[Candidate]) -> int:
    """How many distinct targets or tasks (a continuation row is its target's)."""
    return len({parent_id(c.record.id) or c.record.id for c in candidates})


def _held(knowledge: Knowledge) -> str:
    places = "、".join(knowledge.vocab.places)
    years = "、".join(f"{y}年" for y in knowledge.vocab.years)
    return f"{places}{years}的材料"


def _nearest(candidates: Sequence[Candidate]) -> tuple[list, list]:
    nearest = list(candidates[:3])
    return [x.record for x in nearest], [x.score for x in nearest]


def _not_found(candidates: Sequence[Candidate]) -> c.Reply:
    nearest = [x for x in candidates[:3] if x.coverage > 0]
    return c.compose_abstain("与该问题直接相关的内容", [x.record for x in nearest], [x.score for x in nearest])


def _single(knowledge: Knowledge, q: Question, subject: Subject, config: AnswerConfig) -> c.Reply:
    """The reply from the subject record; a unit, leader or deadline question that also asks for a
    figure ("哪个单位牵头？要新增多少个？") gets the figure's clause too."""
    reply = _field_reply(knowledge, q, subject, config)
    figure_asks = [a for a in q.asks if a.wants_figure]
    if q.intent in _FIELD_INTENTS and figure_asks and len(q.asks) > 1:
        record = reply.records[0]
        clauses = _clauses(knowledge, q, record, figure_asks)
        if clauses:
            reply = c.with_clauses(reply, clauses)
    return reply


_FIELD_INTENTS = ("unit", "lead_unit", "participants", "leader", "deadline")


def _field_reply(knowledge: Knowledge, q: Question, subject: Subject, config: AnswerConfig) -> c.Reply:
    candidates = list(subject.candidates)
    if q.intent in ("unit", "leader", "deadline", "status", "lead_unit", "participants", "yes_no"):
        candidates = prefer_main(candidates)
    best = candidates[0]
    record, score = best.record, best.score
    if q.intent == "yes_no":
        return verdicts.compose_verdict(knowledge, q, record, score)
    if q.intent == "unit":
        chosen = _with_companion(candidates, q, lambda r: bool(r.units), config)
        return c.compose_units([x.record for x in chosen], [x.score for x in chosen])
    if q.intent == "lead_unit":
        if "参与" in q.flat:
            return c.compose_units([record], [score])
        return c.compose_role(record, score, "lead")
    if q.intent == "participants":
        return c.compose_role(record, score, "participating")
    if q.intent in ("leader", "deadline"):
        field = "leaders" if q.intent == "leader" else "deadline"
        chosen = _with_companion(candidates, q, lambda r: bool(getattr(r, field)), config)
        return c.compose_field([x.record for x in chosen], [x.score for x in chosen], field)
    figure_asks = [a for a in q.asks if a.wants_figure]
    if q.intent == "status":
        clause = best_clause(record, figure_asks[0], q.keywords, knowledge.vocab, knowledge.lexical) \
            if figure_asks else None
        return c.compose_status(record, score, clause)
    asks = figure_asks or [a for a in q.asks if a.wants_detail]
    if q.intent in ("progress", "task_content") and asks:
        return c.compose_figures(_clauses(knowledge, q, record, asks), {record.id: score})
    if q.intent == "progress":
        return c.compose_progress(record, score)
    if q.intent == "task_content":
        return c.compose_content(record, score)
    chosen = _with_companion(candidates, q, lambda r: True, config)
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


def _with_companion(candidates: list[Candidate], q: Question, has_field, config: AnswerConfig) -> list[Candidate]:
    """The best record, plus the same subject in the other document or year when it is there too."""
    best = candidates[0]
    floor = config.min_coverage if q.cross else max(config.companion_min, config.companion_ratio * best.coverage)
    for other in candidates[1:config.retrieval_depth]:
        if other.coverage < floor or not has_field(other.record):
            continue
        other_doc = q.kind is None and other.record.kind != best.record.kind
        other_year = q.year is None and other.record.year != best.record.year
        if other_doc or other_year:
            return [best, other]
    return [best]


def _cross_doc(retriever, knowledge: Knowledge, q: Question, mode: str, config: AnswerConfig) -> c.Reply:
    """Each sub-question answered from the document it names, the two kept apart."""
    clauses: list[Clause] = []
    scores: dict[str, float] = {}
    for ask in q.asks:
        scoped = q.with_(period=ask.period, year=ask.year or q.year)
        subject = find_subject(retriever, knowledge, scoped, ask.kind or q.kind, mode, config)
        best = subject.best
        if best is None or not (subject.trusted or lexically_enough(best, knowledge, q, config)):
            continue
        clause = best_clause(best.record, ask, q.keywords, knowledge.vocab, knowledge.lexical,
                             exclude=tuple(x.text for x in clauses))
        if clause:
            clauses.append(clause)
            scores[best.record.id] = best.score
    if not clauses:
        return _not_found(find_subject(retriever, knowledge, q, q.kind, mode, config).candidates)
    return c.compose_figures(clauses, scores)
