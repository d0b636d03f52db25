"""/mcp holds no more than the limits allow: an agent's answer past
BOSUN_MAX_AGENT_ANSWER_BYTES stops the call (a tool error, the task cancelled) instead of
being collected whole, and tool calls in flight count against
BOSUN_MAX_STREAMS_PER_CLIENT like streams through the A2A proxy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from server_agents import SCRIPT, register, run_agent
from server_harness import Plane, control_plane

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # the agent runtime in-process

ALICE = {"X-Bosun-User": "alice"}


@pytest.fixture
async def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    monkeypatch.setenv("BOSUN_MAX_STREAMS_PER_CLIENT", "1")
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with control_plane(db, tmp_path, max_agent_answer_bytes=2048) as cp:
            monkeypatch.setenv("BOSUN_URL", cp.url)
            async with run_agent(tmp_path, llm) as agent_url:
                await register(cp, "helper", agent_url)
                yield cp
    await db.close()


async def _invoke(
    plane: Plane, task: str, working: asyncio.Event | None = None
) -> tuple[bool, str]:
    """The MCP tool call; `working` is set at its first progress notification."""

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        if working is not None:
            working.set()

    http = httpx2.AsyncClient(headers=ALICE, timeout=30)
    async with Client(streamable_http_client(f"{plane.url}/mcp", http_client=http)) as mcp:
        arguments = {"agent": "default/helper", "task": task}
        result = await mcp.call_tool("invoke_agent", arguments, progress_callback=progress)
    return result.is_error, result.content[0].text  # type: ignore[union-attr]


async def test_an_answer_past_the_limit_is_a_tool_error(plane: Plane) -> None:
    failed, text = await _invoke(plane, "echo " + "x" * 2500)  # the agent repeats it
    assert failed, text
    assert "passed 2048 bytes (BOSUN_MAX_AGENT_ANSWER_BYTES)" in text, text
    assert "task_id=" in text
    failed, text = await _invoke(plane, "a short one")  # the next call is not affected
    assert not failed and "You said: a short one" in text, text


async def test_tool_calls_in_flight_count_as_streams(plane: Plane) -> None:
    working = asyncio.Event()
    slow = asyncio.create_task(_invoke(plane, "slow please", working))
    async with asyncio.timeout(20):
        await working.wait()  # its tool call is in flight: the agent answers slowly
    call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "invoke_agent", "arguments": {"agent": "default/helper",
                                                             "task": "hi"}}}  # fmt: skip
    headers = {**ALICE, "Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(base_url=plane.url, timeout=30) as http:
        refused = await http.post("/mcp", json=call, headers=headers)
        assert refused.status_code == 429, refused.text
        assert "BOSUN_MAX_STREAMS_PER_CLIENT" in refused.json()["message"]
        listing = {"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": {}}
        not_counted = await http.post("/mcp", json=listing, headers=headers)
        assert not_counted.status_code != 429, not_counted.text
    failed, text = await slow
    assert not failed and "one two three" in text, text
    failed, _ = await _invoke(plane, "again")  # released when it ended
    assert not failed
