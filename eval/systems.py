"""The systems an evaluation run compares: ours (in process or over HTTP) and three baselines.

Every system answers a question with ranked passages (file name, line range, text); ours also with an
answer, its citations and whether it refused. A follow-up (the second turn of a conversation) goes to
ours through the chat path, both turns in one conversation; the baselines have no conversation and
search the second turn alone. The baselines are what a team would build instead:
BM25 alone and dense alone over our chunks, and the naive LangChain pipeline (character splitter
1000/200, the same embeddings, Chroma).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaClientSettings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.chat import ChatService
from assistant.conversation import ConversationStore
from assistant.service import AskOutcome, AssistantService
from ingest.loaders import iter_document_files, load


@dataclass
class PassageRef:
    source: str
    line_start: int
    line_end: int
    text: str


@dataclass
class CitationRef:
    source: str
    quote: str
    line_start: int
    line_end: int
    n: int = 0  # the [n] marker in the answer text


@dataclass
class SystemAnswer:
    passages: list[PassageRef]
    latency_ms: float
    answer: str | None = None
    refused: bool | None = None
    citations: list[CitationRef] = field(default_factory=list)
    effective_question: str | None = None  # what the chat searched for a follow-up


class System(Protocol):
    name: str

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer: ...


def from_body(body: dict[str, Any], latency_ms: float) -> SystemAnswer:
    """An /api/ask or /api/chat response body (JSON, or the response model dumped) as a system answer."""
    return SystemAnswer(
        passages=[PassageRef(p["source"], p["line_start"], p["line_end"], p["text"]) for p in body["passages"]],
        latency_ms=latency_ms,
        answer=body["answer"],
        refused=body["refused"],
        citations=[
            CitationRef(c["source"], c["quote"], c["line_start"], c["line_end"], c["n"]) for c in body["citations"]
        ],
        effective_question=body.get("effective_question"),
    )


class Ours:
    name = "ours"

    def __init__(self, service: AssistantService, name: str = "ours") -> None:
        self.service = service
        self.name = name

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer:
        if previous is not None:
            return self._chat(previous, question, top_k)
        started = time.perf_counter()
        outcome = self.service.ask(question, top_k)
        return self._scored(outcome, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _scored(outcome: AskOutcome, latency: float, chat: bool = False) -> SystemAnswer:
        return SystemAnswer(
            passages=[
                PassageRef(p.chunk.source, p.chunk.line_start, p.chunk.line_end, p.chunk.text) for p in outcome.passages
            ],
            latency_ms=latency,
            answer=outcome.answer.answer,
            refused=outcome.answer.refused,
            citations=[CitationRef(c.source, c.quote, c.line_start, c.line_end, c.n) for c in outcome.answer.citations],
            effective_question=outcome.effective_question if chat else None,
        )

    def _chat(self, first: str, second: str, top_k: int) -> SystemAnswer:
        """The chat turn the API serves, twice in one fresh conversation; the second turn is timed and scored."""
        chat = ChatService(self.service, ConversationStore())
        opened = chat.turn(first, top_k=top_k)
        started = time.perf_counter()
        turn = chat.turn(second, opened.conversation_id, top_k=top_k)
        latency = (time.perf_counter() - started) * 1000
        return self._scored(turn.outcome, latency, chat=True)


class OursOverHttp:
    name = "ours"

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=120)

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer:
        conversation_id = None
        if previous is not None:
            opened = self.client.post("/api/chat", json={"question": previous, "top_k": top_k})
            opened.raise_for_status()
            conversation_id = opened.json()["conversation_id"]
        started = time.perf_counter()
        if conversation_id is None:
            response = self.client.post("/api/ask", json={"question": question, "top_k": top_k})
        else:
            turn = {"question": question, "top_k": top_k, "conversation_id": conversation_id}
            response = self.client.post("/api/chat", json=turn)
        response.raise_for_status()
        return from_body(response.json(), (time.perf_counter() - started) * 1000)


class LexicalOnly:
    name = "bm25"

    def __init__(self, service: AssistantService) -> None:
        self.service = service

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer:
        started = time.perf_counter()
        hits = self.service.store.lexical().search(question, top_k)
        chunks = self.service.store.catalog.chunks_by_id([i for i, _ in hits])
        passages = [chunks[i] for i, _ in hits if i in chunks]
        return SystemAnswer(
            [PassageRef(c.source, c.line_start, c.line_end, c.text) for c in passages],
            (time.perf_counter() - started) * 1000,
        )


class DenseOnly:
    name = "dense"

    def __init__(self, service: AssistantService) -> None:
        self.service = service

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer:
        started = time.perf_counter()
        store = self.service.store
        hits = store.dense_search(store.embeddings.embed_query(question), top_k)
        chunks = store.catalog.chunks_by_id([i for i, _ in hits])
        passages = [chunks[i] for i, _ in hits if i in chunks]
        return SystemAnswer(
            [PassageRef(c.source, c.line_start, c.line_end, c.text) for c in passages],
            (time.perf_counter() - started) * 1000,
        )


class NaiveLangChain:
    """RecursiveCharacterTextSplitter(1000, 200) over the raw files + the same embeddings + Chroma."""

    name = "naive_langchain"

    def __init__(self, service: AssistantService, corpus_dir: Path) -> None:
        self.embeddings = service.store.embeddings
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        self.records: list[PassageRef] = []
        for path in iter_document_files([corpus_dir]):
            text = "\n".join(load(path).lines)
            for document in splitter.create_documents([text]):
                start = int(document.metadata["start_index"])
                end = start + len(document.page_content)
                self.records.append(
                    PassageRef(
                        path.name, text.count("\n", 0, start) + 1, text.count("\n", 0, end) + 1, document.page_content
                    )
                )
        client = chromadb.EphemeralClient(settings=ChromaClientSettings(anonymized_telemetry=False))
        self.collection = client.get_or_create_collection(
            f"naive-{int(time.time() * 1000)}", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        vectors = self.embeddings.embed_documents([r.text for r in self.records])
        self.collection.add(
            ids=[str(i) for i in range(len(self.records))], embeddings=np.asarray(vectors, dtype=np.float32)
        )

    def answer(self, question: str, top_k: int, previous: str | None = None) -> SystemAnswer:
        started = time.perf_counter()
        raw = self.collection.query(
            query_embeddings=np.asarray([self.embeddings.embed_query(question)], dtype=np.float32),
            n_results=top_k,
            include=[],
        )
        return SystemAnswer([self.records[int(i)] for i in raw["ids"][0]], (time.perf_counter() - started) * 1000)
