"""The candidate lists the fusion combines, each a pipeline step of its own: dense similarity, BM25 over
passages, and BM25 over whole sections (a question worded like a section as a whole, or like its best passage)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.index.lexical import SectionIndex
from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import Store
from assistant.retrieval.fusion import Ranked


@dataclass
class Hits:
    """One list's answer: its ranked places (a passage, or the passages of one section) and passage scores."""

    ranking: list[Ranked] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def _checked_depth(k: int) -> int:
    if k < 1:
        raise ValueError(f"a retriever's depth must be at least 1, got {k}")
    return k


class DenseRetriever:
    """Pipeline step: question → passages by the cosine similarity of their e5 vectors (Chroma)."""

    def __init__(self, store: Store, k: int) -> None:
        self.store = store
        self.k = _checked_depth(k)

    def run(self, question: str, allowed: set[str] | None) -> Hits:
        """``allowed``: only passages of these documents (None: all)."""
        vector = self.store.embeddings.embed_query(question)
        scores = dict(self.store.dense_search(vector, self.k, allowed))
        return Hits(list(scores), scores)


class PassageBM25Retriever:
    """Pipeline step: question → passages by BM25 over their analysed text."""

    def __init__(self, store: Store, k: int) -> None:
        self.store = store
        self.k = _checked_depth(k)

    def run(self, snapshot: IndexSnapshot, question: str, allowed: set[str] | None) -> Hits:
        ids = self.store.catalog.chunk_ids_of(allowed) if allowed is not None else None
        scores = dict(snapshot.lexical.search(question, self.k, ids))
        return Hits(list(scores), scores)


class SectionBM25Retriever:
    """Pipeline step: question → whole sections, by their own BM25 and by their best passage's BM25
    (each section a place shared by its passages)."""

    def __init__(self, store: Store, k: int) -> None:
        self.store = store
        self.k = _checked_depth(k)

    def index(self, snapshot: IndexSnapshot) -> SectionIndex:
        """BM25 over the collection's whole sections, built once per index snapshot."""
        return snapshot.derived("sections", lambda s: SectionIndex.build(s.chunks, self.store.analyzer))

    def run(
        self, snapshot: IndexSnapshot, question: str, allowed: set[str] | None, passages: Hits
    ) -> tuple[Hits, Hits]:
        sections = self.index(snapshot)
        found = sections.search(question, self.k, allowed)
        own = Hits(
            [sections.members[s] for s, _ in found], {i: score for s, score in found for i in sections.members[s]}
        )
        best = sections.by_best_passage(passages.scores)[: self.k]
        return own, Hits([sections.members[s] for s in best])
