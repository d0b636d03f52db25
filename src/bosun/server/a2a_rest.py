"""The A2A HTTP+JSON binding as the proxy sees it, and ListTasks answered from our records.

Called by `a2a_proxy.forward`. The proxy authorizes and records HTTP+JSON calls exactly as
JSON-RPC ones: `rest_call` names the JSON-RPC method a REST call equals and gives it the
JSON-RPC-shaped body that `a2a_record.check_access` and the recorder read (for a send,
its `params` *is* the REST body, so a contextId the proxy assigns lands in what is
forwarded). Errors the proxy itself answers on this binding use the google.rpc.Status
body A2A 1.0 and the a2a-sdk use (`{"error": {"code", "status", "message", "details":
[{"@type": ErrorInfo, "reason", "domain"}]}}`); an agent's own errors pass through as
they are, on both bindings.

ListTasks (`GET .../v1/tasks`, JSON-RPC `ListTasks`): the agent would list every user's
tasks, so for a user the proxy answers from the control plane's task records (the same
ones `GET /api/tasks` reads: every task the agent or the proxy saved), filtered to the
caller and the agent, with the A2A filters `contextId` and `status`, `pageSize` (default
50, at most 100), `pageToken` (from the previous page's `nextPageToken`) and
`includeArtifacts`. Trusted callers (agents, mode none without a user) are forwarded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse

from bosun.server.agent_lookup import RoutableAgent
from bosun.server.auth import User
from bosun.server.context import Context

A2A_DOMAIN = "a2a-protocol.org"
BOSUN_DOMAIN = "bosun.dev"
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
PAGE_SIZE, MAX_PAGE_SIZE, SCANNED = 50, 100, 1000

# JSON-RPC code of an error the proxy answers -> HTTP status, google.rpc code, reason.
_REST_ERRORS: dict[int, tuple[int, str, str, str]] = {
    -32001: (404, "NOT_FOUND", "TASK_NOT_FOUND", A2A_DOMAIN),
    -32600: (400, "INVALID_ARGUMENT", "INVALID_REQUEST", A2A_DOMAIN),
    -32602: (400, "INVALID_ARGUMENT", "INVALID_PARAMS", A2A_DOMAIN),
    -32050: (404, "NOT_FOUND", "AGENT_NOT_FOUND", BOSUN_DOMAIN),
    -32051: (503, "UNAVAILABLE", "AGENT_NOT_READY", BOSUN_DOMAIN),
    -32052: (502, "UNAVAILABLE", "AGENT_UNREACHABLE", BOSUN_DOMAIN),
    -32053: (403, "PERMISSION_DENIED", "METHOD_NOT_ALLOWED", BOSUN_DOMAIN),
    -32054: (403, "PERMISSION_DENIED", "FORBIDDEN_BY_ROLE", BOSUN_DOMAIN),
}
# (HTTP method, names one config) -> the JSON-RPC twin of a push-config call.
_PUSH_METHODS = {
    ("POST", False): "CreateTaskPushNotificationConfig",
    ("GET", False): "ListTaskPushNotificationConfigs",
    ("GET", True): "GetTaskPushNotificationConfig",
    ("DELETE", True): "DeleteTaskPushNotificationConfig",
}
_TASK = re.compile(
    r"^tasks/(?P<id>[^/:]+)(?P<rest>:cancel|:subscribe|/pushNotificationConfigs.*)?$"
)


@dataclass
class RestCall:
    method: str | None  # the JSON-RPC method this call equals (None: unknown, forwarded)
    rpc: dict[str, Any]  # {"method", "params"}: what check_access reads
    body: Any  # the parsed REST body (params of a send, mutated in place)


def rest_call(http_method: str, path: str, body: Any, query: Any) -> RestCall | None:
    """The JSON-RPC view of an HTTP+JSON request under the agent's /v1 (None otherwise)."""
    if not path.startswith("v1/"):
        return None
    route = path.removeprefix("v1/").strip("/")
    params: dict[str, Any] | None = {}
    method: str | None = None
    if route in ("message:send", "message:stream") and http_method == "POST":
        method = "SendMessage" if route == "message:send" else "SendStreamingMessage"
        params = body if isinstance(body, dict) else None  # not JSON: the agent answers
    elif route == "tasks" and http_method == "GET":
        method, params = "ListTasks", dict(query)
    elif match := _TASK.match(route):
        task_id, rest = match["id"], match["rest"] or ""
        if rest == ":cancel":
            method, params = "CancelTask", {"id": task_id}
        elif rest == ":subscribe":
            method, params = "SubscribeToTask", {"id": task_id}
        elif rest.startswith("/pushNotificationConfigs"):
            one = rest.startswith("/pushNotificationConfigs/")  # .../{configId}
            method = _PUSH_METHODS.get((http_method, one))
            params = {"taskId": task_id}
        elif http_method == "GET":
            method, params = "GetTask", {"id": task_id}
    elif route.startswith("tasks/"):  # a path of no known call: still check the task it names
        segment = route.split("/")[1]
        params = {"taskId": segment, "id": segment.rsplit(":", 1)[0]}
    rpc = {"jsonrpc": "2.0", "id": None, "method": method, "params": params}
    return RestCall(method, rpc, body)


def rest_error(rpc: dict[str, Any], *, reason: str | None = None) -> JSONResponse:
    """A JSON-RPC error the proxy made, in the HTTP+JSON binding's form (`reason`
    replaces the code's own, for a more precise one)."""
    error = rpc.get("error") or {}
    code = int(error.get("code", -32603))
    status, grpc, reason_of_code, domain = _REST_ERRORS.get(
        code, (500, "INTERNAL", "INTERNAL_ERROR", A2A_DOMAIN)
    )
    reason = reason or reason_of_code
    detail = {"@type": ERROR_INFO, "reason": reason, "domain": domain, "metadata": {}}
    if isinstance(error.get("data"), dict):
        detail["metadata"] = {k: str(v) for k, v in error["data"].items()}
    payload = {"code": status, "status": grpc, "message": str(error.get("message", ""))}
    return JSONResponse({"error": {**payload, "details": [detail]}}, status_code=status)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


async def list_tasks(
    ctx: Context, user: User, agent: RoutableAgent, params: dict[str, Any]
) -> dict[str, Any]:
    """A2A ListTasksResponse JSON from the caller's task records of this agent."""
    context_id = params.get("contextId") or params.get("context_id") or None
    status = params.get("status") or None
    size = min(max(_int(params.get("pageSize"), PAGE_SIZE), 1), MAX_PAGE_SIZE)
    offset = max(_int(params.get("pageToken"), 0), 0)
    include_artifacts = str(params.get("includeArtifacts", "")).lower() in ("true", "1")
    records = await ctx.repos.tasks.list(
        user.scope,
        session_id=str(context_id) if context_id else None,
        agent_namespace=agent.namespace,
        agent_name=agent.name,
        limit=SCANNED,
    )
    tasks = []
    for record in records:
        task = dict(record.task or {})
        if not task.get("id") or (status and (task.get("status") or {}).get("state") != status):
            continue
        if not include_artifacts:
            task.pop("artifacts", None)
        tasks.append(task)
    page = tasks[offset : offset + size]
    more = offset + size < len(tasks)
    return {
        "tasks": page,
        "nextPageToken": str(offset + size) if more else "",
        "pageSize": size,
        "totalSize": len(tasks),
    }
