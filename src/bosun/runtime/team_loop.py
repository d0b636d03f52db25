"""The team loop: who speaks next, calling members over A2A, and when the run ends.

One run answers one user message (an A2A task of the team). Built by
bosun.runtime.team_executor, which keeps the shared conversation (`Transcript`) in the
session store and the run's state in the task while it waits for a person. Members are
called with the remote-agent client (bosun.runtime.toolsets.remote_agent), so their tool
calls stream up tagged with the member, and their approval requests become the team's:

- RoundRobin: members in the listed order, from the first, each turn seeing what was said
  since its last turn;
- Selector: the selector LLM (bosun.runtime.team_selector) names the next member;
- Swarm: the first member starts; it hands off by calling `transfer_to_<member>`
  (bosun.runtime.team_handoff); an answer without a handoff ends the run.

A member turn is shown to the caller as a call of that member (tool_call / tool_result
DataParts named by the member's tool name, as for a sub-agent). The run ends when the
termination condition holds, after `max_turns` member turns, or fails with a message
naming the member that failed or did not answer in `member_timeout`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bosun.api.teamconfig import TEAM_HANDOFF_HEADER, MemberSettings, TeamConfig
from bosun.runtime import protocol
from bosun.runtime.team_handoff import PREFIX, handoff_tool_name
from bosun.runtime.team_selector import Selector, SelectorFailed
from bosun.runtime.team_termination import RunView, deadline, reason
from bosun.runtime.toolsets.remote_agent import Outcome, RemoteAgentError, RemoteAgents

Emit = Callable[[Mapping[str, Any]], Awaitable[None]]
USER = "user"


@dataclass(frozen=True)
class Said:
    source: str  # "user" or a member's name
    text: str


def render(messages: list[Said]) -> str:
    return "\n\n".join(f"[{m.source}]: {m.text}" for m in messages)


@dataclass
class RunState:
    """Where a run is; kept in the task's metadata while the run waits for a person."""

    start: int  # index in the transcript of this run's user message
    turns: int = 0
    speaker: str | None = None  # member speaking (or paused) now
    previous: str | None = None
    elapsed: float = 0.0
    call_id: str | None = None
    paused: dict[str, Any] | None = None  # the member's paused task (remote_agent.Outcome)
    handoff: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunState:
        known = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in known}
        for key in ("start", "turns"):
            values[key] = int(values.get(key, 0))
        values["elapsed"] = float(values.get("elapsed", 0.0))
        return cls(**values)


@dataclass
class Ended:
    text: str
    reason: str
    speakers: list[str] = field(default_factory=list)


@dataclass
class Paused:
    state: RunState
    requests: list[protocol.InputRequest]


@dataclass
class Failed:
    text: str


Result = Ended | Paused | Failed
Record = Callable[[Said], Awaitable[None]]


def member_clients(config: TeamConfig) -> RemoteAgents:
    """One A2A client per member; a Swarm member's carries its handoff tools' header."""
    members: list[MemberSettings] = []
    by_name = {m.member: m for m in config.team.members}
    for member in config.team.members:
        if config.team.type == "Swarm" and member.handoffs:
            tools = [
                {"name": t, "description": by_name[t].description if t in by_name else ""}
                for t in member.handoffs
            ]
            headers = {**member.headers, TEAM_HANDOFF_HEADER: json.dumps(tools)}
            member = member.model_copy(update={"headers": headers})
        members.append(member)
    return RemoteAgents(list(members))


class TeamLoop:
    def __init__(self, config: TeamConfig, agents: RemoteAgents) -> None:
        self.config = config
        self.team = config.team
        self.agents = agents
        # The clients' settings: a Swarm member's carry its handoff header.
        self.members = {m.member: m for m in agents.agents if isinstance(m, MemberSettings)}
        self.selector = (
            Selector(self.team.selector, self.team.members) if self.team.selector else None
        )

    async def close(self) -> None:
        await self.agents.close()
        if self.selector is not None:
            await self.selector.close()

    async def _next(self, transcript: list[Said], state: RunState) -> str:
        order = [m.member for m in self.team.members]
        if self.team.type == "RoundRobin":
            if state.previous is None:
                return order[0]
            return order[(order.index(state.previous) + 1) % len(order)]
        if self.team.type == "Swarm":
            return state.handoff or state.previous or order[0]
        assert self.selector is not None
        return await self.selector.pick(render(transcript), state.previous)

    def _unseen(self, transcript: list[Said], member: str) -> list[Said]:
        """What the member has not seen: everything after its last own message."""
        last = max((i for i, m in enumerate(transcript) if m.source == member), default=-1)
        return [m for m in transcript[last + 1 :] if m.source != member]

    async def run(
        self,
        transcript: list[Said],
        state: RunState,
        *,
        context_id: str,
        emit: Emit,
        record: Record,
        resume: tuple[dict[str, protocol.Decision], dict[str, str | list[str]]] | None = None,
    ) -> Result:
        """Run until the end, a pause or a failure. `record` stores each new message."""
        started = time.monotonic() - state.elapsed
        limit = deadline(self.team.termination)
        while True:
            handoff: list[str] = []
            if resume is not None and state.paused is not None:
                member = self.members[str(state.speaker)]
                call_id = str(state.call_id)
                watcher = _watch(emit, member, call_id, handoff)
                work = self.agents.resume(
                    state.paused, resume[0], resume[1], call_id=call_id, emit=watcher
                )
                resume = None
            else:
                if state.turns >= self.team.max_turns:
                    return self._end(transcript, state, f"maxTurns ({self.team.max_turns}) reached")
                try:
                    name = await self._next(transcript[state.start :], state)
                except SelectorFailed as exc:
                    return Failed(f"The team {self.config.name} stopped: {exc}.")
                except Exception as exc:
                    return Failed(
                        f"The team {self.config.name} stopped: the selector failed: {exc}"
                    )
                member = self.members[name]
                state.speaker, state.handoff = name, None
                call_id = f"team-{state.turns + 1}-{uuid.uuid4().hex[:8]}"
                state.call_id = call_id
                request = render(self._unseen(transcript, name))
                await emit(protocol.tool_call(call_id, member.name, {"request": request}))
                watcher = _watch(emit, member, call_id, handoff)
                work = self.agents.call(
                    member, request, context_id=context_id, call_id=call_id, emit=watcher
                )
            outcome = await self._member_turn(member, work, started, limit)
            state.elapsed = time.monotonic() - started
            if isinstance(outcome, (Ended, Failed)):
                return (
                    outcome
                    if isinstance(outcome, Failed)
                    else self._end(transcript, state, outcome.reason)
                )
            if outcome.paused is not None:
                state.paused = outcome.paused
                return Paused(state, _nested(outcome.paused, call_id, member.name))
            state.paused = None
            answer = outcome.answer or ""
            await emit(protocol.tool_result(call_id, member.name, status="success", result=answer))
            said = Said(member.member, answer)
            transcript.append(said)
            await record(said)
            state.turns += 1
            state.previous = member.member
            view = RunView(
                last_text=answer,
                last_source=member.member,
                messages=len(transcript) - state.start,
                elapsed=state.elapsed,
            )
            why = reason(self.team.termination, view)
            if why is not None:
                return self._end(transcript, state, why)
            if self.team.type == "Swarm":
                target = next((t for t in handoff if t in member.handoffs), None)
                if target is None:
                    return self._end(
                        transcript, state, f"{member.member} answered without a handoff"
                    )
                state.handoff = target

    async def _member_turn(
        self,
        member: MemberSettings,
        work: Awaitable[Outcome],
        started: float,
        limit: float | None,
    ) -> Outcome | Ended | Failed:
        budget = self.team.member_timeout
        left = None if limit is None else limit - (time.monotonic() - started)
        if left is not None and left <= 0:
            close = getattr(work, "close", None)
            if close is not None:  # a coroutine that will not run
                close()
            return Ended("", f"timeout of {limit:g} s reached")
        cut_by_run = left is not None and left < budget
        try:
            async with asyncio.timeout(min(budget, left) if left is not None else budget):
                return await work
        except TimeoutError:
            if cut_by_run:
                return Ended(
                    "", f"timeout of {limit:g} s reached while {member.member} was working"
                )
            return Failed(
                f"The team member {member.member} did not answer within "
                f"{budget:g} s (memberTimeout); the run stopped."
            )
        except RemoteAgentError as exc:
            return Failed(f"The team member {member.member} failed: {exc}")

    def _end(self, transcript: list[Said], state: RunState, why: str) -> Ended:
        run = transcript[state.start :]
        spoken = [m for m in run if m.source != USER]
        final = spoken[-1].text if spoken else ""
        return Ended(final, why, [m.source for m in spoken])


def _watch(emit: Emit, member: MemberSettings, call_id: str, handoff: list[str]) -> Emit:
    """Forward a member's progress, noting its own calls of handoff tools."""
    names = {handoff_tool_name(t): t for t in member.handoffs}

    async def forward(data: Mapping[str, Any]) -> None:
        name = str(data.get("name", ""))
        if (
            data.get("type") == protocol.TOOL_CALL
            and name.startswith(PREFIX)
            and call_id in (data.get(protocol.PARENT_ID), data.get("parent_id"))
            and name in names
        ):
            handoff.append(names[name])
        await emit(data)

    return forward


def _nested(paused: Mapping[str, Any], call_id: str, agent: str) -> list[protocol.InputRequest]:
    from bosun.runtime.toolsets.remote_agent import nested_requests

    return nested_requests({**paused, "agent": paused.get("agent", agent)}, call_id)
