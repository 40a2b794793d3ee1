"""Typed dependencies for the routes."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from assistant.conversation import ConversationStore
from assistant.service import AssistantService
from prompts import Prompts, get_prompts


def get_service(request: Request) -> AssistantService:
    service: AssistantService = request.app.state.service
    return service


def get_conversations(request: Request) -> ConversationStore:
    conversations: ConversationStore = request.app.state.conversations
    return conversations


ServiceDep = Annotated[AssistantService, Depends(get_service)]
ConversationsDep = Annotated[ConversationStore, Depends(get_conversations)]
PromptsDep = Annotated[Prompts, Depends(get_prompts)]


def _check_key(service: AssistantService, given: str | None) -> None:
    expected = service.settings.server.api_key
    if expected is None:
        return
    if given is None or not secrets.compare_digest(given.encode(), expected.encode()):  # non-ASCII keys too
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, get_prompts().errors.unauthorized)


def require_write_key(service: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Writes need the key; with none configured the server accepts no writes."""
    if service.settings.server.api_key is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, get_prompts().errors.writes_disabled)
    _check_key(service, x_api_key)


def require_read_key(service: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    if service.settings.server.protect_reads:
        _check_key(service, x_api_key)


ReadAccess = Depends(require_read_key)
WriteAccess = Depends(require_write_key)
