"""One collection on disk: catalog (truth), Chroma (vectors) and the lexical index (derived).

Layout under the data dir: ``catalog.sqlite``, ``chroma/`` (embedded store; or a Chroma server when
``GNBV_CHROMA__MODE=http``), ``lexical/`` and ``embedding-cache/``. The models live in the shared
models dir so that several collections reuse one built model.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property
from typing import Any

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaClientSettings
from filelock import FileLock

from assistant.retrieval.analysis import Analyzer, load_glossary
from assistant.retrieval.lexical import LexicalIndex
from assistant.settings import Settings
from ingest.catalog import Catalog
from ingest.chunking import CHUNKER_VERSION
from ingest.embeddings import CachedEmbeddings, load_embeddings


def collection_name(model_id: str) -> str:
    """Chroma collection per embedding model and chunker version, so neither change mixes vectors."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"gnbv-{model_id}-{CHUNKER_VERSION}").strip("-.")
    return name[:512]


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.data_dir / "catalog.sqlite")
        self.writer_lock = FileLock(str(self.data_dir / "ingest.lock"))
        self._lexical: tuple[str, LexicalIndex] | None = None
        self._lexical_guard = threading.Lock()

    @cached_property
    def embeddings(self) -> CachedEmbeddings:
        return load_embeddings(self.settings.embedding, self.settings.models_dir, self.data_dir / "embedding-cache")

    @cached_property
    def analyzer(self) -> Analyzer:
        return Analyzer(load_glossary(self.settings.glossary_file))

    @cached_property
    def client(self) -> ClientAPI:
        telemetry = ChromaClientSettings(anonymized_telemetry=False)
        if self.settings.chroma.mode == "http":
            return chromadb.HttpClient(
                host=self.settings.chroma.host, port=self.settings.chroma.port, settings=telemetry
            )
        return chromadb.PersistentClient(path=str(self.data_dir / "chroma"), settings=telemetry)

    @cached_property
    def collection(self) -> Collection:
        # embedding_function=None: Chroma's default would download a model; vectors come from us.
        return self.client.get_or_create_collection(
            collection_name(self.embeddings.model_id),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def drop_vectors(self) -> None:
        name = collection_name(self.embeddings.model_id)
        if name in [c.name for c in self.client.list_collections()]:
            self.client.delete_collection(name)
        self.__dict__.pop("collection", None)

    def lexical(self) -> LexicalIndex:
        """The lexical index of the catalog as it is now: loaded from disk when current, else rebuilt."""
        version = self.catalog.version()
        with self._lexical_guard:
            if self._lexical is None or self._lexical[0] != version:
                self._lexical = (version, self._load_or_build_lexical(version))
            return self._lexical[1]

    def rebuild_lexical(self) -> None:
        """Writer side: rebuild and persist (called after an ingest changed the catalog)."""
        version = self.catalog.version()
        index = self._build_lexical()
        index.save(self.data_dir / "lexical")
        (self.data_dir / "lexical.version").write_text(version, encoding="utf-8")
        with self._lexical_guard:
            self._lexical = (version, index)

    def _load_or_build_lexical(self, version: str) -> LexicalIndex:
        stamp = self.data_dir / "lexical.version"
        if stamp.exists() and stamp.read_text(encoding="utf-8") == version:
            try:
                return LexicalIndex.load(self.data_dir / "lexical", self.analyzer)
            except (OSError, ValueError, KeyError):  # written by another version, or damaged: rebuild
                pass
        return self._build_lexical()

    def _build_lexical(self) -> LexicalIndex:
        chunks = self.catalog.chunks()
        return LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks], self.analyzer)

    def dense_search(self, vector: list[float], k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; ``doc_ids`` restricts to those documents."""
        count = self.collection.count()
        if not count or (doc_ids is not None and not doc_ids):
            return []
        where: Any = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        raw = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=min(k, count),
            where=where,
            include=["distances"],
        )
        return [(i, 1.0 - d) for i, d in zip(raw["ids"][0], (raw["distances"] or [[]])[0], strict=True)]

    def vector_ids(self) -> set[str]:
        result: dict[str, Any] = dict(self.collection.get(include=[]))
        return set(result["ids"])
