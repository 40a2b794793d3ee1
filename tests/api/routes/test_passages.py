"""GET /api/passages/{chunk_id}: a cited passage with its typed facts and the source lines around it."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.service import AssistantService
from tests.support import fast


def _chunk_with(service: AssistantService, words: str) -> str:
    return next(c.chunk_id for c in service.chunks("ke-hoach-ea-sup-2024") if words in c.text)


def test_a_passage_carries_its_lines_context_and_facts(fast_client: TestClient, fast_service: AssistantService) -> None:
    chunk_id = _chunk_with(fast_service, "1.250 triệu đồng")
    response = fast_client.get(f"/api/passages/{chunk_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["chunk_id"] == chunk_id and body["doc_id"] == "ke-hoach-ea-sup-2024"
    lines = fast_service.document_lines("ke-hoach-ea-sup-2024") or []
    assert body["context_before"] == lines[max(0, body["line_start"] - 7) : body["line_start"] - 1]
    assert body["context_after"] == lines[body["line_end"] : body["line_end"] + 6]
    assert any(f["kind"] == "amount" for f in body["facts"])
    assert "Dự án 2" in body["section"] and body["section_path"]


def test_a_passage_is_served_even_when_its_file_is_gone(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(fast.FAST_CORPUS / "ke-hoach-ea-sup-2024.txt", corpus)
    service = fast.fast_service(fast.fast_settings(tmp_path / "data"), corpus)
    chunk_id = _chunk_with(service, "1.250 triệu đồng")
    (corpus / "ke-hoach-ea-sup-2024.txt").unlink()  # moved away since it was indexed
    with TestClient(create_app(service=service)) as client:
        body = client.get(f"/api/passages/{chunk_id}").json()
        assert body["chunk_id"] == chunk_id and "1.250 triệu đồng" in body["text"]
        assert body["context_before"] == [] and body["context_after"] == []
        gone = client.get("/api/documents/ke-hoach-ea-sup-2024/text")
        assert gone.status_code == 410 and gone.json()["code"] == "gone"


def test_an_unknown_passage_is_a_404_in_vietnamese(fast_client: TestClient) -> None:
    response = fast_client.get("/api/passages/khong-co:0")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and "khong-co:0" in response.json()["message"]
