"""/api/documents: list, detail with outline and full text for readers; upload and delete with the key only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.service import AssistantService
from tests.api.conftest import WITH_KEY, ClientFactory, wait_for_job
from tests.support import fast

EA_SUP = "ke-hoach-ea-sup-2024"
UPLOAD = "Kế hoạch giảm nghèo xã Ea Bung năm 2025.\n\nDự án 1: hỗ trợ 30 hộ nghèo nuôi bò, kinh phí 300 triệu đồng.\n"


def test_the_list_counts_passages_and_hides_server_paths(
    fast_client: TestClient, fast_service: AssistantService
) -> None:
    response = fast_client.get("/api/documents")
    assert response.status_code == 200
    listed = {d["doc_id"]: d for d in response.json()}
    assert set(listed) == {p.stem for p in fast.FAST_CORPUS.glob("*.txt")}
    assert listed[EA_SUP]["chunks"] == len(fast_service.chunks(EA_SUP)) > 0
    assert listed[EA_SUP]["path"] == f"{EA_SUP}.txt"  # relative to the corpus: no server path leaves
    assert listed[EA_SUP]["locality"] and 2024 in listed[EA_SUP]["years"]


def test_the_detail_has_the_outline(fast_client: TestClient) -> None:
    body = fast_client.get(f"/api/documents/{EA_SUP}").json()
    titles = [entry["title"] for entry in body["outline"]]
    assert body["doc_id"] == EA_SUP and body["chunks"] > 0
    assert any("Dự án 2" in t for t in titles) and all(e["line_start"] <= e["line_end"] for e in body["outline"])


def test_the_text_is_numbered_as_cited(fast_client: TestClient) -> None:
    body = fast_client.get(f"/api/documents/{EA_SUP}/text").json()
    source = (fast.FAST_CORPUS / f"{EA_SUP}.txt").read_text(encoding="utf-8").splitlines()
    assert body["doc_id"] == EA_SUP and body["lines"] == source


def test_an_unknown_document_is_a_404_in_vietnamese(fast_client: TestClient) -> None:
    for path in ("/api/documents/khong-co", "/api/documents/khong-co/text"):
        response = fast_client.get(path)
        assert response.status_code == 404 and "khong-co" in response.json()["message"]


def test_no_key_configured_means_no_writes(fast_client: TestClient) -> None:
    files = {"file": ("a.txt", UPLOAD.encode(), "text/plain")}
    upload = fast_client.post("/api/documents", files=files, headers=WITH_KEY)
    assert upload.status_code == 403 and upload.json()["code"] == "forbidden"
    assert fast_client.delete(f"/api/documents/{EA_SUP}", headers=WITH_KEY).status_code == 403
    assert fast_client.get(f"/api/documents/{EA_SUP}").status_code == 200


def test_writes_need_the_right_key(keyed_client: TestClient) -> None:
    files = {"file": ("a.txt", UPLOAD.encode(), "text/plain")}
    for headers in ({}, {"X-API-Key": "sai"}, {"X-API-Key": ""}):
        response = keyed_client.post("/api/documents", files=files, headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "X-API-Key"
    assert keyed_client.delete(f"/api/documents/{EA_SUP}").status_code == 401
    assert keyed_client.get("/api/documents").status_code == 200  # reads stay open


def test_an_upload_is_ingested_by_the_worker_then_deleted(keyed_client: TestClient) -> None:
    files = {"file": ("../../ke hoach Ea Bung.txt", UPLOAD.encode(), "text/plain")}
    accepted = keyed_client.post("/api/documents", files=files, headers=WITH_KEY)
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    job = wait_for_job(keyed_client, accepted.json()["job_id"])
    doc_id = job["doc_id"]
    assert job["status"] == "done" and job["chunks"] > 0 and doc_id.startswith("tl-ke-hoach-ea-bung-")
    assert doc_id in {d["doc_id"] for d in keyed_client.get("/api/documents").json()}
    assert keyed_client.get(f"/api/documents/{doc_id}").json()["path"].startswith("uploads/")

    again = keyed_client.post("/api/documents", files=files, headers=WITH_KEY)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    replaced = keyed_client.post("/api/documents", files=files, params={"replace": "true"}, headers=WITH_KEY)
    assert replaced.status_code == 202 and wait_for_job(keyed_client, replaced.json()["job_id"])["status"] == "done"

    assert keyed_client.delete(f"/api/documents/{doc_id}", headers=WITH_KEY).status_code == 204
    assert keyed_client.get(f"/api/documents/{doc_id}").status_code == 404
    assert keyed_client.delete(f"/api/documents/{doc_id}", headers=WITH_KEY).status_code == 404


def test_bad_uploads_are_refused_before_any_ingest(client_with: ClientFactory) -> None:
    client = client_with(api_key="khoa-thu", max_upload_bytes=1024)
    cases = [
        ({"file": ("x.exe", b"MZ....")}, 415, "unsupported_media_type"),
        ({"file": ("rong.txt", b"   \n")}, 422, "invalid_request"),
        ({"file": ("to.txt", b"a" * 2048)}, 413, "too_large"),
        ({"other": ("a.txt", b"abc")}, 422, "invalid_request"),
    ]
    for files, code, kind in cases:
        response = client.post("/api/documents", files=files, headers=WITH_KEY)
        assert (response.status_code, response.json()["code"]) == (code, kind), files
