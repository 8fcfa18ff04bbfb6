"""Errors → HTTP: the one place where :class:`ComposerError` classes get a status code.

Every error body has the same shape, ``{"error": {"code": ..., "message": ...}}``, for
errors raised by our code, for FastAPI's request validation and for Starlette's own
HTTP errors (unknown route, wrong method), so a client only ever parses one thing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from composer.errors import (
    BusyError,
    ComposerError,
    EngineUnavailableError,
    InputError,
    NotFoundError,
    OptionError,
    StorageError,
    TooLargeError,
    UnknownFormatError,
)

log = logging.getLogger("composer.web")

#: Methods looked for when a 405 lists what a path allows.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class InvalidRequestError(OptionError):
    """The request body or a parameter does not fit the API's schema."""

    code = "invalid_request"


class UnsupportedMediaError(InputError):
    """The request body has a content type the endpoint does not read."""

    code = "unsupported_media_type"


class ConflictError(ComposerError):
    """The song is in a state that does not allow this (e.g. deleting while it renders)."""

    code = "conflict"


class RequestTimeoutError(InputError):
    """The client sent its body too slowly."""

    code = "request_timeout"


class ServiceBusyError(BusyError):
    """The queue is full; ``retry_after`` says when to try again (seconds)."""

    def __init__(self, message: str, retry_after: int = 10) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


# Most specific first: the first class in an error's MRO that is listed here wins.
STATUS: dict[type[ComposerError], int] = {
    TooLargeError: 413,
    UnknownFormatError: 422,
    UnsupportedMediaError: 415,
    RequestTimeoutError: 408,
    InputError: 400,
    OptionError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    BusyError: 503,
    EngineUnavailableError: 503,
    StorageError: 507,
}

_HTTP_CODES = {
    400: "bad_input",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}


def status_of(error: ComposerError) -> int:
    """HTTP status for an error: the nearest listed base class, else 400."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON error shape."""
    return {"error": {"code": code, "message": message, **extra}}


def error_response(error: ComposerError) -> JSONResponse:
    """A JSON response for a :class:`ComposerError` (with ``Retry-After`` when busy)."""
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, BusyError):
        headers["Retry-After"] = str(getattr(error, "retry_after", 10))
    return JSONResponse(error_body(error.code, error.message), status_code=status, headers=headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One line out of pydantic's error list: ``field: problem; field: problem``."""
    parts = []
    for e in list(errors)[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        where = ".".join(loc) or "request"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _composer_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, ComposerError):  # pragma: no cover - registered for ComposerError
        raise exc
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    details = [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in errors[:20]
    ]
    return JSONResponse(
        error_body("invalid_request", describe_validation(errors), details=details), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        raise exc
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed(request) or headers.get("Allow", "")
    return JSONResponse(
        error_body(code, " ".join(message.split())),
        status_code=exc.status_code,
        headers=headers,
    )


def _allowed(request: Request) -> str:
    """Every method the routes at this path accept (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Mount):  # the page's static files: any path, GET only
            continue
        for method in METHODS:
            match, _ = route.matches({**request.scope, "method": method})
            if match == Match.FULL:
                methods.add(method)
    return ", ".join(sorted(methods))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", "internal server error"), status_code=500)


def install(app: FastAPI) -> None:
    """Register the handlers that keep every error in the JSON shape."""
    app.add_exception_handler(ComposerError, _composer_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
