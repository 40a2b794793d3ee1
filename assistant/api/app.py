"""The FastAPI application: ``create_app(settings)``; ``uvicorn assistant.api.app:app`` serves the default."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from assistant.api.routes import router
from assistant.conversation import ConversationStore
from assistant.service import AssistantService
from assistant.settings import Settings, get_settings
from prompts import get_prompts


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    """422 with the reason in Vietnamese (our validators speak it; pydantic's own messages are kept)."""
    assert isinstance(error, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")).removeprefix("Value error, ")}
        for e in error.errors()
    ]
    message = "; ".join(d["msg"] for d in details)  # type: ignore[misc]
    text = get_prompts().errors.invalid_request.format(detail=message)
    return JSONResponse({"detail": details, "message": text}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Trợ lý GNBV",
        description="Hỏi đáp có trích dẫn về Chương trình MTQG giảm nghèo bền vững.",
        version="0.1.0",
    )
    app.state.service = AssistantService(settings)
    app.state.conversations = ConversationStore()
    app.add_exception_handler(RequestValidationError, _validation_error)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.server.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.include_router(router)
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn assistant.api.app:app` builds the default app lazily, so importing this module is cheap
    if name == "app":
        return create_app()
    raise AttributeError(name)
