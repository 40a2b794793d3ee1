"""The web page and what only it needs: its texts, document text, feedback, training tools."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep, WriteAccess
from assistant.feedback import FeedbackIn, FeedbackStore
from assistant.service import AssistantService
from assistant.training import (
    Handout,
    KeyPoint,
    Project,
    QuizQuestion,
    docx,
    key_points,
    markdown,
    place_label,
    project_label,
    projects,
    quiz,
)
from ingest.loaders import LoadError, load
from ingest.models import SECTION_SEPARATOR, DocumentMeta
from prompts import Prompts, WebTexts

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
router = APIRouter(dependencies=[ReadAccess])


class DocumentText(BaseModel):
    doc_id: str
    lines: list[str] = Field(description="the document's lines, numbered as cited (line 1 = lines[0])")


class KeyPoints(BaseModel):
    doc_id: str
    path: list[str]
    project: str
    points: list[KeyPoint]


class QuizRequest(BaseModel):
    doc_id: str = Field(max_length=200)
    path: list[str] = Field(default_factory=list, max_length=20, description="the project's section path")
    n: int = Field(5, ge=1, le=50)


class Quiz(BaseModel):
    doc_id: str
    path: list[str]
    project: str
    questions: list[QuizQuestion]


@router.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html")


@router.get("/api/web/texts", response_model=WebTexts, tags=["trang web"])
def web_texts(prompts: PromptsDep) -> WebTexts:
    return prompts.web


def _meta(service: AssistantService, prompts: Prompts, doc_id: str) -> DocumentMeta:
    meta = service.store.catalog.document(doc_id)
    if meta is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_document.format(doc_id=doc_id))
    return meta


@router.get("/api/documents/{doc_id}/text", response_model=DocumentText, tags=["tài liệu"])
def document_text(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> DocumentText:
    _meta(service, prompts, doc_id)
    path = service.store.catalog.paths()[doc_id]
    try:
        return DocumentText(doc_id=doc_id, lines=load(Path(path)).lines)
    except (LoadError, OSError) as error:
        raise HTTPException(status.HTTP_410_GONE, prompts.training.unreadable_file.format(detail=error)) from error


@router.post("/api/feedback", status_code=status.HTTP_201_CREATED, tags=["góp ý"])
def feedback(item: FeedbackIn, request: Request) -> dict[str, int]:
    # open to readers on purpose: the officers reading answers are the ones who can judge them
    store: FeedbackStore = request.app.state.feedback
    return {"id": store.add(item)}


@router.get("/api/feedback/export", dependencies=[WriteAccess], tags=["góp ý"])
def feedback_export(request: Request) -> Response:
    """Every feedback as a question-set JSONL: it holds what users asked, so it needs the write key."""
    store: FeedbackStore = request.app.state.feedback
    return Response(store.export_jsonl(), media_type="application/x-ndjson; charset=utf-8")


@router.get("/api/training/projects", response_model=list[Project], tags=["tập huấn"])
def training_projects(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> list[Project]:
    _meta(service, prompts, doc_id)
    return projects(service.store.catalog.chunks(doc_id))


def _handout(service: AssistantService, prompts: Prompts, doc_id: str, path: list[str], n: int) -> Handout:
    meta = _meta(service, prompts, doc_id)
    points = key_points(service.store.catalog.chunks(doc_id), path)
    if not points:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.training.no_key_points)
    texts = prompts.training
    questions = quiz(points, path, meta, n, service.store.catalog.chunks(), texts)
    heading = " ".join(x for x in (meta.kind, meta.number) if x)
    title = " — ".join(x for x in (project_label(path, texts), heading, place_label(meta)) if x)
    return Handout(title=title, points=points, questions=questions)


def _split(path: str) -> list[str]:
    return [p for p in path.split(SECTION_SEPARATOR) if p]


PathQuery = Annotated[str, Query(max_length=2000, description="the project's section path joined with ' › '")]
Count = Annotated[int, Query(ge=1, le=50)]


@router.get("/api/training/keypoints", response_model=KeyPoints, tags=["tập huấn"])
def training_keypoints(doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "") -> KeyPoints:
    parts = _split(path)
    handout = _handout(service, prompts, doc_id, parts, 1)
    return KeyPoints(doc_id=doc_id, path=parts, project=project_label(parts, prompts.training), points=handout.points)


@router.post("/api/training/quiz", response_model=Quiz, tags=["tập huấn"])
def training_quiz(request: QuizRequest, service: ServiceDep, prompts: PromptsDep) -> Quiz:
    handout = _handout(service, prompts, request.doc_id, request.path, request.n)
    project = project_label(request.path, prompts.training)
    return Quiz(doc_id=request.doc_id, path=request.path, project=project, questions=handout.questions)


@router.get("/api/training/export", tags=["tập huấn"])
def training_export(
    doc_id: str,
    service: ServiceDep,
    prompts: PromptsDep,
    path: PathQuery = "",
    n: Count = 5,
    format: Literal["md", "docx"] = "md",
) -> Response:
    handout = _handout(service, prompts, doc_id, _split(path), n)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", doc_id)  # headers are latin-1: a Vietnamese file stem would not fit
    headers = {"Content-Disposition": f'attachment; filename="tap-huan-{safe}.{format}"'}
    if format == "docx":
        return Response(docx(handout, prompts.training), media_type=DOCX_MEDIA, headers=headers)
    return Response(markdown(handout, prompts.training), media_type="text/markdown; charset=utf-8", headers=headers)
