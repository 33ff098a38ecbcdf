"""`qa serve`: the chat at /, the iframe chat at /embed, the JSON API at /api, docs at /docs."""

from __future__ import annotations

import errno
import os
import socket

import click

from qa_app.cli import main, settings_options
from qa_app.settings import Settings


def _check_port(host: str, port: int) -> None:
    """Fail with one clear line, before the slow start-up, when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise click.ClickException(f"cannot listen on {host}:{port}: {reason}; try --port") from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="QA_HOST",
              help="Address to listen on (QA_HOST); 0.0.0.0 to serve other machines.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), envvar="QA_PORT",
              help="Port to listen on (QA_PORT).")
@click.option("--embed-origins", envvar="QA_EMBED_ORIGINS", default="",
              help="Pages allowed to embed /embed in an iframe, space- or comma-separated origins "
                   "such as 'http://portal.intra https://*.intra:8443' (QA_EMBED_ORIGINS; sent as CSP "
                   "frame-ancestors). Default: pages on the same host, any port.")
@click.option("--admin-token", envvar="QA_ADMIN_TOKEN", default=None, show_default=False,
              help="Enables the document upload panel for whoever enters this token (QA_ADMIN_TOKEN; "
                   "prefer the variable: options are visible to other users of the machine).")
@settings_options
def serve(settings: Settings, host: str, port: int, embed_origins: str, admin_token: str | None) -> None:
    """Serve the chat, the embeddable chat and the JSON API; builds the index first if missing."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import uvicorn

    from qa_app.web import ChatService, create_app, load_engine, parse_embed_origins

    try:
        origins = parse_embed_origins(embed_origins)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--embed-origins / QA_EMBED_ORIGINS") from None
    _check_port(host, port)
    click.echo("loading the index (building it first if missing)…", err=True)
    service = ChatService(settings, load_engine(settings, progress=True))
    app = create_app(service, embed_origins=origins, admin_token=admin_token or None)
    health = service.health()
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    click.echo(f"{health['records']} records, model {health['model']}", err=True)
    click.echo(f"chat {base}/  ·  embed {base}/embed  ·  API {base}/api/ask  ·  docs {base}/docs"
               f"{'  ·  upload panel on' if admin_token else ''}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
