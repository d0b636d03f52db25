"""Calls waiting for the user: what is pending on a paused task, and resolving it.

When a turn ends with deferred calls (approvals, ask_user questions, a sub-agent that
paused), the executor stores `Pending` in the task's metadata (server-side state) and
shows the user `requests()`. When the user answers on that task, `resolve()` matches the
answer against exactly those stored call ids — nothing else can approve a call: not the
model, not a tool result, not a sub-agent. Decisions for a sub-agent's calls are passed
down to it (`RemoteAgents.resume`), which may pause again.

A reply with only text (no decisions) rejects pending approvals with that text as the
reason and answers a pending question, so a user is never stuck on a paused task.

Expiry: with BOSUN_APPROVAL_TIMEOUT (seconds) set, a pause records its deadline in the
task's metadata (`bosunPendingUntil`, Unix seconds); a task still paused then fails,
saying what was not given ("The approval for calculate was not given within 600 s …"):
taskstore.py fails it when the deadline passes (and when it reads back a task whose
deadline passed while the agent was down), the executor when an answer arrives too late.
Unset or 0: a paused task waits for its answer.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic_ai import DeferredToolRequests, DeferredToolResults, ToolApproved, ToolDenied
from pydantic_ai.exceptions import ToolFailed

from bosun.runtime.deps import Emit
from bosun.runtime.protocol import Decision, InputRequest, UserResponse
from bosun.runtime.toolsets.ask_user import answer_text
from bosun.runtime.toolsets.remote_agent import (
    REMOTE_KEY,
    RemoteAgentError,
    RemoteAgents,
    nested_requests,
)
from bosun.runtime.turn import arguments_of

METADATA_KEY = "bosunPending"
"""Task metadata key holding the pending calls (a list of Entry.to_json())."""
LEGACY_METADATA_KEY = "bosun_pending"
"""The key before A2A 1.0's camelCase names; read from tasks stored then."""

DEADLINE_KEY = "bosunPendingUntil"
"""Task metadata key: when a paused task expires (Unix seconds; 0 or absent: never)."""
TIMEOUT_ENV = "BOSUN_APPROVAL_TIMEOUT"

Kind = Literal["approval", "question", "remote"]


def approval_timeout() -> float | None:
    """Seconds a paused task waits for its answer (BOSUN_APPROVAL_TIMEOUT); None: forever."""
    try:
        seconds = float(os.environ.get(TIMEOUT_ENV, "0") or 0)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def deadline_metadata(now: float | None = None) -> dict[str, float]:
    """What a pause adds to the task's metadata (0 clears an older deadline)."""
    timeout = approval_timeout()
    if timeout is None:
        return {DEADLINE_KEY: 0}
    return {DEADLINE_KEY: round((time.time() if now is None else now) + timeout, 3)}


def deadline_of(metadata: Mapping[str, Any]) -> float | None:
    value = metadata.get(DEADLINE_KEY)
    return float(value) if isinstance(value, int | float) and value > 0 else None


def expiry_text(metadata: Mapping[str, Any], now: float | None = None) -> str | None:
    """Why a paused task has expired, or None while it may still be answered."""
    deadline = deadline_of(metadata)
    pending = Pending.from_metadata(metadata)
    if deadline is None or pending is None or (time.time() if now is None else now) < deadline:
        return None
    names = []
    for request in pending.requests():
        what = "answer to" if request.kind == "question" else "approval for"
        label = f"the {what} {request.tool}"
        if label not in names:
            names.append(label)
    timeout = approval_timeout()
    within = f" within {timeout:g} s" if timeout is not None else " in time"
    first = " and ".join(names) or "the answer"
    return (
        f"{first[0].upper()}{first[1:]} was not given{within}, so the task failed "
        f"({TIMEOUT_ENV}). Send the message again to start over."
    )


@dataclass
class Entry:
    id: str
    kind: Kind
    tool: str
    arguments: Any = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    remote: dict[str, Any] | None = None
    resolution: dict[str, Any] | None = None  # set once the user's answer is applied

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "tool": self.tool}
        if self.arguments is not None:
            data["arguments"] = self.arguments
        if self.questions:
            data["questions"] = self.questions
        if self.remote is not None:
            data["remote"] = self.remote
        if self.resolution is not None:
            data["resolution"] = self.resolution
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        kind = data.get("kind")
        return cls(
            id=str(data["id"]),
            kind=kind if kind in ("approval", "question", "remote") else "approval",
            tool=str(data.get("tool", "")),
            arguments=data.get("arguments"),
            questions=list(data.get("questions") or []),
            remote=dict(data["remote"]) if isinstance(data.get("remote"), Mapping) else None,
            resolution=dict(data["resolution"])
            if isinstance(data.get("resolution"), Mapping)
            else None,
        )

    def requests(self) -> list[InputRequest]:
        """What the user must answer for this entry (nothing once resolved)."""
        if self.resolution is not None:
            return []
        if self.kind == "remote" and self.remote is not None:
            return nested_requests(self.remote, self.id)
        if self.kind == "question":
            return [InputRequest(self.id, "question", self.tool, questions=self.questions)]
        return [InputRequest(self.id, "approval", self.tool, arguments=self.arguments)]


@dataclass
class Pending:
    entries: list[Entry]

    @classmethod
    def from_requests(cls, requests: DeferredToolRequests) -> Pending:
        entries = [
            Entry(c.tool_call_id, "approval", c.tool_name, arguments=arguments_of(c))
            for c in requests.approvals
        ]
        for call in requests.calls:
            meta = requests.metadata.get(call.tool_call_id) or {}
            if isinstance(meta.get(REMOTE_KEY), Mapping):
                entry = Entry(call.tool_call_id, "remote", call.tool_name, remote=meta[REMOTE_KEY])
            else:
                entry = Entry(
                    call.tool_call_id,
                    "question",
                    call.tool_name,
                    questions=list(meta.get("questions") or []),
                )
            entries.append(entry)
        return cls(entries).reject_conflicts()

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> Pending | None:
        # The new key wins even when empty: it is how a resumed task clears the old one.
        raw = metadata.get(METADATA_KEY, metadata.get(LEGACY_METADATA_KEY))
        if not isinstance(raw, list) or not raw:
            return None
        return cls([Entry.from_json(item) for item in raw if isinstance(item, Mapping)])

    def to_metadata(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries]

    def requests(self) -> list[InputRequest]:
        return [r for e in self.entries for r in e.requests()]

    def reject_conflicts(self) -> Pending:
        """Fail sub-agent entries whose request ids clash with another request's.

        Decisions are matched by id; a sub-agent that reused one of our own call ids could
        otherwise get the user's decision for our call applied to its request, or the
        other way round.
        """
        seen: dict[str, int] = {}
        for request in self.requests():
            seen[request.id] = seen.get(request.id, 0) + 1
        for entry in self.entries:
            if entry.kind != "remote" or entry.resolution is not None:
                continue
            if any(seen[r.id] > 1 for r in entry.requests()):
                entry.resolution = {
                    "failed": "the sub-agent asked for input with call ids that are already in "
                    "use; its request was refused"
                }
        return self

    def done(self) -> bool:
        return all(e.resolution is not None for e in self.entries)

    def results(self) -> DeferredToolResults:
        """The engine's results for every entry (call only when done())."""
        approvals: dict[str, bool | ToolApproved | ToolDenied] = {}
        calls: dict[str, Any] = {}
        for entry in self.entries:
            res = entry.resolution or {}
            if entry.kind == "approval":
                if res.get("approved"):
                    approvals[entry.id] = ToolApproved()
                else:
                    approvals[entry.id] = ToolDenied(_denial(res.get("reason")))
            elif "failed" in res:
                calls[entry.id] = ToolFailed(str(res["failed"]))
            else:
                calls[entry.id] = str(res.get("answer", ""))
        return DeferredToolResults(approvals=approvals, calls=calls)


def _denial(reason: Any) -> str:
    if reason:
        return f"The user rejected this tool call. Reason: {reason}"
    return "The user rejected this tool call."


def _text_only(response: UserResponse) -> bool:
    return bool(response.text) and not response.decisions and not response.answers


def _decision_for(request: InputRequest, response: UserResponse) -> Decision | None:
    decision = response.decisions.get(request.id)
    if decision is None and _text_only(response):
        decision = Decision(approved=False, reason=f"the user replied instead: {response.text}")
    return decision


def _answer_for(request: InputRequest, response: UserResponse) -> str | list[str] | None:
    answer = response.answers.get(request.id)
    if answer is None and _text_only(response):
        answer = response.text
    return answer


async def resolve(
    pending: Pending, response: UserResponse, *, agents: RemoteAgents | None, emit: Emit
) -> Pending:
    """Apply the user's answer; entries stay unresolved while something is missing.

    Nothing runs unless every open request got an answer (a partial answer changes
    nothing and the same requests are asked again).
    """
    open_entries = [e for e in pending.entries if e.resolution is None]
    for entry in open_entries:
        for request in entry.requests():
            answered = (
                _answer_for(request, response)
                if request.kind == "question"
                else _decision_for(request, response)
            )
            if answered is None:
                return pending
    for entry in open_entries:
        if entry.kind == "approval":
            decision = _decision_for(entry.requests()[0], response)
            assert decision is not None
            entry.resolution = {"approved": decision.approved, "reason": decision.reason}
        elif entry.kind == "question":
            answer = _answer_for(entry.requests()[0], response)
            assert answer is not None
            entry.resolution = {"answer": answer_text(entry.questions, answer)}
        else:
            await _resume_remote(entry, response, agents=agents, emit=emit)
    return pending.reject_conflicts()


async def _resume_remote(
    entry: Entry, response: UserResponse, *, agents: RemoteAgents | None, emit: Emit
) -> None:
    assert entry.remote is not None
    decisions: dict[str, Decision] = {}
    answers: dict[str, str | list[str]] = {}
    for request in entry.requests():
        if request.kind == "question":
            answer = _answer_for(request, response)
            if answer is not None:
                answers[request.id] = answer
        else:
            decision = _decision_for(request, response)
            if decision is not None:
                decisions[request.id] = decision
    if agents is None:
        entry.resolution = {"failed": "sub-agents are no longer configured for this agent"}
        return
    try:
        outcome = await agents.resume(entry.remote, decisions, answers, call_id=entry.id, emit=emit)
    except RemoteAgentError as exc:
        entry.resolution = {"failed": str(exc)}
        return
    if outcome.paused is not None:
        entry.remote = outcome.paused  # the sub-agent asks again: stay pending
        entry.resolution = None
    else:
        entry.resolution = {"answer": outcome.answer or ""}
