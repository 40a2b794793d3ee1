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
    """Fails closed: no key configured matches nothing, an empty header matches nothing."""
    expected = service.settings.server.api_key
    if not expected or not given or not secrets.compare_digest(given.encode(), expected.encode()):  # non-ASCII too
        # the page reacts to this header by asking for the key once (it never goes into a URL)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, get_prompts().errors.unauthorized, headers={"WWW-Authenticate": "X-API-Key"}
        )


def require_write_key(service: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Writes need the key; with none configured the server accepts no writes."""
    if service.settings.server.api_key is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, get_prompts().errors.writes_disabled)
    _check_key(service, x_api_key)


def require_read_key(service: ServiceDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    # protect_reads without a key never gets here: the settings refuse it at startup
    if service.settings.server.protect_reads:
        _check_key(service, x_api_key)


ReadAccess = Depends(require_read_key)
WriteAccess = Depends(require_write_key)
