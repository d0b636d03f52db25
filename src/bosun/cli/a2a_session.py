"""A conversation with one agent through the control plane's A2A proxy, as simple events.

Used by `bosun invoke` and `bosun chat` (invoke.py) and the end-to-end test. The official
a2a-sdk client talks to `{server}/api/a2a/{namespace}/{name}` (agent card there too), and
the stream of task updates becomes the events a terminal draws: text deltas, tool calls
and results (also a sub-agent's, with `agent` set), a pause for approvals/questions, the
end with the answer and token usage. Shapes: bosun.runtime.protocol / docs/runtime.md.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from a2a.types import Message, Part, Role, SendMessageRequest, StreamResponse, TaskState
from google.protobuf import json_format

from bosun.runtime import protocol


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ModelText:
    """Text the model wrote next to tool calls (not the answer)."""

    text: str


@dataclass(frozen=True)
class ToolEvent:
    """A tool_call or tool_result DataPart (data as in bosun.runtime.protocol)."""

    data: dict[str, Any]

    @property
    def is_call(self) -> bool:
        return self.data.get("type") == protocol.TOOL_CALL


@dataclass(frozen=True)
class Paused:
    task_id: str
    requests: list[protocol.InputRequest]
    text: str


@dataclass(frozen=True)
class Finished:
    state: str  # completed, failed, canceled, rejected
    task_id: str
    answer: str
    usage: dict[str, Any] = field(default_factory=dict)


Event = TextDelta | ModelText | ToolEvent | Paused | Finished


class AgentUnavailable(Exception):
    """The agent cannot be reached through the control plane; str() says why."""


def agent_ref(text: str, namespace: str) -> tuple[str, str]:
    """'name' or 'namespace/name'."""
    ns, _, name = text.rpartition("/")
    return (ns or namespace, name)


class Conversation:
    """One session (A2A contextId) with one agent. Use as an async context manager."""

    def __init__(
        self,
        server: str,
        namespace: str,
        name: str,
        *,
        token: str | None = None,
        context_id: str | None = None,
    ) -> None:
        self.url = f"{server.rstrip('/')}/api/a2a/{namespace}/{name}"
        self.ref = f"{namespace}/{name}"
        self.context_id = context_id or str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            headers=headers, timeout=httpx.Timeout(30.0, read=None), trust_env=False
        )
        self._client: Any = None

    async def __aenter__(self) -> Conversation:
        from a2a.client import ClientConfig, create_client
        from a2a.client.errors import A2AClientError

        try:
            self._client = await create_client(
                self.url, client_config=ClientConfig(streaming=True, httpx_client=self._http)
            )
        except (A2AClientError, httpx.HTTPError) as exc:
            await self._http.aclose()
            raise AgentUnavailable(
                f"agent {self.ref} is not reachable at {self.url}: {_reason(exc)} "
                "(is it Ready? see `bosun get agents`)"
            ) from None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.close()
        await self._http.aclose()

    async def send_text(self, text: str) -> AsyncIterator[Event]:
        async for event in self._send([protocol.text_part(text)], task_id=None):
            yield event

    async def pending(self, task_id: str) -> list[protocol.InputRequest]:
        """What a paused task waits for (empty if it is not paused)."""
        from a2a.client.errors import A2AClientError
        from a2a.types import GetTaskRequest

        try:
            task = await self._client.get_task(GetTaskRequest(id=task_id))
        except (A2AClientError, httpx.HTTPError) as exc:
            raise AgentUnavailable(f"task {task_id} of {self.ref}: {_reason(exc)}") from None
        if task.status.state != TaskState.TASK_STATE_INPUT_REQUIRED:
            return []
        return protocol.find_input_requests(task.status.message)

    async def answer(
        self,
        task_id: str,
        decisions: Mapping[str, protocol.Decision],
        answers: Mapping[str, str | list[str]] | None = None,
    ) -> AsyncIterator[Event]:
        """Answer a paused task: approve/reject calls, answer questions."""
        part = protocol.decisions_part(decisions, answers)
        async for event in self._send([part], task_id=task_id):
            yield event

    async def _send(self, parts: list[Part], *, task_id: str | None) -> AsyncIterator[Event]:
        from a2a.client.errors import A2AClientError

        message = Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            context_id=self.context_id,
            parts=parts,
        )
        if task_id:
            message.task_id = task_id
        state = _StreamState()
        try:
            async for response in self._client.send_message(SendMessageRequest(message=message)):
                for event in state.events(response):
                    yield event
        except (A2AClientError, httpx.HTTPError) as exc:
            yield Finished("failed", state.task_id, f"request to {self.ref} failed: {_reason(exc)}")
            return
        if not state.finished:  # the stream ended without a final state
            yield Finished("failed", state.task_id, "the agent's stream ended without an answer")


class _StreamState:
    """Turns StreamResponses into events; remembers what was streamed."""

    def __init__(self) -> None:
        self.task_id = ""
        self.streamed = ""
        self.answer = ""
        self.finished = False
        self.since_tool = ""  # text streamed since the last tool event

    def events(self, response: StreamResponse) -> list[Event]:
        kind = response.WhichOneof("payload")
        if kind == "task":
            self.task_id = response.task.id or self.task_id
            return self._status(response.task.status.state, response.task.status.message)
        if kind == "status_update":
            self.task_id = response.status_update.task_id or self.task_id
            update = response.status_update
            return self._status(update.status.state, update.status.message)
        if kind == "artifact_update":
            return self._artifact(response.artifact_update)
        if kind == "message":  # a direct reply without a task
            self.finished = True
            text = protocol.text_of(response.message.parts)
            return [Finished("completed", self.task_id, text, _usage(response.message))]
        return []

    def _artifact(self, update: Any) -> list[Event]:
        if update.artifact.name and update.artifact.name != protocol.ANSWER_ARTIFACT:
            return []
        text = protocol.text_of(update.artifact.parts)
        if update.last_chunk and not update.append:  # the full answer, once more
            self.answer = text
            if self.streamed:
                return []
            self.streamed = text
            return [TextDelta(text)]
        self.streamed += text
        self.since_tool += text
        self.answer = self.streamed
        return [TextDelta(text)]

    def _status(self, state: Any, message: Message | None) -> list[Event]:
        parts = list(message.parts) if message is not None else []
        if state == TaskState.TASK_STATE_INPUT_REQUIRED:
            self.finished = True
            requests = protocol.find_input_requests(message)
            return [Paused(self.task_id, requests, protocol.text_of(parts))]
        if state in _FINAL:
            self.finished = True
            text = protocol.text_of(parts) or self.answer
            return [Finished(_FINAL[state], self.task_id, text, _usage(message))]
        events: list[Event] = []
        for data in protocol.data_of(parts):
            if data.get("type") in (protocol.TOOL_CALL, protocol.TOOL_RESULT):
                events.append(ToolEvent(_whole_numbers(data)))
                self.since_tool = ""
        text = protocol.text_of(parts)
        # a streaming agent's text next to tool calls arrives twice: streamed, then whole
        if text and text.strip() != self.since_tool.strip():
            events.append(ModelText(text))
        self.since_tool = ""
        return events


_FINAL = {
    TaskState.TASK_STATE_COMPLETED: "completed",
    TaskState.TASK_STATE_FAILED: "failed",
    TaskState.TASK_STATE_CANCELED: "canceled",
    TaskState.TASK_STATE_REJECTED: "rejected",
}


def _usage(message: Message | None) -> dict[str, Any]:
    if message is None or not message.HasField("metadata"):
        return {}
    # camelCase keys whichever spelling the agent used (pre-1.0 agents wrote snake_case).
    usage = protocol.usage_of(json_format.MessageToDict(message.metadata))
    return _whole_numbers(usage) if usage else {}


def _whole_numbers(value: Any) -> Any:
    """Protobuf Struct numbers are floats: 3.0 -> 3, recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
