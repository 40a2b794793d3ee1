"""A conversation turn (a follow-up inherits the previous turn's frame), optionally streamed as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette.sse import EventSourceResponse

from assistant.api.deps import ChatDep, ReadAccess
from assistant.api.errors import ERROR_RESPONSES
from assistant.api.schemas import AskResponse, ChatRequest, ChatResponse, check_question_length
from assistant.chat import ChatService
from prompts import get_prompts

router = APIRouter(dependencies=[ReadAccess], tags=[get_prompts().api.tags["ask"]], responses=ERROR_RESPONSES)


def _chat_turn(request: ChatRequest, chat: ChatService) -> ChatResponse:
    check_question_length(request, chat.service.settings.server)
    turn = chat.turn(
        request.question, request.conversation_id, request.top_k, request.filters, request.mode, request.scope
    )
    return ChatResponse(
        **AskResponse.of(turn.outcome).model_dump(),
        conversation_id=turn.conversation_id,
        effective_question=turn.outcome.effective_question,
    )


@router.post("/api/chat", response_model=ChatResponse)
async def chat(request: ChatRequest, chat: ChatDep) -> ChatResponse | EventSourceResponse:
    # the turn is answered before the stream opens, so a failure is an HTTP error, not an empty 200 stream
    response = await run_in_threadpool(_chat_turn, request, chat)
    if not request.stream:
        return response

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "meta", "data": json.dumps({"conversation_id": response.conversation_id})}
        for line in response.answer.splitlines(keepends=True):
            yield {"event": "delta", "data": json.dumps({"text": line}, ensure_ascii=False)}
        yield {"event": "done", "data": response.model_dump_json()}

    return EventSourceResponse(events())
