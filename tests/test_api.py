"""The HTTP API over a real uvicorn server on 127.0.0.1, routes mirrored one by one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.bench import ServerThread
from core.settings import ServerSettings, Settings
from core.verbatim import is_verbatim
from ingest.loaders import load
from prompts import get_prompts
from tests.conftest import CORPUS_DIR

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(indexed_settings: Settings) -> Iterator[httpx.Client]:
    with ServerThread(indexed_settings) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        yield http


def test_health(client: httpx.Client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == 5 and body["chunks"] > 100


def test_ask_contract(client: httpx.Client) -> None:
    response = client.post("/api/ask", json={"question": "tong nhu cau von nam 2025 huyen Ia H'Drai", "top_k": 4})
    assert response.status_code == 200
    body = response.json()
    assert {"answer", "refused", "citations", "passages", "timings_ms"} <= body.keys()
    assert len(body["passages"]) == 4
    assert set(body["passages"][0]) >= {
        "chunk_id",
        "doc_id",
        "source",
        "title",
        "section",
        "text",
        "score",
        "line_start",
        "line_end",
    }
    assert "56.770 triệu đồng" in body["answer"]
    for citation in body["citations"]:
        assert set(citation) >= {"n", "doc_id", "source", "title", "section", "quote", "line_start", "line_end"}
        lines = load(CORPUS_DIR / citation["source"]).lines
        assert is_verbatim(citation["quote"], lines, citation["line_start"], citation["line_end"])


def test_ask_filters(client: httpx.Client) -> None:
    body = client.post(
        "/api/ask", json={"question": "đối tượng thụ hưởng", "filters": {"locality": "Trực Thái"}}
    ).json()
    assert {p["doc_id"] for p in body["passages"]} == {"001_840e6b9a28383439"}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"question": "   "}, get_prompts().errors.question_empty),
        ({"question": "x" * 5000}, "Câu hỏi quá dài"),
        ({"question": "hộ nghèo", "top_k": 0}, "top_k"),
        ({"question": "hộ nghèo", "mode": "magic"}, "mode"),
        ({}, "question"),
    ],
)
def test_bad_requests_get_a_clear_422(client: httpx.Client, payload: dict[str, object], fragment: str) -> None:
    response = client.post("/api/ask", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["message"].startswith("Yêu cầu không hợp lệ")
    assert fragment in json.dumps(body, ensure_ascii=False)


def test_chat_keeps_the_conversation(client: httpx.Client) -> None:
    first = client.post("/api/chat", json={"question": "Phòng nào chủ trì Dự án 6 ở Krông Nô?"}).json()
    second = client.post(
        "/api/chat", json={"question": "còn huyện Ia H'Drai thì sao?", "conversation_id": first["conversation_id"]}
    ).json()
    assert second["conversation_id"] == first["conversation_id"]
    assert "Dự án 6" in second["effective_question"]
    assert all(p["doc_id"].startswith(("002", "003")) for p in second["passages"])


def test_chat_streams_server_sent_events(client: httpx.Client) -> None:
    events: list[tuple[str, str]] = []
    with client.stream(
        "POST", "/api/chat", json={"question": "Đối tượng của Dự án 2 ở Krông Nô?", "stream": True}
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((event, line.split(":", 1)[1].strip()))
    kinds = [e for e, _ in events]
    assert kinds[0] == "meta" and kinds[-1] == "done" and "delta" in kinds
    done = json.loads(events[-1][1])
    assert "".join(json.loads(d)["text"] for e, d in events if e == "delta") == done["answer"]


def test_documents_and_outline(client: httpx.Client) -> None:
    documents = client.get("/api/documents").json()
    assert len(documents) == 5
    detail = client.get("/api/documents/003_d7b9b51839828f5a").json()
    assert detail["locality"] == "Ia H'Drai" and detail["outline"]
    assert any("Tổng nhu cầu vốn" in e["title"] for e in detail["outline"])
    missing = client.get("/api/documents/khong-co")
    assert missing.status_code == 404 and "khong-co" in missing.json()["detail"]


def test_passage_with_context(client: httpx.Client) -> None:
    chunk_id = client.post("/api/ask", json={"question": "Dự án 3 Krông Nô đối tượng"}).json()["passages"][0][
        "chunk_id"
    ]
    body = client.get(f"/api/passages/{chunk_id}").json()
    assert body["chunk_id"] == chunk_id and body["sentences"] and body["context_before"] is not None
    assert client.get("/api/passages/khong:co").status_code == 404


def test_openapi_is_served(client: httpx.Client) -> None:
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]


@pytest.fixture
def admin(indexed_settings: Settings, tmp_path: Path) -> Iterator[httpx.Client]:
    settings = indexed_settings.model_copy(
        update={"data_dir": tmp_path / "data", "server": ServerSettings(api_key="bi-mat")}
    )
    with ServerThread(settings) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        yield http


def _wait(client: httpx.Client, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, object] = client.get(f"/api/jobs/{job_id}", headers=KEY).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError("ingest job did not finish")


KEY = {"X-API-Key": "bi-mat"}


def test_writes_need_the_key_and_reads_stay_open(admin: httpx.Client, client: httpx.Client) -> None:
    files = {"file": ("a.txt", "Hỗ trợ hộ nghèo".encode(), "text/plain")}
    assert admin.post("/api/documents", files=files).status_code == 401
    assert admin.post("/api/documents", files=files, headers={"X-API-Key": "sai"}).status_code == 401
    assert client.post("/api/documents", files=files).status_code == 403  # no key configured: no writes at all
    assert admin.get("/health").status_code == 200


def test_upload_ingests_in_the_background_and_delete_removes(admin: httpx.Client) -> None:
    text = (CORPUS_DIR / "001_840e6b9a28383439.txt").read_bytes()
    job = admin.post("/api/documents", files={"file": ("../../ke hoach xa.txt", text, "text/plain")}, headers=KEY)
    assert job.status_code == 202
    done = _wait(admin, job.json()["job_id"])
    doc_id = str(done["doc_id"])  # uploads get their own namespace: never a corpus document's id
    assert done["status"] == "done" and doc_id.startswith("tl-ke-hoach-xa-") and int(str(done["chunks"])) > 10
    answer = admin.post("/api/ask", json={"question": "Số kế hoạch của xã Trực Thái năm 2024?"}).json()
    assert answer["passages"] and answer["passages"][0]["doc_id"] == doc_id
    assert admin.delete(f"/api/documents/{doc_id}", headers=KEY).status_code == 204
    assert admin.get(f"/api/documents/{doc_id}").status_code == 404
    assert admin.post("/api/ask", json={"question": "Trực Thái"}).json()["passages"] == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [("x.exe", b"MZ....", 415), ("rong.txt", b"   ", 422), ("to.txt", b"a" * (21 * 1024 * 1024), 413)],
)
def test_upload_rejects_bad_files(admin: httpx.Client, name: str, data: bytes, code: int) -> None:
    assert admin.post("/api/documents", files={"file": (name, data)}, headers=KEY).status_code == code


def test_several_workers_refuse_the_embedded_store() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2
    assert "máy chủ Chroma" in result.output


def test_ask_returns_the_frame_and_the_direct_answer(client: httpx.Client) -> None:
    body = client.post("/api/ask", json={"question": "kinh phi du an 4 nam 2025 huyen ia h'drai bao nhieu"}).json()
    frame = body["frame"]
    assert frame["asked"] == "amount"
    assert frame["scope"]["project"] == "Dự án 4" and frame["scope"]["year"] == 2025
    assert frame["label"] == "Kinh phí · Dự án 4 · Ia H'Drai · 2025"
    quotes = {c["n"]: c["quote"] for c in body["citations"]}
    assert body["direct"] and all(quotes[n] for line in body["direct"] for n in line["citations"])
    assert "1.642 triệu đồng" in body["direct"][0]["text"]


def test_ask_scope_overrides_and_rejects_unknown_keys(client: httpx.Client) -> None:
    scope = {"locality": "Ia H'Drai", "year": 2025}
    body = client.post("/api/ask", json={"question": "Kinh phí Dự án 4 là bao nhiêu?", "scope": scope}).json()
    assert body["frame"]["scope"]["locality"] == "Ia H'Drai"
    bad = client.post("/api/ask", json={"question": "Kinh phí Dự án 4?", "scope": {"place": "Ia H'Drai"}})
    assert bad.status_code == 422


def test_chat_follow_up_frame_keeps_project_and_place(client: httpx.Client) -> None:
    opening = "Dự án 4 ở huyện Ia H'Drai năm 2025 hỗ trợ những đối tượng nào?"
    conversation = client.post("/api/chat", json={"question": opening}).json()["conversation_id"]
    follow_up = {"question": "còn kinh phí thì sao?", "conversation_id": conversation}
    second = client.post("/api/chat", json=follow_up).json()
    assert second["frame"]["label"] == "Kinh phí · Dự án 4 · Ia H'Drai · 2025"
    assert "1.642 triệu đồng" in second["answer"][:400]


def test_passage_carries_its_typed_facts(client: httpx.Client) -> None:
    body = client.post("/api/ask", json={"question": "kinh phi du an 4 nam 2025 huyen ia h'drai bao nhieu"}).json()
    chunk_id = body["citations"][0]["chunk_id"]
    passage = client.get(f"/api/passages/{chunk_id}").json()
    amounts = [f for f in passage["facts"] if f["kind"] == "amount"]
    assert amounts and {"value", "number", "unit", "funding", "text", "line_start", "line_end"} <= amounts[0].keys()
