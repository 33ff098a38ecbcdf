"""The 👍/👎 row drawn under an answer (pure HTML) and the feedback body's Chinese error sentences."""

from __future__ import annotations

from qa_app.web.feedback import feedback_detail
from qa_app.web.render import render_answer


def test_rating_row_only_for_a_logged_answer_and_escaped():
    answer = {"answer": "市商务局[1]", "citations": [], "abstained": False}
    assert "qa-rate" not in render_answer({**answer, "answer_id": None}, lambda _id: None)
    drawn = render_answer({**answer, "answer_id": '"><img src=x>'}, lambda _id: None)
    assert 'data-answer-id="&quot;&gt;&lt;img src=x&gt;"' in drawn and "<img" not in drawn
    assert drawn.count('class="qa-rate-') >= 6 and 'maxlength="500"' in drawn and "正确答案应为" in drawn


def test_feedback_detail_names_the_field():
    assert "up" in feedback_detail([{"loc": ("body", "rating"), "type": "literal_error"}])
    assert "500" in feedback_detail([{"loc": ("body", "comment"), "type": "string_too_long"}])
    assert "answer_id" in feedback_detail([{"loc": ("body", "answer_id"), "type": "missing"}])
    assert "JSON" in feedback_detail([{"loc": ("body",), "type": "json_invalid"}])
