"""Coded service errors, and the one place where they become HTTP responses.

Routes and repositories raise `ServiceError` subclasses (or the store's `NotFound` /
`Conflict`); `install_error_handlers` maps each to a status code and a JSON body

    {"error": "<code>", "field": "<path or null>", "message": "<why>",
     "errors": [{"field": ..., "message": ...}, ...]}

`errors` lists every problem when there are several (a translation can find many); the
top-level field/message repeat the first one. Request validation failures of FastAPI are
mapped to the same shape, so a client parses one format.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bosun.api.manifests import format_loc
from bosun.api.store import Conflict, NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldProblem:
    field: str | None
    message: str


class ServiceError(Exception):
    """An error a client caused or must know about. Subclasses fix code and status."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, field: str | None = None, *, problems: list[FieldProblem] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.problems = problems or [FieldProblem(field, message)]


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class NotFoundError(ServiceError):
    status = 404
    code = "not_found"


class AlreadyExists(ServiceError):
    status = 409
    code = "already_exists"


class ConflictError(ServiceError):
    status = 409
    code = "conflict"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unavailable(ServiceError):
    status = 503
    code = "unavailable"


class ErrorBody(BaseModel):
    """The JSON body of every error response (documented in the OpenAPI schema)."""

    error: str
    field: str | None = None
    message: str
    errors: list[dict[str, Any]] = []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)
}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> JSONResponse:
    problems = problems or [FieldProblem(field, message)]
    body = {
        "error": code,
        "field": field,
        "message": message,
        "errors": [{"field": p.field, "message": p.message} for p in problems],
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _request_field(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the location with body/query/path/header; keep the rest as a path.
    parts = list(loc)
    where = parts.pop(0) if parts and parts[0] in ("body", "query", "path", "header") else ""
    path = format_loc(p for p in parts if isinstance(p, int | str))
    if where in ("query", "path", "header"):
        return f"{where}.{path}" if path else str(where)
    return path


def validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        elif err.get("type") == "missing":
            message = "required field is missing"
        elif err.get("type") == "json_invalid":
            message = "request body is not valid JSON"
        problems.append(FieldProblem(_request_field(tuple(err.get("loc", ()))) or None, message))
    return problems or [FieldProblem(None, "invalid request")]


def install_error_handlers(app: FastAPI) -> None:
    async def on_service_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.problems)

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = validation_problems(exc)
        first = problems[0]
        return error_response(422, "invalid", first.message, first.field, problems)

    async def on_not_found(_: Request, exc: Exception) -> JSONResponse:
        return error_response(404, "not_found", str(exc) or "not found")

    async def on_conflict(_: Request, exc: Exception) -> JSONResponse:
        return error_response(
            409, "conflict", str(exc) or "changed since read", "metadata.resourceVersion"
        )

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return error_response(exc.status_code, code, str(exc.detail))

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(NotFound, on_not_found)
    app.add_exception_handler(Conflict, on_conflict)
    app.add_exception_handler(StarletteHTTPException, on_http)
