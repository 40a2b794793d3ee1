"""/health, /api/web/config and /api/web/filter-check: the server's state and what the page asks before it sends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.service import AssistantService


def test_health_counts_the_index(fast_client: TestClient, fast_service: AssistantService) -> None:
    body = fast_client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == len(fast_service.documents()) == 2
    assert body["chunks"] == len(fast_service.chunks()) > 0
    assert body["embedding_model"] == fast_service.settings.embedding.model and body["store"] == "embedded"


def test_the_page_gets_the_question_limit_and_the_document_labels(fast_client: TestClient) -> None:
    body = fast_client.get("/api/web/config").json()
    assert body["max_question_chars"] > 0
    assert body["labels"]["ke-hoach-ea-sup-2024"] == "Kế hoạch, huyện Ea Súp, 2024"


@pytest.mark.parametrize(
    ("question", "filters", "key"),
    [
        ("Kinh phí truyền thông ở Trực Ninh?", {"locality": "Ea Súp"}, "locality"),
        ("Kinh phí Dự án 2 năm 2023?", {"year": 2024}, "year"),
        ("Kinh phí Dự án 2?", {"locality": "Ea Súp", "year": 2023}, "year"),
    ],
)
def test_a_filter_at_odds_with_the_question_or_the_collection_is_named(
    fast_client: TestClient, question: str, filters: dict[str, object], key: str
) -> None:
    response = fast_client.post("/api/web/filter-check", json={"question": question, "filters": filters})
    problems = response.json()["problems"]
    assert response.status_code == 200 and [p["key"] for p in problems] == [key]
    assert problems[0]["message"]


def test_filters_that_fit_raise_nothing(fast_client: TestClient) -> None:
    fits = {"question": "Kinh phí Dự án 2 ở Ea Súp năm 2024?", "filters": {"locality": "Ea Súp", "year": 2024}}
    assert fast_client.post("/api/web/filter-check", json=fits).json() == {"problems": []}
    assert fast_client.post("/api/web/filter-check", json={"filters": {}}).json() == {"problems": []}


def test_a_filter_check_needs_its_filters(fast_client: TestClient) -> None:
    response = fast_client.post("/api/web/filter-check", json={"question": "x"})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "filters"
