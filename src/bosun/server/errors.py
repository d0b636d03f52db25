"""Coded service errors, and the one place where they become HTTP responses.

Routes and repositories raise `ServiceError` subclasses (or the store's `NotFound` /
`Conflict`); `install_error_handlers` maps each to a status code and a JSON body

    {"error": "<code>", "field": "<path or null>", "message": "<why>",
     "errors": [{"field": ..., "message": ...}, ...]}

`errors` lists every problem when there are several (a translation can find many); the
top-level field/message repeat the first one. Request validation failures of FastAPI are
mapped to the same shape, so a client parses one format.

A database that cannot be reached (PostgreSQL restarting, a connection the server closed,
connection refused or timed out; SQLite locked past its busy timeout) is 503
`database_unavailable` with `Retry-After: 1`, not 500: the engine's pool replaces the dead
connections (pool_pre_ping, db/engine.py), so the same process answers again once the
database is back.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
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


def _asyncpg_errors() -> list[type[Exception]]:
    try:
        import asyncpg.exceptions
    except ImportError:  # SQLite only
        return []
    return [getattr(asyncpg.exceptions, name) for name in _PG_UNAVAILABLE]


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


# asyncpg's errors for a server that is gone, going or not accepting connections yet.
_PG_UNAVAILABLE = {
    "AdminShutdownError": "the database server is shutting down",
    "CrashShutdownError": "the database server crashed",
    "CannotConnectNowError": "the database server is starting up or shutting down",
    "ConnectionDoesNotExistError": "the connection was closed",
    "ConnectionFailureError": "the connection failed",
    "ClientCannotConnectError": "cannot connect",
    "ConnectionRejectionError": "the connection was rejected",
    "TooManyConnectionsError": "too many connections",
    "InterfaceError": "the connection was lost",
}


def _from_database_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module.startswith(("asyncpg", "sqlalchemy", "aiosqlite")):
            return True
        tb = tb.tb_next
    return False


def database_unavailable(exc: BaseException) -> str | None:
    """Why the database cannot be reached, if that is what `exc` (or its cause) says."""
    seen: BaseException | None = exc
    for _ in range(8):  # the cause chain: sqlalchemy wraps the driver's error
        if seen is None:
            return None
        if type(seen).__module__.startswith("asyncpg") and type(seen).__name__ in _PG_UNAVAILABLE:
            return _PG_UNAVAILABLE[type(seen).__name__]
        if isinstance(seen, OSError) and _from_database_driver(seen):
            if isinstance(seen, ConnectionRefusedError):
                return "connection refused"
            return "connection timed out" if isinstance(seen, TimeoutError) else "connection lost"
        if isinstance(seen, DBAPIError):
            if seen.connection_invalidated:
                return "the connection was lost"
            if "database is locked" in str(seen.orig):
                return "the database is busy (locked)"
        seen = seen.__cause__ or seen.__context__
    return None


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

    quiet = [-5.0]  # when the last "database unavailable" line was logged

    async def on_database(request: Request, exc: Exception) -> JSONResponse:
        reason = database_unavailable(exc)
        if reason is None:  # a database error that is a bug, not an outage
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return error_response(500, "internal", "internal error; see the control plane's log")
        now = time.monotonic()
        if now - quiet[0] >= 5:  # one line per 5 s in an outage, not one per request
            quiet[0] = now
            log.warning("database unavailable on %s: %s", request.url.path, reason)
        response = error_response(
            503, "database_unavailable", f"database unavailable ({reason}); try again in a moment"
        )
        response.headers["Retry-After"] = "1"
        return response

    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(OSError, on_database)
    for kind in _asyncpg_errors():  # raised unwrapped while a connection is made
        app.add_exception_handler(kind, on_database)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(NotFound, on_not_found)
    app.add_exception_handler(Conflict, on_conflict)
    app.add_exception_handler(StarletteHTTPException, on_http)
