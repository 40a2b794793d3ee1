"""One error shape for every answer that is not a success, in Vietnamese, and the server's outer guards.

Every error body is ``{"code", "message", "detail"}``: ``message`` is the sentence to show a user (the
page shows it as is), ``detail`` is the route's own detail (a string, or the list of invalid fields of a
422). Starlette's and pydantic's English ("Not Found", "Field required", "There was an error parsing
the body") never reach a user. The two ASGI guards here sit outside the whole application: request
bodies are counted while they stream in, so a chunked body without ``Content-Length`` is stopped at
the limit instead of being buffered, and every answer carries the headers that keep a browser from
sniffing, framing or loading anything from elsewhere.
"""

from __future__ import annotations

import logging
import math
import string
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.answer.llm import LLMNotConfiguredError
from prompts import get_prompts

log = logging.getLogger("gnbv.api")


class ErrorBody(BaseModel):
    """The body of every error answer (4xx and 5xx)."""

    code: str
    message: str
    detail: str | list[dict[str, Any]] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in get_prompts().api.responses.items()
}

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    503: "busy",
}


def error_response(code: int, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(code=_CODES.get(code, f"http_{code}"), message=message, detail=detail)
    return JSONResponse(body.model_dump(), status_code=code, headers=headers)


def lone_surrogate(value: object) -> int | None:
    """Position of the first half surrogate pair in any string of ``value`` (JSON's "\\ud800" decodes to one,
    and it cannot be encoded, so it would fail deep inside search or SQLite)."""
    if isinstance(value, str):
        return next((i for i, ch in enumerate(value) if "\ud800" <= ch <= "\udfff"), None)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            if (found := lone_surrogate(item)) is not None:
                return found
    return None


class _Template(string.Formatter):
    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        return kwargs.get(key, "?")


def _field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "value_error":  # our validators speak Vietnamese already
        return str(error.get("msg", "")).removeprefix("Value error, ")
    template = get_prompts().errors.validation.get(kind)
    if template is None:
        return get_prompts().errors.validation["invalid"]
    return _Template().format(template, **dict(error.get("ctx") or {}))


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    details = []
    for e in error.errors():
        loc = [str(part) for part in e.get("loc", ()) if part != "body"]
        details.append({"loc": list(e.get("loc", ())), "msg": _field_message(e)})
        details[-1]["field"] = ".".join(loc)
    message = "; ".join(f"{d['field']}: {d['msg']}" if d["field"] else str(d["msg"]) for d in details)
    text = get_prompts().errors.invalid_request.format(detail=message)
    return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, text, details)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    errors = get_prompts().errors
    code, detail = error.status_code, error.detail
    # the framework's own errors carry the English status phrase (or FastAPI's parse message); ours a sentence
    generic = not isinstance(detail, str) or detail == HTTPStatus(code).phrase or detail.startswith("There was")
    if not generic:
        message = str(detail)
    elif code == 404:
        message = errors.not_found.format(path=request.url.path)
    elif code == 405:
        message = errors.method_not_allowed.format(path=request.url.path, method=request.method)
    elif code == 400:
        message = errors.invalid_request.format(detail=errors.validation["body_unreadable"])
    else:
        message = errors.http_error.format(code=code)
    return error_response(code, message, message, headers=getattr(error, "headers", None))


def _encoding_error(_: Request, error: Exception) -> JSONResponse:
    # a half surrogate pair that got past the request models (they check their own strings first)
    position = error.start if isinstance(error, UnicodeError) and hasattr(error, "start") else 0
    message = get_prompts().errors.lone_surrogate.format(position=position)
    return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, message, message)


def _llm_off(_: Request, __: Exception) -> JSONResponse:
    message = get_prompts().errors.llm_not_configured
    return error_response(status.HTTP_400_BAD_REQUEST, message, message)


def _server_error(_: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    message = get_prompts().errors.server_error
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, message, message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(UnicodeEncodeError, _encoding_error)
    app.add_exception_handler(LLMNotConfiguredError, _llm_off)
    app.add_exception_handler(Exception, _server_error)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(status.HTTP_413_CONTENT_TOO_LARGE, get_prompts().errors.body_too_large.format(max=limit))


class BodyLimit:
    """Counts request body bytes as they arrive; past the route's limit the read fails with a 413.

    ``Content-Length`` is only a claim: a chunked body has none. So the count is kept on ``receive``
    itself and the error is raised from inside the read, before the body is buffered, parsed or spooled.
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int, upload_paths: frozenset[str]) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            message = get_prompts().errors.body_too_large.format(max=limit)
            await error_response(status.HTTP_413_CONTENT_TOO_LARGE, message, message)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


# The page is served by this server and loads nothing from elsewhere; answers and document text are
# shown with textContent, and this policy is the second wall if that ever slips.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
