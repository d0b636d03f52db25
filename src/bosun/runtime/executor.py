"""The a2a-sdk AgentExecutor: where the engine meets the A2A protocol.

The a2a-sdk request handler calls `execute()` for every message on a task and `cancel()`
on CancelTask (after which it cancels the asyncio task running `execute()`: the LLM call
and any tool calls stop with it). One call of `execute()` is one turn:

- a new prompt: run the agent on the session's history (contextId = session);
- a message on a task paused in input-required: apply the user's decisions to the calls
  stored as pending in the task (bosun.runtime.pending) and resume the engine with them:
  approved calls run exactly as requested, without asking the model again.

What happens is streamed as task updates (formats in bosun.runtime.protocol): working
status messages with tool_call/tool_result DataParts, the answer as an `answer` artifact
(token by token when the agent streams), and a final message with token usage in its
metadata. Whatever fails ends the task FAILED with a message a person can act on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types import Part, Task, TaskState, TaskStatus
from google.protobuf import json_format
from pydantic_ai import DeferredToolRequests, DeferredToolResults, capture_run_messages
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    UserContent,
    UserPromptPart,
)
from pydantic_ai.usage import RunUsage

from bosun.runtime import protocol
from bosun.runtime.credential import USER_HEADER, calls_for_user
from bosun.runtime.deps import TurnDeps
from bosun.runtime.engine import Engine
from bosun.runtime.errors import describe_failure
from bosun.runtime.files import FilePublisher, split_files, user_prompt
from bosun.runtime.pending import (
    DEADLINE_KEY,
    METADATA_KEY,
    Pending,
    deadline_metadata,
    expiry_text,
    resolve,
)
from bosun.runtime.sessions import Sessions
from bosun.runtime.telemetry import turn_span
from bosun.runtime.turn import ToolStatus, close_open_calls, run_turn

log = logging.getLogger("bosun.runtime")

Prompt = str | list[UserContent]

"""Header the control plane sets to the authenticated user (recorded with the session)."""


class A2ASink:
    """Turns what happens in a turn into A2A task updates (one TaskUpdater per turn)."""

    def __init__(
        self, updater: TaskUpdater, *, stream: bool, files: FilePublisher | None = None
    ) -> None:
        self.updater = updater
        self.stream = stream
        self.files = files  # tool results' files become artifacts (runtime/files.py)
        self.answer_id = f"{updater.task_id}-answer"
        self._streamed = False

    async def _working(self, *parts: Part, metadata: dict[str, Any] | None = None) -> None:
        await self.updater.update_status(
            TaskState.TASK_STATE_WORKING,
            message=self.updater.new_agent_message(list(parts)),
            metadata=metadata,
        )

    async def text_delta(self, text: str) -> None:
        await self.updater.add_artifact(
            [protocol.text_part(text)],
            artifact_id=self.answer_id,
            name=protocol.ANSWER_ARTIFACT,
            append=self._streamed,
        )
        self._streamed = True

    async def model_text(self, text: str) -> None:
        await self._working(protocol.text_part(text))

    async def tool_call(self, call_id: str, name: str, arguments: Any) -> None:
        await self._working(protocol.data_part(protocol.tool_call(call_id, name, arguments)))

    async def tool_pending(self, call_id: str, name: str, arguments: Any) -> None:
        data = protocol.tool_call(call_id, name, arguments, status="pending")
        await self._working(protocol.data_part(data))

    async def tool_result(self, call_id: str, name: str, status: ToolStatus, content: Any) -> None:
        if status == "success":
            if self.files is not None:
                content = await self._publish_files(content)
            data = protocol.tool_result(call_id, name, status=status, result=content)
        else:
            data = protocol.tool_result(
                call_id, name, status=status, error=protocol.as_text(content)
            )
        await self._working(protocol.data_part(data))

    async def _publish_files(self, content: Any) -> Any:
        assert self.files is not None
        content, found = split_files(content, first=self.files.count + 1)
        for file_name, part in await self.files.parts(found):
            await self.updater.add_artifact(
                [part], artifact_id=f"{self.updater.task_id}-{file_name}", name=file_name
            )
        return content

    async def emit(self, data: Mapping[str, Any]) -> None:
        """Progress forwarded from a sub-agent (already in protocol shape)."""
        await self._working(protocol.data_part(data))

    async def start(self, *, clear_pending: bool) -> None:
        metadata: dict[str, Any] | None = (
            {METADATA_KEY: [], DEADLINE_KEY: 0} if clear_pending else None
        )
        await self.updater.update_status(TaskState.TASK_STATE_WORKING, metadata=metadata)

    async def answer(self, text: str, usage: RunUsage, model: str) -> None:
        await self.updater.add_artifact(
            [protocol.text_part(text)],
            artifact_id=self.answer_id,
            name=protocol.ANSWER_ARTIFACT,
            append=False,
            last_chunk=True,
        )
        metadata = {protocol.USAGE_KEY: usage_json(usage, model)}
        await self.updater.complete(
            self.updater.new_agent_message([protocol.text_part(text)], metadata=metadata)
        )

    async def pause(self, pending: Pending, usage: RunUsage | None, model: str) -> None:
        requests = pending.requests()
        lines = [_describe_request(r) for r in requests]
        metadata: dict[str, Any] = {}
        if usage is not None:
            metadata[protocol.USAGE_KEY] = usage_json(usage, model)
        message = self.updater.new_agent_message(
            [
                protocol.data_part(protocol.input_required(requests)),
                protocol.text_part("Waiting for your answer:\n" + "\n".join(lines)),
            ],
            metadata=metadata or None,
        )
        await self.updater.update_status(
            TaskState.TASK_STATE_INPUT_REQUIRED,
            message=message,
            metadata={METADATA_KEY: pending.to_metadata(), **deadline_metadata()},
        )

    async def fail(self, text: str) -> None:
        await self.updater.failed(self.updater.new_agent_message([protocol.text_part(text)]))


def _describe_request(request: protocol.InputRequest) -> str:
    where = f" (agent {request.agent})" if request.agent else ""
    if request.kind == "question":
        questions = "; ".join(str(q.get("question", "")) for q in request.questions or [])
        return f"- question {request.id}{where}: {questions}"
    return (
        f"- approve {request.tool}({protocol.as_text(request.arguments)}) [id {request.id}]{where}"
    )


def usage_json(usage: RunUsage, model: str) -> dict[str, Any]:
    """The turn's token usage in wire form (camelCase, A2A 1.0 §5.5)."""
    return {
        "inputTokens": usage.input_tokens,
        "outputTokens": usage.output_tokens,
        "totalTokens": usage.input_tokens + usage.output_tokens,
        "requests": usage.requests,
        "toolCalls": usage.tool_calls,
        "model": model,
    }


class BosunAgentExecutor(AgentExecutor):
    def __init__(
        self,
        *,
        engine: Callable[[], Awaitable[Engine]],
        sessions: Sessions,
        after_turn: Callable[[Engine, str], None] | None = None,
    ) -> None:
        self._engine = engine
        self.sessions = sessions
        self._after_turn = after_turn

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task
        task_id = context.task_id or ""
        # A follow-up may omit the contextId; the SDK then makes up a new one, but the
        # session is the task's.
        context_id = task.context_id if task is not None else context.context_id or ""
        updater = TaskUpdater(event_queue, task_id, context_id)
        if task is None:
            history = [context.message] if context.message is not None else []
            await event_queue.enqueue_event(
                Task(
                    id=task_id,
                    context_id=context_id,
                    status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
                    history=history,
                )
            )
        try:
            engine = await self._engine()
        except Exception as exc:
            await A2ASink(updater, stream=False).fail(f"The agent is not ready: {exc}")
            return
        metadata: dict[str, Any] = (
            json_format.MessageToDict(task.metadata) if task is not None else {}
        )
        pending = Pending.from_metadata(metadata)
        expired = expiry_text(metadata) if pending is not None else None
        if expired is not None:  # answered too late (pending.py: expiry)
            await A2ASink(updater, stream=False).fail(expired)
            return
        headers = context.call_context.state.get("headers", {}) if context.call_context else {}
        files = FilePublisher(
            agent=engine.config.name,
            user=headers.get(USER_HEADER),
            context_id=context_id,
            task_id=task_id,
        )
        sink = A2ASink(updater, stream=engine.stream, files=files)
        deps = TurnDeps(
            context_id=context_id, task_id=task_id, emit=sink.emit, request_headers=headers
        )
        async with self.sessions.lock(context_id):
            await sink.start(clear_pending=pending is not None)
            prompt: Prompt | None = None
            deferred: DeferredToolResults | None = None
            if pending is not None:
                response = protocol.parse_user_response(context.message)
                try:
                    pending = await resolve(
                        pending, response, agents=engine.remote_agents, emit=sink.emit
                    )
                except Exception as exc:
                    log.warning("task %s: resuming failed", task_id, exc_info=exc)
                    await sink.fail(describe_failure(exc, engine))
                    return
                if not pending.done():
                    await sink.pause(pending, None, engine.model_name)
                    return
                deferred = pending.results()
            else:
                prompt = user_prompt(context.message)  # files too (runtime/files.py)
            await self._turn(engine, sink, deps, prompt, deferred, user=headers.get(USER_HEADER))
        if self._after_turn is not None:
            self._after_turn(engine, context_id)  # e.g. compaction, in the background

    async def _turn(
        self,
        engine: Engine,
        sink: A2ASink,
        deps: TurnDeps,
        prompt: Prompt | None,
        deferred: DeferredToolResults | None,
        *,
        user: str | None,
    ) -> None:
        session, task_id = deps.context_id, deps.task_id
        history = await self.sessions.history(session)
        with (
            turn_span(task_id, session, engine.config.name),
            capture_run_messages() as captured,
            calls_for_user(user),  # the model gateway meters and limits per user
        ):
            try:
                result = await run_turn(
                    engine, prompt=prompt, history=history, deferred=deferred, deps=deps, sink=sink
                )
            except asyncio.CancelledError:
                # CancelTask: keep what the turn did so the session stays coherent.
                await asyncio.shield(
                    self._save_partial(
                        session, task_id, history, captured, prompt, "cancelled", user
                    )
                )
                raise
            except Exception as exc:
                text = describe_failure(exc, engine)
                log.warning("task %s failed: %s", task_id, text, exc_info=exc)
                await self._save_partial(session, task_id, history, captured, prompt, text, user)
                await sink.fail(text)
                return
        await self.sessions.append_messages(
            session, result.new_messages, task_id=task_id, user_id=user
        )
        if not isinstance(result.output, DeferredToolRequests):
            await sink.answer(str(result.output), result.usage, engine.model_name)
            return
        pending = Pending.from_requests(result.output)
        if pending.done():  # nothing a person can answer (a sub-agent's request was refused)
            await self._turn(engine, sink, deps, None, pending.results(), user=user)
            return
        await sink.pause(pending, result.usage, engine.model_name)

    async def _save_partial(
        self,
        session: str,
        task_id: str,
        history: list[ModelMessage],
        captured: list[ModelMessage],
        prompt: Prompt | None,
        note: str,
        user: str | None,
    ) -> None:
        """Store what a failed or cancelled turn did, ending with a note for the model."""
        new = list(captured[len(history) :]) if len(captured) > len(history) else []
        if not new and prompt is not None:
            new = [ModelRequest(parts=[UserPromptPart(content=prompt)])]
        if new:
            new = close_open_calls(new)
            new.append(ModelResponse(parts=[TextPart(content=f"[This turn ended early: {note}]")]))
        try:
            await self.sessions.append_messages(session, new, task_id=task_id, user_id=user)
        except Exception as exc:  # the failure being reported matters more
            log.error("session %s: could not save the interrupted turn: %s", session, exc)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = TaskUpdater(event_queue, context.task_id or "", context.context_id or "")
        await updater.cancel(
            updater.new_agent_message([protocol.text_part("The task was cancelled.")])
        )
