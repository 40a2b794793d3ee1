"""POST /api/chat: a conversation kept by its id, a follow-up read in its context, and the streamed form."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

EA_SUP = "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024 là bao nhiêu?"


def test_a_follow_up_inherits_the_place_and_year(fast_client: TestClient) -> None:
    first = fast_client.post("/api/chat", json={"question": EA_SUP})
    assert first.status_code == 200
    conversation = first.json()["conversation_id"]
    follow = fast_client.post("/api/chat", json={"question": "còn đối tượng thì sao?", "conversation_id": conversation})
    body = follow.json()
    assert body["conversation_id"] == conversation
    assert "Ea Súp" in body["effective_question"] and body["frame"]["scope"]["year"] == 2024
    assert body["passages"][0]["doc_id"] == "ke-hoach-ea-sup-2024"


def test_an_unknown_conversation_id_opens_one_under_that_id(fast_client: TestClient) -> None:
    body = fast_client.post("/api/chat", json={"question": EA_SUP, "conversation_id": "moi-123"}).json()
    assert body["conversation_id"] == "moi-123" and body["effective_question"]


def test_the_stream_sends_meta_deltas_and_the_whole_answer(fast_client: TestClient) -> None:
    with fast_client.stream("POST", "/api/chat", json={"question": EA_SUP, "stream": True}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [block for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    kinds = [line.removeprefix("event: ") for b in events for line in b.splitlines() if line.startswith("event")]
    assert kinds[0] == "meta" and kinds[-1] == "done" and "delta" in kinds
    done = json.loads(events[-1].split("data: ", 1)[1])
    deltas = [json.loads(b.split("data: ", 1)[1])["text"] for b in events if "event: delta" in b]
    assert "".join(deltas) == done["answer"] and done["direct"][0]["text"].startswith("Kinh phí: 1.250")


def test_a_failing_turn_is_an_http_error_not_an_empty_stream(fast_client: TestClient) -> None:
    response = fast_client.post("/api/chat", json={"question": EA_SUP, "stream": True, "mode": "llm"})
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_bad_chat_requests_are_422(fast_client: TestClient) -> None:
    too_long_id = fast_client.post("/api/chat", json={"question": EA_SUP, "conversation_id": "x" * 65})
    assert too_long_id.status_code == 422 and too_long_id.json()["detail"][0]["field"] == "conversation_id"
    assert fast_client.post("/api/chat", json={"question": ""}).status_code == 422
