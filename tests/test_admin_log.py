"""The admin's 问答记录 and 检索测试 handlers: the token is checked on the server, the CSV holds the log."""

from __future__ import annotations

import csv

from qa_app.feedback import DisabledLog, QuestionLog
from qa_app.web.admin import WRONG_TOKEN
from qa_app.web.admin_log import csv_file, log_report_html, run_explain
from qa_app.web.render import esc
from qa_app.web.service import ChatService
from tests.test_web import TOKEN, XIONGSHANG

UNANSWERABLE = "菏泽奥体中心啥时候建成？"


def test_report_csv_and_explain_behind_the_token(index_settings, engine, tmp_path):
    service = ChatService(index_settings, engine, question_log=QuestionLog(tmp_path / "log.sqlite3"))
    asked = [service.ask(q) for q in (XIONGSHANG, UNANSWERABLE, "菏泽奥体中心什么时候建成")]
    service.log.rate(asked[0].answer_id, "down", "正确答案应为<b>市交通运输局</b>")
    page = log_report_html(service)
    assert "共 <b>3</b> 个提问" in page and esc("正确答案应为<b>市交通运输局</b>") in page
    unanswered = page[page.index('id="qa-logs-unanswered"'):page.index('id="qa-logs-down"')]
    assert f"<td>{UNANSWERABLE}</td><td>2</td><td>菏泽奥体中心什么时候建成</td>" in unanswered  # one group

    with open(csv_file(service), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["question"] for r in rows] == [a.question for a in asked] and rows[0]["rating"] == "down"

    assert WRONG_TOKEN in run_explain(service, "wrong", TOKEN, XIONGSHANG, "", "", "", "", "", 5)
    shown = run_explain(service, TOKEN, TOKEN, XIONGSHANG, "", "task", "", "", "", 5)
    assert shown.count('class="qa-hit-col"') == 3 and "kind=task" in shown and "雄商高铁" in shown


def test_report_says_when_the_log_is_off(index_settings, engine):
    service = ChatService(index_settings, engine, question_log=DisabledLog())
    assert service.ask(XIONGSHANG).answer_id is None
    assert "QA_LOG=off" in log_report_html(service) and csv_file(service) is None
