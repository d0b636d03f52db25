"""Request limits of the control plane (server/limits.py): each refusal is a JSON error
that names the limit and its setting, before the proxy or /mcp holds the data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_agents import A2A_HEADERS, SCRIPT, register, run_agent, send_body, sse_events
from server_harness import Plane, control_plane

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # the agent runtime in-process

ALICE = {"X-Bosun-User": "alice", **A2A_HEADERS}
PROXY = "/api/a2a/default/helper"


@pytest.fixture
async def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    for name, value in {"BOSUN_MAX_BODY_BYTES": "65536", "BOSUN_MAX_HEADER_BYTES": "8192",
                        "BOSUN_MAX_PARTS": "50", "BOSUN_MAX_BATCH": "4",
                        "BOSUN_MAX_STREAMS_PER_CLIENT": "2"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with control_plane(db, tmp_path) as cp:
            monkeypatch.setenv("BOSUN_URL", cp.url)
            async with run_agent(tmp_path, llm) as agent_url:
                await register(cp, "helper", agent_url)
                yield cp
    await db.close()


def refused(response: httpx.Response, status: int, setting: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert setting in body["message"], body
    return str(body["message"])


async def test_body_header_parts_and_batch_limits(plane: Plane) -> None:
    http = plane.http
    big = send_body("x" * 70_000)
    message = refused(await http.post(PROXY, json=big, headers=ALICE), 413, "BOSUN_MAX_BODY_BYTES")
    assert "64 KiB" in message

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        yield b"x" * 40_000
        yield b"x" * 40_000  # (sent whole: a client still writing would see a reset)

    chunked = await http.post("/api/resources", content=chunks(), headers=ALICE)
    refused(chunked, 413, "BOSUN_MAX_BODY_BYTES")
    streamed_to_proxy = await http.post(PROXY, content=chunks(), headers=ALICE)
    refused(streamed_to_proxy, 413, "BOSUN_MAX_BODY_BYTES")

    headers = {**ALICE, "X-Padding": "p" * 9000}
    refused(await http.get("/api/agents", headers=headers), 431, "BOSUN_MAX_HEADER_BYTES")

    many = send_body("hi")
    many["params"]["message"]["parts"] = [{"text": str(i)} for i in range(60)]
    message = refused(await http.post(PROXY, json=many, headers=ALICE), 413, "BOSUN_MAX_PARTS")
    assert "60 message parts" in message

    batch = [{"jsonrpc": "2.0", "id": i, "method": "tools/list"} for i in range(5)]
    message = refused(await http.post("/mcp", json=batch, headers=ALICE), 413, "BOSUN_MAX_BATCH")
    assert "5 messages" in message

    ok = await http.post(PROXY, json=send_body("hello"), headers=ALICE)  # within the limits
    assert ok.status_code == 200 and ok.json()["result"]["task"]["status"]["state"] == (
        "TASK_STATE_COMPLETED"
    )


async def test_streams_per_client(plane: Plane) -> None:
    async def stream(user: str) -> tuple[int, Any]:
        body = send_body(f"slow {uuid.uuid4()}", stream=True)
        headers = {**ALICE, "X-Bosun-User": user}
        async with plane.http.stream("POST", PROXY, json=body, headers=headers) as response:
            if response.status_code != 200:
                await response.aread()
                return response.status_code, response.json()
            events = [e async for e in sse_events(response)]
            return 200, events[-1]["result"]["statusUpdate"]["status"]["state"]

    first = [asyncio.create_task(stream("alice")) for _ in range(2)]
    await asyncio.sleep(0.3)  # both open: the agent answers slowly
    status, body = await stream("alice")
    assert status == 429 and "BOSUN_MAX_STREAMS_PER_CLIENT" in body["message"], body
    assert (await stream("bob"))[0] == 200  # another caller is not affected
    assert [await t for t in first] == [(200, "TASK_STATE_COMPLETED")] * 2
    assert await stream("alice") == (200, "TASK_STATE_COMPLETED")  # released when done
