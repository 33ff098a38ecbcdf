"""The loaded engine: index + embedder + retriever, shared by the CLI, the web app and evaluation.

One answer path: every answer (CLI, API, chat with or without its year/document scope, evaluation) goes
through `Engine.answer`, with the engine's caches and config. The answering knowledge of the loaded
records is built when the engine loads (`prepare`), so a reload builds it in the background while the
previous engine keeps answering, and no user waits for it on the first question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from qa_app.answering import (
    DEFAULT_CONFIG,
    AnswerConfig,
    KnowledgeCache,
    answer_question,
    matching_records,
    understand,
)
from qa_app.embedding import Embedder, load_embedder
from qa_app.errors import IndexMissing
from qa_app.indexes import SearchIndex, build_index, corpus_hash, load_index, store_for
from qa_app.parsing import load_corpus
from qa_app.parsing.ocr_cache import ocr_context
from qa_app.records import Answer, Hit, Record
from qa_app.retrieval import Filters, Retriever
from qa_app.scoping import ScopedRetriever, answer_in_scope
from qa_app.settings import Settings
from qa_app.text import without_surrogates


@dataclass
class Engine:
    settings: Settings
    retriever: Retriever
    knowledge: KnowledgeCache = field(default_factory=KnowledgeCache, init=False, repr=False)
    scoped: KnowledgeCache = field(default_factory=KnowledgeCache, init=False, repr=False)  # the chat's scopes
    _scopes: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False)
    _scopes_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def load(cls, settings: Settings, build_if_missing: bool = False, progress: bool = True,
             embedder: Embedder | None = None, prepare: bool = True) -> Engine:
        """Load the index (building it first when asked and missing or stale) and the embedder; and,
        unless `prepare` is False (a command that only searches), the answering knowledge."""
        embedder = embedder or load_embedder(settings)
        index = _current_index(settings, embedder.model_id) if build_if_missing else load_index(settings)
        if index is None:
            build_index(settings, embedder=embedder, progress=progress)
            index = load_index(settings)
        engine = cls(settings, Retriever(index, embedder))
        return engine.prepare() if prepare else engine

    def prepare(self) -> Engine:
        """Build what answering reads for these records (the answerer's knowledge: vocabulary, postings,
        columns) now, not on the first question: at 100k records that took the first answer 46 s."""
        self.knowledge.get(self.records)
        return self

    @property
    def records(self) -> tuple[Record, ...]:
        return self.retriever.records

    @property
    def model_id(self) -> str:
        return self.retriever.embedder.model_id

    def record(self, record_id: str) -> Record | None:
        row = self.retriever.row_of(record_id)
        return None if row is None else self.records[row]

    def search(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "hybrid",
               scope: bool = True) -> list[Hit]:
        """Search; without explicit filters, the year, period and document kind a question names
        ("2021年一季度…", "…任务里…") become filters, unless that leaves nothing to search."""
        if (filters is None or filters.is_empty()) and scope and without_surrogates(query).strip():
            understood, matched = self.scope_of(query)
            if matched:
                hits = self.retriever.search(query, k=k, mode=mode, within=matched)
                if len(hits) < k:
                    seen = {h.record_id for h in hits}
                    rest = [h for h in self.retriever.search(query, k=k, filters=understood, mode=mode)
                            if h.record_id not in seen]
                    hits += [replace(h, rank=len(hits) + n) for n, h in enumerate(rest[: k - len(hits)], 1)]
                return hits
            if understood is not None:
                hits = self.retriever.search(query, k=k, filters=understood, mode=mode)
                if hits:
                    return hits
        return self.retriever.search(query, k=k, filters=filters, mode=mode)

    def scope_of(self, query: str) -> tuple[Filters | None, list[str]]:
        """The year, period and kind a question names, as filters; and for a list or count question,
        the ids of every record its structured conditions select (what the answer counts)."""
        knowledge = self.knowledge.get(self.records)
        question = understand(without_surrogates(query).strip(), knowledge.vocab)
        scope = Filters(year=question.year, period=question.period, kind=question.kind)
        matched = []
        if question.intent in ("list", "count") and not question.absent:
            matched = [r.id for r in matching_records(knowledge, question)]
        return (None if scope.is_empty() else scope), matched

    def export_records(self, record_ids: Sequence[str]) -> list[Record]:
        """The records an answer's export writes: `Answer.record_ids`, what it counted or listed (a list
        cut at its first cited records still carries every record it counted)."""
        return [r for r in map(self.record, record_ids) if r is not None]

    def answer(self, question: str, history: list | None = None, mode: str = "hybrid",
               config: AnswerConfig = DEFAULT_CONFIG, scope: Filters | None = None) -> Answer:
        """Answer a question; within `scope` (the chat's year/document filters) only its records count."""
        if isinstance(question, str):
            question = without_surrogates(question)  # echoed in the Answer, which must encode as UTF-8
        if scope is None or scope.is_empty():
            return answer_question(self.retriever, question, history or [], mode=mode, cache=self.knowledge,
                                   config=config)
        return answer_in_scope(self.retriever, self._scoped_retriever(scope), question, history or [],
                               (self.knowledge, self.scoped), mode, config)

    def _scoped_retriever(self, scope: Filters, keep: int = 8) -> ScopedRetriever:
        """The retriever of a scope, kept for the next question in it (its records tuple is then the same
        object, which the knowledge cache finds at once)."""
        with self._scopes_lock:
            found = self._scopes.pop(scope, None) or ScopedRetriever(self.retriever, scope)
            self._scopes[scope] = found
            while len(self._scopes) > keep:
                self._scopes.popitem(last=False)
            return found


def _current_index(settings: Settings, model_id: str) -> SearchIndex | None:
    """The live index when it loads and was built from the corpus as it is now; None when it must be
    (re)built. Loading it once here spares the second full read that verifying in `build_index` and
    then loading would cost."""
    try:
        index = load_index(settings)
    except IndexMissing:
        return None
    if store_for(settings).shared:
        # The store is shared by replicas that may each have their own corpus folder: syncing it to
        # this one would drop what another replica added. `qa build` is the explicit sync.
        return index
    with ocr_context(settings.index_dir):
        records = list(load_corpus(settings.corpus_dir, settings.limits).records)
    return index if index.manifest.get("corpus_hash") == corpus_hash(records, model_id) else None
