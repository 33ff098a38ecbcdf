"""JSONL batches for `qa search --batch` and `qa ask --batch`: one object in, one result out."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from qa_app.errors import QAError


def run_batch(path: str, handle: Callable[[dict], dict]) -> None:
    """Feed each line's object (it must carry a string "question") to `handle`; print its result with
    the line's `id`. A bad line gets a message on stderr naming the line, and the batch goes on."""
    with click.open_file(path, encoding="utf-8") as lines:
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                    raise ValueError("each line must be an object with a string \"question\"")
                result = handle(item)
                click.echo(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False))
            except (ValueError, QAError) as exc:
                click.echo(f"{path}:{number}: skipped ({type(exc).__name__}: {exc})", err=True)
