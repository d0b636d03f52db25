"""Bosun's A2A message formats: the DataParts and metadata a UI, CLI or caller relies on.

Pure protocol (a2a-sdk types, no engine). Written by the executor (`bosun.runtime.executor`)
and read by the remote-agent tool (`bosun.runtime.toolsets.remote_agent`), by tests and,
over the wire, by the control plane, the UI and the CLI. docs/runtime.md shows every shape.

Shapes (the `data` of a DataPart; numbers arrive as JSON numbers, possibly with `.0`):

- tool call:    {"type": "tool_call", "id", "name", "arguments": {...}, "status": "running"
                 | "pending", "agent"?: str, "parentId"?: str}
- tool result:  {"type": "tool_result", "id", "name", "status": "success" | "error" | "denied",
                 "result"?: any, "error"?: str, "agent"?: str, "parentId"?: str}
- tool progress (an MCP server's notifications/progress during a call):
                {"type": "tool_progress", "id", "name", "progress": number, "total"?: number,
                 "message"?: str, "agent"?: str, "parentId"?: str}
- input request (the status message of an input-required task):
                {"type": "input_required", "requests": [
                   {"id", "kind": "approval", "tool", "arguments", "agent"?, "parentId"?},
                   {"id", "kind": "question", "tool": "ask_user", "questions": [...]}]}
- the user's answer (a DataPart in the message sent on that task; several at once allowed):
                {"decisions": {"<id>": {"approved": bool, "reason"?: str}},
                 "answers": {"<id>": str | [str]}}
- token usage:  final message metadata {"usage": {"inputTokens", "outputTokens",
                 "totalTokens", "requests", "toolCalls", "model"}}

Wire names are camelCase, as A2A 1.0 requires of every JSON field name (§5.5), metadata
included. Bosun before A2A 1.0 wrote some keys in snake_case (`parent_id`, `input_tokens`,
`output_tokens`, `total_tokens`, `tool_calls`); readers accept those too (`read`), since a
0.3-era agent or stored history may still carry them. Values (`"tool_call"`, `"approval"`)
are not field names and keep their spelling.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from a2a.types import Message, Part
from google.protobuf import json_format, struct_pb2

TOOL_CALL = "tool_call"
TOOL_RESULT = "tool_result"
TOOL_PROGRESS = "tool_progress"
INPUT_REQUIRED = "input_required"
USAGE_KEY = "usage"
ANSWER_ARTIFACT = "answer"

PARENT_ID = "parentId"

ResultStatus = Literal["success", "error", "denied"]

LEGACY_NAMES = {
    "parentId": "parent_id",
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "totalTokens": "total_tokens",
    "toolCalls": "tool_calls",
    "taskId": "task_id",
    "contextId": "context_id",
}
"""camelCase wire name -> the snake_case name Bosun wrote before A2A 1.0 (still read)."""


def read(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """`data[name]`, else the pre-1.0 snake_case spelling of it, else `default`."""
    if name in data:
        return data[name]
    legacy = LEGACY_NAMES.get(name)
    if legacy is not None and legacy in data:
        return data[legacy]
    return default


def usage_of(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The token usage in a message's metadata, keys in wire form (camelCase) whichever
    spelling was sent."""
    usage = (metadata or {}).get(USAGE_KEY)
    if not isinstance(usage, Mapping):
        return {}
    out = {k: v for k, v in usage.items() if k not in LEGACY_NAMES.values()}
    for name in ("inputTokens", "outputTokens", "totalTokens", "toolCalls"):
        value = read(usage, name)
        if value is not None:
            out[name] = value
    return out


def jsonable(value: Any) -> Any:
    """A JSON-compatible copy of any tool argument or result (unknown objects become text)."""
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value, fallback=str)


def data_part(data: Mapping[str, Any]) -> Part:
    # Struct.update maps JSON values as json_format.ParseDict does, at a third of the cost.
    value = struct_pb2.Value()
    value.struct_value.update(jsonable(dict(data)))
    return Part(data=value)


def text_part(text: str) -> Part:
    return Part(text=text)


def tool_call(
    call_id: str,
    name: str,
    arguments: Any,
    *,
    status: Literal["running", "pending"] = "running",
    agent: str | None = None,
    parent_id: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": TOOL_CALL,
        "id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    }
    return _with_origin(data, agent, parent_id)


def tool_result(
    call_id: str,
    name: str,
    *,
    status: ResultStatus,
    result: Any = None,
    error: str | None = None,
    agent: str | None = None,
    parent_id: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": TOOL_RESULT, "id": call_id, "name": name, "status": status}
    if error is not None:
        data["error"] = error
    else:
        data["result"] = result
    return _with_origin(data, agent, parent_id)


def tool_progress(
    call_id: str, name: str, progress: float, total: float | None, message: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": TOOL_PROGRESS, "id": call_id, "name": name}
    data["progress"] = progress
    if total is not None:
        data["total"] = total
    if message:
        data["message"] = message
    return data


def _with_origin(data: dict[str, Any], agent: str | None, parent_id: str | None) -> dict[str, Any]:
    if agent is not None:
        data["agent"] = agent
    if parent_id is not None:
        data[PARENT_ID] = parent_id
    return data


@dataclass(frozen=True)
class InputRequest:
    """One call waiting for the user: an approval, or questions from ask_user.

    `agent`/`parent_id` (on the wire `parentId`) are set when the call belongs to a
    sub-agent: `parent_id` is the id of our own call to that sub-agent, `agent` its tool name.
    """

    id: str
    kind: Literal["approval", "question"]
    tool: str
    arguments: Any = None
    questions: list[dict[str, Any]] | None = None
    agent: str | None = None
    parent_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "tool": self.tool}
        if self.kind == "approval":
            data["arguments"] = self.arguments
        else:
            data["questions"] = self.questions or []
        return _with_origin(data, self.agent, self.parent_id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InputRequest:
        kind: Literal["approval", "question"] = (
            "question" if data.get("kind") == "question" else "approval"
        )
        return cls(
            id=str(data["id"]),
            kind=kind,
            tool=str(data.get("tool", "")),
            arguments=data.get("arguments"),
            questions=list(data.get("questions") or []) if kind == "question" else None,
            agent=data.get("agent"),
            parent_id=read(data, PARENT_ID),
        )


def input_required(requests: Iterable[InputRequest]) -> dict[str, Any]:
    return {"type": INPUT_REQUIRED, "requests": [r.to_json() for r in requests]}


def find_input_requests(message: Message | None) -> list[InputRequest]:
    """The requests in an input-required status message (what a caller reads)."""
    if message is None:
        return []
    found: list[InputRequest] = []
    for data in data_of(message.parts):
        if data.get("type") == INPUT_REQUIRED:
            found.extend(InputRequest.from_json(r) for r in data.get("requests") or [])
    return found


@dataclass(frozen=True)
class Decision:
    approved: bool
    reason: str | None = None


@dataclass
class UserResponse:
    """What a user's message on an input-required task says: decisions, answers and text."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    answers: dict[str, str | list[str]] = field(default_factory=dict)
    text: str = ""


def parse_user_response(message: Message | None) -> UserResponse:
    """Decisions and answers in the user's message DataParts (malformed ones are skipped)."""
    response = UserResponse()
    if message is None:
        return response
    response.text = "\n".join(p.text for p in message.parts if p.HasField("text")).strip()
    for data in data_of(message.parts):
        decisions = data.get("decisions")
        if isinstance(decisions, Mapping):
            for call_id, value in decisions.items():
                decision = _decision(value)
                if decision is not None:
                    response.decisions[str(call_id)] = decision
        answers = data.get("answers")
        if isinstance(answers, Mapping):
            for call_id, value in answers.items():
                if isinstance(value, str):
                    response.answers[str(call_id)] = value
                elif isinstance(value, list):
                    response.answers[str(call_id)] = [str(v) for v in value]
    return response


def _decision(value: Any) -> Decision | None:
    if isinstance(value, bool):  # {"id": true} is accepted as a shorthand
        return Decision(approved=value)
    if not isinstance(value, Mapping) or not isinstance(value.get("approved"), bool):
        return None
    reason = value.get("reason")
    return Decision(approved=value["approved"], reason=str(reason) if reason else None)


def decisions_part(
    decisions: Mapping[str, Decision], answers: Mapping[str, str | list[str]] | None = None
) -> Part:
    """The DataPart a client sends to answer (used when passing decisions down to a sub-agent)."""
    data: dict[str, Any] = {
        "decisions": {
            call_id: {"approved": d.approved, **({"reason": d.reason} if d.reason else {})}
            for call_id, d in decisions.items()
        }
    }
    if answers:
        data["answers"] = dict(answers)
    return data_part(data)


def data_of(parts: Sequence[Part]) -> list[dict[str, Any]]:
    """The dict payloads of the DataParts among `parts` (others are ignored)."""
    found = []
    for part in parts:
        if part.HasField("data"):
            value = json_format.MessageToDict(part.data)
            if isinstance(value, dict):
                found.append(value)
    return found


def text_of(parts: Sequence[Part]) -> str:
    return "".join(p.text for p in parts if p.HasField("text"))


def as_text(value: Any) -> str:
    """A tool result as the text a model (or a person) reads."""
    if isinstance(value, str):
        return value
    return json.dumps(jsonable(value), ensure_ascii=False)
