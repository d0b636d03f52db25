"""/mcp: Bosun's agents as MCP tools, for Claude Code, Cursor and any MCP client.

An MCP server (official `mcp` SDK, Streamable HTTP, stateless) with two tools:
- `list_agents`: every agent and AgentTeam, whether it is Ready and why not.
- `invoke_agent(agent, task, session_id?)`: sends the task to the agent over A2A (the
  a2a-sdk client, found and checked like the A2A proxy does, sessions and tasks recorded
  the same way), reports progress notifications while the agent works, and returns the
  final answer. When the agent pauses for approval the result says which calls wait and
  how to answer: call invoke_agent again with the same session_id and task_id, and
  `approve` / `reject` naming the call ids. An agent that cannot be reached, or that
  goes away mid-turn (killed, its connection cut), is a tool error saying so; in the
  second case the task is recorded failed, as the A2A proxy does (a2a_broken.py).

Requests are authenticated like the REST API (bearer token) before the MCP server sees
them; the tools read the caller from the request. Before that, Host and Origin are checked
(security/hosts.py, DNS-rebinding protection): 403 for a name the server is not reached by.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, Literal

import httpx
from google.protobuf.json_format import MessageToDict, ParseDict
from mcp.server.mcpserver import Context as McpContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from bosun.security.hosts import HostPolicy, refusal
from bosun.server import governance
from bosun.server.a2a_broken import TaskFailure, at_rest, broken_cause, stopped_text, why
from bosun.server.a2a_proxy import rewrite_card
from bosun.server.a2a_record import Recorder, check_access
from bosun.server.agent_lookup import (
    ROUTABLE_KINDS,
    AgentUnavailable,
    RoutableAgent,
    find_agent,
    not_ready_reason,
)
from bosun.server.audit_tap import AuditTap
from bosun.server.auth import USER_HEADER, User
from bosun.server.context import Context
from bosun.server.errors import ServiceError, error_response
from bosun.server.routes.common import split_agent_ref

log = logging.getLogger(__name__)

USER_KEY = "bosun_user"
FINAL_STATES = {"TASK_STATE_COMPLETED", "TASK_STATE_FAILED", "TASK_STATE_CANCELED",
                "TASK_STATE_REJECTED"}  # fmt: skip
PAUSED_STATES = {"TASK_STATE_INPUT_REQUIRED", "TASK_STATE_AUTH_REQUIRED"}


class _Unreachable(Exception):
    """The agent's card could not be fetched: nothing was sent to it."""


class AgentInfo(BaseModel):
    agent: str = Field(description="namespace/name: what invoke_agent takes")
    kind: str = Field(default="Agent", description="Agent, or AgentTeam (invoked the same way)")
    description: str
    ready: bool
    why_not_ready: str | None = None


class PendingCall(BaseModel):
    id: str
    kind: str = "approval"
    tool: str = ""
    arguments: Any = None
    questions: list[Any] | None = None


class InvokeResult(BaseModel):
    status: Literal["completed", "input_required", "failed", "canceled", "rejected", "other"]
    agent: str
    session_id: str | None
    task_id: str | None
    answer: str = ""
    pending: list[PendingCall] = Field(default_factory=list)
    how_to_continue: str | None = None


def _text_of(parts: list[dict[str, Any]]) -> list[str]:
    return [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]


def _pending_of(message: dict[str, Any] | None) -> list[PendingCall]:
    out: list[PendingCall] = []
    for part in (message or {}).get("parts") or []:
        data = part.get("data") if isinstance(part, dict) else None
        if isinstance(data, dict) and data.get("type") == "input_required":
            for request in data.get("requests") or []:
                if isinstance(request, dict) and "id" in request:
                    out.append(PendingCall.model_validate(request, strict=False))
    return out


class _Progress:
    """Folds A2A stream events into the final result and progress messages."""

    def __init__(self) -> None:
        self.state = ""
        self.task_id: str | None = None
        self.context_id: str | None = None
        self.artifacts: dict[str, str] = {}  # artifactId -> text so far
        self.texts: list[str] = []  # text of a plain Message answer
        self.status_message: dict[str, Any] | None = None
        self.size = 0  # bytes of answer text held so far

    def add(self, event: dict[str, Any]) -> str | None:
        """Take one StreamResponse (JSON); return a progress line for the caller, if any."""
        task = event.get("task") or {}
        update = event.get("statusUpdate") or {}
        artifact_update = event.get("artifactUpdate") or {}
        message = event.get("message")
        self.task_id = task.get("id") or update.get("taskId") or self.task_id
        self.context_id = task.get("contextId") or update.get("contextId") or self.context_id
        status = task.get("status") or update.get("status")
        if message:
            self.context_id = message.get("contextId") or self.context_id
            texts = _text_of(message.get("parts") or [])
            self.size += sum(len(t.encode()) for t in texts)
            self.texts += texts
            self.state = self.state or "TASK_STATE_COMPLETED"
            return None
        if artifact_update:
            artifact = artifact_update.get("artifact") or {}
            key = str(artifact.get("artifactId", ""))
            text = "".join(_text_of(artifact.get("parts") or []))
            first = key not in self.artifacts
            append = bool(artifact_update.get("append"))
            previous = self.artifacts.get(key, "")
            # The bytes held: an append adds its text, a replacement also frees the old one.
            self.size += len(text.encode()) - (0 if append else len(previous.encode()))
            self.artifacts[key] = previous + text if append else text
            return "writing the answer" if first else None
        if isinstance(status, dict):
            self.state = str(status.get("state", self.state))
            self.status_message = status.get("message")
            for data in (p.get("data") for p in (self.status_message or {}).get("parts") or []):
                line = _progress_line(data) if isinstance(data, dict) else None
                if line:
                    return line
            return self.state.removeprefix("TASK_STATE_").lower().replace("_", "-")
        return None

    def answer(self) -> str:
        status_text = "\n".join(_text_of((self.status_message or {}).get("parts") or []))
        if self.state == "TASK_STATE_COMPLETED" and status_text:
            return status_text
        return "\n".join([*self.texts, *self.artifacts.values()]) or status_text

    def result(self, agent: str) -> InvokeResult:
        common: dict[str, Any] = {
            "agent": agent,
            "session_id": self.context_id,
            "task_id": self.task_id,
            "answer": self.answer(),
        }
        if self.state in PAUSED_STATES:
            pending = _pending_of(self.status_message)
            ids = ", ".join(f'"{p.id}"' for p in pending) or "..."
            return InvokeResult(
                status="input_required",
                pending=pending,
                how_to_continue=(
                    f"The agent is waiting for a decision on {len(pending) or 'its'} pending "
                    f"call(s). Call invoke_agent again with agent={agent!r}, "
                    f"session_id={self.context_id!r}, task_id={self.task_id!r}, and "
                    f"approve=[{ids}] or reject=[{ids}] (task: your reason or answer)."
                ),
                **common,
            )
        status = {
            "TASK_STATE_COMPLETED": "completed",
            "TASK_STATE_FAILED": "failed",
            "TASK_STATE_CANCELED": "canceled",
            "TASK_STATE_REJECTED": "rejected",
        }.get(self.state, "other")
        return InvokeResult(status=status, **common)


def _progress_line(data: dict[str, Any]) -> str | None:
    """The progress line for one DataPart of the agent's (or a sub-agent's) work: a tool
    started, reported progress, finished or failed; the turn waits for the user."""
    kind, name = data.get("type"), data.get("name")
    who = f"{data['agent']}: " if data.get("agent") else ""
    if kind == "tool_call":
        waiting = data.get("status") == "pending"
        return f"{who}{name} waits for approval" if waiting else f"{who}calling {name}"
    if kind == "tool_result":
        status = data.get("status")
        if status == "success":
            return f"{who}{name} finished"
        if status == "denied":
            return f"{who}{name} was denied"
        return f"{who}{name} failed: {str(data.get('error', ''))[:160]}"
    if kind == "tool_progress":
        total = f"/{data['total']:g}" if isinstance(data.get("total"), int | float) else ""
        amount = data.get("progress")
        counted = f"{amount:g}{total}" if isinstance(amount, int | float) else "working"
        return f"{who}{name}: {data.get('message') or counted}"
    if kind == "input_required":
        requests = [r for r in data.get("requests") or [] if isinstance(r, dict)]
        tools = ", ".join(str(r.get("tool")) for r in requests if r.get("kind") != "question")
        return f"waiting for approval: {tools}" if tools else "waiting for your answer"
    return None


def _message(
    task: str,
    session_id: str | None,
    task_id: str | None,
    approve: list[str],
    reject: list[str],
    answers: dict[str, str],
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": task}]
    decisions: dict[str, dict[str, Any]] = {i: {"approved": True} for i in approve}
    decisions |= {i: {"approved": False, "reason": task} for i in reject}
    if decisions or answers:
        parts.append({"data": {"decisions": decisions, "answers": answers}})
    message: dict[str, Any] = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": parts}
    if session_id:
        message["contextId"] = session_id
    if task_id:
        message["taskId"] = task_id
    return message


class McpBridge:
    def __init__(self, hosts: HostPolicy | None = None) -> None:
        self._ctx: Context | None = None
        self.hosts = hosts or HostPolicy.for_bind("127.0.0.1")
        with _logging_left_alone():
            self.server: MCPServer = MCPServer(
                name="bosun",
                instructions="Bosun's AI agents. list_agents shows them; invoke_agent gives "
                "one a task and returns its answer (or what awaits your approval).",
            )
        self.server.tool(description="List Bosun's agents and whether each is ready.")(
            self.list_agents
        )
        self.server.tool(
            description="Give an agent a task and wait for its answer. Pass session_id to "
            "continue a conversation; pass task_id with approve/reject to answer an "
            "approval the agent asked for."
        )(self.invoke_agent)
        self.server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,
            # Host/Origin checks are ours (security/hosts.py, in _McpEndpoint), as is auth.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )

    @contextlib.asynccontextmanager
    async def running(self, ctx: Context) -> AsyncIterator[None]:
        self._ctx = ctx
        async with self.server.session_manager.run():
            yield
        self._ctx = None

    def asgi_app(self) -> _McpEndpoint:
        return _McpEndpoint(self)

    def _caller(self, mcp: McpContext) -> tuple[Context, User]:
        assert self._ctx is not None
        request = mcp.request_context.request
        user = request.scope.get("state", {}).get(USER_KEY) if request is not None else None
        if not isinstance(user, User):
            raise RuntimeError("unauthenticated MCP request")
        return self._ctx, user

    async def list_agents(self, ctx: McpContext) -> list[AgentInfo]:
        context, user = self._caller(ctx)
        out = []
        found = [o for kind in ROUTABLE_KINDS for o in await context.store.list(kind)]
        for obj in found:
            if not user.grants.can_read(obj.namespace):
                continue  # roles (auth/rbac.py): only agents the caller may call
            why = not_ready_reason(obj)
            out.append(
                AgentInfo(
                    agent=f"{obj.namespace}/{obj.name}",
                    kind=obj.kind,
                    description=str((obj.body.get("spec") or {}).get("description", "")),
                    ready=why is None,
                    why_not_ready=why,
                )
            )
        return out

    async def invoke_agent(
        self,
        agent: str,
        task: str,
        ctx: McpContext,
        session_id: str | None = None,
        task_id: str | None = None,
        approve: list[str] | None = None,
        reject: list[str] | None = None,
        answers: dict[str, str] | None = None,
    ) -> InvokeResult:
        context, user = self._caller(ctx)
        namespace, name = split_agent_ref(agent)
        if not user.grants.can_read(namespace):
            raise ToolError(
                f"{user.id} may not call agents in namespace {namespace!r}: that needs the "
                "viewer role there (or editor, or admin)"
            )
        try:
            target = await find_agent(context, namespace, name)
        except AgentUnavailable as exc:
            raise ToolError(exc.message) from None
        # Policies (invokers, A2A between namespaces): governance.py, docs/policy.md
        request = ctx.request_context.request
        refused = await governance.invoke_refusal(
            context, request if isinstance(request, Request) else None, user, namespace, name
        )
        if refused is not None:
            raise ToolError(refused.message)
        message = _message(task, session_id, task_id, approve or [], reject or [], answers or {})
        request_json = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage",
                        "params": {"message": message}}  # fmt: skip
        tap = AuditTap(context.audit, user=user.id, namespace=namespace, agent=name,
                       method="SendStreamingMessage", via="mcp")  # fmt: skip
        tap.request(request_json)
        denied = await check_access(context, user, target, request_json)
        if denied is not None:
            tap.finish("refused", denied["error"]["message"])
            raise ToolError(denied["error"]["message"])
        progress = _Progress()
        recorder = Recorder(context, user, target, tap=tap)
        step = 0
        limit = context.settings.max_agent_answer_bytes
        try:
            client = await self._client(context, user, target)
            async with contextlib.aclosing(self._stream(client, user, message)) as events:
                async for event in events:
                    await recorder.result(event)
                    line = progress.add(event)
                    if progress.size > limit:  # closing the stream cancels the agent's task
                        raise _TooLarge(
                            f"the answer of agent {agent} passed {limit} bytes "
                            "(BOSUN_MAX_AGENT_ANSWER_BYTES): it was stopped and its task "
                            f"cancelled (session_id={progress.context_id!r}, "
                            f"task_id={progress.task_id!r})"
                        )
                    if line:
                        step += 1
                        await ctx.report_progress(step, None, line)
        except _TooLarge as exc:
            tap.finish("error", "answer too large")
            raise ToolError(str(exc)) from None
        except _Unreachable as exc:
            tap.finish("error", str(exc))
            raise ToolError(f"the agent {agent} could not be reached: {exc}") from None
        except Exception as exc:
            cause = broken_cause(exc)
            if cause is None:
                tap.finish("error", type(exc).__name__)
                raise
            if progress.state and at_rest(progress.state):
                return progress.result(agent)  # it finished; only the connection broke after
            tap.finish("stream_broken", str(cause))
            raise ToolError(self._broken(context, user, target, progress, message, cause)) from None
        finally:
            tap.finish()
        return progress.result(f"{namespace}/{name}")

    @staticmethod
    def _broken(
        ctx: Context,
        user: User,
        agent: RoutableAgent,
        progress: _Progress,
        message: dict[str, Any],
        cause: BaseException,
    ) -> str:
        """The agent went away mid-turn: record its task failed, as the A2A proxy does
        (a2a_broken.py), and say so to the MCP caller, with what continues the session."""
        text = stopped_text(cause)
        task_id = progress.task_id or message.get("taskId")
        context_id = progress.context_id or message.get("contextId")
        if task_id or context_id:  # without a task id: the running tasks of the context
            failure = TaskFailure(user.id, user.scope, agent.namespace, agent.name, text)
            ctx.writer.submit(replace(failure, task_id=task_id, context_id=context_id))
        return (
            f"{text} (agent {agent.namespace}/{agent.name}, session_id={context_id!r}, "
            f"task_id={task_id!r}; the task is recorded failed)"
        )

    async def _client(self, ctx: Context, user: User, agent: RoutableAgent) -> Any:
        """An a2a-sdk client for the agent, from its card (_Unreachable if it cannot be had)."""
        from a2a.client import ClientConfig, ClientFactory
        from a2a.types import AgentCard

        try:
            card_response = await ctx.http.get(
                f"{agent.url}/.well-known/agent-card.json", headers={USER_HEADER: user.id},
                timeout=15,
            )  # fmt: skip
            card_response.raise_for_status()
            body = card_response.json()
        except httpx.HTTPStatusError as exc:
            raise _Unreachable(f"its agent card answered HTTP {exc.response.status_code}") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise _Unreachable(why(exc)) from None
        card = ParseDict(rewrite_card(body, agent.url), AgentCard(), ignore_unknown_fields=True)
        config = ClientConfig(httpx_client=ctx.http_streams, streaming=True)
        return ClientFactory(config).create(card)

    async def _stream(
        self, client: Any, user: User, message: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        from a2a.client import ClientCallContext
        from a2a.types import SendMessageRequest

        headers = {USER_HEADER: user.id}
        request = ParseDict({"message": message}, SendMessageRequest())
        call = ClientCallContext(service_parameters=headers)
        task_id: str | None = message.get("taskId")
        try:
            async for event in client.send_message(request, context=call):
                data = MessageToDict(event)
                task_id = task_id or (data.get("task") or data.get("statusUpdate") or {}).get(
                    "id", (data.get("statusUpdate") or {}).get("taskId")
                )
                yield data
        except BaseException:
            # The MCP caller went away (or the stream broke): stop the agent's work too.
            if task_id:
                await _cancel(client, task_id, call)
            raise


class _TooLarge(Exception):
    """The agent's answer passed max_agent_answer_bytes: /mcp holds it whole, so it stops."""


@contextlib.contextmanager
def _logging_left_alone() -> Iterator[None]:
    """MCPServer() calls logging.basicConfig (a Rich handler at INFO on the root logger)
    when the root logger has no handler yet; that would make every HTTP request of the
    process log through Rich. A placeholder handler makes that call a no-op."""
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder is not None:
        root.addHandler(placeholder)
    try:
        yield
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)


class _McpEndpoint:
    """The ASGI endpoint at /mcp: authenticate like the REST API, then hand the request to
    the MCP session manager. (A class, so that Starlette's Route treats it as ASGI.)"""

    def __init__(self, bridge: McpBridge) -> None:
        self._bridge = bridge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = self._bridge._ctx
        if scope["type"] == "http":
            reason = self._bridge.hosts.check(Request(scope).headers)
            if reason is not None:
                await refusal(reason)(scope, receive, send)
                return
        if scope["type"] != "http" or ctx is None:
            response = error_response(503, "unavailable", "the control plane is starting")
            await response(scope, receive, send)
            return
        try:
            user = await ctx.auth.current_user(Request(scope))
        except ServiceError as exc:
            await error_response(exc.status, exc.code, exc.message)(scope, receive, send)
            return
        scope.setdefault("state", {})[USER_KEY] = user
        await self._bridge.server.session_manager.handle_request(scope, receive, send)


async def _cancel(client: Any, task_id: str, call: Any) -> None:
    from a2a.types import CancelTaskRequest

    with contextlib.suppress(Exception), _shielded():
        await client.cancel_task(CancelTaskRequest(id=task_id), context=call)


@contextlib.contextmanager
def _shielded() -> Any:
    import anyio

    with anyio.CancelScope(shield=True) as scope:
        scope.deadline = anyio.current_time() + 5
        yield
