"""Other agents as tools, over A2A with the a2a-sdk client (agent-as-tool).

Built by `engine` from config.json's `remote_agents`. Calling the tool sends the request
to the sub-agent as a streaming A2A message and:

- forwards the sub-agent's tool calls and results to our caller as they happen (through
  `ctx.deps.emit`, tagged with `agent` and `parentId`, see bosun.runtime.protocol);
- returns the sub-agent's final answer as the tool result;
- when the sub-agent pauses for approval or questions, defers the call (CallDeferred with
  the sub-agent's requests in its metadata): our own task then pauses with those requests,
  and `resume()` passes the user's decisions down to the sub-agent's task.

The sub-agent's session is derived from ours, so it remembers earlier calls from the same
conversation. A cancelled turn cancels the sub-agent's task too.

A sub-agent may work for a long time, so there is no limit on the whole call; but one that
sends nothing at all for BOSUN_SUBAGENT_TIMEOUT seconds (default 300: hung, stopped, or
behind a half-open connection) is given up on: its task is cancelled and the model gets a
tool error saying so. Its card must answer within CARD_TIMEOUT seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from a2a.types import Message, Part, Role, SendMessageRequest, TaskState
from pydantic_ai import RunContext
from pydantic_ai.exceptions import CallDeferred, ToolFailed
from pydantic_ai.toolsets import FunctionToolset

from bosun.api.config import RemoteAgentSettings
from bosun.runtime.credential import ControlPlaneToken, is_control_plane, turn_user
from bosun.runtime.deps import Emit
from bosun.runtime.headers import resolve_headers
from bosun.runtime.protocol import (
    PARENT_ID,
    TOOL_CALL,
    TOOL_PROGRESS,
    TOOL_RESULT,
    Decision,
    InputRequest,
    data_of,
    decisions_part,
    find_input_requests,
    read,
    text_of,
    text_part,
)

log = logging.getLogger("bosun.runtime.remote_agent")

REMOTE_KEY = "remote_agent"
"""Key of the deferred call's metadata that holds the sub-agent's paused task."""

_DONE = {TaskState.TASK_STATE_COMPLETED}
_FAILED = {
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_REJECTED,
}
_PAUSED = {TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED}


IDLE_TIMEOUT = 300.0
"""Seconds without any event from a sub-agent before the call fails (BOSUN_SUBAGENT_TIMEOUT)."""
CARD_TIMEOUT = 30.0
"""Seconds for a sub-agent's card to answer (at most the idle timeout)."""


def idle_timeout() -> float:
    """BOSUN_SUBAGENT_TIMEOUT if it is a positive number of seconds, else IDLE_TIMEOUT."""
    raw = os.environ.get("BOSUN_SUBAGENT_TIMEOUT", "")
    try:
        seconds = float(raw) if raw else IDLE_TIMEOUT
    except ValueError:
        log.warning("BOSUN_SUBAGENT_TIMEOUT=%r is not a number: %gs is used", raw, IDLE_TIMEOUT)
        return IDLE_TIMEOUT
    return seconds if seconds > 0 else IDLE_TIMEOUT


class RemoteAgentError(RuntimeError):
    """The sub-agent could not be reached or failed; the message is for the model and user."""


@dataclass
class Outcome:
    """How a call to a sub-agent ended: an answer, or requests waiting for the user."""

    answer: str | None = None
    paused: dict[str, Any] | None = None  # {agent, taskId, contextId, requests: [...]}


def sub_context_id(context_id: str, agent: str) -> str:
    """The sub-agent's session for our session: stable, so it keeps its memory."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bosun:{context_id}:{agent}"))


@dataclass
class RemoteAgents:
    """A2A clients for the configured sub-agents, created on first use and reused."""

    agents: list[RemoteAgentSettings]
    idle_timeout: float = field(default_factory=idle_timeout)
    _clients: dict[str, Any] = field(default_factory=dict)
    _http: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> RemoteAgentSettings | None:
        return next((a for a in self.agents if a.name == name), None)

    async def _client(self, agent: RemoteAgentSettings) -> Any:
        client = self._clients.get(agent.name)
        if client is not None:
            return client
        import httpx
        from a2a.client import A2ACardResolver, ClientConfig, create_client

        # One HTTP client per sub-agent carries its headers on every call (card included).
        # No read timeout: a sub-agent may stream for a long time (silence is bounded per
        # event in _exchange); connecting fails fast.
        http = self._http.get(agent.name)
        if http is None:
            http = httpx.AsyncClient(
                headers=resolve_headers(agent),
                timeout=httpx.Timeout(30.0, read=None),
                event_hooks={"request": [_control_plane_credentials(ControlPlaneToken())]},
            )
            self._http[agent.name] = http
        seconds = min(CARD_TIMEOUT, self.idle_timeout)
        try:
            async with asyncio.timeout(seconds):
                card = await A2ACardResolver(http, agent.url).get_agent_card()
                client = await create_client(
                    _pinned(card, agent.url),
                    client_config=ClientConfig(streaming=True, httpx_client=http),
                )
        except TimeoutError:
            raise RemoteAgentError(
                f"the agent {agent.ref} at {agent.url} could not be reached: its card did "
                f"not answer within {seconds:g} seconds"
            ) from None
        except Exception as exc:
            raise RemoteAgentError(
                f"the agent {agent.ref} at {agent.url} could not be reached: {exc}"
            ) from None
        self._clients[agent.name] = client
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.close()
        self._clients.clear()
        for http in self._http.values():
            await http.aclose()
        self._http.clear()

    async def call(
        self, agent: RemoteAgentSettings, request: str, *, context_id: str, call_id: str, emit: Emit
    ) -> Outcome:
        """Send `request` to the sub-agent in our session's sub-session; stream its progress."""
        message = Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            context_id=sub_context_id(context_id, agent.name),
            parts=[text_part(request)],
        )
        return await self._exchange(agent, message, call_id=call_id, emit=emit)

    async def resume(
        self,
        paused: Mapping[str, Any],
        decisions: Mapping[str, Decision],
        answers: Mapping[str, str | list[str]],
        *,
        call_id: str,
        emit: Emit,
    ) -> Outcome:
        """Pass the user's decisions down to the sub-agent's paused task and continue it."""
        agent = self.get(str(paused.get("agent", "")))
        if agent is None:
            raise RemoteAgentError(f"the agent {paused.get('agent')!r} is no longer configured")
        message = Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            task_id=str(read(paused, "taskId", "")),
            context_id=str(read(paused, "contextId", "")),
            parts=[decisions_part(decisions, answers)],
        )
        return await self._exchange(agent, message, call_id=call_id, emit=emit)

    async def _exchange(
        self, agent: RemoteAgentSettings, message: Message, *, call_id: str, emit: Emit
    ) -> Outcome:
        client = await self._client(agent)
        state = _Progress(agent=agent, call_id=call_id, emit=emit)
        events = _events(client, message)
        try:
            while True:
                try:
                    async with asyncio.timeout(self.idle_timeout):
                        event = await anext(events)
                except StopAsyncIteration:
                    break
                outcome = await state.apply(event)
                if outcome is not None:
                    return outcome
        except asyncio.CancelledError:
            if state.task_id:
                await _cancel_quietly(client, state.task_id)
            raise
        except RemoteAgentError:
            raise
        except TimeoutError:
            if state.task_id:
                await _cancel_quietly(client, state.task_id)
            raise RemoteAgentError(
                f"the agent {agent.ref} sent nothing for {self.idle_timeout:g} seconds "
                "(BOSUN_SUBAGENT_TIMEOUT) and was given up on: it may be hung or overloaded. "
                "Tell the user, or try again later."
            ) from None
        except Exception as exc:
            raise RemoteAgentError(f"the agent {agent.ref} failed: {exc}") from None
        finally:
            with contextlib.suppress(Exception):  # ends the sub-agent's stream now, not at GC
                await events.aclose()
        if state.answer_text():
            return Outcome(answer=state.answer_text())
        raise RemoteAgentError(f"the agent {agent.ref} ended without an answer")


def _control_plane_credentials(token: ControlPlaneToken) -> Any:
    """An httpx request hook: calls to the control plane's A2A proxy carry the agent's
    credential (so Policies see the calling agent's namespace) and the turn's user, unless
    the agent's own headers set Authorization. Nothing goes to any other origin."""

    async def add(request: Any) -> None:
        if not is_control_plane(str(request.url)):
            return
        for name, value in token.headers(turn_user()).items():
            if name.lower() not in request.headers:
                request.headers[name] = value

    return add


def _pinned(card: Any, url: str) -> Any:
    """The card, its interfaces moved onto `url`'s origin when `url` is the control
    plane's: the proxy names its public URL (BOSUN_PUBLIC_URL) in the cards it serves,
    which an agent inside the cluster may not reach; the address it was given does."""
    if not is_control_plane(url):
        return card
    origin = urlsplit(url)
    for interface in card.supported_interfaces:
        parts = urlsplit(interface.url)
        interface.url = urlunsplit((origin.scheme, origin.netloc, *parts[2:]))
    return card


async def _events(client: Any, message: Message) -> AsyncGenerator[Any]:
    async for event in client.send_message(SendMessageRequest(message=message)):
        yield event


async def _cancel_quietly(client: Any, task_id: str) -> None:
    from a2a.types import CancelTaskRequest

    with contextlib.suppress(BaseException):
        async with asyncio.timeout(5):
            await asyncio.shield(client.cancel_task(CancelTaskRequest(id=task_id)))


@dataclass
class _Progress:
    """Follows one streamed exchange with a sub-agent."""

    agent: RemoteAgentSettings
    call_id: str
    emit: Emit
    task_id: str = ""
    context_id: str = ""
    final_text: str = ""
    artifact_text: dict[str, str] = field(default_factory=dict)

    def answer_text(self) -> str:
        return self.final_text or "\n".join(t for t in self.artifact_text.values() if t)

    async def apply(self, event: Any) -> Outcome | None:
        if event.HasField("message"):  # a message-only agent answered directly
            return Outcome(answer=text_of(event.message.parts))
        if event.HasField("task"):
            self.task_id, self.context_id = event.task.id, event.task.context_id
            return await self._status(event.task.status)
        if event.HasField("status_update"):
            update = event.status_update
            self.task_id, self.context_id = update.task_id, update.context_id
            return await self._status(update.status)
        if event.HasField("artifact_update"):
            artifact = event.artifact_update.artifact
            text = text_of(artifact.parts)
            previous = self.artifact_text.get(artifact.artifact_id, "")
            self.artifact_text[artifact.artifact_id] = (
                previous + text if event.artifact_update.append else text
            )
        return None

    async def _status(self, status: Any) -> Outcome | None:
        message = status.message if status.HasField("message") else None
        if message is not None:
            await self._forward(message.parts)
        if status.state in _DONE:
            self.final_text = text_of(message.parts) if message is not None else ""
            return Outcome(answer=self.answer_text())
        if status.state in _FAILED:
            reason = text_of(message.parts) if message is not None else ""
            state = TaskState.Name(status.state).removeprefix("TASK_STATE_").lower()
            raise RemoteAgentError(
                f"the agent {self.agent.ref} ended the task {state}"
                + (f": {reason}" if reason else "")
            )
        if status.state in _PAUSED:
            requests = find_input_requests(message)
            if not requests:
                reason = text_of(message.parts) if message is not None else ""
                raise RemoteAgentError(
                    f"the agent {self.agent.ref} asked for input Bosun cannot relay"
                    + (f": {reason}" if reason else "")
                )
            return Outcome(
                paused={
                    "agent": self.agent.name,
                    "taskId": self.task_id,
                    "contextId": self.context_id,
                    "requests": [r.to_json() for r in requests],
                }
            )
        return None

    async def _forward(self, parts: list[Part] | Any) -> None:
        for data in data_of(parts):
            if data.get("type") in (TOOL_CALL, TOOL_RESULT, TOOL_PROGRESS):
                data.setdefault("agent", self.agent.name)
                # A nested call keeps its own parent; a pre-1.0 agent spelled it parent_id.
                data.setdefault(PARENT_ID, data.pop("parent_id", self.call_id))
                await self.emit(data)


def nested_requests(paused: Mapping[str, Any], parent_id: str) -> list[InputRequest]:
    """The sub-agent's pending requests as our own, tagged with the call they belong to."""
    found = []
    for raw in paused.get("requests") or []:
        request = InputRequest.from_json(raw)
        found.append(
            InputRequest(
                id=request.id,
                kind=request.kind,
                tool=request.tool,
                arguments=request.arguments,
                questions=request.questions,
                agent=request.agent or str(paused.get("agent", "")),
                parent_id=parent_id,
            )
        )
    return found


def remote_agent_toolset(agents: RemoteAgents) -> FunctionToolset[Any]:
    """One tool per sub-agent: `<name>(request: str) -> answer`."""
    toolset: FunctionToolset[Any] = FunctionToolset()
    for agent in agents.agents:

        def make(agent: RemoteAgentSettings) -> Any:
            async def call_agent(ctx: RunContext[Any], request: str) -> str:
                """Send a request to the agent and return its answer.

                Args:
                    request: What the agent should do, with all the context it needs.
                """
                deps = ctx.deps
                try:
                    outcome = await agents.call(
                        agent,
                        request,
                        context_id=getattr(deps, "context_id", "") or str(uuid.uuid4()),
                        call_id=ctx.tool_call_id or "",
                        emit=getattr(deps, "emit", _no_emit),
                    )
                except RemoteAgentError as exc:
                    raise ToolFailed(str(exc)) from None
                if outcome.paused is not None:
                    raise CallDeferred(metadata={REMOTE_KEY: outcome.paused})
                return outcome.answer or ""

            return call_agent

        description = agent.description or f"Delegate a task to the agent {agent.ref}."
        toolset.add_function(make(agent), name=agent.name, description=description)
    return toolset


async def _no_emit(_: Mapping[str, Any]) -> None:
    return None
