"""The index in a Milvus collection (Milvus Lite embedded, `milvus-lite server`, or a Milvus cluster).

Optional: needs the `milvus` extra (pymilvus, milvus-lite); without it every entry point raises
StoreUnavailable with the install command. Nothing here imports pymilvus until it is used.
"""

from qa_app.indexes.milvus.client import INSTALL_HINT, require
from qa_app.indexes.milvus.reader import MilvusIndex, index_version, load_index
from qa_app.indexes.milvus.updates import update_documents
from qa_app.indexes.milvus.writer import build_index

__all__ = ["INSTALL_HINT", "MilvusIndex", "MilvusStore", "build_index", "index_version", "load_index",
           "update_documents"]


class MilvusStore:
    """The `Store` of a Milvus collection behind an alias, shared by every replica that names it."""

    name = "milvus"
    shared = True

    def require(self, settings) -> None:
        require(settings)

    def build_index(self, settings, embedder=None, progress: bool = True) -> dict:
        return build_index(settings, embedder=embedder, progress=progress)

    def load_index(self, settings) -> MilvusIndex:
        return load_index(settings)

    def update_documents(self, settings, docs, embedder=None, progress: bool = False) -> dict:
        return update_documents(settings, docs, embedder=embedder, progress=progress)

    def index_version(self, settings) -> str | None:
        return index_version(settings)
