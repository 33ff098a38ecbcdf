"""A follow-up's history is bounded like its question (issue 25, finding 1): each earlier question cut at
500 characters, at most 10 turns and 2,000 characters of questions, so what one request costs is bounded
by the current question whatever history it sends, through every entry point."""

from __future__ import annotations

import pytest

from qa_app.records import Answer
from qa_app.settings import Settings
from qa_app.validation import (
    MAX_CITED_PER_TURN,
    MAX_HISTORY_CHARS,
    MAX_HISTORY_TURNS,
    MAX_QUESTION_CHARS,
    validate_history,
)
from qa_app.web.chat import api_ask
from qa_app.web.service import ChatService

SUBJECT = "五湖十河水系贯通由谁负责？"
FOLLOW_UP = "它的完成时限呢？"
LONG = "请详细说明各项目标的完成情况" * 215  # 3,010 characters


def test_each_earlier_question_is_cut_like_the_question():
    bounded = validate_history([LONG, {"question": LONG, "citations": []}])
    assert len(LONG) > 3000
    assert [len(t if isinstance(t, str) else t["question"]) for t in bounded] == [MAX_QUESTION_CHARS] * 2


def test_at_most_ten_turns_and_a_total_budget_newest_kept():
    turns = [f"问题{i}" for i in range(25)]
    assert validate_history(turns) == turns[-MAX_HISTORY_TURNS:]
    full = ["字" * MAX_QUESTION_CHARS] * 8 + [SUBJECT]
    bounded = validate_history(full)
    assert bounded[-1] == SUBJECT
    assert sum(map(len, bounded)) <= MAX_HISTORY_CHARS
    assert len(bounded) == 1 + (MAX_HISTORY_CHARS - len(SUBJECT)) // MAX_QUESTION_CHARS


def test_an_earlier_answer_keeps_only_what_a_followup_reads():
    answer = {"question": SUBJECT, "answer": "字" * 30_000, "intent": "who", "abstained": False,
              "citations": [{"record_id": f"a.txt#{i}", "text": "字" * 1000} for i in range(500)]}
    (turn,) = validate_history([answer])
    assert set(turn) == {"question", "citations", "abstained", "intent"}
    assert len(turn["citations"]) == MAX_CITED_PER_TURN and turn["citations"][0] == {"record_id": "a.txt#0"}


@pytest.mark.parametrize("history", [None, "上一轮", 5, [None, 3, {"question": 5}, {"citations": "x"}, "  "]])
def test_a_history_that_cannot_be_read_is_none(history):
    assert validate_history(history) == []


class _Recording:
    """An engine that records the history it is given (the service is what the web entry points share)."""

    def __init__(self):
        self.histories: list = []

    def answer(self, text, history=None, scope=None, **_):
        self.histories.append(history)
        return Answer(question=text, short="", answer="")


def test_the_service_and_gradio_pass_on_only_the_bounded_history():
    engine = _Recording()
    service = ChatService(Settings(), engine)
    service.ask(FOLLOW_UP, [LONG] * 30)
    api_ask(service)(FOLLOW_UP, [{"question": LONG}] * 30)
    for history in engine.histories:
        assert len(history) <= MAX_HISTORY_TURNS
        assert sum(len(t if isinstance(t, str) else t["question"]) for t in history) <= MAX_HISTORY_CHARS


def _searched_texts(engine, monkeypatch) -> list[str]:
    """Every text the engine embeds or looks up in BM25, recorded on the real retriever."""
    seen: list[str] = []
    retriever = engine.retriever
    for name in ("lexical", "dense"):
        real = getattr(retriever, name)

        def spy(query, *args, _real=real, **kwargs):
            seen.append(query)
            return _real(query, *args, **kwargs)

        monkeypatch.setattr(retriever, name, spy)
    return seen


def test_a_followup_with_a_3000_character_history_searches_bounded_text(engine, monkeypatch):
    seen = _searched_texts(engine, monkeypatch)
    engine.answer(FOLLOW_UP, [LONG])
    assert seen and max(map(len, seen)) <= 2 * MAX_QUESTION_CHARS + 1  # a question and its numerals written out


def test_the_last_relevant_question_still_carries_the_followup(engine):
    alone = engine.answer(FOLLOW_UP, [SUBJECT])
    padded = engine.answer(FOLLOW_UP, [LONG, LONG, "字" * 400, SUBJECT])
    assert not alone.abstained
    assert padded.short == alone.short
    assert [c.record_id for c in padded.citations] == [c.record_id for c in alone.citations]
