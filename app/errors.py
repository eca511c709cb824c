"""The service's error tree and the handlers that turn it into JSON.

Services raise these; routes never build HTTP errors by hand. Every error
answers `{"error": "<ClassName>", "detail": "<what and how to fix>"}`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class AppError(Exception):
    """An expected failure, reported to the client with `status_code`."""

    status_code = 400

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class BadRequest(AppError):
    status_code = 400


class Unauthorized(AppError):
    status_code = 401


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class PayloadTooLarge(AppError):
    status_code = 413


class UnsupportedMediaType(AppError):
    status_code = 415


class ValidationFailed(AppError):
    status_code = 422


class TooManyRequests(AppError):
    status_code = 429


class GatewayTimeout(AppError):
    """A remote server did not finish in the time allowed."""

    status_code = 504


class UpstreamError(AppError):
    """A mail server or other remote peer refused or failed."""

    status_code = 502


class ErrorOut(BaseModel):
    """The body of every error answer."""

    error: str
    detail: str


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    meaning = {
        400: "Malformed request (body, cursor, query value)",
        401: "Missing or wrong credentials",
        404: "No such object",
        409: "Conflicts with the current state",
        413: "Body too large",
        415: "Unsupported content type",
        422: "Invalid or missing fields; `detail` names each one",
        429: "Rate limit reached; see Retry-After",
        502: "A mail server refused or failed",
        503: "A dependency (e.g. the rate limit store) is unavailable",
        504: "A mail server did not answer in time",
    }
    return {code: {"model": ErrorOut, "description": meaning[code]} for code in codes}


def error_body(name: str, detail: str) -> dict[str, str]:
    return {"error": name, "detail": detail}


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p != "body") or "body"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(type(exc).__name__, exc.detail),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        error_body("ValidationError", _describe_validation(exc)), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = {404: "NotFound", 405: "MethodNotAllowed"}.get(exc.status_code, "HTTPError")
    return JSONResponse(
        error_body(name, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse(
        error_body("InternalError", "unexpected error; see the server log"),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
