"""One passage as cited, with the source lines around it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from assistant.api.deps import PromptsDep, ReadAccess, ServiceDep
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import PassageDetail
from ingest.loaders import LoadError
from prompts import get_prompts

router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["documents"]], responses=ERROR_RESPONSES)
_CONTEXT_LINES = 6


@router.get("/api/passages/{chunk_id}", response_model=PassageDetail)
def passage(chunk_id: str, service: ServiceDep, prompts: PromptsDep) -> PassageDetail:
    chunk = service.chunk(chunk_id)
    if chunk is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_passage.format(chunk_id=chunk_id))
    try:
        lines = service.document_lines(chunk.doc_id) or []
    except (LoadError, OSError):
        lines = []  # the file moved or broke since ingest: the passage itself is still served
    return PassageDetail(
        **chunk.model_dump(exclude={"ordinal"}),
        section=chunk.section,
        context_before=lines[max(0, chunk.line_start - 1 - _CONTEXT_LINES) : chunk.line_start - 1],
        context_after=lines[chunk.line_end : chunk.line_end + _CONTEXT_LINES],
    )
