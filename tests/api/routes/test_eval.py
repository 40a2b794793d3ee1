"""/api/eval: question sets, a background run over them, judgements, comparisons and exports."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import WITH_KEY

QUOTE = "1.250 triệu đồng, trong đó ngân sách trung ương 1.000 triệu đồng, ngân sách địa phương 250 triệu đồng."
EVIDENCE = json.dumps([{"doc": "ke-hoach-ea-sup-2024.txt", "quote": QUOTE}], ensure_ascii=False)
ROWS = [
    ["id", "question", "category", "style", "answer", "must_include", "evidence", "previous"],
    ["B1", "Kinh phí Dự án 2 ở huyện Ea Súp năm 2024?", "budget", "normal", "1.250", '["1.250"]', EVIDENCE, ""],
    ["U1", "Hỗ trợ mua xe máy cho hộ nghèo ở Lâm Đồng bao nhiêu?", "unanswerable", "normal", "", "", "", ""],
    ["X1", "Câu hỏi loại lạ?", "thời tiết", "normal", "", "", "", ""],
]


def _set_file() -> tuple[str, bytes, str]:
    out = io.StringIO()
    csv.writer(out).writerows(ROWS)
    return "bo nho.csv", out.getvalue().encode(), "text/csv"


def _finished(client: TestClient, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        detail: dict[str, Any] = client.get(f"/api/eval/runs/{run_id}").json()
        if detail["run"]["status"] != "running":
            return detail
        time.sleep(0.1)
    raise AssertionError("the run did not finish")


def test_a_set_is_uploaded_run_judged_compared_and_exported(keyed_client: TestClient) -> None:
    uploaded = keyed_client.post("/api/eval/sets", files={"file": _set_file()}, headers=WITH_KEY)
    assert uploaded.status_code == 200
    body = uploaded.json()
    assert body["set"]["n"] == 2 and not body["set"]["built_in"] and body["set"]["name"] == "bo nho.csv"
    assert [e["row"] for e in body["errors"]] == [4] and body["errors"][0]["file"] == "bo nho.csv"
    set_id = body["set"]["set_id"]
    assert set_id in {s["set_id"] for s in keyed_client.get("/api/eval/sets").json()}

    runs = []
    for _ in range(2):
        started = keyed_client.post("/api/eval/runs", json={"set_id": set_id}, headers=WITH_KEY)
        assert started.status_code == 202
        detail = _finished(keyed_client, started.json()["run_id"])
        assert detail["run"]["status"] == "done" and detail["summary"], detail
        runs.append(started.json()["run_id"])
    assert {r["run_id"] for r in keyed_client.get("/api/eval/runs").json()} == set(runs)

    answers = keyed_client.get(f"/api/eval/runs/{runs[0]}/answers").json()
    assert [a["question_id"] for a in answers] == ["B1", "U1"] and all(a["answer"]["passages"] == [] for a in answers)
    one = keyed_client.get(f"/api/eval/runs/{runs[0]}/answers/B1").json()
    assert one["answer"]["passages"]  # the detail keeps what the table leaves out

    judged = keyed_client.put(
        f"/api/eval/runs/{runs[0]}/answers/B1/judgement", json={"verdict": "correct", "note": "đúng"}, headers=WITH_KEY
    )
    assert judged.status_code == 200 and judged.json()["verdict"] == "correct"
    assert keyed_client.get(f"/api/eval/runs/{runs[0]}").json()["human"]["judged"] == 1

    comparison = keyed_client.get("/api/eval/compare", params={"before": runs[0], "after": runs[1]}).json()
    assert comparison["tally"] == {"better": 0, "worse": 0, "same": 2}

    exported = keyed_client.get(f"/api/eval/runs/{runs[1]}/export", params={"format": "csv"})
    assert exported.headers["content-disposition"] == f'attachment; filename="danh-gia-{runs[1]}.csv"'
    assert "B1" in exported.content.decode("utf-8-sig")
    workbook = keyed_client.get(f"/api/eval/runs/{runs[1]}/export")
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert workbook.content[:2] == b"PK"  # a zip: the xlsx container


def test_built_in_sets_are_listed(fast_client: TestClient) -> None:
    sets = {s["set_id"]: s for s in fast_client.get("/api/eval/sets").json()}
    assert {"dev", "test", "smoke"} <= set(sets) and all(s["built_in"] for s in sets.values())


def test_writes_need_the_key_and_bad_sets_are_refused(keyed_client: TestClient) -> None:
    assert keyed_client.post("/api/eval/runs", json={"set_id": "dev"}).status_code == 401
    assert keyed_client.post("/api/eval/sets", files={"file": _set_file()}).status_code == 401
    assert keyed_client.put("/api/eval/runs/x/answers/y/judgement", json={"verdict": "correct"}).status_code == 401
    wrong = keyed_client.post("/api/eval/sets", files={"file": ("a.txt", b"x")}, headers=WITH_KEY)
    assert wrong.status_code == 415 and "jsonl" in wrong.json()["message"]
    empty = keyed_client.post("/api/eval/sets", files={"file": ("a.csv", b"id,question\n1,x\n")}, headers=WITH_KEY)
    assert empty.status_code == 422 and "dòng 1" in empty.json()["message"]


def test_unknown_runs_sets_and_answers_are_404s(keyed_client: TestClient) -> None:
    assert keyed_client.post("/api/eval/runs", json={"set_id": "khong-co"}, headers=WITH_KEY).status_code == 404
    for path in ("/api/eval/runs/nope", "/api/eval/runs/nope/answers", "/api/eval/runs/nope/answers/B1"):
        response = keyed_client.get(path)
        assert response.status_code == 404 and "nope" in response.json()["message"], path
    assert keyed_client.get("/api/eval/compare", params={"before": "a", "after": "b"}).status_code == 404
    assert keyed_client.get("/api/eval/runs/nope/export").status_code == 404
    assert keyed_client.get("/api/eval/compare").status_code == 422
