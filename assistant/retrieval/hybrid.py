"""Hybrid retrieval: dense (Chroma, e5) + lexical (BM25 over folded Vietnamese, over chunks and over whole
sections), fused by RRF, restricted by filters and the locality a question names, nudged by year, project
and field."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import Store
from assistant.retrieval.boost import Booster
from assistant.retrieval.fusion import Ranked, ReciprocalRankFusion
from assistant.retrieval.learned import LearnedRanker, RankerLoader
from assistant.retrieval.query import QueryAnalyzer, QueryIntent
from assistant.retrieval.retrievers import DenseRetriever, Hits, PassageBM25Retriever, SectionBM25Retriever
from core.settings import RetrievalSettings
from core.text import fold
from ingest.models import Chunk, DocumentMeta
from prompts import get_prompts


class SearchFilters(BaseModel):
    locality: str | None = Field(None, description=get_prompts().api.filters["locality"])
    year: int | None = Field(None, ge=1990, le=2100)
    kind: str | None = Field(None, description=get_prompts().api.filters["kind"])
    doc_id: str | None = None

    def matches(self, doc: DocumentMeta) -> bool:
        places = [fold(p) for p in (doc.locality, doc.district, doc.province) if p]
        return (
            (self.locality is None or fold(self.locality) in places)
            and (self.year is None or self.year in doc.years)
            and (self.kind is None or fold(self.kind) == fold(doc.kind or ""))
            and (self.doc_id is None or self.doc_id == doc.doc_id)
        )

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float
    dense_similarity: float | None = None
    lexical_score: float | None = None
    section_score: float | None = None  # BM25 of the whole section the passage belongs to
    fused_score: float = 0.0  # the fusion's score with its boosts, before any learned ranker
    ranks: dict[str, int] = field(default_factory=dict)  # 1-based rank in each list that returned it


@dataclass
class SearchResult:
    intent: QueryIntent
    passages: list[ScoredChunk] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridSearch:
    """Pipeline step: question (+ filters) → ranked chunks."""

    def __init__(self, store: Store, settings: RetrievalSettings, apply_ranker: bool = True) -> None:
        """``apply_ranker=False``: the fused candidates with everything the ranker reads, in fusion order
        (what the ranker is trained on)."""
        self.store = store
        self.settings = settings
        self.dense = DenseRetriever(store, settings.dense_k)
        self.passages = PassageBM25Retriever(store, settings.lexical_k)
        self.section_lists = SectionBM25Retriever(store, settings.section_k)
        self.booster = Booster(settings)
        lexical = {
            "lexical": settings.lexical_weight,
            "section": settings.section_weight,
            "section_best": settings.section_best_weight,
        }
        self.fusion = ReciprocalRankFusion(settings.rrf_k, {"dense": settings.dense_weight, **lexical})
        self.folded_fusion = ReciprocalRankFusion(
            settings.rrf_k, {"dense": settings.dense_weight_no_diacritics, **lexical}
        )
        # without a model file (or with one of other features) the hand-tuned fusion ranks
        self.rankers = RankerLoader(settings, store.data_dir) if apply_ranker else None
        learned = settings.ranker == "lambdarank"
        self._sectioned = bool(settings.section_weight or settings.section_best_weight or learned)

    def run(self, question: str, top_k: int, filters: SearchFilters | None = None) -> SearchResult:
        import time

        started = time.perf_counter()
        snapshot = self.store.snapshot()
        documents = snapshot.documents
        intent = self._analyzer(snapshot).run(question)
        result = SearchResult(intent)
        allowed = self._allowed_documents(documents, intent, filters)
        if allowed is not None and not allowed:
            return result
        analysed = time.perf_counter()

        dense = self.dense.run(question, allowed)
        dense_done = time.perf_counter()
        lexical = self.passages.run(snapshot, question, allowed)
        lists = {"dense": dense, "lexical": lexical}
        if self._sectioned:
            lists["section"], lists["section_best"] = self.section_lists.run(snapshot, question, allowed, lexical)
        lexical_done = time.perf_counter()

        fusion = self.fusion if intent.has_diacritics else self.folded_fusion
        rankings = {name: hits.ranking for name, hits in lists.items()}
        fused = fusion.run(rankings)
        chunks = self.store.catalog.chunks_by_id([i for i, _ in fused])  # drops ids the catalog no longer has
        ranks = _ranks(rankings)
        section = lists.get("section", Hits())
        scored = []
        for i, score in fused:
            if i in chunks:
                boosted = score * self.booster.run(chunks[i], documents.get(chunks[i].doc_id), intent)
                scored.append(
                    ScoredChunk(
                        chunks[i],
                        boosted,
                        dense.scores.get(i),
                        lexical.scores.get(i),
                        section.scores.get(i),
                        boosted,
                        {name: found[i] for name, found in ranks.items() if i in found},
                    )
                )
        scored.sort(key=lambda s: (-s.score, s.chunk.chunk_id))
        ranker = self.ranker
        if ranker is not None:
            scored = ranker.run(scored, intent, question, documents)
        result.passages = scored[:top_k]
        done = time.perf_counter()
        result.timings_ms = {
            "analyse": (analysed - started) * 1000,
            "dense": (dense_done - analysed) * 1000,  # the question's embedding and the vector search
            "lexical": (lexical_done - dense_done) * 1000,
            "fuse": (done - lexical_done) * 1000,
        }
        return result

    @property
    def ranker(self) -> LearnedRanker | None:
        """The learned ranker of this search now (a changed model file is read again), or None: the fusion."""
        return self.rankers.current() if self.rankers is not None else None

    def ranker_label(self) -> str:
        return self.rankers.describe() if self.rankers is not None else "fusion"

    def analyze(self, question: str) -> QueryIntent:
        return self._analyzer(self.store.snapshot()).run(question)

    def _analyzer(self, snapshot: IndexSnapshot) -> QueryAnalyzer:
        """The question analyser over the collection's documents (their places and years)."""
        provinces = self.store.settings.provinces_file
        return snapshot.derived(
            ("query-analyzer", provinces), lambda s: QueryAnalyzer(list(s.documents.values()), provinces)
        )

    @staticmethod
    def _allowed_documents(
        documents: dict[str, DocumentMeta], intent: QueryIntent, filters: SearchFilters | None
    ) -> set[str] | None:
        if filters is not None and not filters.is_empty():
            return {d for d, meta in documents.items() if filters.matches(meta)}
        return intent.doc_ids


def _ranks(rankings: dict[str, list[Ranked]]) -> dict[str, dict[str, int]]:
    """List name → passage id → its 1-based rank there (the passages of one section share its rank)."""
    out: dict[str, dict[str, int]] = {}
    for name, places in rankings.items():
        found = out.setdefault(name, {})
        for rank, place in enumerate(places, start=1):
            for item in (place,) if isinstance(place, str) else place:
                found.setdefault(item, rank)
    return out
