"""When the agent stops answering mid-turn: what the proxy tells the caller and records.

An agent process killed mid-turn (SIGKILL, OOM, a node lost) closes its connection with
the turn's stream half sent. The agent cannot say so itself, and its own record of the
task (written through the control plane's REST API when the turn started) still says
`working`. So the A2A proxy and /mcp, which see the stream break, do it (called from
a2a_proxy.py and mcp_bridge.py, off the normal path: only once an exchange broke):

- the streaming caller gets a last status update `failed` whose message says what
  happened ("The agent stopped mid-turn (connection closed) …"), in the shape of the
  stream it was reading (JSON-RPC v1.0 or v0.3, or the HTTP+JSON binding); a stream that
  broke before naming a task gets the JSON-RPC error event it got before;
- a non-streamed call gets a JSON-RPC error (-32052) saying the same;
- a caller of `/mcp invoke_agent` (mcp_bridge.py) gets a tool error saying the same,
  with the agent, session_id and task_id (`broken_cause` finds the transport failure
  under the a2a-sdk client's own error);
- the task is recorded `failed` with that message (`TaskFailure`, written by the
  write-behind, record_writer.py). Without a task id (a non-streamed call), the running
  tasks of the request's contextId are. A task the store already has at rest (the agent
  finished it and only the connection broke) is left as it is.

When the agent restarts (the supervisor in local mode, the Deployment in a cluster), the
next message on the same contextId works: the history up to the last finished turn is in
the session.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bosun.server.agent_lookup import AGENT_UNREACHABLE
from bosun.server.db import Repositories
from bosun.server.db.records import Task
from bosun.server.db.tasks import TaskWrite, is_terminal
from bosun.server.errors import NotFoundError

log = logging.getLogger(__name__)

FAILED = "TASK_STATE_FAILED"
# Paused states: with the ended ones (db/tasks.is_terminal), those in which a turn is over
# and a broken connection afterwards changes nothing.
_PAUSED = {"inputrequired", "authrequired"}


def at_rest(state: str | None) -> bool:
    """True for a finished or paused task, in v1.0 (TASK_STATE_X) or v0.3 (x-y) spelling."""
    if not state:
        return False
    squashed = state.lower().removeprefix("task_state_").replace("_", "").replace("-", "")
    return is_terminal(state) or squashed in _PAUSED


def why(exc: BaseException) -> str:
    """What broke, in words: the cause of a broken upstream exchange."""
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connection closed"
    name = type(exc).__name__  # other HTTP clients' names (aiohttp: ServerDisconnectedError)
    if isinstance(exc, httpx.TimeoutException | TimeoutError) or "Timeout" in name:
        return "no answer in time"
    if isinstance(exc, ConnectionError) or any(w in name for w in ("Disconnect", "Payload")):
        return "connection closed"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    return name


def broken_cause(exc: BaseException) -> BaseException | None:
    """The transport failure behind `exc` (itself or along its causes), if the exchange
    broke; None for anything else (an error the agent answered, a bug). The a2a-sdk
    client, used by /mcp (mcp_bridge.py), wraps httpx's errors in its own."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        name = type(current).__name__
        if isinstance(current, httpx.TransportError | TimeoutError | ConnectionError) or any(
            w in name for w in ("Timeout", "Disconnect")
        ):
            return current
        current = current.__cause__ or current.__context__
    return None


def stopped_text(exc: BaseException) -> str:
    return (
        f"The agent stopped mid-turn ({why(exc)}): the turn did not finish. "
        "Send the message again when the agent is back: the conversation so far is kept."
    )


@dataclass(frozen=True)
class TaskFailure:
    """Record a task (or the running tasks of a context) failed, unless already at rest."""

    user_id: str
    scope: str | None
    agent_namespace: str
    agent_name: str
    text: str
    task_id: str | None = None
    context_id: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _failed_status(task_id: str, context_id: str, text: str, *, legacy: bool) -> dict[str, Any]:
    message: dict[str, Any] = {
        "messageId": f"{task_id}-stopped-{uuid.uuid4().hex[:8]}",
        "taskId": task_id,
        "contextId": context_id,
    }
    if legacy:  # A2A v0.3 JSON
        message |= {"kind": "message", "role": "agent", "parts": [{"kind": "text", "text": text}]}
        return {"state": "failed", "message": message, "timestamp": _now()}
    message |= {"role": "ROLE_AGENT", "parts": [{"text": text}]}
    return {"state": FAILED, "message": message, "timestamp": _now()}


def final_event(task_id: str, context_id: str, text: str, last_event: str | None) -> bytes:
    """The SSE event ending a broken stream, shaped like the stream's last event."""
    try:
        last = json.loads(last_event) if last_event else {}
    except ValueError:
        last = {}
    last = last if isinstance(last, dict) else {}
    rpc = "jsonrpc" in last
    result = last.get("result") if rpc else last
    legacy = isinstance(result, dict) and "kind" in result
    status = _failed_status(task_id, context_id, text, legacy=legacy)
    update: dict[str, Any] = {"taskId": task_id, "contextId": context_id, "status": status}
    payload: dict[str, Any] = (
        {"kind": "status-update", **update, "final": True} if legacy else {"statusUpdate": update}
    )
    if rpc:
        payload = {"jsonrpc": "2.0", "id": last.get("id"), "result": payload}
    return f"data: {json.dumps(payload)}\n\n".encode()


def error_event(exc: BaseException) -> bytes:
    """A stream that broke before it named a task: a JSON-RPC error event."""
    error = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": AGENT_UNREACHABLE,
            "message": f"agent stream broke: {type(exc).__name__}",
        },
    }
    return f"data: {json.dumps(error)}\n\n".encode()


async def write_failures(repos: Repositories, failures: list[TaskFailure]) -> None:
    """Mark each task failed, keeping the rest of its stored JSON (record_writer.py)."""
    for failure in failures:
        stored: Sequence[Task | None]
        if failure.task_id is not None:
            stored = [await _stored(repos, failure.task_id)]
        elif failure.context_id is not None:
            stored = await repos.tasks.list(
                None,
                session_id=failure.context_id,
                agent_namespace=failure.agent_namespace,
                agent_name=failure.agent_name,
                limit=20,
            )
        else:
            continue
        writes = []
        for task in stored:
            if task is None and failure.task_id is None:
                continue
            if task is not None and at_rest(task.state):
                continue  # finished before the connection broke: the store knows best
            task_id = task.id if task is not None else str(failure.task_id)
            data = dict((task.task if task is not None else None) or {})
            context = str(data.get("contextId") or failure.context_id or "")
            data |= {"id": task_id, "contextId": context}
            data["status"] = _failed_status(task_id, context, failure.text, legacy=False)
            write = TaskWrite(
                failure.user_id, task_id, context or None, failure.agent_namespace,
                failure.agent_name, FAILED, data,
            )  # fmt: skip
            writes.append((write, failure.scope))
        if writes:
            await repos.tasks.upsert_many(writes)
            log.info("recorded %d task(s) failed: %s", len(writes), failure.text)


async def _stored(repos: Repositories, task_id: str) -> Task | None:
    try:
        return await repos.tasks.get(None, task_id)
    except NotFoundError:
        return None


class AnswerTooLarge(Exception):
    """A non-streamed answer past `max_agent_answer_bytes` (the proxy answers 502)."""

    def __init__(self, limit: int) -> None:
        size = f"{limit / 1048576:.1f} MiB" if limit >= 1048576 else f"{limit // 1024} KiB"
        super().__init__(
            f"the agent's answer is larger than {size}, the limit "
            "(BOSUN_MAX_AGENT_ANSWER_BYTES); ask for a streamed answer, or raise the limit"
        )


async def read_answer(upstream: httpx.Response, limit: int) -> bytes:
    """A non-streamed answer, read whole up to `limit` bytes (AnswerTooLarge past it)."""
    length = upstream.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise AnswerTooLarge(limit)
    chunks, size = [], 0
    async for chunk in upstream.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
