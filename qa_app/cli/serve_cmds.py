"""`qa serve`: the chat at /, the iframe chat at /embed (and /embed.js), the JSON API at /api, the
OpenAI-compatible API at /v1, MCP at /mcp, docs at /docs."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

import click

from qa_app.cli import main, settings_options
from qa_app.cli.log_cmds import log_options
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


MIN_TOKEN_CHARS = 16


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1): nobody else can connect."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warnings(host: str, auth_token: str | None) -> list[str]:
    """Start-up warnings: serving other machines with no token, or with a short one."""
    if auth_token and len(auth_token) < MIN_TOKEN_CHARS:
        return [f"warning: QA_AUTH_TOKEN has {len(auth_token)} characters; use at least {MIN_TOKEN_CHARS} "
                "random ones (e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))')"]
    if auth_token or is_loopback(host):
        return []
    return [f"warning: listening on {host} without QA_AUTH_TOKEN: anyone who can reach this machine can use "
            "the chat and the API; set QA_AUTH_TOKEN (docs/guide.md, 'Access control')"]


def _one_native_thread_per_request() -> None:
    """Requests run side by side on few cores, where OpenMP teams inside each (embedder, FAISS) spin-wait on
    each other: on a busy two-core machine one user's p95 was 858 ms with teams of two, 87 ms with one thread.
    One thread per request unless OMP_NUM_THREADS says otherwise; set before the embedder's library loads."""
    try:
        threads = int(os.environ.setdefault("OMP_NUM_THREADS", "1"))
    except ValueError:
        return
    import faiss

    faiss.omp_set_num_threads(max(1, threads))


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
@click.option("--auth-token", envvar="QA_AUTH_TOKEN", default=None, show_default=False,
              help="Require this token: API calls send 'Authorization: Bearer TOKEN', browsers log in once at "
                   "/login (QA_AUTH_TOKEN; prefer the variable: options are visible to other users of the "
                   "machine). Unset: no access control, fine on 127.0.0.1.")
@click.option("--workers", envvar="QA_WORKERS", default=0, show_default=True, type=click.IntRange(0, 64),
              help="Questions answered at the same time, the rest queued in order (QA_WORKERS); 0: one per "
                   "CPU core (docs/design.md, 'Reliability and performance').")
@settings_options
@log_options
def serve(settings: Settings, host: str, port: int, embed_origins: str, admin_token: str | None,
          auth_token: str | None, workers: int) -> None:
    """Serve the chat, the embeddable chat and the JSON API; builds the index first if missing."""
    settings = settings.with_(workers=workers)
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    _one_native_thread_per_request()
    import uvicorn

    from qa_app.web import ChatService, create_app, load_engine, parse_embed_origins

    try:
        origins = parse_embed_origins(embed_origins)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--embed-origins / QA_EMBED_ORIGINS") from None
    for line in exposure_warnings(host, auth_token or None):
        click.echo(line, err=True)
    _check_port(host, port)
    click.echo("loading the index (building it first if missing)…", err=True)
    service = ChatService(settings, load_engine(settings, progress=True))
    app = create_app(service, embed_origins=origins, admin_token=admin_token or None,
                     auth_token=auth_token or None, loopback_only=is_loopback(host))
    service.follow_index()  # replicas on one store: another's writes are picked up within seconds
    health = service.health()
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    click.echo(f"{health['records']} records, model {health['model']}", err=True)
    click.echo(f"chat {base}/  ·  embed {base}/embed (script {base}/embed.js)  ·  API {base}/api/ask  ·  "
               f"OpenAI {base}/v1  ·  MCP {base}/mcp  ·  docs {base}/docs"
               f"{'  ·  upload panel on' if admin_token else ''}"
               f"{'  ·  access token required (login at /login)' if auth_token else ''}", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
