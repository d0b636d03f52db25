"""OpenAI Chat Completions encoding of a Reply: a response body, SSE chunks, error bodies.

Called by the server (bosun.mockllm.app) for /v1/chat/completions and its Azure paths.
The shapes follow what the `openai` SDK parses: `chat.completion` objects, then
`chat.completion.chunk` events ending with `data: [DONE]`, tool calls streamed as deltas
(id and name first, then argument fragments), and a final usage chunk with empty
`choices` when `stream_options.include_usage` is set.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from bosun.mockllm.engine import Reply

_WORDS = re.compile(r"\S+\s*|\s+")

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def _usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _finish_reason(reply: Reply) -> str:
    return "tool_calls" if reply.tool_calls else "stop"


def completion(reply: Reply, model: str) -> dict[str, Any]:
    """A non-streaming `chat.completion` body."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in reply.tool_calls
        ]
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": _finish_reason(reply),
            }
        ],
        "usage": _usage(reply),
        "system_fingerprint": "fp_mockllm",
    }


def split_text(text: str) -> list[str]:
    """Stream text word by word (each piece keeps its trailing whitespace)."""
    return _WORDS.findall(text)


def split_json(text: str, size: int = 12) -> list[str]:
    """Argument JSON in small fragments, so clients must join the deltas."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


async def stream(
    reply: Reply, model: str, include_usage: bool, chunk_delay: float
) -> AsyncIterator[bytes]:
    """The SSE body of a streamed completion."""
    chunk_id = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        body: dict[str, Any] = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_mockllm",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            body["usage"] = None
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    async def pause() -> None:
        if chunk_delay:
            await asyncio.sleep(chunk_delay)

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in split_text(reply.text or ""):
        await pause()
        yield chunk({"content": piece})
    for index, call in enumerate(reply.tool_calls):
        await pause()
        head = {"index": index, "id": call.id, "type": "function"}
        yield chunk({"tool_calls": [{**head, "function": {"name": call.name, "arguments": ""}}]})
        for fragment in split_json(call.arguments):
            await pause()
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
    yield chunk({}, _finish_reason(reply))
    if include_usage:
        usage_chunk = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_mockllm",
            "choices": [],
            "usage": _usage(reply),
        }
        yield b"data: " + json.dumps(usage_chunk).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
