"""``python -m assistant scalebench``: query latency and memory at 1k, 10k and 100k chunks.

Synthetic collections are grown from the real chunks: each copy gets another locality and other
figures (so the lexical index sees new vocabulary) and a vector near the original's (the real vector
plus small noise, normalised), because embedding 100k passages would take over an hour on 2 cores.
Latency is measured through the same HybridSearch as the API, on questions from the question set.
"""

from __future__ import annotations

import random
import re
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.bench import percentile
from assistant.index.store import Store
from assistant.retrieval.hybrid import HybridSearch
from core.settings import Settings
from ingest.models import Chunk, DocumentMeta

PLACES = [
    "Mường Lát",
    "Quan Sơn",
    "Bá Thước",
    "Mù Cang Chải",
    "Trạm Tấu",
    "Si Ma Cai",
    "Bắc Yên",
    "Kỳ Sơn",
    "Tương Dương",
    "Quế Phong",
    "Nam Trà My",
    "Tây Trà",
    "Kon Plông",
    "Tu Mơ Rông",
    "Đam Rông",
    "Krông Bông",
]


def _vary(text: str, place: str, rng: random.Random) -> str:
    text = re.sub(r"Krông Nô|Trực Thái|Ia H['’]Drai|Đắk Glei", place, text)
    return re.sub(r"\d{1,3}(?:\.\d{3})+", lambda m: f"{rng.randint(1, 99)}.{rng.randint(100, 999)}", text)


def build_synthetic(source: Store, target: Store, size: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    base = source.catalog.chunks()
    vectors = dict(zip(*_all_vectors(source), strict=True))
    noise = np.random.default_rng(seed)
    copies = 0
    while copies * len(base) < size:
        place = PLACES[copies % len(PLACES)] + (f" {copies // len(PLACES)}" if copies >= len(PLACES) else "")
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in base[: size - copies * len(base)]:
            doc_id = f"{chunk.doc_id}-s{copies}"
            by_doc.setdefault(doc_id, []).append(
                chunk.model_copy(
                    update={
                        "chunk_id": f"{doc_id}:{chunk.chunk_id.rsplit(':', 1)[1]}",
                        "doc_id": doc_id,
                        "text": _vary(chunk.text, place, rng),
                        "sentences": [],
                    }
                )
            )
        for doc_id, chunks in by_doc.items():
            meta = DocumentMeta(
                doc_id=doc_id,
                source=f"{doc_id}.txt",
                path=f"/synthetic/{doc_id}.txt",
                title=f"Kế hoạch huyện {place}",
                locality=place,
                locality_level="huyện",
                years=[2024],
                sha256=doc_id,
            )
            matrix = np.stack([vectors[c.chunk_id.replace(f"-s{copies}", "")] for c in chunks])
            matrix = matrix + noise.normal(0, 0.02, matrix.shape).astype(np.float32)
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            for start in range(0, len(chunks), 2000):
                part = chunks[start : start + 2000]
                target.collection.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=matrix[start : start + 2000],
                    metadatas=[{"doc_id": doc_id} for _ in part],
                )
            target.catalog.replace_document(meta, 0, chunks, target.fingerprint)
        copies += 1
    target.rebuild_lexical()


def _all_vectors(store: Store) -> tuple[list[str], np.ndarray]:
    result = store.collection.get(include=["embeddings"])
    return list(result["ids"]), np.asarray(result["embeddings"], dtype=np.float32)


def measure(settings: Settings, questions: list[str], sizes: list[int]) -> list[dict[str, float]]:
    source = Store(settings)
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"scale-{size}-") as folder:
            target = Store(settings.model_copy(update={"data_dir": Path(folder)}))
            started = time.perf_counter()
            build_synthetic(source, target, size)
            built = time.perf_counter() - started
            search = HybridSearch(target, settings.retrieval)
            search.run(questions[0], 5)  # warm up the lexical index and the model
            latencies = []
            for question in questions:
                t = time.perf_counter()
                search.run(question, 5)
                latencies.append((time.perf_counter() - t) * 1000)
            rows.append(
                {
                    "chunks": float(len(target.catalog.chunk_ids())),
                    "build_s": built,
                    "p50_ms": statistics.median(latencies),
                    "p95_ms": percentile(latencies, 0.95),
                    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
    return rows
