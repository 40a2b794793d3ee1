"""Embeddings behind LangChain's ``Embeddings`` interface, cached per (model identity, text hash).

The model identity names the backend too (``model_id``), so vectors of the int8 build never answer for
the fp32 model. Texts are NFC-normalised and given the model's "passage: " / "query: " prefix. Missing
vectors are embedded ``cache_batch`` at a time and each batch is committed as soon as it is computed,
so an ingest killed midway keeps what it embedded and the next one resumes from there. The model loads
on first use, so that importing (and the CLI) stays cheap.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from core.settings import EmbeddingSettings
from ingest.embeddings.model import Encoder, load_encoder, model_id

__all__ = ["CachedEmbeddings", "load_embeddings", "text_hash"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, text_sha256 TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_sha256)
) WITHOUT ROWID;
DROP TABLE IF EXISTS vectors;  -- the cache before the identity had its own column: rebuilt on demand
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CachedEmbeddings(Embeddings):
    def __init__(self, settings: EmbeddingSettings, models_dir: Path, cache_dir: Path) -> None:
        self.settings = settings
        self.models_dir = models_dir
        self.model_id = model_id(settings)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._cache_path = cache_dir / "vectors.sqlite"
        self._local = threading.local()
        self._encoder: Encoder | None = None
        self._encoder_lock = threading.Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._queries_lock = threading.Lock()  # API worker threads share the query cache
        self.model_calls = 0  # texts actually sent to the model (the rest came from the cache)
        with self._db() as db:
            db.executescript(_SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._cache_path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    @property
    def encoder(self) -> Encoder:
        with self._encoder_lock:
            if self._encoder is None:
                self._encoder = load_encoder(self.settings, self.models_dir)
            return self._encoder

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def _encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.model_calls += len(texts)
        return self.encoder.encode(texts)

    def cached(self, hashes: list[str]) -> dict[str, list[float]]:
        db = self._db()
        found: dict[str, list[float]] = {}
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            marks = ",".join("?" * len(batch))
            query = f"SELECT text_sha256, vector FROM embeddings WHERE model = ? AND text_sha256 IN ({marks})"
            for key, blob in db.execute(query, [self.model_id, *batch]):
                found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prepared = [self.settings.passage_prefix + unicodedata.normalize("NFC", t) for t in texts]
        keys = [text_hash(t) for t in prepared]
        found = self.cached(keys)
        # by length, so each batch pads little; one text embedded once however often it repeats
        missing = sorted({k: t for k, t in zip(keys, prepared, strict=True) if k not in found}.items(), key=_length)
        db = self._db()
        step = self.settings.cache_batch
        for start in range(0, len(missing), step):
            batch = missing[start : start + step]
            vectors = self._encode([t for _, t in batch])
            with db:  # committed now: a crash after this batch loses nothing of it
                db.executemany(
                    "INSERT OR REPLACE INTO embeddings(model, text_sha256, vector) VALUES (?, ?, ?)",
                    [(self.model_id, k, v.tobytes()) for (k, _), v in zip(batch, vectors, strict=True)],
                )
            found.update({k: v.tolist() for (k, _), v in zip(batch, vectors, strict=True)})
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        prepared = self.settings.query_prefix + unicodedata.normalize("NFC", text)
        with self._queries_lock:
            cached = self._queries.get(prepared)
        if cached is not None:
            return cached
        vector = [float(x) for x in self._encode([prepared])[0]]
        with self._queries_lock:
            self._queries[prepared] = vector
            if len(self._queries) > 1024:
                self._queries.popitem(last=False)
        return vector


def _length(item: tuple[str, str]) -> int:
    return len(item[1])


def load_embeddings(settings: EmbeddingSettings, models_dir: Path, cache_dir: Path) -> CachedEmbeddings:
    return CachedEmbeddings(settings, models_dir, cache_dir)
