"""The web page and what only it needs: document text, feedback, training tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from assistant.api.deps import ReadAccess, ServiceDep
from assistant.feedback import FeedbackIn, FeedbackStore
from assistant.service import AssistantService
from assistant.training import Handout, KeyPoint, QuizQuestion, docx, key_points, markdown, quiz
from ingest.loaders import LoadError, load
from ingest.models import SECTION_SEPARATOR, DocumentMeta

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
router = APIRouter(dependencies=[ReadAccess])


class DocumentText(BaseModel):
    doc_id: str
    lines: list[str]


class KeyPoints(BaseModel):
    doc_id: str
    path: list[str]
    points: list[KeyPoint]


class Quiz(BaseModel):
    doc_id: str
    path: list[str]
    questions: list[QuizQuestion]


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html")


def _meta(service: AssistantService, doc_id: str) -> DocumentMeta:
    meta = service.store.catalog.document(doc_id)
    if meta is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có tài liệu mã '{doc_id}'.")
    return meta


@router.get("/api/documents/{doc_id}/text", response_model=DocumentText, tags=["tài liệu"])
def document_text(doc_id: str, service: ServiceDep) -> DocumentText:
    meta = _meta(service, doc_id)
    try:
        return DocumentText(doc_id=doc_id, lines=load(Path(meta.path)).lines)
    except (LoadError, OSError) as error:
        raise HTTPException(status.HTTP_410_GONE, f"Không đọc được tệp gốc: {error}") from error


@router.post("/api/feedback", status_code=status.HTTP_201_CREATED, tags=["góp ý"])
def feedback(item: FeedbackIn, request: Request) -> dict[str, int]:
    store: FeedbackStore = request.app.state.feedback
    return {"id": store.add(item)}


def _handout(service: AssistantService, doc_id: str, path: str, n: int) -> Handout:
    meta = _meta(service, doc_id)
    parts = [p for p in path.split(SECTION_SEPARATOR) if p] if path else []
    points = key_points(service.store.catalog.chunks(doc_id), parts)
    if not points:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Mục này không có ý chính (Mục tiêu, Đối tượng, Nội dung…).")
    title = f"{parts[-1] if parts else meta.title} — {meta.issuer or meta.locality or ''}"
    return Handout(title=title, points=points, questions=quiz(points, parts, meta, n))


Path_ = Annotated[str, Query(description="đường dẫn mục, nối bằng ' › '")]
Count = Annotated[int, Query(ge=1, le=50)]


@router.get("/api/training/keypoints", response_model=KeyPoints, tags=["tập huấn"])
def training_keypoints(doc_id: str, service: ServiceDep, path: Path_ = "", n: Count = 5) -> KeyPoints:
    handout = _handout(service, doc_id, path, n)
    return KeyPoints(doc_id=doc_id, path=path.split(SECTION_SEPARATOR), points=handout.points)


@router.get("/api/training/quiz", response_model=Quiz, tags=["tập huấn"])
def training_quiz(doc_id: str, service: ServiceDep, path: Path_ = "", n: Count = 5) -> Quiz:
    handout = _handout(service, doc_id, path, n)
    return Quiz(doc_id=doc_id, path=path.split(SECTION_SEPARATOR), questions=handout.questions)


@router.get("/api/training/export", tags=["tập huấn"])
def training_export(
    doc_id: str, service: ServiceDep, path: Path_ = "", n: Count = 5, format: Literal["md", "docx"] = "md"
) -> Response:
    handout = _handout(service, doc_id, path, n)
    name = f"tap-huan-{doc_id}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "docx":
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return Response(docx(handout), media_type=media, headers=headers)
    return Response(markdown(handout), media_type="text/markdown; charset=utf-8", headers=headers)
