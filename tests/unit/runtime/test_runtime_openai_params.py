"""The chat-completions short-cut sends exactly what the OpenAI SDK's transform would."""

from __future__ import annotations

from typing import Any

import pytest
from openai import NOT_GIVEN, omit
from openai._utils import async_maybe_transform as sdk_transform
from openai.types.chat import completion_create_params as params
from pydantic import BaseModel

from bosun.runtime.openai_params import is_plain, plain_transform

PARAMS_TYPES = (params.CompletionCreateParamsNonStreaming, params.CompletionCreateParamsStreaming)

TOOL_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "key": {"type": "string", "description": "what to look up"},
        "choices": {"default": None, "anyOf": [{"type": "array", "items": {"type": "string"}}]},
        "nested": {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}},
    },
    "required": ["key"],
}


def request(stream: bool) -> dict[str, Any]:
    """Every message role and content kind the engine sends, and the common options."""
    return {
        "model": "gpt-4o",
        "stream": stream,
        "messages": [
            {"role": "system", "content": "You are brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is in this picture?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
                    {"type": "input_audio", "input_audio": {"data": "UklG", "format": "wav"}},
                    {"type": "file", "file": {"file_data": "JVBERi0=", "filename": "a.pdf"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"key": "a"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "value of a is 1"},
            {"role": "assistant", "content": "Done.", "name": "agent"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "lookup",
                    "description": "Look a key up.",
                    "parameters": TOOL_SCHEMA,
                    "strict": True,
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "lookup"}},
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": TOOL_SCHEMA, "strict": True},
        },
        "stream_options": {"include_usage": True} if stream else omit,
        "temperature": 0.2,
        "max_completion_tokens": 100,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["END"],
        "logit_bias": {"50256": -100},
        "metadata": {"team": "a"},
        "parallel_tool_calls": True,
        "reasoning_effort": omit,
        "user": NOT_GIVEN,
    }


@pytest.mark.parametrize("stream", [False, True])
async def test_plain_requests_are_sent_as_the_sdk_would_send_them(stream: bool) -> None:
    expected_type = PARAMS_TYPES[stream]
    transform = plain_transform(sdk_transform, PARAMS_TYPES)
    ours = await transform(request(stream), expected_type)
    assert ours == await sdk_transform(request(stream), expected_type)
    assert "reasoning_effort" not in ours and "user" not in ours


async def test_anything_not_plain_goes_to_the_sdk() -> None:
    calls: list[Any] = []

    async def recording(data: object, expected_type: object) -> Any:
        calls.append(data)
        return data

    class Schema(BaseModel):
        a: int

    transform = plain_transform(recording, PARAMS_TYPES)
    plain = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert await transform(plain, PARAMS_TYPES[0]) == plain and calls == []
    for odd in (
        {"model": "m", "messages": ({"role": "user", "content": "hi"},)},  # a tuple
        {"model": "m", "messages": iter([{"role": "user", "content": "hi"}])},
        {"model": "m", "messages": [], "response_format": Schema},
        {"model": "m", "messages": [{"role": "user", "content": "hi", "x": NOT_GIVEN}]},
    ):
        await transform(odd, PARAMS_TYPES[0])
    # Other parameter types of the module (e.g. update's metadata) are the SDK's too.
    await transform({"metadata": {"a": "b"}}, dict)
    assert len(calls) == 5


def test_is_plain() -> None:
    assert is_plain({"a": [1, 2.5, "x", None, True, {"b": []}]})
    assert not is_plain({1: "int key"})
    assert not is_plain({"a": (1, 2)})
    assert not is_plain({"a": b"bytes"})
