"""What the A2A proxy learns from the traffic it forwards, and who may send what.

- `check_access` runs before a request is forwarded: a contextId or task id that belongs
  to another user is refused as not found (else user B could continue user A's
  conversation, whose history the agent would load), and a new contextId is claimed for
  the caller. ListTasks is refused for users: the agent would list everyone's tasks.
  It reads the ids in every spelling the agent's parsers accept (1.0 and 0.3, JSON names
  and field names, the 0.3 HTTP+JSON send's `request`), and a send without a message is
  refused rather than forwarded unchecked.
- `Recorder` records sessions, task states and token usage seen in responses (v1.0 and
  v0.3 JSON shapes), so the UI lists conversations started anywhere (UI, CLI, other A2A
  clients). Writes go through the write-behind (record_writer.py), off the request path.
- `SseTap` splits a byte stream into SSE events without holding up the bytes.
- `Recorder.broken_stream` / `broken_answer`: an agent that stopped mid-turn (killed, its
  connection closed) ends the caller's exchange with a failed status and the task is
  recorded failed (a2a_broken.py).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from bosun.server.a2a_broken import (
    TaskFailure,
    at_rest,
    error_event,
    final_event,
    stopped_text,
)
from bosun.server.agent_lookup import AGENT_UNREACHABLE, FORBIDDEN_METHOD, RoutableAgent
from bosun.server.auth import User
from bosun.server.context import Context
from bosun.server.db.sessions import SessionClaim
from bosun.server.db.tasks import TaskWrite
from bosun.server.record_writer import TaskRecord, UsageRecord

log = logging.getLogger(__name__)

TASK_NOT_FOUND = -32001  # A2A TaskNotFoundError
INVALID_PARAMS = -32602
LIST_METHODS = ("ListTasks", "tasks/list")
SEND_METHODS = ("SendMessage", "SendStreamingMessage", "message/send", "message/stream")


@dataclass(frozen=True)
class Observation:
    task_id: str | None
    context_id: str | None
    state: str | None
    task: dict[str, Any] | None  # a full Task object, when the payload was one
    usage: dict[str, Any] | None = None  # the runtime's token usage of the turn that ended


def _str(value: Any) -> str | None:
    return value[:255] if isinstance(value, str) and value else None


def observe(result: Any) -> Observation | None:
    """The ids and state in one JSON-RPC result or stream event, whatever its shape."""
    if not isinstance(result, dict):
        return None
    for key in ("task", "message", "statusUpdate", "artifactUpdate"):
        inner = result.get(key)
        if isinstance(inner, dict):
            result = inner
            break
    status = result.get("status")
    state = _str(status.get("state")) if isinstance(status, dict) else None
    context = _str(result.get("contextId"))
    usage = _usage(status)
    if "messageId" in result or "artifact" in result or "taskId" in result:
        return Observation(_str(result.get("taskId")), context, state, None, usage)
    if "id" in result and isinstance(status, dict):
        return Observation(_str(result.get("id")), context, state, result, usage)
    return None


def _usage(status: Any) -> dict[str, Any] | None:
    """DESIGN.md §3: token usage rides in the metadata of the turn's last status message."""
    message = status.get("message") if isinstance(status, dict) else None
    metadata = message.get("metadata") if isinstance(message, dict) else None
    usage = metadata.get("usage") if isinstance(metadata, dict) else None
    return usage if isinstance(usage, dict) else None


def rpc_error(request_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


# Every spelling the agent's parsers accept for the ids the access check reads (they all
# take the JSON names and the proto or python field names alike): the message is under
# `message`, or `request` in a 0.3 HTTP+JSON send (the proto field name of
# SendMessageRequest.message, which the a2a-sdk 0.3 REST client sends); the task is `id`
# (GetTask, 0.3 tasks/pushNotificationConfig/*), `taskId` / `task_id`, or a resource name
# `tasks/{id}...` (0.3 `name` / `parent`). A spelling left out here would skip the check.
MESSAGE_KEYS = ("message", "request")
_CONTEXT_KEYS = ("contextId", "context_id")
_TASK_KEYS = ("taskId", "task_id")
_RESOURCE_KEYS = ("name", "parent")


def messages_of(body: Any) -> list[dict[str, Any]]:
    """The messages in a JSON-RPC body's params (or an HTTP+JSON send's body), in every
    spelling the agent reads."""
    params = body.get("params", body) if isinstance(body, dict) else None
    if not isinstance(params, dict):
        return []
    return [params[k] for k in MESSAGE_KEYS if isinstance(params.get(k), dict)]


def _all(params: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    return [str(params[k]) for k in keys if _str(params.get(k))]


def _request_refs(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every contextId and every task id a request names, whatever the spelling."""
    params = body.get("params")
    if not isinstance(params, dict):
        return [], []
    contexts: list[str] = []
    tasks: list[str] = []
    for message in messages_of(body):
        contexts += _all(message, _CONTEXT_KEYS)
        tasks += _all(message, _TASK_KEYS)
    tasks += _all(params, _TASK_KEYS)
    # `id` is a task id for GetTask, CancelTask, SubscribeToTask and the 0.3 push-config
    # methods; checked for every method (an id that is no task has no owner).
    tasks += _all(params, ("id",))
    for key in _RESOURCE_KEYS:
        name = params.get(key)
        if isinstance(name, str) and name.startswith("tasks/"):
            tasks.append(name.split("/")[1][:255])
    return list(dict.fromkeys(contexts)), list(dict.fromkeys(t for t in tasks if t))


def _request_ids(body: dict[str, Any]) -> tuple[str | None, list[str]]:
    contexts, tasks = _request_refs(body)
    return (contexts[0] if contexts else None), tasks


async def check_access(
    ctx: Context, user: User, agent: RoutableAgent, body: Any
) -> dict[str, Any] | None:
    """A JSON-RPC error to answer instead of forwarding, or None to forward. May fill in
    the message's contextId (then the caller forwards the changed body)."""
    if not isinstance(body, dict):
        return None  # the agent answers malformed requests itself
    request_id = body.get("id")
    if user.scope is not None and body.get("method") in LIST_METHODS:
        return rpc_error(
            request_id,
            FORBIDDEN_METHOD,
            "listing an agent's tasks through the proxy would show other users' tasks; "
            "use GET /api/tasks",
        )
    method = body.get("method")
    if method in SEND_METHODS and isinstance(body.get("params"), dict) and not messages_of(body):
        # Nothing to check, so nothing is forwarded (the agent would refuse it anyway).
        return rpc_error(request_id, INVALID_PARAMS, "the request has no message")
    fresh = _assign_context(body)
    contexts, task_ids = _request_refs(body)
    for task_id in task_ids:
        owner = await ctx.repos.tasks.owner(task_id)
        if owner is not None and user.scope is not None and owner != user.scope:
            return rpc_error(request_id, TASK_NOT_FOUND, f"task {task_id} not found")
    for context in contexts:
        if not fresh:  # a contextId the caller chose: theirs, or new
            owner = ctx.writer.pending_owner(context) or await ctx.repos.sessions.owner(context)
            if owner:
                if user.scope is not None and owner != user.scope:
                    return rpc_error(request_id, TASK_NOT_FOUND, f"context {context} not found")
                continue
        ctx.writer.submit(SessionClaim(user.id, context, agent.namespace, agent.name, user.scope))
    return None


def _assign_context(body: dict[str, Any]) -> bool:
    """Give a new conversation its contextId here rather than in the agent, so that the
    session is the caller's before the agent (which persists it too) hears of it.
    True when it did."""
    messages = messages_of(body)
    if body.get("method") not in SEND_METHODS or not messages:
        return False
    if any(_all(m, _CONTEXT_KEYS + _TASK_KEYS) for m in messages):
        return False
    context = str(uuid.uuid4())
    for message in messages:
        message["contextId"] = context
    return True


class Recorder:
    """Records the sessions and task states seen in one proxied exchange."""

    def __init__(
        self,
        ctx: Context,
        user: User,
        agent: RoutableAgent,
        *,
        count_usage: bool = True,
        tap: Any = None,
    ) -> None:
        self.tap = tap  # audit_tap.AuditTap: sees each parsed result too (the audit log)
        self._ctx = ctx
        self._user = user
        self._agent = agent
        self._count_usage = count_usage  # only for exchanges that ran a turn (not re-reads)
        self._sessions: set[str] = set()
        self._states: dict[str, str | None] = {}
        self.last: Observation | None = None

    async def result(self, result: Any) -> None:
        if self.tap is not None:
            self.tap.event(result)
        seen = observe(result)
        if seen is None:
            return
        self.last = seen
        self._record(seen)

    def _record(self, seen: Observation) -> None:
        """Queue what is new in this event for the write-behind (record_writer.py)."""
        user, agent, writer = self._user, self._agent, self._ctx.writer
        if seen.context_id and seen.context_id not in self._sessions:
            self._sessions.add(seen.context_id)
            writer.submit(
                SessionClaim(user.id, seen.context_id, agent.namespace, agent.name, user.scope)
            )
        if seen.task_id is None:
            return
        if seen.task_id in self._states and self._states[seen.task_id] == seen.state:
            return
        self._states[seen.task_id] = seen.state
        if seen.usage is not None and self._count_usage:
            writer.submit(UsageRecord(self._usage_fields(seen)))
        write = TaskWrite(
            user.id, seen.task_id, seen.context_id, agent.namespace, agent.name,
            seen.state, seen.task,
        )  # fmt: skip
        writer.submit(TaskRecord(write, user.scope))

    def _usage_fields(self, seen: Observation) -> dict[str, Any]:
        usage = seen.usage or {}

        def tokens(key: str, legacy: str) -> int:
            # camelCase since A2A 1.0 (§5.5); agents before it wrote snake_case.
            value = usage.get(key, usage.get(legacy))
            return max(0, int(value)) if isinstance(value, int | float) else 0

        model = usage.get("model")
        return {
            "agent_namespace": self._agent.namespace,
            "agent_name": self._agent.name,
            "user_id": self._user.id,
            "input_tokens": tokens("inputTokens", "input_tokens"),
            "output_tokens": tokens("outputTokens", "output_tokens"),
            "model": str(model)[:256] if model else None,
            "session_id": seen.context_id,
            "task_id": seen.task_id,
        }

    def broken_stream(self, exc: BaseException, last_event: str | None) -> bytes:
        """The last SSE event of a stream the agent broke off mid-turn (a2a_broken.py);
        the task it was running is recorded failed."""
        task_id = next(reversed(self._states), None)
        if task_id is None or at_rest(self._states[task_id]):
            return error_event(exc)
        context = (self.last.context_id if self.last else None) or next(iter(self._sessions), "")
        text = stopped_text(exc)
        self._fail(text, task_id=task_id, context_id=context)
        return final_event(task_id, context, text, last_event)

    def broken_answer(self, request_id: Any, exc: BaseException, body: Any) -> dict[str, Any]:
        """The JSON-RPC error for a non-streamed call whose answer broke off; the running
        tasks of its task or contextId are recorded failed."""
        context, tasks = _request_ids(body) if isinstance(body, dict) else (None, [])
        text = stopped_text(exc)
        if tasks or context:
            self._fail(text, task_id=tasks[0] if tasks else None, context_id=context)
        return rpc_error(request_id, AGENT_UNREACHABLE, text)

    def _fail(self, text: str, *, task_id: str | None, context_id: str | None) -> None:
        user, agent = self._user, self._agent
        failure = TaskFailure(user.id, user.scope, agent.namespace, agent.name, text)
        self._ctx.writer.submit(replace(failure, task_id=task_id, context_id=context_id))

    async def body(self, raw: bytes) -> None:
        try:
            payload = json.loads(raw)
        except ValueError:
            return
        if isinstance(payload, dict):
            # JSON-RPC wraps the result; HTTP+JSON sends it bare (errors have neither shape).
            await self.result(payload.get("result") if "jsonrpc" in payload else payload)


class SseTap:
    """Feeds SSE bytes in, yields each complete event's data payload (JSON-RPC text)."""

    MAX_BUFFER = 16 * 1024 * 1024

    def __init__(self) -> None:
        self._buffer = b""
        self.broken = False
        self.last: str | None = None  # the last event's data (to shape a closing event)

    def feed(self, chunk: bytes) -> Iterator[str]:
        if self.broken:
            return
        self._buffer += chunk.replace(b"\r\n", b"\n")
        while b"\n\n" in self._buffer:
            event, self._buffer = self._buffer.split(b"\n\n", 1)
            data = [
                line[5:].removeprefix(b" ")
                for line in event.split(b"\n")
                if line.startswith(b"data:")
            ]
            if data:
                self.last = b"\n".join(data).decode("utf-8", "replace")
                yield self.last
        if len(self._buffer) > self.MAX_BUFFER:  # not SSE after all: stop looking
            self.broken = True
            self._buffer = b""
