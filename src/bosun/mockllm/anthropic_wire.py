"""Anthropic Messages encoding of a Reply: a response body, the SSE event sequence, errors.

Called by the server (bosun.mockllm.app) for POST /v1/messages. The stream is the real
event sequence the `anthropic` SDK expects: message_start, then per content block
content_block_start / content_block_delta (text_delta or input_json_delta) /
content_block_stop, then message_delta (stop_reason, output usage) and message_stop.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from bosun.mockllm.engine import Reply
from bosun.mockllm.openai_wire import split_json, split_text

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def error_body(status: int, message: str) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": "req_" + uuid.uuid4().hex[:24],
    }


def _stop_reason(reply: Reply) -> str:
    return "tool_use" if reply.tool_calls else "end_turn"


def _blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text or not reply.tool_calls:
        blocks.append({"type": "text", "text": reply.text or ""})
    for call in reply.tool_calls:
        try:
            arguments = json.loads(call.arguments or "{}")
        except json.JSONDecodeError:
            arguments = {}  # a rule that sends broken JSON on purpose: OpenAI-only test case
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return blocks


def _message(reply: Reply, model: str, content: list[dict[str, Any]], done: bool) -> dict[str, Any]:
    return {
        "id": "msg_" + uuid.uuid4().hex[:24],
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(reply) if done else None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": reply.input_tokens,
            "output_tokens": reply.output_tokens if done else 1,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def message(reply: Reply, model: str) -> dict[str, Any]:
    """A non-streaming Messages response body."""
    return _message(reply, model, _blocks(reply), done=True)


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


async def stream(reply: Reply, model: str, chunk_delay: float) -> AsyncIterator[bytes]:
    """The SSE body of a streamed message."""

    async def pause() -> None:
        if chunk_delay:
            await asyncio.sleep(chunk_delay)

    yield _event("message_start", {"message": _message(reply, model, [], done=False)})
    yield _event("ping", {})
    for index, block in enumerate(_blocks(reply)):
        await pause()
        if block["type"] == "text":
            yield _event(
                "content_block_start",
                {"index": index, "content_block": {"type": "text", "text": ""}},
            )
            for piece in split_text(block["text"]):
                await pause()
                delta = {"type": "text_delta", "text": piece}
                yield _event("content_block_delta", {"index": index, "delta": delta})
        else:
            start = {**block, "input": {}}  # the input follows as input_json_delta fragments
            yield _event("content_block_start", {"index": index, "content_block": start})
            for fragment in split_json(json.dumps(block["input"])):
                await pause()
                delta = {"type": "input_json_delta", "partial_json": fragment}
                yield _event("content_block_delta", {"index": index, "delta": delta})
        yield _event("content_block_stop", {"index": index})
    yield _event(
        "message_delta",
        {
            "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
            "usage": {"output_tokens": reply.output_tokens},
        },
    )
    yield _event("message_stop", {})
