"""Gradio's own client against the chat at / of a real server on loopback: one public endpoint, /ask."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from qa_app.web.chat import GRADIO_API_NAME
from tests.test_web import ANSWER_ID, XIONGSHANG, base_url, service, unlogged  # noqa: F401  (fixtures reused)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gradio(base_url):  # noqa: F811
    return Client(base_url, verbose=False, download_files=False)


def test_only_the_ask_endpoint_is_public(gradio):
    endpoints = gradio.view_api(print_info=False, return_format="dict")
    assert list(endpoints["named_endpoints"]) == [f"/{GRADIO_API_NAME}"]
    assert endpoints["unnamed_endpoints"] == {}


def test_predict_returns_the_answer(gradio, service):  # noqa: F811
    answer = gradio.predict(XIONGSHANG, api_name=f"/{GRADIO_API_NAME}")
    expected = service.ask(XIONGSHANG).to_dict()
    assert answer["short"] == "市交通运输局" and unlogged(answer) == unlogged(expected)
    assert ANSWER_ID.match(answer["answer_id"])
    print(f"gradio_client saw: {answer['answer']!r}")


def test_predict_follow_up_and_refusal(gradio):
    follow = gradio.predict("它的完成时限呢？", ["五湖十河水系贯通由谁负责？"], api_name=f"/{GRADIO_API_NAME}")
    assert follow["short"] == "11月底"
    with pytest.raises(AppError, match="问题为空"):
        gradio.predict("   ", api_name=f"/{GRADIO_API_NAME}")
