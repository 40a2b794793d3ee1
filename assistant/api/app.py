"""The FastAPI application: ``create_app(settings)``; ``uvicorn assistant.api.app:app`` serves the default."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from assistant.api.admin_routes import JobStore
from assistant.api.admin_routes import router as admin_router
from assistant.api.routes import router
from assistant.api.web_routes import WEB_DIR
from assistant.api.web_routes import router as web_router
from assistant.conversation import ConversationStore
from assistant.feedback import FeedbackStore
from assistant.service import AssistantService
from assistant.settings import Settings, get_settings
from prompts import get_prompts

MAX_BODY_BYTES = 25 * 1024 * 1024  # an upload (20 MB) and its multipart envelope


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

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return JSONResponse({"detail": "Yêu cầu quá lớn."}, status_code=status.HTTP_413_CONTENT_TOO_LARGE)
        return await call_next(request)

    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.server.cors_origins, allow_methods=["*"], allow_headers=["*"]
        )
    app.state.jobs = JobStore()
    app.state.feedback = FeedbackStore(settings.data_dir / "feedback.sqlite")
    app.include_router(router)
    app.include_router(admin_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def __getattr__(name: str) -> FastAPI:
    # `uvicorn assistant.api.app:app` builds the default app lazily, so importing this module is cheap
    if name == "app":
        return create_app()
    raise AttributeError(name)
