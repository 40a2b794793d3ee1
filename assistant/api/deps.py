"""Every piece of app state as a typed dependency, named once: routes declare what they use."""

from __future__ import annotations

import secrets
import threading
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from assistant.api.evaluator import Evaluator
from assistant.chat import ChatService
from assistant.feedback import FeedbackStore
from assistant.jobs import IngestWorker
from assistant.service import AssistantService
from core.settings import Settings
from ingest.models import DocumentMeta
from prompts import Prompts, get_prompts


def get_service(request: Request) -> AssistantService:
    service: AssistantService = request.app.state.service
    return service


ServiceDep = Annotated[AssistantService, Depends(get_service)]


def get_chat(request: Request) -> ChatService:
    chat: ChatService = request.app.state.chat
    return chat


def get_worker(request: Request) -> IngestWorker:
    worker: IngestWorker = request.app.state.worker
    return worker


def get_feedback(request: Request) -> FeedbackStore:
    feedback: FeedbackStore = request.app.state.feedback
    return feedback


def get_app_settings(service: ServiceDep) -> Settings:
    # the app's own settings, never the process-wide defaults: an app built with its own Settings keeps them
    return service.settings


_evaluator_lock = threading.Lock()


def get_evaluator(request: Request, service: ServiceDep) -> Evaluator:
    # made on first use: an app that never evaluates never opens eval.sqlite
    with _evaluator_lock:
        evaluator: Evaluator | None = getattr(request.app.state, "evaluator", None)
        if evaluator is None:
            evaluator = request.app.state.evaluator = Evaluator(service)
    return evaluator


ChatDep = Annotated[ChatService, Depends(get_chat)]
WorkerDep = Annotated[IngestWorker, Depends(get_worker)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PromptsDep = Annotated[Prompts, Depends(get_prompts)]


def _check_key(settings: Settings, given: str | None) -> None:
    """Fails closed: no key configured matches nothing, an empty header matches nothing."""
    expected = settings.server.api_key
    if not expected or not given or not secrets.compare_digest(given.encode(), expected.encode()):  # non-ASCII too
        # the page reacts to this header by asking for the key once (it never goes into a URL)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, get_prompts().errors.unauthorized, headers={"WWW-Authenticate": "X-API-Key"}
        )


def require_write_key(settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Writes need the key; with none configured the server accepts no writes."""
    if settings.server.api_key is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, get_prompts().errors.writes_disabled)
    _check_key(settings, x_api_key)


def require_read_key(settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None) -> None:
    # protect_reads without a key never gets here: the settings refuse it at startup
    if settings.server.protect_reads:
        _check_key(settings, x_api_key)


ReadAccess = Depends(require_read_key)
WriteAccess = Depends(require_write_key)


def known_document(service: AssistantService, prompts: Prompts, doc_id: str) -> DocumentMeta:
    """The document, or the 404 every document route answers for an unknown id."""
    meta = service.document(doc_id)
    if meta is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, prompts.errors.not_found_document.format(doc_id=doc_id))
    return meta
