"""The loaded engine: index + embedder + retriever, shared by the CLI, the web app and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from qa_app.embedding import Embedder, load_embedder
from qa_app.errors import IndexMissing
from qa_app.indexes import build_index, load_index
from qa_app.records import Answer, Hit, Record
from qa_app.retrieval import Filters, Retriever
from qa_app.settings import Settings
from qa_app.text import without_surrogates


@dataclass
class Engine:
    settings: Settings
    retriever: Retriever

    @classmethod
    def load(cls, settings: Settings, build_if_missing: bool = False, progress: bool = True,
             embedder: Embedder | None = None) -> Engine:
        """Load the index (building it first when asked and missing or stale) and the embedder."""
        embedder = embedder or load_embedder(settings)
        if build_if_missing:
            build_index(settings, embedder=embedder, progress=progress)
        try:
            index = load_index(settings)
        except IndexMissing:
            if not build_if_missing:
                raise
            build_index(settings, embedder=embedder, progress=progress)
            index = load_index(settings)
        return cls(settings, Retriever(index, embedder))

    @property
    def records(self) -> tuple[Record, ...]:
        return self.retriever.records

    @property
    def model_id(self) -> str:
        return self.retriever.embedder.model_id

    def record(self, record_id: str) -> Record | None:
        row = self.retriever.row_of(record_id)
        return None if row is None else self.records[row]

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid") -> list[Hit]:
        return self.retriever.search(query, k=k, filters=filters, mode=mode)

    def answer(self, question: str, history: list | None = None, mode: str = "hybrid") -> Answer:
        from qa_app.answering import answer_question

        if isinstance(question, str):
            question = without_surrogates(question)  # echoed in the Answer, which must encode as UTF-8
        return answer_question(self.retriever, question, history or [], mode=mode)
