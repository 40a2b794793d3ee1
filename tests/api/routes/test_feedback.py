"""/api/feedback: readers judge answers; the export, which holds what they asked, needs the key."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.conftest import WITH_KEY

ITEM = {
    "question": "Kinh phí Dự án 2 ở Ea Súp?",
    "answer": "Kinh phí: 1.250 triệu đồng [1]",
    "rating": "down",
    "comment": "thiếu phần ngân sách địa phương",
    "citations": [{"source": "ke-hoach-ea-sup-2024.txt", "quote": "1.250 triệu đồng", "line_start": 23}],
}


def test_feedback_is_stored_and_exported_as_a_question_set(keyed_client: TestClient) -> None:
    first = keyed_client.post("/api/feedback", json=ITEM)
    assert first.status_code == 201 and first.json() == {"id": 1}
    assert keyed_client.post("/api/feedback", json={**ITEM, "rating": "up"}).json() == {"id": 2}
    exported = keyed_client.get("/api/feedback/export", headers=WITH_KEY)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in exported.text.splitlines()]
    assert [r["id"] for r in rows] == ["F0001", "F0002"] and rows[0]["comment"] == ITEM["comment"]
    assert rows[0]["evidence"] == [{"doc": "ke-hoach-ea-sup-2024.txt", "quote": "1.250 triệu đồng"}]


def test_the_export_needs_the_key(keyed_client: TestClient, fast_client: TestClient) -> None:
    assert keyed_client.get("/api/feedback/export").status_code == 401
    assert fast_client.get("/api/feedback/export", headers=WITH_KEY).status_code == 403
    assert fast_client.post("/api/feedback", json=ITEM).status_code == 201  # giving feedback is a read right


def test_bad_feedback_is_a_422(fast_client: TestClient) -> None:
    for bad in ({**ITEM, "rating": "meh"}, {**ITEM, "question": ""}, {k: v for k, v in ITEM.items() if k != "answer"}):
        response = fast_client.post("/api/feedback", json=bad)
        assert response.status_code == 422 and response.json()["code"] == "invalid_request"
