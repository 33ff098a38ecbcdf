"""The index in a Milvus collection (Milvus Lite embedded, `milvus-lite server`, or a Milvus cluster).

Optional: needs the `milvus` extra (pymilvus, milvus-lite); without it every entry point raises
StoreUnavailable with the install command. Nothing here imports pymilvus until it is used.
"""

from qa_app.indexes.milvus.client import INSTALL_HINT
from qa_app.indexes.milvus.reader import MilvusIndex, index_version, load_index
from qa_app.indexes.milvus.updates import update_documents
from qa_app.indexes.milvus.writer import build_index

__all__ = ["INSTALL_HINT", "MilvusIndex", "build_index", "index_version", "load_index", "update_documents"]
