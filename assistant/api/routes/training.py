"""Training material from a plan: its projects, a project's key points and quiz, handouts, comparisons across places."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep, known_document
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import KeyPoints, Quiz, QuizRequest
from assistant.service import AssistantService
from assistant.training import (
    Comparison,
    Handout,
    Project,
    compare,
    comparison_docx,
    comparison_markdown,
    document_label,
    docx,
    file_names,
    key_points,
    markdown,
    project_label,
    projects,
    quiz,
)
from ingest.models import SECTION_SEPARATOR
from prompts import Prompts, TrainingTexts, get_prompts

router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["training"]], responses=ERROR_RESPONSES)
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PathQuery = Annotated[str, Query(max_length=2000, description="the project's section path joined with ' › '")]
Count = Annotated[int, Query(ge=1, le=50)]
Format = Literal["md", "docx"]


def _split(path: str) -> list[str]:
    return [p for p in path.split(SECTION_SEPARATOR) if p]


def _handout(service: AssistantService, prompts: Prompts, doc_id: str, path: list[str], n: int) -> Handout:
    meta = known_document(service, prompts, doc_id)
    points = key_points(service.chunks(doc_id), path, meta)
    if not points:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.training.no_key_points)
    texts = prompts.training
    questions = quiz(points, path, meta, n, service.chunks(), texts)
    title = f"{project_label(path, texts)} — {document_label(meta)}"
    return Handout(title=title, document=meta, points=points, questions=questions)


def _comparison(service: AssistantService, prompts: Prompts, doc_id: str, path: list[str]) -> Comparison:
    known_document(service, prompts, doc_id)
    documents = [(meta, service.chunks(meta.doc_id)) for meta in service.documents().values()]
    comparison = compare(path, doc_id, documents, prompts.training)
    if len(comparison.columns) < 2:
        message = prompts.training.compare_alone.format(project=comparison.project)
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return comparison


def _download(title: str, format: Format, texts: TrainingTexts, content: str | bytes) -> Response:
    stem, ascii_stem = file_names(title, texts)
    # headers are latin-1: the Vietnamese name goes in filename* (RFC 6266), the ASCII one for old clients
    disposition = f"attachment; filename=\"{ascii_stem}.{format}\"; filename*=UTF-8''{quote(f'{stem}.{format}')}"
    media = DOCX_MEDIA if format == "docx" else "text/markdown; charset=utf-8"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/api/training/projects", response_model=list[Project])
def training_projects(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> list[Project]:
    known_document(service, prompts, doc_id)
    return projects(service.chunks(doc_id), prompts.training)


@router.get("/api/training/keypoints", response_model=KeyPoints)
def training_keypoints(doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "") -> KeyPoints:
    parts = _split(path)
    handout = _handout(service, prompts, doc_id, parts, 1)
    return KeyPoints(doc_id=doc_id, path=parts, project=project_label(parts, prompts.training), points=handout.points)


@router.post("/api/training/quiz", response_model=Quiz)
def training_quiz(request: QuizRequest, service: ServiceDep, prompts: PromptsDep) -> Quiz:
    handout = _handout(service, prompts, request.doc_id, request.path, request.n)
    project = project_label(request.path, prompts.training)
    return Quiz(doc_id=request.doc_id, path=request.path, project=project, questions=handout.questions)


@router.get("/api/training/export")
def training_export(
    doc_id: str,
    service: ServiceDep,
    prompts: PromptsDep,
    path: PathQuery = "",
    n: Count = 5,
    format: Format = "md",
) -> Response:
    handout = _handout(service, prompts, doc_id, _split(path), n)
    texts, author = prompts.training, service.settings.training.handout_author
    content = docx(handout, texts, author) if format == "docx" else markdown(handout, texts)
    return _download(handout.title, format, texts, content)


@router.get("/api/training/compare", response_model=Comparison)
def training_compare(doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "") -> Comparison:
    """The project of ``doc_id`` at ``path`` beside the same project in the other localities' plans."""
    return _comparison(service, prompts, doc_id, _split(path))


@router.get("/api/training/compare/export")
def training_compare_export(
    doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "", format: Format = "md"
) -> Response:
    comparison = _comparison(service, prompts, doc_id, _split(path))
    texts, author = prompts.training, service.settings.training.handout_author
    content = comparison_docx(comparison, texts, author) if format == "docx" else comparison_markdown(comparison, texts)
    return _download(comparison.title, format, texts, content)
