"""The A2A proxy: /api/a2a/{namespace}/{name} forwards to the agent's A2A server.

- POST /api/a2a/{ns}/{name} (JSON-RPC, v1.0 and v0.3) and any sub-path (the HTTP+JSON
  binding) are forwarded to the agent's base URL. SSE answers are streamed through chunk
  by chunk as they arrive (the pooled aiohttp client of upstream.py into a
  StreamingResponse; nothing buffered); when the client goes away the upstream request
  is closed, which ends the agent's stream.
- Hot path: POSTs come to `fast_post`, a raw ASGI route the request limits layer calls
  (limits.py), not through FastAPI's routing and dependencies; the FastAPI routes below
  serve the rest (GETs, the agent card) and the OpenAPI schema, and take a POST only
  when `fast_post` declines it (an invalid name: their 422).
- GET .../.well-known/agent-card.json returns the agent's card with its URLs rewritten to
  the proxy (gRPC interfaces, which the proxy cannot carry, are dropped).
- Only agents whose Ready condition is True are routed; others get a JSON-RPC error
  (HTTP 200, as JSON-RPC errors are) whose message says why: not found, or not ready with
  the condition's reason and message.
- The caller's identity goes to the agent as X-Bosun-User (their bearer token does not);
  W3C trace context (traceparent, tracestate, baggage) is propagated; sessions and task
  states are recorded (a2a_record.py).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from opentelemetry import propagate, trace
from starlette.types import Message, Receive, Scope, Send

from bosun.api.base import DNS1123_LABEL, DNS1123_SUBDOMAIN
from bosun.server import governance, metrics
from bosun.server.a2a_broken import AnswerTooLarge, read_answer
from bosun.server.a2a_record import (
    LIST_METHODS,
    SEND_METHODS,
    Recorder,
    SseTap,
    check_access,
    messages_of,
    rpc_error,
)
from bosun.server.a2a_rest import RestCall, list_tasks, rest_call, rest_error
from bosun.server.agent_lookup import AGENT_UNREACHABLE, AgentUnavailable, find_agent
from bosun.server.audit_tap import AuditTap
from bosun.server.auth import USER_HEADER, User
from bosun.server.context import Context, Ctx, CurrentUser
from bosun.server.errors import ServiceError, error_response
from bosun.server.metrics import proxy_call
from bosun.server.routes.common import NamePath, NamespacePath
from bosun.server.upstream import Upstream, UpstreamResponse, query_of

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/a2a", tags=["a2a"])
tracer = trace.get_tracer("bosun.server.a2a_proxy")

MAX_BODY = 32 * 1024 * 1024
# Not forwarded: hop-by-hop headers, the caller's credentials, and what httpx sets itself.
_DROP_REQUEST = {
    "host", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade", "authorization", "cookie", "content-length",
    "accept-encoding", USER_HEADER.lower(),
}  # fmt: skip
FORBIDDEN_BY_ROLE = -32054  # the caller has no role in the agent's namespace (rbac.py)
STREAM_METHODS = ("SendStreamingMessage", "SubscribeToTask", "message/stream", "tasks/resubscribe")
_DROP_RESPONSE = {
    "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding",
    "server", "date", "trailer", "upgrade",
}  # fmt: skip


def _upstream_headers(request: Request, user: User) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
    headers[USER_HEADER] = user.id
    headers["accept-encoding"] = "identity"  # so the SSE tap reads plain text
    headers["x-forwarded-for"] = request.client.host if request.client else ""
    headers["x-forwarded-proto"] = request.url.scheme
    with tracer.start_as_current_span(
        "a2a.proxy", context=propagate.extract(request.headers), kind=trace.SpanKind.CLIENT
    ):
        propagate.inject(headers)
    return headers


def _response_headers(upstream: httpx.Response | UpstreamResponse) -> dict[str, str]:
    headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _DROP_RESPONSE}
    if upstream.headers.get("content-type", "").startswith("text/event-stream"):
        headers["x-accel-buffering"] = "no"  # ask nginx-style ingresses not to buffer
        headers["cache-control"] = "no-cache"
    return headers


def _unavailable(
    request_id: Any, exc: AgentUnavailable, call: RestCall | None = None
) -> JSONResponse:
    data = {"reason": exc.reason}
    error = rpc_error(request_id, exc.code, exc.message, data)
    return rest_error(error) if call is not None else JSONResponse(error)


def proxy_base(ctx: Context, request: Request, namespace: str, name: str) -> str:
    base = ctx.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/api/a2a/{namespace}/{name}"


def rewrite_card(card: dict[str, Any], base: str) -> dict[str, Any]:
    """The card with every URL under the proxy (path kept), gRPC interfaces dropped."""

    def moved(url: Any) -> Any:
        if not isinstance(url, str):
            return url
        path = urlsplit(url).path.rstrip("/")
        return base + path

    out = dict(card)
    if "url" in out:
        out["url"] = moved(out["url"])
    for key in ("supportedInterfaces", "additionalInterfaces"):
        interfaces = out.get(key)
        if isinstance(interfaces, list):
            out[key] = [
                {**i, "url": moved(i.get("url"))}
                for i in interfaces
                if isinstance(i, dict)
                and str(i.get("protocolBinding", i.get("transport", ""))).upper() != "GRPC"
            ]
    return out


@router.get("/{namespace}/{name}/.well-known/agent-card.json")
@router.get("/{namespace}/{name}/.well-known/agent.json", include_in_schema=False)
async def agent_card(
    ctx: Ctx, user: CurrentUser, request: Request, namespace: NamespacePath, name: NamePath
) -> Response:
    """The agent's card, its URLs pointing at this proxy (also at agent.json, A2A v0.3)."""
    card_path = request.url.path.rsplit("/", 2)[-2:]
    try:
        agent = await find_agent(ctx, namespace, name)
    except AgentUnavailable as exc:
        status = 404 if exc.code != -32051 else 503
        return error_response(status, exc.reason, exc.message)
    try:
        upstream = await ctx.http.get(
            f"{agent.url}/{'/'.join(card_path)}",
            headers=_upstream_headers(request, user),
            timeout=15,
        )
        card = upstream.json()
    except (httpx.HTTPError, ValueError) as exc:
        return error_response(502, "agent_unreachable", f"cannot read the agent's card: {exc}")
    if upstream.status_code != 200 or not isinstance(card, dict):
        return error_response(
            502, "agent_unreachable", f"the agent answered {upstream.status_code} for its card"
        )
    return JSONResponse(rewrite_card(card, proxy_base(ctx, request, namespace, name)))


@router.post("/{namespace}/{name}")
async def jsonrpc(
    ctx: Ctx, user: CurrentUser, request: Request, namespace: NamespacePath, name: NamePath
) -> Response:
    """A2A JSON-RPC to the agent (SendMessage, SendStreamingMessage, GetTask, CancelTask,
    ... and their v0.3 names). Streams come back as text/event-stream."""
    return await forward(ctx, user, request, namespace, name, "")


@router.api_route(
    "/{namespace}/{name}/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,  # one operation per method would flood the schema
)
async def subpath(
    ctx: Ctx,
    user: CurrentUser,
    request: Request,
    namespace: NamespacePath,
    name: NamePath,
    path: str,
) -> Response:
    """Other A2A endpoints of the agent (HTTP+JSON binding), forwarded as they are."""
    return await forward(ctx, user, request, namespace, name, path)


_NAMESPACE = re.compile(DNS1123_LABEL)
_NAME = re.compile(DNS1123_SUBDOMAIN)
_TEMPLATES = (
    f"{router.prefix}/{{namespace}}/{{name}}",
    f"{router.prefix}/{{namespace}}/{{name}}/{{path:path}}",
)


async def fast_post(scope: Scope, body: bytes, receive: Receive, send: Send) -> bool:
    """POST /api/a2a/{ns}/{name}[/{path}] as a raw ASGI route, called by the request limits
    layer (limits.py) with the body it read: what `jsonrpc` and `subpath` do, without
    FastAPI's routing, dependency solving and parameter validation on the hot path. False
    (nothing sent) for what the routes above must answer: a name that is not a DNS name
    (their 422), a control plane still starting (503), a mounted root path."""
    app = scope.get("app")
    ctx: Context | None = getattr(getattr(app, "state", None), "ctx", None)
    namespace, _, rest = scope["path"][len(router.prefix) + 1 :].partition("/")
    name, sub, path = rest.partition("/")
    if (
        ctx is None
        or scope.get("root_path")
        or len(namespace) > 63
        or len(name) > 253
        or not _NAMESPACE.fullmatch(namespace)
        or not _NAME.fullmatch(name)
    ):
        return False
    started = time.perf_counter()
    status = 500

    async def send_status(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        await send(message)

    request = Request(scope, receive)
    response: Response
    try:
        try:
            user = await ctx.auth.current_user(request)
        except ServiceError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.field, exc.problems)
        else:
            request.state.user = user
            response = await forward(ctx, user, request, namespace, name, path, body)
        await response(scope, receive, send_status)
    finally:
        if ctx.settings.metrics:
            seconds = time.perf_counter() - started
            metrics.http_request(_TEMPLATES[bool(sub)], "POST", status, seconds)
    return True


async def forward(
    ctx: Ctx,
    user: User,
    request: Request,
    namespace: str,
    name: str,
    path: str,
    body: bytes | None = None,
) -> Response:
    if body is None:
        body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse(rpc_error(None, -32600, "request larger than 32 MB"), status_code=413)
    try:
        parsed: Any = json.loads(body) if body else None
    except ValueError:
        parsed = None
    request_id = parsed.get("id") if isinstance(parsed, dict) else None
    method = parsed.get("method") if isinstance(parsed, dict) else None
    call = rest_call(request.method, path, parsed, request.query_params)  # HTTP+JSON: a2a_rest
    if call is not None:
        method = call.method
    # Governance (metrics, audit log, roles): see metrics.py, audit_tap.py, auth/rbac.py.
    started = time.perf_counter()
    tap = AuditTap(ctx.audit, user=user.id, namespace=namespace, agent=name, method=method)
    tap.request(parsed)
    if not user.grants.can_read(namespace):
        why = (
            f"{user.id} may not call agents in namespace {namespace!r}: that needs the "
            "viewer role there (or editor, or admin)"
        )
        _refused(tap, namespace, name, method, started, why)
        by_role = rpc_error(request_id, FORBIDDEN_BY_ROLE, why)
        return rest_error(by_role) if call is not None else JSONResponse(by_role)
    try:
        agent = await find_agent(ctx, namespace, name)
    except AgentUnavailable as exc:
        _refused(tap, namespace, name, method, started, exc.message)
        return _unavailable(request_id, exc, call)
    # Policies (invokers, A2A between namespaces): governance.py, docs/policy.md
    denied = await governance.invoke_refusal(ctx, request, user, namespace, name)
    if denied is not None:
        return denied.rest() if call is not None else JSONResponse(denied.rpc(request_id))
    sent_context = _context_of(call.body if call is not None else parsed)
    if method in LIST_METHODS and user.scope is not None:  # from our records (a2a_rest)
        params = call.rpc["params"] if call is not None else (parsed or {}).get("params")
        page = await list_tasks(ctx, user, agent, params if isinstance(params, dict) else {})
        return JSONResponse(page if call else {"jsonrpc": "2.0", "id": request_id, "result": page})
    refusal = await check_access(ctx, user, agent, call.rpc if call is not None else parsed)
    if refusal is not None:
        _refused(tap, namespace, name, method, started, refusal["error"]["message"])
        return rest_error(refusal) if call is not None else JSONResponse(refusal)
    if _context_of(call.body if call is not None else parsed) != sent_context:
        body = json.dumps(parsed).encode()  # a contextId the proxy assigned (check_access)
    url = f"{agent.url}/{path}" if path else f"{agent.url}/"
    streaming = method in STREAM_METHODS or path.endswith((":stream", ":subscribe"))
    client: Upstream = request.app.state.upstream  # aiohttp pools (upstream.py)
    try:
        upstream = await client.send(
            request.method,
            url,
            query=query_of(request.scope),
            headers=_upstream_headers(request, user),
            body=body,
            stream=streaming,
        )
    except httpx.HTTPError as exc:  # upstream.py raises aiohttp's errors as httpx's
        why = f"agent {namespace}/{name} is unreachable at {agent.url}: {type(exc).__name__}"
        log.warning("%s", why)
        proxy_call(namespace, name, method, "unreachable", time.perf_counter() - started)
        tap.finish("unreachable", why)
        unreachable = AgentUnavailable(AGENT_UNREACHABLE, "Unreachable", why)
        return _unavailable(request_id, unreachable, call)
    outcome = "ok" if upstream.status_code < 400 else f"error_{upstream.status_code}"
    proxy_call(namespace, name, method, outcome, time.perf_counter() - started)
    recorder = Recorder(ctx, user, agent, count_usage=method in SEND_METHODS, tap=tap)
    if upstream.headers.get("content-type", "").startswith("text/event-stream"):
        return StreamingResponse(
            _stream(upstream, recorder),
            status_code=upstream.status_code,
            headers=_response_headers(upstream),
        )
    try:  # a2a_broken.py: an answer cut off mid-turn, or past the size limit
        # (it reads `headers` and `aiter_bytes()`, which UpstreamResponse has as httpx's)
        answer = cast(httpx.Response, upstream)
        content = await read_answer(answer, ctx.settings.max_agent_answer_bytes)
    except httpx.HTTPError as exc:
        tap.finish("stream_broken", str(exc))
        error = recorder.broken_answer(request_id, exc, call.rpc if call is not None else parsed)
        return rest_error(error) if call is not None else JSONResponse(error)
    except AnswerTooLarge as exc:
        tap.finish("answer_too_large", str(exc))
        too_large = rpc_error(request_id, AGENT_UNREACHABLE, str(exc))
        if call is not None:
            return rest_error(too_large, reason="ANSWER_TOO_LARGE")  # 502, google.rpc.Status
        return JSONResponse(too_large, status_code=502)
    finally:
        await upstream.aclose()
    await recorder.body(content)
    tap.finish(None if outcome == "ok" else outcome)
    return Response(content, upstream.status_code, headers=_response_headers(upstream))


def _context_of(body: Any) -> list[Any]:
    """The messages' contextIds (JSON-RPC params, or an HTTP+JSON send's body, in each
    spelling a2a_record reads): the one field check_access may fill in, so the body is
    serialized again only when it did."""
    return [message.get("contextId") for message in messages_of(body)]


def _refused(
    tap: AuditTap, namespace: str, name: str, method: Any, started: float, why: str
) -> None:
    proxy_call(namespace, name, method, "refused", time.perf_counter() - started)
    tap.finish("refused", why)


async def _stream(upstream: UpstreamResponse, recorder: Recorder) -> AsyncIterator[bytes]:
    tap = SseTap()
    broke = False
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk  # first to the client, then look at it
            for data in tap.feed(chunk):
                await recorder.body(data.encode())
    except httpx.HTTPError as exc:
        # The agent went away mid-stream: end with a failed status, not a reset (a2a_broken).
        broke = True
        yield recorder.broken_stream(exc, tap.last)
    finally:
        await upstream.aclose()
        if recorder.tap is not None:
            recorder.tap.finish("stream_broken" if broke else None)
