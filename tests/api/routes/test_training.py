"""/api/training: a plan's projects, a project's key points and quiz, handouts, comparisons across places."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from docx import Document
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.support import fast

EA_SUP = "ke-hoach-ea-sup-2024"
DU_AN_2 = ["II. NỘI DUNG THỰC HIỆN", "1. Dự án 2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo"]
# a second plan with the same Dự án 2, for a comparison across places
KRONG_BONG = """**KẾ HOẠCH**

**Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2024 trên địa bàn huyện Krông Bông, tỉnh Đắk Lắk**

## **II. NỘI DUNG THỰC HIỆN**

### **1. Dự án 2: Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo**

**- Mục tiêu:** Hỗ trợ 80 hộ nghèo tham gia 3 mô hình trồng lúa nước.

**- Kinh phí:** 900 triệu đồng từ ngân sách trung ương.
"""


def test_the_projects_of_a_plan_with_their_fields(fast_client: TestClient) -> None:
    projects = fast_client.get("/api/training/projects", params={"doc_id": EA_SUP}).json()
    assert projects[0]["path"] == DU_AN_2 and projects[0]["label"].startswith("Dự án 2")
    assert {"Mục tiêu", "Kinh phí"} <= set(projects[0]["fields"])
    assert any(p["depth"] == 1 and "Tiểu dự án 3" in p["label"] for p in projects)


def test_key_points_and_quiz_of_a_project(fast_client: TestClient) -> None:
    points = fast_client.get("/api/training/keypoints", params={"doc_id": EA_SUP, "path": " › ".join(DU_AN_2)}).json()
    assert points["project"] == "Dự án 2" and points["path"] == DU_AN_2
    money = next(p for p in points["points"] if p["field"] == "Kinh phí")
    assert "1.250 triệu đồng" in money["citations"][0]["quote"] and money["citations"][0]["line_start"] > 0
    quiz = fast_client.post("/api/training/quiz", json={"doc_id": EA_SUP, "path": DU_AN_2, "n": 3}).json()
    assert 1 <= len(quiz["questions"]) <= 3 and all(q["answer"] for q in quiz["questions"])


def test_handouts_download_as_markdown_and_docx(fast_client: TestClient) -> None:
    params = {"doc_id": EA_SUP, "path": " › ".join(DU_AN_2), "n": 2}
    markdown = fast_client.get("/api/training/export", params=params)
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    disposition = markdown.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" in disposition
    assert markdown.text.startswith("# Dự án 2") and "1.250 triệu đồng" in markdown.text
    word = fast_client.get("/api/training/export", params={**params, "format": "docx"})
    text = "\n".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert word.headers["content-disposition"].endswith(".docx") and "1.250 triệu đồng" in text


def test_a_project_alone_in_the_collection_has_nothing_to_compare(fast_client: TestClient) -> None:
    response = fast_client.get("/api/training/compare", params={"doc_id": EA_SUP, "path": " › ".join(DU_AN_2)})
    assert response.status_code == 404 and "Dự án 2" in response.json()["message"]


def test_the_same_project_compared_across_places(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(fast.FAST_CORPUS / f"{EA_SUP}.txt", corpus)
    (corpus / "ke-hoach-krong-bong-2024.txt").write_text(KRONG_BONG, encoding="utf-8")
    service = fast.fast_service(fast.fast_settings(tmp_path / "data"), corpus)
    with TestClient(create_app(service=service)) as client:
        params = {"doc_id": EA_SUP, "path": " › ".join(DU_AN_2)}
        comparison = client.get("/api/training/compare", params=params).json()
        assert [c["doc_id"] for c in comparison["columns"]] == [EA_SUP, "ke-hoach-krong-bong-2024"]
        assert "Kinh phí" in comparison["fields"]
        exported = client.get("/api/training/compare/export", params=params)
        assert exported.status_code == 200 and "900 triệu đồng" in exported.text and "1.250" in exported.text


def test_unknown_documents_and_bad_parameters(fast_client: TestClient) -> None:
    for path in ("/api/training/projects", "/api/training/keypoints", "/api/training/export", "/api/training/compare"):
        response = fast_client.get(path, params={"doc_id": "khong-co"})
        assert response.status_code == 404 and "khong-co" in response.json()["message"], path
    nothing = fast_client.get("/api/training/keypoints", params={"doc_id": EA_SUP, "path": "Không có mục này"})
    assert nothing.status_code == 404 and nothing.json()["code"] == "not_found"
    assert fast_client.get("/api/training/export", params={"doc_id": EA_SUP, "n": 99}).status_code == 422
    assert fast_client.get("/api/training/export", params={"doc_id": EA_SUP, "format": "pdf"}).status_code == 422
    assert fast_client.get("/api/training/projects").status_code == 422
    assert fast_client.post("/api/training/quiz", json={"doc_id": EA_SUP, "n": 0}).status_code == 422
