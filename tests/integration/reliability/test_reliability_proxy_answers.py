"""Non-streamed answers the A2A proxy cannot pass on (docs/reliability.md, Processes).

A fake agent (raw asyncio HTTP, so it can misbehave) behind a control plane on SQLite:
an answer past BOSUN_MAX_AGENT_ANSWER_BYTES is 502 naming the setting; an answer cut off
mid-body (the agent died mid-turn) is a JSON-RPC error saying so, and the running task of
that contextId is recorded failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from server_agents import register, send_body
from server_harness import control_plane

from bosun.server.db import Database


async def _agent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    if b"big answer" in body:
        answer = json.dumps({"jsonrpc": "2.0", "id": 1, "result": {"x": "y" * 10_000}}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
        writer.write(b"content-length: %d\r\n\r\n" % len(answer) + answer)
    else:  # dies mid-answer: half a body, then the connection closes
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
        writer.write(b'content-length: 500\r\n\r\n{"jsonrpc": "2.0", "res')
    await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def fake_agent() -> AsyncIterator[str]:
    server = await asyncio.start_server(_agent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_oversized_and_cut_off_answers(tmp_path: Path) -> None:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'bosun.db'}")
    try:
        async with (
            fake_agent() as url,
            control_plane(database, tmp_path, max_agent_answer_bytes=4096) as plane,
        ):
            await register(plane, "odd", url)
            proxy = "/api/a2a/default/odd"

            big = await plane.http.post(proxy, json=send_body("big answer"))
            assert big.status_code == 502, big.text
            error = big.json()["error"]
            assert "BOSUN_MAX_AGENT_ANSWER_BYTES" in error["message"], error
            assert "larger than 4 KiB" in error["message"], error

            # A turn the agent recorded as running, then the agent dies mid-answer.
            context, task = str(uuid.uuid4()), str(uuid.uuid4())
            running = {"id": task, "contextId": context, "status": {"state": "TASK_STATE_WORKING"}}
            envelope = {"id": task, "context_id": context, "agent_ref": "default/odd",
                        "state": "TASK_STATE_WORKING", "task": running}  # fmt: skip
            assert (await plane.http.post("/api/tasks", json=envelope)).status_code in (200, 201)
            cut = await plane.http.post(proxy, json=send_body("hello", context=context))
            assert cut.status_code == 200, cut.text  # a JSON-RPC error, as the proxy's are
            error = cut.json()["error"]
            assert error["code"] == -32052
            assert "stopped mid-turn (connection closed)" in error["message"], error
            await plane.settle()
            stored = (await plane.http.get(f"/api/tasks/{task}")).json()
            assert stored["state"] == "TASK_STATE_FAILED", stored
            assert "stopped mid-turn" in stored["task"]["status"]["message"]["parts"][0]["text"]
    finally:
        await database.close()
