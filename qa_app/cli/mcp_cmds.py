"""`qa mcp`: the MCP tools (ask, search, show) over stdio, for a client that starts the server itself."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from qa_app.cli import main, settings_options
from qa_app.cli.log_cmds import log_options
from qa_app.settings import Settings


@main.command()
@settings_options
@log_options
def mcp(settings: Settings) -> None:
    """Serve the MCP tools ask, search and show on stdin/stdout (JSON-RPC; progress and errors on stderr).

    A client such as Claude Desktop, Cherry Studio or an agent framework starts this command; `qa serve`
    offers the same tools over HTTP at /mcp."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # qa_app.web imports Gradio; it must not phone home
    from qa_app.web import ChatService, load_engine
    from qa_app.web.mcp_server import serve_stdio

    click.echo("qa mcp: loading the index (building it first if missing)…", err=True)
    with contextlib.redirect_stdout(sys.stderr):  # stdout is the protocol's channel: nothing else may go there
        service = ChatService(settings, load_engine(settings, progress=True))
    health = service.health()
    click.echo(f"qa mcp: {health['records']} records, model {health['model']}; serving on stdio", err=True)
    serve_stdio(service)
