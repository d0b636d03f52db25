"""Request limits of the control plane: one pure ASGI middleware, mounted by `app.py`.

Checked before any route runs, so the A2A proxy, `/mcp` and the REST API never hold more
than the limits allow, and the caller gets a JSON error (errors.py's shape) that names
the limit and its setting:

- headers larger than `max_header_bytes` in total → 431;
- a body larger than `max_body_bytes` → 413, at once from Content-Length, or as soon as
  a chunked body passes the limit (nothing beyond it is read);
- on the A2A proxy and `/mcp`: a JSON-RPC batch of more than `max_batch` messages, or
  more than `max_parts` message parts in one request → 413;
- more than `max_streams_per_client` SSE streams open through the proxy, or `/mcp` tool
  calls in flight, at once for one caller (its bearer token, else X-Bosun-User, else its
  address) → 429.

Cost on the hot path: a header scan, and for proxy/`/mcp` POSTs one buffered read of a
body the route reads anyway plus a `bytes.count`; the JSON is parsed here only when the
body has more `{` than `max_parts` (only such a body can hold that many parts). A proxied
POST that passes is handed, with that body, to the proxy's raw ASGI route
(`a2a_proxy.fast_post`, given as `proxy=`): the one layer in front of the proxy.
Settings: environment variables `BOSUN_MAX_BODY_BYTES` ... (docs/api.md "Request limits").
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bosun.server.errors import error_response

_STREAM_MARKERS = (b"Stream", b"ubscribe", b"message/stream", b"resubscribe")
FastRoute = Callable[[Scope, bytes, Receive, Send], Awaitable[bool]]
"""(scope, body, receive, send) -> True when it answered (a2a_proxy.fast_post)."""


class LimitSettings(BaseSettings):
    """The limits; env var = BOSUN_ + field name in upper case."""

    model_config = SettingsConfigDict(env_prefix="BOSUN_", extra="ignore")

    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    max_parts: int = Field(default=256, ge=1)
    max_batch: int = Field(default=32, ge=1)
    max_streams_per_client: int = Field(default=64, ge=1)


def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


class RequestLimits:
    """ASGI middleware enforcing `LimitSettings` (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        settings: LimitSettings | None = None,
        proxy: FastRoute | None = None,
    ) -> None:
        self.app = app
        self.limits = settings or LimitSettings()
        self.streams: Counter[str] = Counter()
        self.proxy = proxy  # a2a_proxy.fast_post: proxied POSTs skip the app's routing

    async def _inner(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """A proxied POST goes to the proxy's raw route with the body read here (no second
        read, no FastAPI routing or dependency solving); anything it declines to the app."""
        if self.proxy is not None and await self.proxy(scope, body, receive, send):
            return
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        header_bytes, length, caller = 0, None, b""
        for name, value in scope["headers"]:
            header_bytes += len(name) + len(value)
            if name == b"content-length":
                length = value
            elif name == b"authorization" or (name == b"x-bosun-user" and not caller):
                caller = value
        if header_bytes > limits.max_header_bytes:
            await self._refuse(431, "headers_too_large", f"the request headers are "
                               f"{_size(header_bytes)}; the limit is "
                               f"{_size(limits.max_header_bytes)} (BOSUN_MAX_HEADER_BYTES)",
                               scope, receive, send)  # fmt: skip
            return
        if length is not None and length.isdigit() and int(length) > limits.max_body_bytes:
            await self._too_large(int(length), scope, receive, send)
            return
        path: str = scope["path"]
        proxied = path.startswith("/api/a2a/")
        if scope["method"] != "POST" or not (proxied or path.rstrip("/") == "/mcp"):
            if length is not None or scope["method"] not in ("POST", "PUT", "PATCH"):
                await self.app(scope, receive, send)
                return
            chunked = await self._read(receive)  # no Content-Length: read up to the limit
            if chunked is None:
                await self._too_large(limits.max_body_bytes + 1, scope, receive, send)
                return
            await self.app(scope, _replay(chunked, receive), send)
            return
        body = await self._read(receive)
        if body is None:
            await self._too_large(limits.max_body_bytes + 1, scope, receive, send)
            return
        problem = self._count(body)
        if problem is not None:
            await self._refuse(413, "too_many_parts", problem, scope, receive, send)
            return
        replay = _replay(body, receive)

        async def forward() -> None:  # the proxy's raw route, or the app for /mcp
            if proxied:
                await self._inner(scope, body, replay, send)
            else:
                await self.app(scope, replay, send)

        # Streams held open: proxied streaming calls, and /mcp tool calls (invoke_agent
        # waits for the whole turn, sending progress all along).
        streaming = any(m in body for m in _STREAM_MARKERS) if proxied else b"tools/call" in body
        if not streaming:
            await forward()
            return
        key = _caller_key(caller, scope)
        if self.streams[key] >= limits.max_streams_per_client:
            await self._refuse(429, "too_many_streams", f"{self.streams[key]} streams are "
                               f"open for this caller; the limit is "
                               f"{limits.max_streams_per_client} (BOSUN_MAX_STREAMS_PER_CLIENT)",
                               scope, replay, send)  # fmt: skip
            return
        self.streams[key] += 1
        try:
            await forward()
        finally:
            self.streams[key] -= 1
            if self.streams[key] <= 0:
                del self.streams[key]

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes max_body_bytes (the rest is not read)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)  # disconnected: the route will notice
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _count(self, body: bytes) -> str | None:
        limits = self.limits
        if body.count(b"{") <= limits.max_parts and not body.lstrip().startswith(b"["):
            return None  # too few objects to hold too many parts; not a batch
        try:
            data = json.loads(body)
        except ValueError:
            return None  # not JSON: the route answers that
        calls = data if isinstance(data, list) else [data]
        if len(calls) > limits.max_batch:
            return (f"the JSON-RPC batch has {len(calls)} messages; the limit is "
                    f"{limits.max_batch} (BOSUN_MAX_BATCH)")  # fmt: skip
        parts = sum(_parts_of(call) for call in calls)
        if parts > limits.max_parts:
            return (f"the request carries {parts} message parts; the limit is "
                    f"{limits.max_parts} (BOSUN_MAX_PARTS)")  # fmt: skip
        return None

    async def _too_large(self, size: int, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.max_body_bytes
        await self._refuse(413, "body_too_large", f"the request body is larger than "
                           f"{_size(limit)}, the limit (BOSUN_MAX_BODY_BYTES)"
                           + (f"; it is {_size(size)}" if size > limit + 1 else ""),
                           scope, receive, send)  # fmt: skip

    async def _refuse(
        self, status: int, code: str, message: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        response = error_response(status, code, message)
        response.headers["connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _parts_of(call: Any) -> int:
    """Message parts in one JSON-RPC call (A2A params.message) or an HTTP+JSON body."""
    if not isinstance(call, dict):
        return 0
    params = call.get("params") if isinstance(call.get("params"), dict) else call
    message = params.get("message") if isinstance(params, dict) else None
    parts = message.get("parts") if isinstance(message, dict) else None
    return len(parts) if isinstance(parts, list) else 0


def _caller_key(caller: bytes, scope: Scope) -> str:
    if caller:
        return hashlib.sha256(caller).hexdigest()[:16]  # never keep a token itself
    client = scope.get("client")
    return str(client[0]) if client else "?"
