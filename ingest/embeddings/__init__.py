"""Embeddings through sentence-transformers behind LangChain's ``Embeddings`` interface, cached.

Vectors are cached in SQLite by the hash of (model, prefixed text), so a re-ingest never embeds an
unchanged chunk twice. Texts are NFC-normalised and given the model's "passage: " / "query: " prefix.
The model loads on first use, so that importing (and the CLI) stays cheap.
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

from assistant.settings import EmbeddingSettings
from ingest.embeddings.model import load_sentence_transformer, model_id

__all__ = ["CachedEmbeddings", "load_embeddings"]


class CachedEmbeddings(Embeddings):
    def __init__(self, settings: EmbeddingSettings, models_dir: Path, cache_dir: Path) -> None:
        self.settings = settings
        self.models_dir = models_dir
        self.model_id = model_id(settings)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._cache_path = cache_dir / "vectors.sqlite"
        self._local = threading.local()
        self._model: Any = None
        self._model_lock = threading.Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._queries_lock = threading.Lock()  # API worker threads share the query cache
        self.model_calls = 0  # texts actually sent to the model (the rest came from the cache)
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self._cache_path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    @property
    def model(self) -> Any:
        with self._model_lock:
            if self._model is None:
                self._model = load_sentence_transformer(self.settings, self.models_dir)
            return self._model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def _encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.model_calls += len(texts)
        # sentence-transformers sorts a batch by length itself, so padding stays small
        vectors = self.model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x1f{text}".encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        prepared = [self.settings.passage_prefix + unicodedata.normalize("NFC", t) for t in texts]
        keys = [self._key(t) for t in prepared]
        db = self._db()
        found: dict[str, list[float]] = {}
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            for key, blob in db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch):
                found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        missing = sorted({k: t for k, t in zip(keys, prepared, strict=True) if k not in found}.items())
        if missing:
            vectors = self._encode([t for _, t in missing])
            rows = [(k, v.tobytes()) for (k, _), v in zip(missing, vectors, strict=True)]
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors(key, vector) VALUES (?, ?)", rows)
            found.update({k: v.tolist() for (k, _), v in zip(missing, vectors, strict=True)})
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


def load_embeddings(settings: EmbeddingSettings, models_dir: Path, cache_dir: Path) -> CachedEmbeddings:
    return CachedEmbeddings(settings, models_dir, cache_dir)
