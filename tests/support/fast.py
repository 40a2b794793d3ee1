"""An assistant over the hand-written documents of tests/fixtures/fast: real parse, real catalog, real
BM25 and real composer, with the hash embedder and an in-memory Chroma in place of the model and disk."""

from __future__ import annotations

import uuid
from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaClientSettings

from assistant.index.indexer import IngestPipeline
from assistant.index.store import Store
from assistant.service import AssistantService
from core.settings import Settings, get_settings
from tests.support.embeddings import HashEmbeddings

FAST_CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "fast"


def fast_settings(data_dir: Path) -> Settings:
    """The default settings with their own data dir and the fixture documents as the corpus."""
    return get_settings().model_copy(update={"data_dir": data_dir, "corpus_dir": FAST_CORPUS})


def memory_client() -> ClientAPI:
    """An in-memory Chroma of its own: in-memory clients of one process share one system, so each gets
    a fresh database, and two services never see each other's vectors."""
    settings = ChromaClientSettings(anonymized_telemetry=False)
    database = f"fast-{uuid.uuid4().hex}"
    chromadb.AdminClient(settings).create_database(database)
    return chromadb.EphemeralClient(settings=settings, database=database)


def fast_store(settings: Settings) -> Store:
    return Store(settings, embeddings=HashEmbeddings(), client=memory_client())


def fast_service(settings: Settings, corpus: Path = FAST_CORPUS) -> AssistantService:
    """A service whose index holds ``corpus`` (the fixture documents unless told), ingested now."""
    store = fast_store(settings)
    report = IngestPipeline(store).run([corpus])
    if report.failed:
        raise RuntimeError(f"fixture documents failed to ingest: {report.failed}")
    return AssistantService(settings, store)
