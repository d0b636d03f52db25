"""Minimal HTTP/1.1 pieces for the benchmarks: an instant A2A agent stub and a light client.

Why not the a2a-sdk agent and httpx: on a 2-core machine the load generator and the agent
share the cores with the control plane being measured. The a2a-sdk echo agent saturates
near 150-200 SendMessage/s and httpx costs the load generator ~1 ms of CPU per request,
so neither could show a proxy doing 500 req/s. The stub answers from a canned template
(a few microseconds per request), the client reads answers with one buffered parse; both
run on uvloop when it is installed. Used by bench/controlplane.py only.

The stub speaks enough A2A for the proxy's recording to see what an agent would send:
`SendMessage` / `message/send` answer a completed Task with the request's contextId (v1.0
or v0.3 shape by method name); `SendStreamingMessage` / `message/stream` answer SSE (the
task, a working status, then after `hold` seconds the completed status), chunked; GET
`/.well-known/agent-card.json` answers a card.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any


def new_loop_policy() -> None:
    """uvloop when installed: both the stub and the client then cost less of the machine."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# --- the stub agent -------------------------------------------------------------------

_STREAM = ("SendStreamingMessage", "message/stream")


def _head(status: int, content_type: str, length: int | None) -> bytes:
    chunked = "transfer-encoding: chunked\r\n"
    size = f"content-length: {length}\r\n" if length is not None else chunked
    return (f"HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\n{size}\r\n").encode()


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    method = body.get("method")
    params = body.get("params") or {}
    message = params.get("message") or {}
    context = message.get("contextId") or str(uuid.uuid4())
    task_id = message.get("taskId") or str(uuid.uuid4())
    reply = {"messageId": str(uuid.uuid4()), "parts": [{"text": "echo"}]}
    if method == "message/send":
        task = {
            "kind": "task",
            "id": task_id,
            "contextId": context,
            "status": {"state": "completed", "message": {**reply, "role": "agent"}},
        }
        return {"jsonrpc": "2.0", "id": body.get("id"), "result": task}
    status = {"state": "TASK_STATE_COMPLETED", "message": {**reply, "role": "ROLE_AGENT"}}
    task = {"id": task_id, "contextId": context, "status": status}
    return {"jsonrpc": "2.0", "id": body.get("id"), "result": {"task": task}}


def _events(body: dict[str, Any]) -> tuple[list[bytes], bytes]:
    """(events before the hold, the final event) of a streamed turn, as SSE frames."""
    params = body.get("params") or {}
    message = params.get("message") or {}
    context = message.get("contextId") or str(uuid.uuid4())
    task_id = str(uuid.uuid4())
    rid = body.get("id")

    def frame(result: dict[str, Any]) -> bytes:
        data = json.dumps({"jsonrpc": "2.0", "id": rid, "result": result})
        return f"data: {data}\n\n".encode()

    def update(state: str) -> bytes:
        status = {"state": state}
        return frame({"statusUpdate": {"taskId": task_id, "contextId": context, "status": status}})

    task = {"id": task_id, "contextId": context, "status": {"state": "TASK_STATE_SUBMITTED"}}
    return [frame({"task": task}), update("TASK_STATE_WORKING")], update("TASK_STATE_COMPLETED")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class _StubProtocol(asyncio.Protocol):
    def __init__(self, hold: float, card: bytes) -> None:
        self.hold = hold
        self.card = card
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # uvloop's transports are not asyncio.Transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self._respond(head[0].split(" ")[0], head[0].split(" ")[1], body)

    def _respond(self, method: str, path: str, raw: bytes) -> None:
        assert self.transport is not None
        if method == "GET":
            self.transport.write(_head(200, "application/json", len(self.card)) + self.card)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        if body.get("method") in _STREAM:
            asyncio.get_running_loop().create_task(self._stream(body))
            return
        out = json.dumps(_answer(body)).encode()
        self.transport.write(_head(200, "application/json", len(out)) + out)

    async def _stream(self, body: dict[str, Any]) -> None:
        assert self.transport is not None
        first, last = _events(body)
        self.transport.write(_head(200, "text/event-stream", None) + b"".join(map(_chunk, first)))
        await asyncio.sleep(self.hold)
        if not self.transport.is_closing():
            self.transport.write(_chunk(last) + b"0\r\n\r\n")


def run_stub(port: int, hold: float) -> None:
    new_loop_policy()
    url = f"http://127.0.0.1:{port}/"
    card = {
        "name": "echo",
        "description": "instant stub",
        "version": "1",
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text"],
        "defaultOutputModes": ["text"],
        "skills": [],
    }
    raw = json.dumps(card).encode()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _StubProtocol(hold, raw), "127.0.0.1", port, backlog=4096
        )
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- the client -----------------------------------------------------------------------


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked = None, False
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(data[:-2])
            return status, b"".join(parts)
        return status, await self.reader.readexactly(length or 0)


class Client:
    """Keep-alive connections to one host, at most `size` at once (opened as needed)."""

    def __init__(self, url: str, size: int = 64) -> None:
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        self.host, _, port = hostport.partition(":")
        self.port = int(port or 80)
        self.path = "/" + path
        self.idle: list[_Connection] = []
        self.gate = asyncio.Semaphore(size)

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        head = (
            f"POST {self.path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        ).encode()
        async with self.gate:
            conn = self.idle.pop() if self.idle else None
            if conn is None:
                reader, writer = await asyncio.open_connection(self.host, self.port)
                conn = _Connection(reader, writer)
            try:
                answer = await conn.request(head, body)
            except BaseException:
                conn.writer.close()
                raise
            self.idle.append(conn)
            return answer

    async def close(self) -> None:
        for conn in self.idle:
            conn.writer.close()
        self.idle.clear()
