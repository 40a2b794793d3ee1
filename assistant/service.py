"""The assistant as one object: search → compose (extractive, or LLM with extractive fallback)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from assistant.answer.extractive import EvidenceScorer, ExtractiveComposer
from assistant.answer.models import Answer
from assistant.retrieval.hybrid import HybridSearch, ScoredChunk, SearchFilters, SearchResult
from assistant.settings import Settings
from ingest.models import DocumentMeta
from ingest.store import Store
from prompts import get_prompts

Mode = Literal["extractive", "llm"]


@dataclass
class AskOutcome:
    answer: Answer
    passages: list[ScoredChunk]
    timings_ms: dict[str, float] = field(default_factory=dict)
    search: SearchResult | None = None


class AssistantService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.search = HybridSearch(self.store, settings.retrieval)
        self.prompts = get_prompts()
        self._frequencies: tuple[str, Counter[str]] | None = None
        self._guard = threading.Lock()

    def documents(self) -> dict[str, DocumentMeta]:
        return {d.doc_id: d for d in self.store.catalog.documents()}

    def composer(self) -> ExtractiveComposer:
        version = self.store.catalog.version()
        with self._guard:
            if self._frequencies is None or self._frequencies[0] != version:
                counts: Counter[str] = Counter()
                for chunk in self.store.catalog.chunks():
                    counts.update(set(self.store.analyzer.tokens(chunk.embed_text())))
                counts["__total__"] = len(self.store.catalog.chunk_ids())
                self._frequencies = (version, counts)
            frequencies = self._frequencies[1]
        scorer = EvidenceScorer(self.store.analyzer.tokens, frequencies.__getitem__, frequencies["__total__"])
        return ExtractiveComposer(scorer, self.prompts, self.settings.answer)

    def ask(
        self, question: str, top_k: int | None = None, filters: SearchFilters | None = None, mode: Mode = "extractive"
    ) -> AskOutcome:
        started = time.perf_counter()
        top_k = top_k or self.settings.retrieval.top_k
        result = self.search.run(question, max(top_k, 3), filters)
        searched = time.perf_counter()
        documents = self.documents()
        composer = self.composer()
        answer = composer.run(question, result, documents)
        if mode == "llm" and not answer.refused:
            from assistant.answer.llm import LLMComposer

            answer = LLMComposer(self.settings.llm, self.prompts).run(question, result, answer)
        done = time.perf_counter()
        timings = {
            **result.timings_ms,
            "search": (searched - started) * 1000,
            "compose": (done - searched) * 1000,
            "total": (done - started) * 1000,
        }
        return AskOutcome(answer, result.passages[:top_k], timings, result)
