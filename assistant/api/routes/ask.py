"""One question, one answer with its citations."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import ReadAccess, ServiceDep
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import AskRequest, AskResponse, check_question_length
from prompts import get_prompts

router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["ask"]], responses=ERROR_RESPONSES)


@router.post("/api/ask", response_model=AskResponse)
def ask(request: AskRequest, service: ServiceDep) -> AskResponse:
    check_question_length(request, service.settings.server)
    return AskResponse.of(service.ask(request.question, request.top_k, request.filters, request.mode, request.scope))
