"""Two asks in one question: "任务通知里是谁牵头？三季度表里又是谁？", "由谁负责？什么时候完成？".

Each ask that wants a field (a unit, a leader, a deadline) becomes a sub-plan of its own: the whole
question's subject, the ask's own scope (the document, year or period it names) and the ask's own
operation. The replies are joined, each labelled with its document when the asks name different
ones; an ask the documents do not answer says so instead of dropping the other.
"""

from __future__ import annotations

from collections.abc import Callable

from qa_app.answering import compose as c
from qa_app.answering import cues
from qa_app.answering.understanding import Question, detect_intent

FIELD_INTENTS = ("unit", "lead_unit", "participants", "leader", "deadline")
_KIND_WORDS = {"task": "任务", "target": "推进情况表"}


def field_asks(q: Question) -> list[tuple[object, str]]:
    """(ask, intent) for each sub-question, when at least two ask and one of them wants a field."""
    asking = [a for a in q.asks if cues.ASKING.search(a.text.rstrip('？?'))]  # "X分管的Y那项" describes, asks nothing
    if len(asking) < 2 or len(asking) < len(q.asks) or q.hop:
        return []
    intents = [detect_intent(a.text) for a in q.asks]
    if not any(i in FIELD_INTENTS for i in intents):
        return []
    kinds = {a.kind for a in q.asks if a.kind}
    if len(kinds) < 2 and sum(i in FIELD_INTENTS for i in intents) < 2:
        return []  # one field and a figure of the same record: the single reply adds the figure
    return list(zip(q.asks, intents, strict=True))


def answer_asks(q: Question, respond: Callable[[Question], c.Reply]) -> c.Reply | None:
    """Each ask answered on its own, joined; None when the question is not of this form."""
    asks = field_asks(q)
    if not asks:
        return None
    labelled = len({a.kind for a, _ in asks if a.kind}) > 1
    shorts, texts, records = [], [], []
    for ask, intent in asks:
        # asks naming different documents keep to their own scope (三季度 is no period of the notice)
        period = ask.period if labelled else ask.period or q.period
        sub = q.with_(intent=intent if intent in FIELD_INTENTS else q.intent, asks=(ask,), cross=False,
                      kind=ask.kind or q.kind, year=ask.year or q.year, period=period,
                      sections=() if labelled else q.sections)
        reply = respond(sub)
        label = f"{_KIND_WORDS.get(ask.kind or '', '')}：" if labelled and ask.kind else ""
        shorts.append(label + (reply.short if not reply.abstained else c.NOT_FOUND))
        texts.append(reply.answer)
        records += [r for r in reply.records if r not in records]
    if all(s.endswith(c.NOT_FOUND) for s in shorts):
        return None
    return c.Reply(c.clip("；".join(shorts), c.SHORT_LIMIT), "".join(texts), tuple(records))
