"""The server's state and what the web page asks of it: health, its settings and labels, filter checks."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import FilterCheck, FilterCheckRequest, FilterKey, FilterProblem, Health, WebConfig
from assistant.retrieval.hybrid import SearchFilters
from assistant.training import document_label
from core.text import fold
from ingest.models import DocumentMeta
from prompts import WebTexts, get_prompts

router = APIRouter(dependencies=[ReadAccess], responses=ERROR_RESPONSES)


@router.get("/health", response_model=Health, tags=[get_prompts().api.tags["system"]])
def health(service: ServiceDep) -> Health:
    return Health(
        status="ok",
        documents=len(service.documents()),
        chunks=service.chunk_counts().total(),
        embedding_model=service.settings.embedding.model,
        store=service.settings.chroma.mode,
        ranker=service.search.ranker_label(),
    )


@router.get("/api/web/config", response_model=WebConfig, tags=[get_prompts().api.tags["web"]])
def web_config(service: ServiceDep) -> WebConfig:
    labels = {d.doc_id: document_label(d) for d in service.documents().values()}
    return WebConfig(max_question_chars=service.settings.server.max_question_chars, labels=labels)


@router.post("/api/web/filter-check", response_model=FilterCheck, tags=[get_prompts().api.tags["web"]])
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
    documents = list(service.documents().values())
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
