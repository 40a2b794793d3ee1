"""/api/jobs/{job_id}: follow and cancel an ingest job; like uploads, only with the key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import WITH_KEY, wait_for_job

TEXT = "Kế hoạch giảm nghèo xã Ea Bung năm 2025: hỗ trợ 30 hộ nghèo nuôi bò.\n".encode()


def test_a_job_is_followed_to_its_end_and_cancelling_it_then_changes_nothing(keyed_client: TestClient) -> None:
    job_id = keyed_client.post("/api/documents", files={"file": ("b.txt", TEXT)}, headers=WITH_KEY).json()["job_id"]
    done = wait_for_job(keyed_client, job_id)
    assert done["status"] == "done" and done["file"] == "b.txt"
    cancelled = keyed_client.delete(f"/api/jobs/{job_id}", headers=WITH_KEY)
    assert cancelled.status_code == 202 and cancelled.json() == done


def test_an_unknown_job_is_a_404_in_vietnamese(keyed_client: TestClient) -> None:
    for method in ("GET", "DELETE"):
        response = keyed_client.request(method, "/api/jobs/khong-co", headers=WITH_KEY)
        assert response.status_code == 404 and "khong-co" in response.json()["message"]


def test_jobs_need_the_key(keyed_client: TestClient, fast_client: TestClient) -> None:
    assert keyed_client.get("/api/jobs/khong-co").status_code == 401
    assert keyed_client.delete("/api/jobs/khong-co", headers={"X-API-Key": "sai"}).status_code == 401
    assert fast_client.get("/api/jobs/khong-co", headers=WITH_KEY).status_code == 403  # no key configured
