"""The Model Context Protocol server: tools `ask`, `search` and `show` over one ChatService.

Agent tools and chat clients that speak MCP call these directly: `qa mcp` serves them over stdio (the
client starts the process), and `qa serve` serves the same tools at `/mcp` (streamable HTTP). Each tool
returns the JSON the CLI prints (`qa ask --json`, `qa search --json`, `qa show --json`); a question the
engine refuses, or an unknown record id, comes back as a tool error carrying the Chinese message.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field

from qa_app import __version__
from qa_app.errors import BadQuestion
from qa_app.retrieval import Filters
from qa_app.web.service import ChatService

MCP_PATH = "/mcp"
MAX_HITS = 50
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
INSTRUCTIONS = ("对市政府责任目标文件（推进情况表、重点工作任务通知）的精确问答，不使用大模型。"
                "ask：提问，返回简短答案、带 [n] 标记的完整回答和来源记录；追问时把此前 ask 的结果放进 history。"
                "search：按年份、季度、类别、单位、领导筛选后检索记录。show：按 id 查看一条记录的全部字段。")
NO_RECORD = "没有这条记录：{record_id!r}；记录 id 形如 000_dd67d59bfaf7e311.txt#97（见 ask/search 结果里的 record_id）。"

Question = Annotated[str, Field(description="问题（中文，1–500 字），例如“市医保局2023年负责哪几项目标？”")]
History = Annotated[list[dict[str, Any] | str] | None,
                    Field(description="此前各轮 ask 返回的结果（或此前的问题文字），最早的在前；用于“它的完成时限呢？”这类追问")]


def build_mcp_server(service: ChatService) -> MCPServer:
    """The three tools over `service` (sync functions: the SDK runs them in worker threads)."""
    server = MCPServer(name="qa_app", title="责任目标问答", instructions=INSTRUCTIONS, version=__version__,
                       log_level="WARNING")

    @server.tool(description="回答一个关于责任目标文件的问题，返回 qa ask --json 的 JSON："
                             "short（简短答案）、answer（带 [n] 标记）、citations（来源记录）、abstained（文件中未找到时为 true）。")
    def ask(question: Question, history: History = None) -> dict[str, Any]:
        try:
            return service.ask(question, history or []).to_dict()
        except BadQuestion as exc:
            raise ToolError(str(exc)) from None

    @server.tool(description="检索记录（BM25 + 向量混合检索），可按年份、季度、类别、单位、领导筛选；返回 qa search --json 的 JSON。")
    def search(query: Annotated[str, Field(min_length=1, max_length=500, description="检索词或问题")],
               k: Annotated[int, Field(ge=1, le=MAX_HITS, description="返回条数")] = 5,
               year: Annotated[int | None, Field(description="年份，如 2023")] = None,
               period: Annotated[str | None, Field(description="一季度、三季度或全年任务")] = None,
               kind: Annotated[Literal["target", "task"] | None,
                               Field(description="target：推进情况表的目标；task：重点工作任务")] = None,
               unit: Annotated[str | None, Field(description="责任单位，如 市医保局")] = None,
               leader: Annotated[str | None, Field(description="市政府领导，如 王昌华")] = None) -> dict[str, Any]:
        filters = Filters(year=year, period=period, kind=kind, unit=unit, leader=leader)
        hits = service.engine.search(query, k=k, filters=filters)
        return {"query": query, "hits": [hit.to_dict() for hit in hits]}

    @server.tool(description="按 id 查看一条记录的全部字段（qa show --json）。")
    def show(record_id: Annotated[str, Field(description="记录 id，如 004_a6d61ab50cb7c05a.txt#19")]) -> dict[str, Any]:
        record = service.record(record_id.strip())
        if record is None:
            raise ToolError(NO_RECORD.format(record_id=record_id))
        return record.to_dict()

    return server


@dataclass(frozen=True)
class McpEndpoint:
    """What the web app mounts: the ASGI endpoint for /mcp, and the session manager its lifespan runs."""

    endpoint: StreamableHTTPASGIApp
    manager: StreamableHTTPSessionManager

    def lifespan(self, _app: Any) -> AbstractAsyncContextManager:
        """For the app's lifespan: the manager runs (and can run only once) while the server does."""
        return self.manager.run()


def transport_security(loopback_only: bool) -> TransportSecuritySettings:
    """On loopback, refuse a Host or Origin that is not this machine (a DNS-rebinding page in a browser);
    a server for other machines is guarded by QA_AUTH_TOKEN instead."""
    if not loopback_only:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(allowed_hosts=LOOPBACK_HOSTS, allowed_origins=LOOPBACK_ORIGINS)


def mcp_endpoint(service: ChatService, loopback_only: bool = True) -> McpEndpoint:
    """Streamable HTTP, stateless (every call stands alone, so nothing is kept per client) with JSON replies."""
    server = build_mcp_server(service)
    server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True, json_response=True,
                               transport_security=transport_security(loopback_only))
    manager = server.session_manager
    return McpEndpoint(StreamableHTTPASGIApp(manager), manager)


def serve_stdio(service: ChatService) -> None:
    """Serve the tools on stdin/stdout until the client closes them (`qa mcp`)."""
    build_mcp_server(service).run("stdio")
