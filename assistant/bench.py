"""``python -m assistant bench``: latency of /api/ask over real HTTP, and the embedding backends compared.

The server runs in this process on a loopback port (uvicorn in a thread) and is asked the question set
sequentially; the figures are medians, so that a noisy shared machine does not decide them. The
baseline in the same run is the retrieval alone (no HTTP, no composing), so the cost of each layer shows.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn

from assistant.api.app import create_app
from assistant.service import AssistantService
from core.settings import Settings
from ingest.models import Chunk


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ServerThread:
    """A real uvicorn server on 127.0.0.1 for the length of a ``with`` block."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def question_texts(question_dir: Path, limit: int) -> list[str]:
    import json

    texts = []
    for path in sorted(question_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["question"])
    return texts[:limit]


def api_latency(settings: Settings, questions: list[str], rounds: int = 1) -> dict[str, float]:
    """p50/p95 of POST /api/ask (extractive) and, as the in-process baseline, of the search alone."""
    service = AssistantService(settings)
    service.ask(questions[0])  # warm up: model load, lexical index, term statistics
    search_ms = []
    for q in questions:
        started = time.perf_counter()
        service.search.run(q, 5)
        search_ms.append((time.perf_counter() - started) * 1000)
    http_ms = []
    with ServerThread(settings) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        client.post("/api/ask", json={"question": questions[0]}).raise_for_status()
        for _ in range(rounds):
            for q in questions:
                started = time.perf_counter()
                client.post("/api/ask", json={"question": q, "top_k": 5}).raise_for_status()
                http_ms.append((time.perf_counter() - started) * 1000)
    return {
        "questions": float(len(http_ms)),
        "ask_p50_ms": statistics.median(http_ms),
        "ask_p95_ms": percentile(http_ms, 0.95),
        "search_only_p50_ms": statistics.median(search_ms),
        "search_only_p95_ms": percentile(search_ms, 0.95),
    }


def _passages_per_second(encode: Callable[[list[str]], object], texts: list[str]) -> tuple[float, float]:
    """(per wall second, per CPU second of this process): the second barely moves when other programs
    load the shared machine, the first is what a user waits."""
    started, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return len(texts) / (time.perf_counter() - started), len(texts) / (time.process_time() - cpu)


def _normalised(text: str) -> str:
    return " ".join(text.replace("*", "").split()).lower()


def dense_hit_at_5(
    vectors: np.ndarray[Any, np.dtype[np.float32]],
    chunks: list[Chunk],
    questions: np.ndarray[Any, np.dtype[np.float32]],
    evidence: list[list[tuple[str, str]]],
) -> float:
    """Share of questions whose top 5 chunks by cosine alone hold one of its evidence quotes (by its
    first 40 characters, in its document): the backends compared without BM25 or rules to hide a drift."""
    texts = [_normalised(c.text) for c in chunks]
    hits = 0
    for question, quotes in zip(questions, evidence, strict=True):
        top = np.argsort(-(vectors @ question))[:5]
        hits += any(chunks[i].source == doc and quote in texts[i] for i in top for doc, quote in quotes)
    return hits / max(len(evidence), 1)


def labelled_questions(question_dir: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """(question, [(document, quote start)]) for every question of the set that has evidence."""
    import json

    labelled = []
    for path in sorted(question_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            quotes = [(e["doc"], _normalised(e["quote"])[:40]) for e in row.get("evidence", []) if e.get("quote")]
            if quotes:
                labelled.append((row["question"], quotes))
    return labelled


def embedding_backends(
    settings: Settings, chunks: list[Chunk], question_dir: Path, speed_passages: int = 200, rounds: int = 5
) -> dict[str, float]:
    """torch fp32 against ONNX int8 in one run, caches bypassed: passages/s (median of ``rounds``,
    interleaved so that the shared machine's load falls on both alike), one query's latency, the cosine
    between their vectors of every chunk, and dense-only hit@5 of each on the labelled questions."""
    from ingest.embeddings.model import load_encoder

    embedding = settings.embedding
    encoders = {
        name: load_encoder(embedding.model_copy(update={"backend": name}), settings.models_dir)
        for name in ("torch", "onnx-int8")
    }
    passages = [embedding.passage_prefix + c.embed_text() for c in chunks]
    speed: dict[str, list[tuple[float, float]]] = {name: [] for name in encoders}
    for _ in range(rounds):
        for name, encoder in encoders.items():
            speed[name].append(_passages_per_second(encoder.encode, passages[:speed_passages]))
    labelled = labelled_questions(question_dir)
    queries = [embedding.query_prefix + q for q, _ in labelled]
    figures: dict[str, float] = {"passages": float(min(len(passages), speed_passages)), "chunks": float(len(chunks))}
    vectors = {}
    for name, encoder in encoders.items():
        figures[f"{name}_passages_per_s"] = statistics.median(wall for wall, _ in speed[name])
        figures[f"{name}_passages_per_cpu_s"] = statistics.median(cpu for _, cpu in speed[name])
        query_ms = []
        for query in queries[:20]:
            started = time.perf_counter()
            encoder.encode([query])
            query_ms.append((time.perf_counter() - started) * 1000)
        figures[f"{name}_query_ms"] = statistics.median(query_ms)
        vectors[name] = (encoder.encode(passages), encoder.encode(queries))
    figures["speedup"] = figures["onnx-int8_passages_per_s"] / figures["torch_passages_per_s"]
    figures["speedup_cpu"] = figures["onnx-int8_passages_per_cpu_s"] / figures["torch_passages_per_cpu_s"]
    cosine = (vectors["torch"][0] * vectors["onnx-int8"][0]).sum(axis=1)
    figures["cosine_mean"], figures["cosine_min"] = float(cosine.mean()), float(cosine.min())
    query_cosine = (vectors["torch"][1] * vectors["onnx-int8"][1]).sum(axis=1)
    figures["query_cosine_min"] = float(query_cosine.min())
    figures["questions"] = float(len(labelled))
    for name, (passage_vectors, query_vectors) in vectors.items():
        figures[f"{name}_dense_hit_at_5"] = dense_hit_at_5(
            passage_vectors, chunks, query_vectors, [quotes for _, quotes in labelled]
        )
    return figures
