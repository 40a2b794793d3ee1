"""Read routes: ask, chat (optionally streamed), documents, passages, health."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sse_starlette.sse import EventSourceResponse

from assistant.api.deps import ConversationsDep, PromptsDep, ReadAccess, ServiceDep
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import (
    AskRequest,
    AskResponse,
    ChatRequest,
    ChatResponse,
    DocumentDetail,
    DocumentSummary,
    FrameView,
    Health,
    Passage,
    PassageDetail,
    question_too_long,
)
from assistant.chat import ChatService
from assistant.outline import outline
from assistant.service import AskOutcome, AssistantService
from ingest.models import DocumentMeta

router = APIRouter(dependencies=[ReadAccess], responses=ERROR_RESPONSES)
_CONTEXT_LINES = 6


def _response(outcome: AskOutcome) -> AskResponse:
    a = outcome.answer
    return AskResponse(
        answer=a.answer,
        refused=a.refused,
        citations=a.citations,
        passages=[Passage.of(p) for p in outcome.passages],
        suggestions=a.suggestions,
        direct=a.direct,
        nearby=a.nearby,
        contradiction=a.contradiction,
        frame=FrameView.of(a.frame) if a.frame else None,
        mode=a.mode,
        warnings=a.warnings,
        timings_ms={k: round(v, 2) for k, v in outcome.timings_ms.items()},
    )


def _check_length(request: AskRequest, service: AssistantService) -> None:
    """The question limit of this app's settings, answered as the 422 the other field errors get."""
    message = question_too_long(request.question, service.settings.server)
    if message is not None:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "question"), "msg": message, "input": request.question}]
        )


@router.post("/api/ask", response_model=AskResponse, tags=["hỏi đáp"])
def ask(request: AskRequest, service: ServiceDep) -> AskResponse:
    _check_length(request, service)
    return _response(service.ask(request.question, request.top_k, request.filters, request.mode, request.scope))


def _chat_turn(request: ChatRequest, service: AssistantService, conversations: ConversationsDep) -> ChatResponse:
    _check_length(request, service)
    turn = ChatService(service, conversations).turn(
        request.question, request.conversation_id, request.top_k, request.filters, request.mode, request.scope
    )
    return ChatResponse(
        **_response(turn.outcome).model_dump(),
        conversation_id=turn.conversation_id,
        effective_question=turn.outcome.effective_question,
    )


@router.post("/api/chat", response_model=ChatResponse, tags=["hỏi đáp"])
async def chat(
    request: ChatRequest, service: ServiceDep, conversations: ConversationsDep
) -> ChatResponse | EventSourceResponse:
    # the turn is answered before the stream opens, so a failure is an HTTP error, not an empty 200 stream
    response = await run_in_threadpool(_chat_turn, request, service, conversations)
    if not request.stream:
        return response

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "meta", "data": json.dumps({"conversation_id": response.conversation_id})}
        for line in response.answer.splitlines(keepends=True):
            yield {"event": "delta", "data": json.dumps({"text": line}, ensure_ascii=False)}
        yield {"event": "done", "data": response.model_dump_json()}

    return EventSourceResponse(events())


@router.get("/api/documents", response_model=list[DocumentSummary], tags=["tài liệu"])
def documents(service: ServiceDep) -> list[DocumentSummary]:
    counts: dict[str, int] = {}
    for chunk_id in service.store.catalog.chunk_ids():
        doc_id = chunk_id.rsplit(":", 1)[0]
        counts[doc_id] = counts.get(doc_id, 0) + 1
    return [
        DocumentSummary(**_shown(service, d).model_dump(), chunks=counts.get(d.doc_id, 0))
        for d in service.store.catalog.documents()
    ]


def _shown(service: AssistantService, meta: DocumentMeta) -> DocumentMeta:
    """The document with its path relative to the corpus or the data dir: server paths stay on the server."""
    path = Path(meta.path)
    for root in (service.settings.corpus_dir, service.settings.data_dir):
        if path.is_relative_to(root.resolve()):
            return meta.model_copy(update={"path": path.relative_to(root.resolve()).as_posix()})
    return meta.model_copy(update={"path": path.name})


@router.get("/api/documents/{doc_id}", response_model=DocumentDetail, tags=["tài liệu"])
def document(doc_id: str, service: ServiceDep, prompts: PromptsDep) -> DocumentDetail:
    meta = service.store.catalog.document(doc_id)
    if meta is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_document.format(doc_id=doc_id))
    chunks = service.store.catalog.chunks(doc_id)
    return DocumentDetail(**_shown(service, meta).model_dump(), chunks=len(chunks), outline=outline(chunks))


@router.get("/api/passages/{chunk_id}", response_model=PassageDetail, tags=["tài liệu"])
def passage(chunk_id: str, service: ServiceDep, prompts: PromptsDep) -> PassageDetail:
    chunk = service.store.catalog.chunk(chunk_id)
    if chunk is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_passage.format(chunk_id=chunk_id))
    lines = _document_lines(service, chunk.doc_id)
    return PassageDetail(
        **chunk.model_dump(exclude={"ordinal"}),
        section=chunk.section,
        context_before=lines[max(0, chunk.line_start - 1 - _CONTEXT_LINES) : chunk.line_start - 1],
        context_after=lines[chunk.line_end : chunk.line_end + _CONTEXT_LINES],
    )


def _document_lines(service: AssistantService, doc_id: str) -> list[str]:
    from ingest.loaders import LoadError, collection_loader

    path = service.store.catalog.paths().get(doc_id)
    try:
        return collection_loader(service.settings).run(Path(path)).lines if path else []
    except (LoadError, OSError):
        return []  # the file moved or broke since ingest: the passage itself is still served


@router.get("/health", response_model=Health, tags=["hệ thống"])
def health(service: ServiceDep) -> Health:
    return Health(
        status="ok",
        documents=len(service.store.catalog.documents()),
        chunks=len(service.store.catalog.chunk_ids()),
        embedding_model=service.settings.embedding.model,
        store=service.settings.chroma.mode,
    )
