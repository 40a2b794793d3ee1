"""The assistant as one object: search → compose (extractive, or LLM with extractive fallback)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from assistant.answer.extractive import ExtractiveComposer
from assistant.answer.facts import DOCUMENT_NUMBER
from assistant.answer.models import Answer
from assistant.answer.scoring import EvidenceScorer
from assistant.conversation import Conversation, Turn, strip_places, strip_years
from assistant.followup import resolve_follow_up
from assistant.index.snapshot import IndexSnapshot
from assistant.index.store import Store
from assistant.retrieval.frame import VALUE_TYPES, FrameReader, QuestionFrame, Scope, expand_abbreviations, project_of
from assistant.retrieval.hybrid import HybridSearch, ScoredChunk, SearchFilters, SearchResult
from assistant.retrieval.query import mentions_field
from core.settings import Settings
from core.text import fold
from ingest.models import SECTION_SEPARATOR, Chunk, DocumentMeta
from prompts import get_prompts

Mode = Literal["extractive", "llm"]


@dataclass
class AskOutcome:
    answer: Answer
    passages: list[ScoredChunk]
    timings_ms: dict[str, float] = field(default_factory=dict)
    search: SearchResult | None = None
    effective_question: str = ""


class AssistantService:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        """``store``: the index to answer from, when not the one the settings name (the fast tests' in-memory one)."""
        self.settings = settings
        self.store = store or Store(settings)
        self.search = HybridSearch(self.store, settings.retrieval)
        self.prompts = get_prompts()
        self.frames = FrameReader()

    def documents(self) -> dict[str, DocumentMeta]:
        return {d.doc_id: d for d in self.store.catalog.documents()}

    # What the API and the CLI read of the index: through these, no caller reaches into the store.

    def document(self, doc_id: str) -> DocumentMeta | None:
        return self.store.catalog.document(doc_id)

    def chunks(self, doc_id: str | None = None) -> list[Chunk]:
        """The passages of one document in reading order, or of every document."""
        return self.store.catalog.chunks(doc_id)

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.store.catalog.chunk(chunk_id)

    def chunk_counts(self) -> Counter[str]:
        """doc_id → how many passages the document was cut into."""
        return Counter(chunk_id.rsplit(":", 1)[0] for chunk_id in self.store.catalog.chunk_ids())

    def document_path(self, doc_id: str) -> Path | None:
        """Where the indexed file of ``doc_id`` is on this server."""
        path = self.store.catalog.paths().get(doc_id)
        return Path(path) if path is not None else None

    def document_lines(self, doc_id: str) -> list[str] | None:
        """The document's lines as cited (line 1 = ``[0]``), None for an unknown document; raises
        ``LoadError`` or ``OSError`` when its file moved or broke since it was indexed."""
        from ingest.loaders import collection_loader  # the parsers' imports only when a text is read

        path = self.document_path(doc_id)
        return collection_loader(self.settings).run(path).lines if path is not None else None

    def delete_document(self, doc_id: str) -> bool:
        """False for an unknown document; raises ``filelock.Timeout`` when another write holds the index
        longer than ``server.write_lock_timeout_s``."""
        from assistant.index.indexer import IngestPipeline

        if self.document_path(doc_id) is None:
            return False
        with self.store.writer_lock.acquire(timeout=self.settings.server.write_lock_timeout_s):
            IngestPipeline(self.store).delete(doc_id)
        return True

    def composer(self) -> ExtractiveComposer:
        """One composer per index snapshot: its scorer's document frequencies and token cache stay valid
        until a document changes."""
        return self.store.snapshot().derived("composer", self._build_composer)  # the store is this service's own

    def _build_composer(self, snapshot: IndexSnapshot) -> ExtractiveComposer:
        counts: Counter[str] = Counter()
        for chunk in snapshot.chunks:
            counts.update(set(self.store.analyzer.tokens(chunk.embed_text())))
        scorer = EvidenceScorer(
            self.store.analyzer.tokens, counts.__getitem__, len(snapshot.chunks), self.settings.answer.section_weight
        )
        return ExtractiveComposer(scorer, self.prompts, self.settings.answer, self.frames)

    @staticmethod
    def _with_scope(frame: QuestionFrame, override: Scope | None) -> QuestionFrame:
        """What the user set explicitly (the page's chips) wins over what was read from the question. A field
        chip changed from the question's asks for that field: "Kinh phí … bao nhiêu?" re-asked with the field
        Đối tượng wants the beneficiaries, not a figure."""
        if override is None:
            return frame
        update: dict[str, object] = {"scope": override.merged_over(frame.scope)}
        if override.field is not None and override.field != frame.scope.field and frame.asked in VALUE_TYPES:
            update |= {"asked": "list", "also": [], "units": [], "per": None}
        return frame.model_copy(update=update)

    def scope_chunks(self, question: str, frame: QuestionFrame, result: SearchResult) -> list[Chunk]:
        """Where the asked values are stated, wherever they rank: the chunks of the asked project (or, with a
        place named, of the asked field), those citing the document the question names, for an office
        question every assignment of the place's documents, and the sibling fields of the best passages'
        sub-projects (their "Nội dung" states what a "Mục tiêu" passage only announces)."""
        s = frame.scope
        numbers = set(DOCUMENT_NUMBER.findall(question))
        named_project = s.project is not None or s.subproject is not None
        offices = frame.asked == "office" and result.intent.doc_ids is not None
        chunks = self.store.snapshot().chunks
        if numbers:  # every passage that cites the document asked about: two of them may date it differently
            return [c for c in chunks if any(n in c.text for n in numbers)]
        parents = {
            (p.chunk.doc_id, tuple(p.chunk.section_path[:-1]))
            for p in result.passages[: self.settings.answer.quoted_passages]
        }
        allowed = result.intent.doc_ids
        picked = []
        for chunk in chunks:
            if allowed is not None and chunk.doc_id not in allowed:
                continue
            if (chunk.doc_id, tuple(chunk.section_path[:-1])) in parents:
                picked.append(chunk)
            elif offices and any(f.kind == "office" for f in chunk.facts):
                picked.append(chunk)  # a project's office is often assigned under "Tổ chức thực hiện", not in it
            elif named_project:
                path = fold(SECTION_SEPARATOR.join(chunk.section_path))
                if all(name is None or fold(name) in path for name in (s.project, s.subproject)):
                    picked.append(chunk)  # every field: money is often stated under the sub-project's lines
            elif s.field is not None and allowed is not None:
                path = fold(SECTION_SEPARATOR.join(chunk.section_path))
                if chunk.field == s.field or mentions_field(path, s.field):
                    picked.append(chunk)
        return picked

    def _answered_scope(self, question: str, answer: Answer) -> QuestionFrame | None:
        """The frame a follow-up inherits: what was asked, with the Dự án / Tiểu dự án the question named by its
        title ("tiểu dự án cải thiện dinh dưỡng") rather than its number, else the one the answer came from."""
        frame = answer.frame
        if frame is None or frame.scope.project or frame.scope.subproject:
            return frame
        project, subproject = self.frames.titled_project(question)
        if project is None:
            chunk = self.store.catalog.chunk(answer.citations[0].chunk_id) if answer.citations else None
            if answer.refused or chunk is None:
                return frame
            project, subproject = project_of(chunk.section_path)
        scope = frame.scope.model_copy(update={"project": project, "subproject": subproject})
        return frame.model_copy(update={"scope": scope})

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        filters: SearchFilters | None = None,
        mode: Mode = "extractive",
        scope: Scope | None = None,
        conversation: Conversation | None = None,
    ) -> AskOutcome:
        """One question, or one turn of ``conversation`` (then the turn is added to it)."""
        if mode == "llm" and not self.settings.llm.base_url:
            from assistant.answer.llm import LLMNotConfiguredError

            raise LLMNotConfiguredError  # before any work: the reader is told at once, and nothing leaves the machine
        started = time.perf_counter()
        top_k = top_k or self.settings.retrieval.top_k
        asked = expand_abbreviations(question)
        intent = self.search.analyze(asked)  # once: the frame and the follow-up read the same analysis
        frame = self._with_scope(self.frames.run(asked, intent), scope)
        searched_for = asked
        if conversation is not None:
            searched_for, frame = resolve_follow_up(conversation, asked, frame, intent)
            frame = self._with_scope(frame, scope)
        if scope is not None and scope.locality is not None:  # the chip's place replaces the question's
            searched_for = strip_places(searched_for, self.search.analyze(searched_for).localities)
        if scope is not None and scope.year is not None:
            searched_for = strip_years(searched_for)
        if scope is not None and scope.field not in (None, intent.field):
            searched_for = ""  # the question's words ask about its own field: the chip's scope says what is asked
        searched_for = " ".join([searched_for, *_scope_words(searched_for, scope)]).strip()
        if conversation is None and scope is None and len(intent.localities) > 1:
            # a question comparing places is one question per place, each answered from that place's documents
            questions = _per_place(searched_for, intent.localities, intent.years)
            outcomes = [self.ask(q, top_k, filters, mode) for q in questions]
            answer = self.composer().joined([o.answer for o in outcomes], frame, self.documents())
            passages = [p for pair in zip(*(o.passages for o in outcomes), strict=False) for p in pair][:top_k]
            timings = {"total": (time.perf_counter() - started) * 1000}
            return AskOutcome(answer, passages, timings, outcomes[0].search, searched_for)
        # every candidate, ranked: the typed facts of the first `fact_pool` passages, in the ranker's order and in
        # the fusion's, may hold the asked value
        result = self.search.run(searched_for, _ALL_CANDIDATES, filters)
        searched = time.perf_counter()
        documents = self.documents()
        composer = self.composer()
        answer = composer.run(searched_for, result, documents, frame, self.scope_chunks(searched_for, frame, result))
        if mode == "llm" and not answer.refused:
            from assistant.answer.llm import LLMComposer

            answer = LLMComposer(self.settings.llm, self.prompts).run(searched_for, result, answer)
        done = time.perf_counter()
        timings = {
            **result.timings_ms,
            "search": (searched - started) * 1000,
            "compose": (done - searched) * 1000,
            "total": (done - started) * 1000,
        }
        if conversation is not None:
            remembered = self._answered_scope(asked, answer)
            conversation.add(Turn(question, searched_for, result.intent.localities, remembered))
        return AskOutcome(answer, result.passages[:top_k], timings, result, searched_for)


_ALL_CANDIDATES = 1000  # more than the fusion ever returns (dense_k + lexical_k + sections' passages)


def _scope_words(question: str, scope: Scope | None) -> list[str]:
    """What an explicit scope adds to the searched text, so retrieval looks where the answer is."""
    if scope is None:
        return []
    folded = fold(question)
    names = [scope.project, scope.subproject, scope.field, scope.funding, scope.locality]
    names.append(f"năm {scope.year}" if scope.year else None)
    return [name for name in names if name and fold(name) not in folded]


def _per_place(question: str, places: list[str], years: list[int]) -> list[str]:
    """ "kế hoạch 2024 của Krông Nô và kế hoạch 2022 của Ia H'Drai" → one question per place; as many years
    as places pair up in the order the question names them, else each question keeps every year."""
    folded = fold(question).replace("'", "")
    ordered = sorted(places, key=lambda place: folded.find(fold(place).replace("'", "")))
    bare = strip_places(question, places)
    if len(years) == len(places):
        by_position = sorted(years, key=lambda year: folded.find(str(year)))
        bare = strip_years(bare)
        return [f"{bare} {place} năm {year}" for place, year in zip(ordered, by_position, strict=True)]
    return [f"{bare} {place}" for place in ordered]
