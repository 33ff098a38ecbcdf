"""The MCP tools, driven by the `mcp` package's own client: over stdio (`qa mcp` as a real subprocess)
and over streamable HTTP at /mcp of a real server on loopback."""

from __future__ import annotations

import os
import sys

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from qa_app.web import create_app
from qa_app.web.auth import NEED_TOKEN
from tests.conftest import ROOT
from tests.test_web import ANSWER_ID, XIONGSHANG, base_url, running_server, service  # noqa: F401  (fixtures reused)

TOKEN = "qa-mcp-token-8e3b1f0c6a"
TASK_19 = "004_a6d61ab50cb7c05a.txt#19"
TOOLS = {"ask", "search", "show"}

pytestmark = pytest.mark.slow


async def _exercise(client: Client, by_id: dict) -> dict:
    """Every tool once, plus the refusals; returns what the client saw, for the assertions."""
    seen = {"tools": {t.name: t for t in (await client.list_tools()).tools}}
    seen["ask"] = await client.call_tool("ask", {"question": XIONGSHANG})
    seen["follow"] = await client.call_tool("ask", {"question": "它的完成时限呢？",
                                                    "history": ["五湖十河水系贯通由谁负责？"]})
    seen["search"] = await client.call_tool("search", {"query": "医保", "k": 3, "year": 2023, "unit": "市医保局"})
    seen["show"] = await client.call_tool("show", {"record_id": TASK_19})
    seen["empty"] = await client.call_tool("ask", {"question": "  "})
    seen["unknown"] = await client.call_tool("show", {"record_id": "nope.txt#1"})
    seen["bad_k"] = await client.call_tool("search", {"query": "医保", "k": 0})
    return seen


def _check(seen: dict, service, by_id: dict) -> None:  # noqa: F811
    assert set(seen["tools"]) == TOOLS
    assert set(seen["tools"]["search"].input_schema["properties"]) == {"query", "k", "year", "period", "kind",
                                                                       "unit", "leader"}
    assert seen["tools"]["ask"].input_schema["required"] == ["question"]

    answer = seen["ask"].structured_content
    expected = service.ask(XIONGSHANG).to_dict()
    assert not seen["ask"].is_error and answer["short"] == "市交通运输局"
    same = {"citations", "answer_id"}
    assert {k: v for k, v in answer.items() if k not in same} == {k: v for k, v in expected.items() if k not in same}
    assert ANSWER_ID.match(answer["answer_id"]) and answer["answer_id"] != expected["answer_id"]
    assert [c["record_id"] for c in answer["citations"]] == [c["record_id"] for c in expected["citations"]]
    assert '"short": "市交通运输局"' in seen["ask"].content[0].text  # the same JSON as text, Chinese kept

    assert seen["follow"].structured_content["short"] == "11月底"
    hits = seen["search"].structured_content["hits"]
    assert len(hits) == 3 and all(h["record"]["year"] == 2023 and "市医保局" in h["record"]["units"] for h in hits)
    assert seen["show"].structured_content == by_id[TASK_19].to_dict()

    assert seen["empty"].is_error and "问题为空" in seen["empty"].content[0].text
    assert seen["unknown"].is_error and "没有这条记录" in seen["unknown"].content[0].text
    assert seen["bad_k"].is_error and seen["bad_k"].structured_content is None


def test_stdio_qa_mcp(index_settings, engine, service, by_id):  # noqa: F811
    """`qa mcp` started by the client as a subprocess, over the session's index."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "qa_app", "mcp", "--corpus", str(index_settings.corpus_dir), "--index", str(index_settings.index_dir)],
        env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}, cwd=str(ROOT))

    async def run() -> dict:
        async with Client(params, read_timeout_seconds=120) as client:
            return await _exercise(client, by_id)

    seen = anyio.run(run)
    _check(seen, service, by_id)
    print(f"mcp stdio client saw: {seen['ask'].structured_content['answer']!r}")


def test_streamable_http_at_mcp(base_url, service, by_id):  # noqa: F811
    async def run() -> dict:
        async with Client(f"{base_url}/mcp", read_timeout_seconds=120) as client:
            return await _exercise(client, by_id)

    seen = anyio.run(run)
    _check(seen, service, by_id)
    print(f"mcp http client saw: {seen['search'].structured_content['hits'][0]['record_id']}")


def test_mcp_refuses_other_hosts_on_loopback(base_url):  # noqa: F811
    """A page on another name resolving to 127.0.0.1 (DNS rebinding) cannot use the local tools."""
    response = httpx.post(f"{base_url}/mcp", headers={"host": "evil.example", "accept": "application/json"},
                          json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, trust_env=False, timeout=30)
    assert response.status_code == 421


def test_mcp_behind_the_token(service, by_id):  # noqa: F811
    with running_server(create_app(service, auth_token=TOKEN)) as url:
        bare = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          trust_env=False, timeout=30)
        assert bare.status_code == 401 and bare.json() == {"detail": NEED_TOKEN}

        async def run():
            http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
            async with http, Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                return await client.call_tool("show", {"record_id": TASK_19})

        assert anyio.run(run).structured_content["lead_units"] == ["市交通运输局"]
