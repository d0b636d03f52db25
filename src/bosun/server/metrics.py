"""Metrics of the control plane: the HTTP middleware, the proxy's counters, /metrics.

The metric objects are defined once in bosun.telemetry.controlplane (the operator and the
gateway record some of them too); this module is the server's side:
- `HttpMetrics`: ASGI middleware counting every request by route *template*
  (`/api/agents/{namespace}/{name}`, never the raw path: the label set stays small) with
  method and status, and its duration until the response ended;
- `proxy_call`: one A2A call through the proxy or /mcp (agent, JSON-RPC method, outcome)
  and its time to first byte;
- `approval`: one decision on a paused call (from the user's message, see audit_tap.py);
- `retention_deleted`: rows a retention pass deleted, by table (retention.py);
- `metrics_route`: GET /metrics (Prometheus text; no authentication, like a kubelet's).

Cost per request: the middleware wraps `send` once and looks up a pre-bound label child
(a dict lookup) per metric; no label validation or string building on the hot path
beyond the status code's text (cached).
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bosun.telemetry import controlplane as m
from bosun.telemetry.exposition import render

KNOWN_RPC = frozenset({
    "SendMessage", "SendStreamingMessage", "GetTask", "CancelTask", "SubscribeToTask",
    "ListTasks", "GetExtendedAgentCard", "CreateTaskPushNotificationConfig",
    "GetTaskPushNotificationConfig", "ListTaskPushNotificationConfig",
    "DeleteTaskPushNotificationConfig", "message/send", "message/stream", "tasks/get",
    "tasks/cancel", "tasks/resubscribe", "tasks/list", "agent/getAuthenticatedExtendedCard",
})  # fmt: skip
_STATUS = {code: str(code) for code in range(100, 600)}

# Only the server deletes rows, so this one is declared here rather than in telemetry.
RETENTION_DELETED = Counter(
    "bosun_retention_deleted", "Rows deleted by retention passes, by table", ["table"]
)


def rpc_label(method: Any) -> str:
    """A JSON-RPC method as a label: known names as they are, anything else `other`."""
    return method if isinstance(method, str) and method in KNOWN_RPC else "other"


class HttpMetrics:
    """Pure ASGI middleware (no BaseHTTPMiddleware: that costs a task per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            http_request(template, scope.get("method", ""), status, time.perf_counter() - started)


def http_request(template: str, method: str, status: int, seconds: float) -> None:
    """What `HttpMetrics` records, for a route served before the app (a2a_proxy.fast_post)."""
    m.http_requests.get(template, method, _STATUS.get(status, "other")).inc()
    m.http_duration.get(template, method).observe(seconds)


def proxy_call(namespace: str, agent: str, method: Any, outcome: str, seconds: float) -> None:
    """outcome: `ok` (the agent answered), `refused` (not routable, not yours),
    `unreachable`, or `error_<status>` when the agent answered with an HTTP error."""
    label = rpc_label(method)
    m.proxy_requests.get(namespace, agent, label, outcome).inc()
    m.proxy_duration.get(namespace, agent, label).observe(seconds)


def approval(namespace: str, agent: str, decision: str) -> None:
    """decision: `approved`, `rejected` or `answered` (an ask_user question)."""
    m.approvals.get(namespace, agent, decision).inc()


def retention_deleted(table: str, rows: int) -> None:
    """A retention pass deleted `rows` rows of `table` (audit, tasks, events, ...)."""
    if rows:
        RETENTION_DELETED.labels(table).inc(rows)


async def metrics_route(request: Request) -> Response:
    body, content_type = render()
    return Response(body, media_type=content_type)
