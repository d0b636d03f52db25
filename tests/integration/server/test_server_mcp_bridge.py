"""/mcp: agents as MCP tools, through the official mcp SDK client.

A real agent (runtime in-process, fake LLM) with an MCP tool that needs approval:
list_agents, invoke_agent with progress notifications, the approval round trip, and the
errors a caller gets for agents that cannot answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from server_agents import SCRIPT, register, run_agent, tools_app
from server_harness import Plane, control_plane, serving

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts the agent runtime


def mcp_client(plane: Plane, user: str = "alice", **headers: str) -> Client:
    http = httpx2.AsyncClient(headers={"X-Bosun-User": user, **headers}, timeout=60)
    return Client(streamable_http_client(f"{plane.url}/mcp", http_client=http))


def structured(result: Any) -> dict[str, Any]:
    if result.structured_content is not None:
        return dict(result.structured_content)
    return dict(json.loads(result.content[0].text))


@pytest.fixture
async def plane_with_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with serving(tools_app()) as tools_url, control_plane(db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)
            servers = [{"name": "default/pods", "url": f"{tools_url}/mcp", "timeout": 5.0,
                        "require_approval": ["delete_pod"]}]  # fmt: skip
            async with run_agent(tmp_path, llm, mcp_servers=servers) as agent_url:
                await register(plane, "helper", agent_url)
                await plane.store.apply(
                    {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent",
                     "metadata": {"name": "sleepy", "namespace": "default"},
                     "spec": {"type": "Declarative", "declarative": {"systemMessage": "x"}}}
                )  # fmt: skip
                yield plane
    await db.close()


async def test_list_agents(plane_with_agent: Plane) -> None:
    async with mcp_client(plane_with_agent) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert sorted(names) == ["invoke_agent", "list_agents"]
        result = await client.call_tool("list_agents", {})
    assert not result.is_error
    agents = structured(result)["result"]
    by_name = {a["agent"]: a for a in agents}
    assert by_name["default/helper"]["ready"] is True
    assert by_name["default/sleepy"]["ready"] is False
    assert "not reconciled" in by_name["default/sleepy"]["why_not_ready"]


async def test_invoke_returns_the_answer_with_progress(plane_with_agent: Plane) -> None:
    progress: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    async with mcp_client(plane_with_agent) as client:
        result = await client.call_tool(
            "invoke_agent", {"agent": "default/helper", "task": "hello"},
            progress_callback=on_progress,
        )  # fmt: skip
    assert not result.is_error, result
    answer = structured(result)
    assert answer["status"] == "completed"
    assert answer["answer"] == "Hello from the agent. You said: hello"
    assert progress and progress[-1] == "completed"
    await plane_with_agent.settle()
    sessions = (await plane_with_agent.http.get(
        "/api/sessions", headers={"X-Bosun-User": "alice"})).json()  # fmt: skip
    assert [s["id"] for s in sessions] == [answer["session_id"]]


async def test_approval_comes_back_as_a_result_and_can_be_answered(
    plane_with_agent: Plane,
) -> None:
    async with mcp_client(plane_with_agent) as client:
        task = {"agent": "default/helper", "task": "delete the pod web-1"}
        first = structured(await client.call_tool("invoke_agent", task))
        assert first["status"] == "input_required", first
        [pending] = first["pending"]
        assert (pending["tool"], pending["arguments"]) == ("delete_pod", {"pod": "web-1"})
        assert "approve" in first["how_to_continue"] and pending["id"] in first["how_to_continue"]
        second = structured(await client.call_tool("invoke_agent", {
            "agent": "default/helper", "task": "go ahead", "session_id": first["session_id"],
            "task_id": first["task_id"], "approve": [pending["id"]]}))  # fmt: skip
    assert second["status"] == "completed", second
    assert "pod web-1 deleted" in second["answer"]


async def test_errors_are_tool_errors_that_say_why(plane_with_agent: Plane) -> None:
    async with mcp_client(plane_with_agent) as client:
        missing = await client.call_tool("invoke_agent", {"agent": "default/ghost", "task": "x"})
        sleepy = await client.call_tool("invoke_agent", {"agent": "sleepy", "task": "x"})
    assert missing.is_error and "not found" in missing.content[0].text
    assert sleepy.is_error and "not ready" in sleepy.content[0].text


async def test_other_users_sessions_are_refused(plane_with_agent: Plane) -> None:
    async with mcp_client(plane_with_agent, "alice") as alice:
        first = structured(await alice.call_tool(
            "invoke_agent", {"agent": "default/helper", "task": "hi"}))  # fmt: skip
    await plane_with_agent.settle()
    async with mcp_client(plane_with_agent, "bob") as bob:
        task = {"agent": "default/helper", "task": "hi", "session_id": first["session_id"]}
        stolen = await bob.call_tool("invoke_agent", task)
    assert stolen.is_error and "not found" in stolen.content[0].text


async def test_mcp_requires_authentication_when_enabled(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("s3cret,alice\n")
    async with control_plane(db, tmp_path, auth="token", token_file=tokens) as plane:
        async with httpx2.AsyncClient() as http:
            response = await http.post(f"{plane.url}/mcp", json={})
        assert response.status_code == 401
        async with mcp_client(plane, Authorization="Bearer s3cret") as client:
            result = await client.call_tool("list_agents", {})
        assert not result.is_error
    await db.close()


async def test_first_requests_at_once_all_reach_the_lazily_started_endpoint(
    tmp_path: Path,
) -> None:
    # /mcp starts on its first request (server/mcp_lazy.py); clients that connect at the
    # same moment must all be served by the one bridge, none refused while it starts.
    import anyio

    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    answers: list[bool] = []

    async def one() -> None:
        async with mcp_client(plane) as client:
            answers.append(not (await client.call_tool("list_agents", {})).is_error)

    async with control_plane(db, tmp_path) as plane, anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(one)
    await db.close()
    assert answers == [True] * 5
