"""/mcp invoke_agent on an agent that hangs (connection open, silent) mid-turn.

A real control plane (BOSUN_PROXY_TIMEOUT 1 s here, 600 s by default) in front of the stub
agent of test_reliability_hung_subagent.py, which sends its task once and then nothing.
The official mcp client gets a tool error saying the agent stopped mid-turn with no answer
in time, naming the task; the task is recorded failed, as through the A2A proxy
(a2a_broken.py), and the agent is asked to cancel it (docs/reliability.md, Processes).
The SIGKILL case with real processes: tests/e2e/test_e2e_kill_unattended.py.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from runtime_helpers import serve_app
from server_agents import register
from server_harness import control_plane
from test_reliability_hung_subagent import SilentAgent

from bosun.server.db import Database

pytestmark = pytest.mark.slow  # a control plane and a stub agent in-process

ALICE = {"X-Bosun-User": "alice"}


async def test_a_hung_agent_under_mcp_is_a_tool_error_and_a_failed_task(tmp_path: Path) -> None:
    silent = SilentAgent()
    stub = await serve_app(silent.app())
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        async with control_plane(database, tmp_path, proxy_timeout=1.0) as plane:
            await register(plane, "helper", stub.url)
            http = httpx2.AsyncClient(headers=ALICE, timeout=30)
            started = time.monotonic()
            async with Client(streamable_http_client(f"{plane.url}/mcp", http_client=http)) as c:
                async with asyncio.timeout(20):
                    result = await c.call_tool(
                        "invoke_agent", {"agent": "default/helper", "task": "do the thing"}
                    )
            took = time.monotonic() - started
            assert result.is_error, result
            text = result.content[0].text  # type: ignore[union-attr]
            assert "The agent stopped mid-turn (no answer in time)" in text, text
            assert "agent default/helper" in text and "task_id='sub-task-1'" in text, text
            assert took < 10, took

            await plane.settle()
            record = (await plane.http.get("/api/tasks/sub-task-1", headers=ALICE)).json()
            assert record["state"] == "TASK_STATE_FAILED", record
            message = record["task"]["status"]["message"]["parts"][0]["text"]
            assert "stopped mid-turn (no answer in time)" in message
            assert silent.methods == ["SendStreamingMessage", "CancelTask"]
    finally:
        silent.release.set()
        await stub.stop()
        await database.close()
