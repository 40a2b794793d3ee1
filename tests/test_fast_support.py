"""The fast tier's own promises: a real assistant over the fixture documents, no model, no shared state."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.index.store import Store
from assistant.service import AssistantService
from core.settings import get_settings
from tests.support.embeddings import HashEmbeddings
from tests.support.fast import FAST_CORPUS, fast_service, fast_settings


def test_hash_embeddings_are_deterministic_normalised_and_fold_diacritics() -> None:
    embedder = HashEmbeddings(dimension=64)
    first, again = embedder.embed_documents(["Kinh phí Dự án 2"]), embedder.embed_query("kinh phi du an 2")
    assert first[0] == again
    assert abs(sum(v * v for v in again) - 1.0) < 1e-9
    assert embedder.embed_query("Kinh phí") != embedder.embed_query("Đối tượng")


def test_fast_service_indexes_every_fixture_without_the_model(fast_service: AssistantService) -> None:
    assert isinstance(fast_service.store.embeddings, HashEmbeddings)
    assert {d.source for d in fast_service.documents().values()} == {p.name for p in FAST_CORPUS.glob("*.txt")}
    assert fast_service.store.vector_ids() == fast_service.store.catalog.chunk_ids()


def test_two_fast_services_share_no_vectors(tmp_path: Path) -> None:
    one = fast_service(fast_settings(tmp_path / "one"))
    other = fast_service(fast_settings(tmp_path / "other"))
    doc_id = next(iter(one.documents()))
    one.store.collection.delete(where={"doc_id": doc_id})
    assert other.store.vector_ids() == other.store.catalog.chunk_ids()


def test_fast_client_answers_from_the_fixtures(fast_client: TestClient) -> None:
    response = fast_client.post("/api/ask", json={"question": "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024 là bao nhiêu?"})
    assert response.status_code == 200
    body = response.json()
    assert body["direct"][0]["text"].startswith("Kinh phí: 1.250 triệu đồng")


def test_the_fast_tier_refuses_to_load_the_model(tmp_path: Path) -> None:
    store = Store(get_settings().model_copy(update={"data_dir": tmp_path}))  # the real embedder, not the hash one
    with pytest.raises(AssertionError, match="fast tier loads no model"):
        store.embeddings.embed_query("Kinh phí Dự án 2")
