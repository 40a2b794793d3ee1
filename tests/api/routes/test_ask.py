"""POST /api/ask over the fixture documents: the answer's shape, and every refusal of a bad request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ClientFactory

EA_SUP = "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024 là bao nhiêu?"


def test_the_asked_value_comes_first_with_its_citation(fast_client: TestClient) -> None:
    response = fast_client.post("/api/ask", json={"question": EA_SUP})
    assert response.status_code == 200
    body = response.json()
    assert not body["refused"] and body["mode"] == "extractive"
    assert body["direct"][0]["text"].startswith("Kinh phí: 1.250 triệu đồng")
    cited = {c["chunk_id"] for c in body["citations"]}
    assert cited and {p["chunk_id"] for p in body["passages"]} & cited
    assert all(p["doc_id"] == "ke-hoach-ea-sup-2024" for p in body["passages"][:1])
    assert body["frame"]["asked"] == "amount" and body["frame"]["scope"]["project"] == "Dự án 2"
    assert {"search", "compose", "total"} <= set(body["timings_ms"])


def test_top_k_bounds_the_passages(fast_client: TestClient) -> None:
    body = fast_client.post("/api/ask", json={"question": EA_SUP, "top_k": 1}).json()
    assert len(body["passages"]) == 1


def test_a_filter_keeps_the_answer_in_the_chosen_document(fast_client: TestClient) -> None:
    filters = {"doc_id": "ke-hoach-truc-ninh-2023"}
    body = fast_client.post("/api/ask", json={"question": "kinh phí", "filters": filters}).json()
    assert body["passages"] and {p["doc_id"] for p in body["passages"]} == {"ke-hoach-truc-ninh-2023"}


def test_the_explicit_scope_wins_over_the_question(fast_client: TestClient) -> None:
    scope = {"locality": "Trực Ninh", "year": 2023}
    body = fast_client.post("/api/ask", json={"question": "kinh phí truyền thông", "scope": scope}).json()
    assert body["frame"]["scope"]["locality"] == "Trực Ninh" and body["frame"]["scope"]["year"] == 2023


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": "   "}, "question"),
        ({}, "question"),
        ({"question": "x", "top_k": 0}, "top_k"),
        ({"question": "x", "mode": "magic"}, "mode"),
        ({"question": "x", "filters": {"localty": "Ea Súp"}}, "filters.localty"),
        ({"question": "x", "scope": {"place": "Ea Súp"}}, "scope.place"),
    ],
)
def test_a_bad_request_is_a_422_in_vietnamese(fast_client: TestClient, payload: dict[str, object], field: str) -> None:
    response = fast_client.post("/api/ask", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request" and body["message"].startswith("Yêu cầu không hợp lệ")
    assert field in {d["field"] for d in body["detail"]}
    assert "Field required" not in body["message"] and "Input should" not in body["message"]


def test_half_a_surrogate_pair_is_a_422_not_a_crash(fast_client: TestClient) -> None:
    raw = '{"question": "x\\ud800"}'  # JSON's escape decodes to a lone surrogate, which nothing can encode
    response = fast_client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"


def test_the_question_limit_is_the_apps_own(client_with: ClientFactory) -> None:
    client = client_with(max_question_chars=20)
    response = client.post("/api/ask", json={"question": "kinh phí dự án 2 năm 2024 ở Ea Súp"})
    assert response.status_code == 422
    assert "20" in response.json()["message"] and response.json()["detail"][0]["field"] == "question"


def test_llm_mode_without_a_model_server_is_a_400_in_vietnamese(fast_client: TestClient) -> None:
    response = fast_client.post("/api/ask", json={"question": EA_SUP, "mode": "llm"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request" and "LLM" in response.json()["message"]


def test_only_post_is_allowed(fast_client: TestClient) -> None:
    response = fast_client.get("/api/ask")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
