"""The A2A protocol bindings of `bosun agent`: JSON-RPC on `/`, HTTP+JSON under `/v1`.

Built by `bosun.runtime.service` around the one a2a-sdk request handler, so both bindings
share tasks, streams and push configs. Called by `bosun.runtime.app` for each request.

- JSON-RPC (`POST /`): the a2a-sdk dispatcher serves 1.0 and 0.3 method names on one
  endpoint.
- HTTP+JSON (`/v1/message:send`, `/v1/message:stream`, `/v1/tasks`, `/v1/tasks/{id}`,
  `/v1/tasks/{id}:cancel`, `/v1/tasks/{id}:subscribe`, `/v1/tasks/{id}/pushNotification
  Configs[/{configId}]`): the a2a-sdk REST routes. A 1.0 client and a 0.3 client use the
  same paths, so the `A2A-Version` header chooses (1.x: 1.0 routes; absent or 0.x: the
  sdk's 0.3 adapter), as for the agent card.

Errors raised here, before the sdk sees a request (A2A 1.0 §5.4): a body whose
Content-Type is not JSON (`application/json`, `application/a2a+json`) gets
ContentTypeNotSupportedError: JSON-RPC code -32005 (HTTP 200, as every JSON-RPC error),
HTTP+JSON status 415 with the google.rpc.Status body the sdk uses for its own errors.
"""

from __future__ import annotations

import json
from typing import Any

from a2a.server.request_handlers import RequestHandler
from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher
from a2a.server.routes.rest_routes import create_rest_routes
from a2a.utils.error_handlers import build_rest_error_payload
from a2a.utils.errors import JSON_RPC_ERROR_CODE_MAP, ContentTypeNotSupportedError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from bosun.runtime.card import REST_PATH, VERSION_HEADER, wants_v1

JSON_MEDIA_TYPES = ("application/json", "application/a2a+json")
CONTENT_TYPE_MESSAGE = "Content-Type {given!r} is not supported; send application/json"


def content_type_error(headers: Any, body: bytes) -> str | None:
    """Why the body's Content-Type is refused, or None. A request without a body, or
    without the header, is let through (JSON is the only thing it can be)."""
    given = headers.get("content-type")
    if not body or not given:
        return None
    media_type = given.split(";", 1)[0].strip().lower()
    if media_type in JSON_MEDIA_TYPES:
        return None
    return CONTENT_TYPE_MESSAGE.format(given=given)


def _request_id(body: bytes) -> Any:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    value = payload.get("id") if isinstance(payload, dict) else None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


class Bindings:
    """The JSON-RPC dispatcher and the HTTP+JSON routers over one request handler."""

    def __init__(self, handler: RequestHandler) -> None:
        self.jsonrpc = JsonRpcDispatcher(request_handler=handler, enable_v0_3_compat=True)
        prefix = f"/{REST_PATH}"
        # Tenants are not used by Bosun: leave out the sdk's /{tenant} mount.
        v1 = [r for r in create_rest_routes(handler, path_prefix=prefix) if isinstance(r, Route)]
        self.rest_v1 = Router(routes=v1)
        # Imported after a2a.server.routes: importing the adapter first is circular.
        from a2a.compat.v0_3.rest_adapter import REST03Adapter

        legacy = REST03Adapter(http_handler=handler).routes()
        # The 0.3 adapter's paths already start with /v1.
        self.rest_v03 = Router(
            routes=[
                Route(path, endpoint, methods=[method])
                for (path, method), endpoint in legacy.items()
            ]
        )

    async def handle_jsonrpc(self, request: Request) -> Response:
        body = await request.body()  # cached: the dispatcher reads it again
        why = content_type_error(request.headers, body)
        if why is not None:
            code = JSON_RPC_ERROR_CODE_MAP[ContentTypeNotSupportedError]
            error = {"code": code, "message": why}
            return JSONResponse({"jsonrpc": "2.0", "id": _request_id(body), "error": error})
        response: Response = await self.jsonrpc.handle_requests(request)
        return response

    handle_requests = handle_jsonrpc  # what bosun.runtime.app calls for POST /

    async def handle_rest(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method in ("POST", "PUT", "PATCH"):
            body = await request.body()
            why = content_type_error(request.headers, body)
            if why is not None:
                await rest_error(ContentTypeNotSupportedError(why), status=415)(
                    scope, receive, send
                )
                return
            receive = _replay(body, receive)
        version = request.headers.get(VERSION_HEADER)
        router = self.rest_v1 if wants_v1(version) else self.rest_v03
        await router(scope, receive, send)


def rest_error(error: Exception, *, status: int | None = None) -> JSONResponse:
    """An A2A error in the HTTP+JSON binding's form (google.rpc.Status, as the sdk sends)."""
    payload = build_rest_error_payload(error)
    if status is not None:
        payload["error"]["code"] = status
    return JSONResponse(payload, status_code=status or payload["error"]["code"])


def _replay(body: bytes, original: Receive) -> Receive:
    """A receive callable that hands out `body` again (it was read to check it), then
    waits on the connection as before (streams watch it for the client going away)."""
    sent = False

    async def receive() -> Any:
        nonlocal sent
        if sent:
            return await original()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
