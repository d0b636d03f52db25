"""MCP progress notifications reach whoever waits, on every endpoint Bosun serves.

(MCP conformance scenario `tools-call-with-progress`, with real mcp SDK clients.)
- an MCP tool's `notifications/progress` reach the A2A caller as `tool_progress` DataParts,
  through the control plane's proxy;
- `/mcp invoke_agent` sends progress while the agent works: tool started, its own
  progress, tool finished, approval waiting;
- `bosun tools serve` sends heartbeat progress during a long tool (helm upgrade --wait);
- `bosun mcp-bridge` passes its stdio child's progress through.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.mcpserver import Context
from server_agents import A2A_HEADERS, register, run_agent, send_body, sse_events
from server_harness import Plane, control_plane, free_port, serving

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # the agent runtime, and one bridge process

ALICE = {"X-Bosun-User": "alice", **A2A_HEADERS}

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "long job", "turn": 0},
     "tool_calls": [{"name": "long_job", "arguments": {"steps": 3}}]},
    {"match": {"contains": "delete", "turn": 0},
     "tool_calls": [{"name": "delete_pod", "arguments": {"pod": "web-1"}}]},
    {"match": {"tool_result": "long_job"}, "text": "Finished: {{last_tool_result}}"},
    {"default": True, "text": "ok"},
]  # fmt: skip


def progress_tools() -> Any:
    """An MCP server whose tool reports progress as it goes (the conformance tool)."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("progress-tools")

    @server.tool()
    async def long_job(steps: int, ctx: Context) -> str:
        """Work in steps, reporting each."""
        for step in range(1, steps + 1):
            await ctx.report_progress(step, steps, f"step {step} of {steps}")
            await asyncio.sleep(0.02)
        return f"{steps} steps done"

    @server.tool()
    def delete_pod(pod: str) -> str:
        """Delete a pod."""
        return f"pod {pod} deleted"

    return server.streamable_http_app()


@pytest.fixture
async def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with serving(progress_tools()) as tools_url, control_plane(db, tmp_path) as cp:
            monkeypatch.setenv("BOSUN_URL", cp.url)
            servers = [{"name": "default/jobs", "url": f"{tools_url}/mcp", "timeout": 5.0,
                        "require_approval": ["delete_pod"]}]  # fmt: skip
            async with run_agent(tmp_path, llm, mcp_servers=servers) as agent_url:
                await register(cp, "helper", agent_url)
                yield cp
    await db.close()


def mcp_client(url: str, **headers: str) -> Client:
    http = httpx2.AsyncClient(headers=headers, timeout=60)
    return Client(streamable_http_client(url, http_client=http))


async def test_tool_progress_reaches_the_a2a_caller_and_the_mcp_caller(plane: Plane) -> None:
    body = send_body("run the long job", stream=True)
    progress: list[dict[str, Any]] = []
    async with plane.http.stream(
        "POST", "/api/a2a/default/helper", json=body, headers=ALICE
    ) as response:
        async for event in sse_events(response):
            message = event["result"].get("statusUpdate", {}).get("status", {}).get("message")
            for part in (message or {}).get("parts", []):
                if part.get("data", {}).get("type") == "tool_progress":
                    progress.append(part["data"])
    assert [(p["name"], p["progress"], p["total"], p["message"]) for p in progress] == [
        ("long_job", 1, 3, "step 1 of 3"),
        ("long_job", 2, 3, "step 2 of 3"),
        ("long_job", 3, 3, "step 3 of 3"),
    ]
    assert all(p["id"] for p in progress)

    lines: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        lines.append(message)

    async with mcp_client(f"{plane.url}/mcp", **{"X-Bosun-User": "alice"}) as client:
        result = await client.call_tool(
            "invoke_agent", {"agent": "default/helper", "task": "run the long job"},
            progress_callback=on_progress,
        )  # fmt: skip
        assert not result.is_error, result
        assert "long_job: step 2 of 3" in lines, lines
        assert lines.index("calling long_job") < lines.index("long_job: step 1 of 3")
        assert lines.index("long_job: step 3 of 3") < lines.index("long_job finished")
        assert lines[-1] == "completed"

        lines.clear()
        paused = await client.call_tool(
            "invoke_agent", {"agent": "default/helper", "task": "delete the pod"},
            progress_callback=on_progress,
        )  # fmt: skip
        assert json.loads(paused.content[0].text)["status"] == "input_required"
        assert lines[-1] == "waiting for approval: delete_pod", lines


# --- the built-in tool server and the bridge ------------------------------------------


@pytest.fixture
def slow_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A kubeconfig (never contacted) and a `helm` that takes a second: helm_upgrade
    --wait is a long tool without a cluster."""
    helm = tmp_path / "helm"
    helm.write_text('#!/bin/sh\nsleep 1\necho "Release \\"web\\" has been upgraded."\n')
    helm.chmod(0o755)
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {}}]\n"
    )
    env = {
        "BOSUN_HELM": str(helm),
        "KUBECONFIG": str(kubeconfig),
        "BOSUN_TOOLS_PROGRESS_INTERVAL": "0.2",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


async def call_upgrade(url: str) -> tuple[Any, list[str | None]]:
    lines: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        lines.append(message)

    async with mcp_client(url) as client:
        result = await client.call_tool(
            "helm_upgrade", {"name": "web", "chart": "repo/web", "wait": True},
            progress_callback=on_progress,
        )  # fmt: skip
    return result, lines


async def test_tools_serve_reports_progress_during_a_long_tool(slow_helm: dict[str, str]) -> None:
    from bosun.tools.server import build_server

    tools = build_server()
    app = tools.server.streamable_http_app(streamable_http_path="/mcp")
    async with serving(app) as url:
        result, lines = await call_upgrade(f"{url}/mcp")
    assert not result.is_error, result
    assert "has been upgraded" in result.content[0].text
    assert len(lines) >= 3, lines  # ~1 s at 0.2 s
    assert lines[0] == "helm_upgrade: still running, 0 s"


async def test_mcp_bridge_passes_the_childs_progress_through(slow_helm: dict[str, str]) -> None:
    port = free_port()
    bosun = str(Path(sys.executable).with_name("bosun"))
    bridge = subprocess.Popen(  # noqa: ASYNC220 (starts at once; nothing blocks)
        [bosun, "mcp-bridge", "--host", "127.0.0.1", "--port", str(port), "--",
         bosun, "tools", "serve", "--stdio"],
        env={**os.environ, **slow_helm}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        async with httpx.AsyncClient() as http:
            while True:
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert bridge.poll() is None, bridge.stderr and bridge.stderr.read()
                assert time.monotonic() < deadline, "the bridge did not become ready"
                await asyncio.sleep(0.1)
        result, lines = await call_upgrade(f"http://127.0.0.1:{port}/mcp")
    finally:
        bridge.terminate()
        bridge.wait(10)
    assert not result.is_error, result
    assert len(lines) >= 3 and all("helm_upgrade: still running" in str(x) for x in lines)
