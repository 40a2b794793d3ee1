"""The FastAPI application: ``create_app(settings)``; ``uvicorn assistant.api.app:app`` serves the default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from assistant.api.errors import BodyLimit, SecurityHeaders, install_error_handlers
from assistant.api.routes import ask, chat, documents, eval, feedback, jobs, page, passages, system, training
from assistant.chat import ChatService
from assistant.conversation import ConversationStore
from assistant.feedback import FeedbackStore
from assistant.jobs import IngestWorker, JobQueue
from assistant.service import AssistantService
from core.settings import Settings, get_settings
from prompts import get_prompts

_MULTIPART_ENVELOPE = 64 * 1024  # boundaries and part headers around an uploaded file


def create_app(settings: Settings | None = None, service: AssistantService | None = None) -> FastAPI:
    """``service``: an assistant already built (over its own store) instead of one over ``settings``' index."""
    settings = settings or (service.settings if service else get_settings())  # refuses misspelt GNBV_ variables
    service = service or AssistantService(settings)
    worker = IngestWorker(service.store, JobQueue(settings.layout.jobs), settings.server, get_prompts().jobs)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        worker.start()
        yield
        worker.stop()  # kills a running parse; an unfinished job is queued again at the next start

    # Swagger UI and ReDoc load their scripts from a CDN: off, so the server never points a browser
    # elsewhere; the schema itself stays at /openapi.json.
    app = FastAPI(
        title=get_prompts().api.title,
        description=get_prompts().api.description,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    # the app's state, each piece read by routes through its typed dependency in assistant.api.deps
    app.state.service = service
    conversations = ConversationStore(
        turns=settings.server.max_conversation_turns, chars=settings.server.max_effective_question_chars
    )
    app.state.chat = ChatService(service, conversations)
    app.state.worker = worker
    app.state.feedback = FeedbackStore(settings.layout.feedback)
    install_error_handlers(app)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.server.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.add_middleware(
        BodyLimit,
        limit=settings.server.max_body_bytes,
        upload_limit=settings.server.max_upload_bytes + _MULTIPART_ENVELOPE,
        upload_paths=frozenset({"/api/documents"}),
    )
    app.add_middleware(SecurityHeaders)
    for resource in (ask, chat, documents, passages, jobs, feedback, training, eval, system, page):
        app.include_router(resource.router)
    app.mount("/static", StaticFiles(directory=page.WEB_DIR), name="static")
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn assistant.api.app:app` builds the default app lazily, so importing this module is cheap
    if name == "app":
        return create_app()
    raise AttributeError(name)
