"""The web page and what only it needs: its texts and settings, document text, filter checks, feedback, training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep, WriteAccess
from assistant.feedback import FeedbackIn, FeedbackStore
from assistant.retrieval.hybrid import SearchFilters
from assistant.service import AssistantService
from assistant.training import (
    Comparison,
    Handout,
    KeyPoint,
    Project,
    QuizQuestion,
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
from core.text import fold
from ingest.loaders import LoadError, collection_loader
from ingest.models import SECTION_SEPARATOR, DocumentMeta
from prompts import Prompts, TrainingTexts, WebTexts

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
router = APIRouter(dependencies=[ReadAccess])
# the page itself and its icon carry no document text: a reader needs them to be asked for the key at all
public = APIRouter()


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


class WebConfig(BaseModel):
    max_question_chars: int = Field(description="the longest question /api/ask and /api/chat accept")
    labels: dict[str, str] = Field(description="doc_id → the document as cited: 'Kế hoạch 16/KH-UBND, xã Trực Thái'")


FilterKey = Literal["locality", "year", "kind", "doc_id"]


class FilterProblem(BaseModel):
    key: FilterKey | None = Field(description="the filter to drop; None when only the combination of filters is empty")
    message: str


class FilterCheckRequest(BaseModel):
    question: str = Field("", max_length=10_000)
    filters: SearchFilters


class FilterCheck(BaseModel):
    problems: list[FilterProblem]


@public.get("/", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html")


@public.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(WEB_DIR / "favicon.svg", media_type="image/svg+xml")


# public too: with protected reads the page needs its texts to ask for the key
@public.get("/api/web/texts", response_model=WebTexts, tags=["trang web"])
def web_texts(prompts: PromptsDep) -> WebTexts:
    return prompts.web


@router.get("/api/web/config", response_model=WebConfig, tags=["trang web"])
def web_config(service: ServiceDep) -> WebConfig:
    labels = {d.doc_id: document_label(d) for d in service.store.catalog.documents()}
    return WebConfig(max_question_chars=service.settings.server.max_question_chars, labels=labels)


@router.post("/api/web/filter-check", response_model=FilterCheck, tags=["trang web"])
def filter_check(request: FilterCheckRequest, service: ServiceDep, prompts: PromptsDep) -> FilterCheck:
    """Why a question would be answered for the wrong place or year, or not at all, under these filters.

    The answer path applies filters as given; this is the page asking before it sends, so an officer sees
    "the filter says Krông Nô, the question Ia H'Drai" instead of an answer about the wrong district.
    """
    texts, filters = prompts.web, request.filters
    problems: list[FilterProblem] = []
    intent = service.search.analyze(request.question) if request.question.strip() else None
    asked_places = {fold(x) for x in intent.localities} if intent else set()
    if filters.locality and asked_places and fold(filters.locality) not in asked_places:
        asked = ", ".join(intent.localities if intent else [])
        message = texts.filter_conflict_place.format(filter=filters.locality, asked=asked)
        problems.append(FilterProblem(key="locality", message=message))
    asked_years = intent.years if intent else []
    if filters.year and asked_years and filters.year not in asked_years:
        asked = ", ".join(str(y) for y in asked_years)
        message = texts.filter_conflict_year.format(filter=filters.year, asked=asked)
        problems.append(FilterProblem(key="year", message=message))
    documents = service.store.catalog.documents()
    if not problems and not filters.is_empty() and not any(filters.matches(d) for d in documents):
        problems.append(FilterProblem(key=_culprit(filters, documents), message=_empty_message(filters, texts)))
    return FilterCheck(problems=problems)


def _culprit(filters: SearchFilters, documents: list[DocumentMeta]) -> FilterKey | None:
    """The first filter (most specific last) whose removal lets the combination match a document."""
    keys: list[FilterKey] = ["year", "kind", "locality", "doc_id"]
    for key in keys:
        if getattr(filters, key) is not None:
            relaxed = filters.model_copy(update={key: None})
            if any(relaxed.matches(d) for d in documents):
                return key
    return None


def _empty_message(filters: SearchFilters, texts: WebTexts) -> str:
    chosen = ", ".join(str(v) for k, v in filters.model_dump().items() if v is not None and k != "doc_id")
    return texts.filter_empty.format(filters=chosen or texts.filter_document)


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
        return DocumentText(doc_id=doc_id, lines=collection_loader(service.settings).run(Path(path)).lines)
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
    return projects(service.store.catalog.chunks(doc_id), prompts.training)


def _handout(service: AssistantService, prompts: Prompts, doc_id: str, path: list[str], n: int) -> Handout:
    meta = _meta(service, prompts, doc_id)
    points = key_points(service.store.catalog.chunks(doc_id), path, meta)
    if not points:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.training.no_key_points)
    texts = prompts.training
    questions = quiz(points, path, meta, n, service.store.catalog.chunks(), texts)
    title = f"{project_label(path, texts)} — {document_label(meta)}"
    return Handout(title=title, document=meta, points=points, questions=questions)


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


Format = Literal["md", "docx"]


def _download(title: str, format: Format, texts: TrainingTexts, content: str | bytes) -> Response:
    stem, ascii_stem = file_names(title, texts)
    # headers are latin-1: the Vietnamese name goes in filename* (RFC 6266), the ASCII one for old clients
    disposition = f"attachment; filename=\"{ascii_stem}.{format}\"; filename*=UTF-8''{quote(f'{stem}.{format}')}"
    media = DOCX_MEDIA if format == "docx" else "text/markdown; charset=utf-8"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/api/training/export", tags=["tập huấn"])
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


def _comparison(service: AssistantService, prompts: Prompts, doc_id: str, path: list[str]) -> Comparison:
    _meta(service, prompts, doc_id)
    catalog = service.store.catalog
    documents = [(meta, catalog.chunks(meta.doc_id)) for meta in catalog.documents()]
    comparison = compare(path, doc_id, documents, prompts.training)
    if len(comparison.columns) < 2:
        message = prompts.training.compare_alone.format(project=comparison.project)
        raise HTTPException(status.HTTP_404_NOT_FOUND, message)
    return comparison


@router.get("/api/training/compare", response_model=Comparison, tags=["tập huấn"])
def training_compare(doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "") -> Comparison:
    """The project of ``doc_id`` at ``path`` beside the same project in the other localities' plans."""
    return _comparison(service, prompts, doc_id, _split(path))


@router.get("/api/training/compare/export", tags=["tập huấn"])
def training_compare_export(
    doc_id: str, service: ServiceDep, prompts: PromptsDep, path: PathQuery = "", format: Format = "md"
) -> Response:
    comparison = _comparison(service, prompts, doc_id, _split(path))
    texts, author = prompts.training, service.settings.training.handout_author
    content = comparison_docx(comparison, texts, author) if format == "docx" else comparison_markdown(comparison, texts)
    return _download(comparison.title, format, texts, content)
