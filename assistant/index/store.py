"""One collection on disk: catalog (truth), Chroma (vectors) and the lexical index (derived).

Layout under the data dir: ``catalog.sqlite``, ``chroma/`` (embedded store; or a Chroma server when
``GNBV_CHROMA__MODE=http``), ``lexical/`` and ``embedding-cache/``. The models live in the shared
models dir so that several collections reuse one built model.

An index knows what built it: the settings that shape chunks and vectors (embedding model, backend and
prompts; normaliser, outline and chunker versions; chunk sizes) hash to a fingerprint. Vectors live in a
Chroma collection of that fingerprint and every document records the fingerprint it was built with, so
a change of model re-embeds everything on the next ingest, and a reader refuses an index whose
fingerprint is not its own instead of answering from vectors of another model (or none).
"""

from __future__ import annotations

import hashlib
import json
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
from langchain_core.embeddings import Embeddings

from assistant.index.catalog import Catalog, IndexMismatchError
from assistant.index.lexical import LexicalIndex
from assistant.index.snapshot import IndexSnapshot
from core.analysis import Analyzer, load_glossary
from core.settings import Settings
from core.vocabulary import field_headings_identity
from ingest.chunking import CHUNKER_VERSION
from ingest.embeddings import load_embeddings
from ingest.embeddings.model import model_id
from ingest.facts import facts_identity
from ingest.normalize import NORMALIZER_VERSION
from ingest.structure import STRUCTURE_VERSION
from prompts import get_prompts

# Embedding settings that change no vector: how fast, not what.
_RUNTIME_ONLY = {"batch_size", "onnx_batch_size", "cache_batch", "threads"}
_LABELED = ("embedding", "parsing")  # the identity's parts a mismatch names: [index.parts] in prompts/vi.toml


def index_identity(settings: Settings) -> dict[str, Any]:
    """The settings that shape an index's chunks and vectors (see the module doc)."""
    return {
        "embedding": {
            "model_id": model_id(settings.embedding),
            **settings.embedding.model_dump(mode="json", exclude=_RUNTIME_ONLY),
        },
        "parsing": {
            "normalizer": NORMALIZER_VERSION,
            "structure": STRUCTURE_VERSION,
            "chunker": CHUNKER_VERSION,
            "facts": facts_identity(),
            "field_headings": field_headings_identity(),
            **settings.chunking.model_dump(mode="json"),
        },
    }


def fingerprint_of(identity: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def collection_name(model: str, fingerprint: str) -> str:
    """Chroma collection per fingerprint, so that no change of model or chunking mixes vectors."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"gnbv-{model}-{fingerprint}").strip("-.")
    return name[:512]


class Store:
    def __init__(
        self, settings: Settings, embeddings: Embeddings | None = None, client: ClientAPI | None = None
    ) -> None:
        """``embeddings`` and ``client`` replace the model and the Chroma client the settings name (the fast
        tests give a hash embedder and an in-memory Chroma, so that no model loads and nothing is on disk)."""
        self.settings = settings
        self._embeddings = embeddings
        self._client = client
        self.data_dir = settings.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.settings.layout.catalog)
        self.writer_lock = FileLock(str(self.settings.layout.ingest_lock))
        self._snapshot: IndexSnapshot | None = None
        self._snapshot_guard = threading.Lock()
        self.identity = index_identity(settings)
        self.fingerprint = fingerprint_of(self.identity)
        self._verified: str | None = None  # the catalog version last found to match

    @cached_property
    def embeddings(self) -> Embeddings:
        if self._embeddings is not None:
            return self._embeddings
        return load_embeddings(self.settings.embedding, self.settings.models_dir, self.settings.layout.embedding_cache)

    @cached_property
    def analyzer(self) -> Analyzer:
        return Analyzer(load_glossary(self.settings.glossary_file))

    @cached_property
    def client(self) -> ClientAPI:
        if self._client is not None:
            return self._client
        telemetry = ChromaClientSettings(anonymized_telemetry=False)
        if self.settings.chroma.mode == "http":
            return chromadb.HttpClient(
                host=self.settings.chroma.host, port=self.settings.chroma.port, settings=telemetry
            )
        return chromadb.PersistentClient(path=str(self.settings.layout.chroma), settings=telemetry)

    @cached_property
    def collection(self) -> Collection:
        # embedding_function=None: Chroma's default would download a model; vectors come from us.
        return self.client.get_or_create_collection(
            self.collection_name,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"fingerprint": self.fingerprint, "model": self.identity["embedding"]["model_id"]},
        )

    @property
    def collection_name(self) -> str:
        return collection_name(self.identity["embedding"]["model_id"], self.fingerprint)

    def drop_vectors(self) -> None:
        if self.collection_name in [c.name for c in self.client.list_collections()]:
            self.client.delete_collection(self.collection_name)
        self.__dict__.pop("collection", None)

    def record_build(self) -> None:
        """Writer side: remember what this fingerprint stands for, to explain a later mismatch."""
        self.catalog.record_build(self.fingerprint, json.dumps(self.identity, sort_keys=True, ensure_ascii=False))

    def drop_unused_builds(self) -> None:
        """Writer side: the collections of fingerprints no document is built with any more (the model
        before a change), recorded in this catalog and so this index's own, are deleted."""
        existing = {c.name for c in self.client.list_collections()}
        for fingerprint, identity in self.catalog.unused_builds(self.fingerprint).items():
            name = collection_name(json.loads(identity)["embedding"]["model_id"], fingerprint)
            if name in existing:
                self.client.delete_collection(name)
            self.catalog.forget_build(fingerprint)

    def verify(self) -> None:
        """Raise ``IndexMismatchError`` unless every document was built with this store's settings."""
        version = self.catalog.version()
        if self._verified == version:
            return
        others = {fp: identity for fp, identity in self.catalog.builds().items() if fp != self.fingerprint}
        if others:
            raise IndexMismatchError(self._mismatch_message(others))
        self._verified = version

    def _mismatch_message(self, others: dict[str, str | None]) -> str:
        changed: set[str] = set()
        for identity in others.values():
            recorded = json.loads(identity) if identity else {}
            changed |= {key for key in _LABELED if recorded.get(key) != self.identity[key]}
        model = self.identity["embedding"]["model_id"]
        texts = get_prompts().index
        what = texts.joined.join(texts.parts[key] for key in sorted(changed)) or texts.settings
        return texts.mismatch.format(directory=self.data_dir, what=what, model=model)

    def snapshot(self) -> IndexSnapshot:
        """The index as the catalog is now, with what was derived from it (rebuilt when a document changes)."""
        self.verify()
        version = self.catalog.version()
        with self._snapshot_guard:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = IndexSnapshot(version, self.catalog, lambda: self._load_or_build_lexical(version))
            return self._snapshot

    def lexical(self) -> LexicalIndex:
        """The lexical index of the catalog as it is now: loaded from disk when current, else rebuilt."""
        return self.snapshot().lexical

    def rebuild_lexical(self) -> None:
        """Writer side: rebuild and persist (called after an ingest changed the catalog)."""
        version = self.catalog.version()
        index = self._build_lexical()
        index.save(self.settings.layout.lexical)
        (self.settings.layout.lexical_version).write_text(version, encoding="utf-8")

    def _load_or_build_lexical(self, version: str) -> LexicalIndex:
        stamp = self.settings.layout.lexical_version
        if stamp.exists() and stamp.read_text(encoding="utf-8") == version:
            try:
                return LexicalIndex.load(self.settings.layout.lexical, self.analyzer)
            except (OSError, ValueError, KeyError):  # written by another version, or damaged: rebuild
                pass
        return self._build_lexical()

    def _build_lexical(self) -> LexicalIndex:
        chunks = self.catalog.chunks()
        return LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks], self.analyzer)

    def dense_search(self, vector: list[float], k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; ``doc_ids`` restricts to those documents."""
        self.verify()
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
