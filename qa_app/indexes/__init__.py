"""Record chunks → a FAISS vector index and a jieba BM25 index, persisted atomically."""

from qa_app.indexes.chunks import chunk_text, vocabulary_words
from qa_app.indexes.dense import EXACT_LIMIT, VectorIndex
from qa_app.indexes.lexical import Bm25Index, top_rows
from qa_app.indexes.store import Index, build_index, load_index
from qa_app.indexes.tokens import STOPWORDS, Tokenizer

__all__ = [
    "EXACT_LIMIT", "STOPWORDS", "Bm25Index", "Index", "Tokenizer", "VectorIndex", "build_index",
    "chunk_text", "load_index", "top_rows", "vocabulary_words",
]

