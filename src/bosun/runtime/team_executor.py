"""The a2a-sdk AgentExecutor of a team: one `execute()` is one run of the team loop.

Built by bosun.runtime.team_service. The shared conversation of a session (contextId) is
kept as `team_message` events in the session store, so a later message on the same
context continues it (and survives restarts). While a member waits for a person, the
run's state and the pending requests are kept in the task's metadata (`bosunTeam`),
server-side: only the user's answer on that task, matched to those request ids, is
passed down to the member (as for sub-agents, docs/runtime.md).

What a run streams: a tool_call/tool_result pair per member turn (named by the member's
tool name), the member's own tool calls in between (tagged `agent`/`parent_id`), the
answer artifact, and a completed status whose message holds the final text and a
`team_result` DataPart: `{"type": "team_result", "reason", "turns", "speakers"}`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types import Message, Task, TaskState, TaskStatus
from google.protobuf import json_format

from bosun.api.teamconfig import TeamConfig
from bosun.runtime import protocol
from bosun.runtime.credential import USER_HEADER, calls_for_user
from bosun.runtime.store import SessionBackend
from bosun.runtime.team_loop import USER, Ended, Failed, Paused, RunState, Said, TeamLoop

log = logging.getLogger("bosun.runtime.team")

TEAM_KEY = "bosunTeam"
EVENT_KIND = "team_message"
TEAM_RESULT = "team_result"
SESSIONS_KEPT = 256


def _text(message: Message | None) -> str:
    if message is None:
        return ""
    pieces = [p.text for p in message.parts if p.HasField("text")]
    pieces += [protocol.as_text(d) for d in protocol.data_of(message.parts)]
    return "\n".join(p for p in pieces if p)


def answers_for(
    requests: list[protocol.InputRequest], response: protocol.UserResponse
) -> tuple[dict[str, protocol.Decision], dict[str, str | list[str]]] | None:
    """The user's decision or answer for every request, or None while one is missing.

    A message with text only rejects pending approvals with the text as the reason and
    answers questions with it, so a person is never stuck on a paused team.
    """
    text_only = bool(response.text) and not response.decisions and not response.answers
    decisions: dict[str, protocol.Decision] = {}
    answers: dict[str, str | list[str]] = {}
    for request in requests:
        if request.kind == "question":
            answer = response.answers.get(request.id)
            if answer is None and text_only:
                answer = response.text
            if answer is None:
                return None
            answers[request.id] = answer
        else:
            decision = response.decisions.get(request.id)
            if decision is None and text_only:
                decision = protocol.Decision(False, f"the user replied instead: {response.text}")
            if decision is None:
                return None
            decisions[request.id] = decision
    return decisions, answers


class TeamExecutor(AgentExecutor):
    def __init__(self, config: TeamConfig, loop: TeamLoop, backend: SessionBackend) -> None:
        self.config = config
        self.loop = loop
        self.backend = backend
        self._transcripts: OrderedDict[str, list[Said]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def _transcript(self, context_id: str) -> list[Said]:
        cached = self._transcripts.get(context_id)
        if cached is None:
            events = await self.backend.events(context_id)
            cached = [
                Said(str(e.get("source", USER)), str(e.get("text", "")))
                for e in events
                if e.get("kind") == EVENT_KIND
            ]
            self._transcripts[context_id] = cached
        self._transcripts.move_to_end(context_id)
        while len(self._transcripts) > SESSIONS_KEPT:
            self._transcripts.popitem(last=False)
        return cached

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        task = context.current_task
        task_id = context.task_id or ""
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
        metadata: dict[str, Any] = (
            json_format.MessageToDict(task.metadata) if task is not None else {}
        )
        saved = metadata.get(TEAM_KEY) or {}
        headers = context.call_context.state.get("headers", {}) if context.call_context else {}
        lock = self._locks.setdefault(context_id, asyncio.Lock())
        async with lock:
            await self._run(context, updater, context_id, task_id, saved, headers)

    async def _run(
        self,
        context: RequestContext,
        updater: TaskUpdater,
        context_id: str,
        task_id: str,
        saved: Mapping[str, Any],
        headers: Mapping[str, str],
    ) -> None:
        try:
            await self.backend.ensure_session(
                context_id, agent=self.config.name, user_id=headers.get(USER_HEADER)
            )
            transcript = await self._transcript(context_id)
        except Exception as exc:
            await updater.failed(_agent_text(updater, f"The team's session store failed: {exc}"))
            return

        async def record(said: Said) -> None:
            event = {"kind": EVENT_KIND, "source": said.source, "text": said.text}
            await self.backend.append_event(context_id, {**event, "task_id": task_id})

        async def emit(data: Mapping[str, Any]) -> None:
            await updater.update_status(
                TaskState.TASK_STATE_WORKING,
                message=updater.new_agent_message([protocol.data_part(data)]),
            )

        resume = None
        if saved.get("state"):
            requests = [protocol.InputRequest.from_json(r) for r in saved.get("requests") or []]
            resume = answers_for(requests, protocol.parse_user_response(context.message))
            if resume is None:  # not every request answered: ask again, change nothing
                await self._pause(updater, Paused(RunState.from_json(saved["state"]), requests))
                return
            state = RunState.from_json(saved["state"])
            await updater.update_status(TaskState.TASK_STATE_WORKING, metadata={TEAM_KEY: {}})
        else:
            said = Said(USER, _text(context.message))
            transcript.append(said)
            await record(said)
            state = RunState(start=len(transcript) - 1)
            await updater.update_status(TaskState.TASK_STATE_WORKING)
        with calls_for_user(headers.get(USER_HEADER)):  # members and the selector's model
            result = await self.loop.run(
                transcript, state, context_id=context_id, emit=emit, record=record, resume=resume
            )
        if isinstance(result, Paused):
            await self._pause(updater, result)
        elif isinstance(result, Failed):
            log.warning("team task %s failed: %s", task_id, result.text)
            await updater.failed(_agent_text(updater, result.text))
        else:
            await self._answer(updater, result)

    async def _answer(self, updater: TaskUpdater, ended: Ended) -> None:
        text = ended.text or f"The team stopped before any member answered ({ended.reason})."
        await updater.update_status(
            TaskState.TASK_STATE_WORKING,
            message=updater.new_agent_message(
                [protocol.text_part(f"Team {self.config.name} stopped: {ended.reason}.")]
            ),
        )
        await updater.add_artifact(
            [protocol.text_part(text)],
            artifact_id=f"{updater.task_id}-answer",
            name=protocol.ANSWER_ARTIFACT,
            append=False,
            last_chunk=True,
        )
        result = {
            "type": TEAM_RESULT,
            "reason": ended.reason,
            "turns": len(ended.speakers),
            "speakers": ended.speakers,
        }
        await updater.complete(
            updater.new_agent_message([protocol.text_part(text), protocol.data_part(result)])
        )

    async def _pause(self, updater: TaskUpdater, paused: Paused) -> None:
        lines = [f"- {r.kind} {r.tool} [id {r.id}] (agent {r.agent})" for r in paused.requests]
        message = updater.new_agent_message(
            [
                protocol.data_part(protocol.input_required(paused.requests)),
                protocol.text_part("Waiting for your answer:\n" + "\n".join(lines)),
            ]
        )
        saved = {
            "state": paused.state.to_json(),
            "requests": [r.to_json() for r in paused.requests],
        }
        await updater.update_status(
            TaskState.TASK_STATE_INPUT_REQUIRED, message=message, metadata={TEAM_KEY: saved}
        )

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = TaskUpdater(event_queue, context.task_id or "", context.context_id or "")
        await updater.cancel(_agent_text(updater, "The team run was cancelled."))


def _agent_text(updater: TaskUpdater, text: str) -> Message:
    return updater.new_agent_message([protocol.text_part(text)])
