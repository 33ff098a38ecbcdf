"""The OpenAI-compatible endpoint, driven by the official `openai` package against a real server on loopback."""

from __future__ import annotations

import httpx
import openai
import pytest

from qa_app.web import create_app
from qa_app.web.auth import NEED_TOKEN, WRONG_BEARER
from qa_app.web.openai_api import CONFIG, ChatMessage, question_and_history, reply_text
from tests.test_web import ANSWER_ID, XIONGSHANG, base_url, running_server, service  # noqa: F401  (fixtures reused)

TOKEN = "qa-openai-token-5c1d9e7a2b"
NOT_IN_DOCS = "2024年足球场建设由谁负责？"
SUBJECT = "五湖十河水系贯通由谁负责？"
FOLLOW_UP = "它的完成时限呢？"

pytestmark = pytest.mark.slow


def _client(url: str, key: str = "any-key") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=120,
                         http_client=httpx.Client(trust_env=False))


@pytest.fixture(scope="module")
def client(base_url):  # noqa: F811
    with _client(base_url) as oa:
        yield oa


def _ask(client, *messages, **extra):
    return client.chat.completions.create(model=CONFIG.model_id, messages=list(messages), **extra)


def _user(text: str) -> dict:
    return {"role": "user", "content": text}


# ---- pure -------------------------------------------------------------------------------------

def test_question_and_history_read_user_messages_only():
    messages = [ChatMessage(role="system", content="你是助手"), ChatMessage(role="user", content="甲"),
                ChatMessage(role="assistant", content="答甲"),
                ChatMessage(role="user", content=[{"type": "text", "text": "乙"}, {"type": "image_url"}])]
    assert question_and_history(messages) == ("乙", ["甲"])


def test_reply_text_lists_sources_and_marks_nearby_records_as_not_the_answer():
    cite = {"n": 1, "title": "某表", "number": 7, "text": "7\t王某\t" + "很长的内容" * 40}
    found = reply_text({"answer": "答案[1]。", "citations": [cite], "abstained": False})
    assert found.startswith("答案[1]。\n\n来源：\n\n- [1] 某表 第7项：7 王某 很长的内容")
    assert found.endswith("…") and len(found.splitlines()[-1]) < 120
    nearby = reply_text({"answer": "文件中未找到…", "citations": [cite], "abstained": True})
    assert "可能相关的条目（并非答案）：" in nearby and "来源" not in nearby


# ---- the official client against a real server -----------------------------------------------------

def test_models_lists_one_model(client):
    assert [m.id for m in client.models.list()] == ["qa-app"]


def test_plain_completion_carries_the_answer_and_its_sources(client, service):  # noqa: F811
    expected = service.ask(XIONGSHANG).to_dict()
    completion = _ask(client, _user(XIONGSHANG))
    content = completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop" and completion.model == "qa-app"
    assert content.startswith(expected["answer"]) and "市交通运输局" in content
    assert "\n来源：\n\n- [1] 菏泽市建设绿色低碳高质量发展先行区2023年重点工作任务 第19项：19. 建设便捷高效轨道交通网" in content
    assert completion.model_extra["short"] == "市交通运输局"
    assert completion.model_extra["citations"] == expected["citations"]
    assert completion.model_extra["abstained"] is False
    assert ANSWER_ID.match(completion.model_extra["answer_id"])
    print(f"openai client saw: {content!r}")


def test_streaming_gives_the_same_content_in_chunks(client):
    whole = _ask(client, _user(XIONGSHANG)).choices[0].message.content
    chunks = list(_ask(client, _user(XIONGSHANG), stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole
    assert len(chunks) > 3 and all(c.object == "chat.completion.chunk" for c in chunks)
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["short"] == "市交通运输局"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)


def test_follow_up_uses_earlier_user_messages(client, service):  # noqa: F811
    first = _ask(client, _user(SUBJECT)).choices[0].message.content
    follow = _ask(client, {"role": "system", "content": "用中文回答"}, _user(SUBJECT),
                  {"role": "assistant", "content": first}, _user(FOLLOW_UP))
    expected = service.ask(FOLLOW_UP, [SUBJECT]).to_dict()
    assert follow.model_extra["short"] == expected["short"] == "11月底"
    assert follow.model_extra["citations"] == expected["citations"]
    alone = _ask(client, _user(FOLLOW_UP))
    assert alone.model_extra["short"] != "11月底"  # without the history the question has no subject


def test_refusal_when_the_documents_do_not_hold_it(client):
    completion = _ask(client, _user(NOT_IN_DOCS))
    assert completion.model_extra["abstained"] is True and completion.model_extra["short"] == ""
    assert completion.choices[0].message.content.startswith("文件中未找到")
    print(f"openai client saw (refusal): {completion.choices[0].message.content!r}")


@pytest.mark.parametrize("messages, fragment, param", [
    ([_user("   ")], "问题为空", "messages"),
    ([_user("问" * 501)], "问题太长（501 个字）", "messages"),
    ([{"role": "system", "content": "只有系统消息"}], "没有 role 为 user 的消息", "messages"),
    ([], "缺少 messages", "messages"),
    ([{"content": "没有 role"}], "请求格式不正确：messages.0.role", "messages.0.role"),
])
def test_bad_requests_get_400_in_openais_shape(client, messages, fragment, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=CONFIG.model_id, messages=messages)
    error = caught.value
    assert error.status_code == 400 and fragment in error.body["message"]
    assert error.type == "invalid_request_error" and error.param == param


def test_oversized_body_gets_413_in_openais_shape(base_url):  # noqa: F811
    body = {"model": "qa-app", "messages": [_user("甲" * 400)] * 1200}  # > 1 MB
    response = httpx.post(f"{base_url}/v1/chat/completions", json=body, trust_env=False, timeout=60)
    assert response.status_code == 413 and "请求太大" in response.json()["error"]["message"]


@pytest.fixture(scope="module")
def guarded_url(service):  # noqa: F811
    """The app as `qa serve` builds it with QA_AUTH_TOKEN set."""
    with running_server(create_app(service, auth_token=TOKEN)) as url:
        yield url


def test_the_token_is_the_api_key(guarded_url):
    with _client(guarded_url, TOKEN) as good:
        assert _ask(good, _user(XIONGSHANG)).model_extra["short"] == "市交通运输局"
        assert [m.id for m in good.models.list()] == ["qa-app"]
    with _client(guarded_url, "wrong-key") as wrong, pytest.raises(openai.AuthenticationError) as caught:
        _ask(wrong, _user(XIONGSHANG))
    assert caught.value.status_code == 401 and caught.value.body["message"] == WRONG_BEARER
    assert caught.value.code == "invalid_api_key"
    with _client(guarded_url, "wrong-key") as wrong, pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    bare = httpx.post(f"{guarded_url}/v1/chat/completions", json={"messages": [_user(XIONGSHANG)]},
                      trust_env=False, timeout=60)
    assert bare.status_code == 401 and bare.json()["error"]["message"] == NEED_TOKEN
    assert bare.headers["www-authenticate"] == "Bearer"
