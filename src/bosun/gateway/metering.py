"""Token counts from the provider's own usage fields, streaming included, and their writer.

- OpenAI Chat Completions: `usage.prompt_tokens` / `usage.completion_tokens` in the body,
  or in the last chunk of a stream (the gateway asks for it with
  `stream_options.include_usage`).
- Anthropic Messages: `usage.input_tokens` / `usage.output_tokens` in the body; in a
  stream `message_start` carries the input (and first output) count and each
  `message_delta` the output so far (cumulative, so the last one wins).

`MeterWriter` batches metered requests off the request path (one transaction every
~50 ms), like the A2A proxy's record writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from bosun.gateway.ports import Meter, MeteredRequest

log = logging.getLogger(__name__)


@dataclass
class Tokens:
    input: int = 0
    output: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output


def _int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def from_body(api: str, body: Any) -> Tokens:
    """Usage of a complete (non-streamed) answer."""
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return Tokens()
    if api == "openai":
        return Tokens(_int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")))
    cached = _int(usage.get("cache_read_input_tokens")) + _int(
        usage.get("cache_creation_input_tokens")
    )
    return Tokens(_int(usage.get("input_tokens")) + cached, _int(usage.get("output_tokens")))


class StreamMeter:
    """Reads SSE bytes as they pass and keeps the usage they report."""

    def __init__(self, api: str) -> None:
        self.api = api
        self.tokens = Tokens()
        self._buffer = b""

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        while True:
            end = self._buffer.find(b"\n\n")
            if end < 0:
                if len(self._buffer) > 1_000_000:  # one event that large: not ours to read
                    self._buffer = b""
                return
            event, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
            self._event(event.replace(b"\r\n", b"\n"))

    def _event(self, event: bytes) -> None:
        data = b"".join(
            line[5:].lstrip() for line in event.split(b"\n") if line.startswith(b"data:")
        )
        if not data or data == b"[DONE]" or b"usage" not in data:
            return
        try:
            payload = json.loads(data)
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        if self.api == "openai":
            if isinstance(payload.get("usage"), dict):
                self.tokens = from_body("openai", payload)
            return
        kind = payload.get("type")
        if kind == "message_start":
            message = payload.get("message")
            start = from_body("anthropic", message)
            self.tokens = Tokens(start.input, max(self.tokens.output, start.output))
        elif kind == "message_delta" and isinstance(payload.get("usage"), dict):
            usage = payload["usage"]
            self.tokens.output = _int(usage.get("output_tokens")) or self.tokens.output
            if usage.get("input_tokens"):  # newer API versions repeat it here
                self.tokens.input = max(self.tokens.input, _int(usage.get("input_tokens")))


class MeterWriter:
    """Write-behind for metered requests: `add` never waits for the database."""

    def __init__(self, meter: Meter, *, interval: float = 0.05, limit: int = 100_000) -> None:
        self._meter = meter
        self._interval = interval
        self._limit = limit
        self._pending: list[MeteredRequest] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway meter writer")

    def add(self, row: MeteredRequest) -> None:
        if len(self._pending) >= self._limit:
            log.warning("gateway metering is behind: dropping a row for %s", row.agent)
            return
        self._pending.append(row)
        self._wake.set()

    async def flush(self) -> None:
        rows, self._pending = self._pending, []
        if rows:
            try:
                await self._meter.record(rows)
            except Exception:
                log.exception("could not record %d metered gateway requests", len(rows))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(self._interval)
            await self.flush()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
