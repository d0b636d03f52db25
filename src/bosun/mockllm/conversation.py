"""A provider-neutral view of one LLM request, which the rules match against.

The server (bosun.mockllm.app) turns an OpenAI Chat Completions body or an Anthropic
Messages body into a Conversation; the rule engine (bosun.mockllm.engine) only ever
sees this view, so one script serves both wire protocols.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Api = Literal["openai", "anthropic"]


@dataclass
class ToolResult:
    name: str  # the tool's name, found from the assistant call it answers ("" if unknown)
    call_id: str
    text: str


@dataclass
class Message:
    role: Literal["user", "assistant", "tool"]  # "tool": a message carrying tool results
    text: str
    tool_results: list[ToolResult] = field(default_factory=list)

    def match_text(self) -> str:
        """What `last_message`/`contains`/`regex` look at: the results' text, then any text."""
        parts = [r.text for r in self.tool_results]
        if self.text:
            parts.append(self.text)
        return "\n".join(parts)


@dataclass
class Conversation:
    api: Api
    model: str
    system: str
    messages: list[Message]
    stream: bool
    input_chars: int  # size of what the model was sent, for the token estimate

    @property
    def turn(self) -> int:
        """The number of assistant messages so far (0 on the first request)."""
        return sum(1 for m in self.messages if m.role == "assistant")

    @property
    def last(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def last_text(self) -> str:
        return self.last.match_text() if self.last else ""

    @property
    def last_tool_results(self) -> list[ToolResult]:
        """The tool results in the last message (empty if it carries none)."""
        return list(self.last.tool_results) if self.last else []

    @property
    def last_user_message(self) -> str:
        for message in reversed(self.messages):
            if message.role != "assistant" and message.text:
                return message.text
        return ""

    @property
    def last_tool_result(self) -> str:
        for message in reversed(self.messages):
            if message.tool_results:
                return message.tool_results[-1].text
        return ""


class BadRequest(ValueError):
    """The request body is not a valid request of its API; the message says why."""


def _text_of(content: Any) -> str:
    """Text of an OpenAI or Anthropic content value: a string or a list of parts/blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                kind = part.get("type")
                if kind == "text":
                    parts.append(str(part.get("text", "")))
                elif kind in ("image", "image_url", "input_audio", "file", "document"):
                    parts.append(f"[{kind}]")
        return "\n".join(parts)
    return json.dumps(content)


def _messages_of(body: dict[str, Any]) -> list[Any]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise BadRequest("`messages` must be a list of objects")
    return messages


def from_openai(body: dict[str, Any], model_fallback: str = "") -> Conversation:
    """Read an OpenAI Chat Completions body (system/developer/user/assistant/tool messages)."""
    raw = _messages_of(body)
    system_parts: list[str] = []
    messages: list[Message] = []
    call_names: dict[str, str] = {}
    for item in raw:
        role = item.get("role")
        if role in ("system", "developer"):
            system_parts.append(_text_of(item.get("content")))
        elif role == "assistant":
            for call in item.get("tool_calls") or []:
                function = call.get("function") or {}
                call_names[str(call.get("id", ""))] = str(function.get("name", ""))
            messages.append(Message("assistant", _text_of(item.get("content"))))
        elif role == "tool":
            call_id = str(item.get("tool_call_id", ""))
            name = call_names.get(call_id) or str(item.get("name") or "")
            result = ToolResult(name, call_id, _text_of(item.get("content")))
            # Parallel calls come back as consecutive tool messages: one "last message" for rules.
            if messages and messages[-1].role == "tool":
                messages[-1].tool_results.append(result)
            else:
                messages.append(Message("tool", "", [result]))
        elif role in ("user", "function"):
            messages.append(Message("user", _text_of(item.get("content"))))
        else:
            raise BadRequest(f"unknown message role {role!r}")
    model = body.get("model") or model_fallback
    return Conversation(
        api="openai",
        model=str(model),
        system="\n".join(system_parts),
        messages=messages,
        stream=bool(body.get("stream")),
        input_chars=len(json.dumps(raw)) + len(json.dumps(body.get("tools") or [])),
    )


def from_anthropic(body: dict[str, Any]) -> Conversation:
    """Read an Anthropic Messages body (top-level `system`, content blocks, tool_result blocks)."""
    raw = _messages_of(body)
    messages: list[Message] = []
    call_names: dict[str, str] = {}
    for item in raw:
        role = item.get("role")
        content = item.get("content")
        blocks = content if isinstance(content, list) else []
        if role == "assistant":
            for block in blocks:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    call_names[str(block.get("id", ""))] = str(block.get("name", ""))
            messages.append(Message("assistant", _text_of(content)))
        elif role == "user":
            results = [
                ToolResult(
                    call_names.get(str(b.get("tool_use_id", "")), ""),
                    str(b.get("tool_use_id", "")),
                    _text_of(b.get("content")),
                )
                for b in blocks
                if isinstance(b, dict) and b.get("type") == "tool_result"
            ]
            messages.append(Message("tool" if results else "user", _text_of(content), results))
        else:
            raise BadRequest(f"unknown message role {role!r} (Anthropic allows user and assistant)")
    system = body.get("system")
    return Conversation(
        api="anthropic",
        model=str(body.get("model") or ""),
        system=_text_of(system),
        messages=messages,
        stream=bool(body.get("stream")),
        input_chars=len(json.dumps(raw))
        + len(json.dumps(system or ""))
        + len(json.dumps(body.get("tools") or [])),
    )
