"""The A2A proxy against a real Bosun agent (runtime in-process) and the fake LLM.

Covers: routing only Ready agents (errors say why), the card rewritten to the proxy and
usable by the a2a-sdk client, plain and streamed answers passing through unbuffered,
cancel, sessions and tasks recorded for the caller, another user's context refused, the
user and trace context reaching the agent, bearer tokens not reaching it. SQLite only
(the proxy's database work is the repositories', covered on both databases).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from server_agents import (
    A2A_HEADERS,
    SCRIPT,
    register,
    run_agent,
    send_body,
    sse_events,
    write_agent_dir,
)
from server_harness import Plane, control_plane, free_port

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts the agent runtime (pydantic-ai import: seconds)

ALICE = {"X-Bosun-User": "alice", **A2A_HEADERS}
BOB = {"X-Bosun-User": "bob", **A2A_HEADERS}
PROXY = "/api/a2a/default/helper"


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    yield db
    await db.close()


@pytest.fixture
async def setup(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Plane, str]]:
    with MockLLM(SCRIPT) as llm:
        async with control_plane(sqlite_db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)  # the runtime persists through us
            async with run_agent(tmp_path, llm) as agent_url:
                await register(plane, "helper", agent_url)
                yield plane, agent_url


async def test_answer_through_the_proxy_records_session_and_task(
    setup: tuple[Plane, str],
) -> None:
    plane, _ = setup
    response = await plane.http.post(PROXY, json=send_body("hi there"), headers=ALICE)
    assert response.status_code == 200, response.text
    task = response.json()["result"]["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    context = task["contextId"]
    await plane.settle()
    sessions = (await plane.http.get("/api/sessions", headers=ALICE)).json()
    assert [(s["id"], s["agent_name"]) for s in sessions] == [(context, "helper")]
    stored = (await plane.http.get(f"/api/tasks/{task['id']}", headers=ALICE)).json()
    assert stored["state"] == "TASK_STATE_COMPLETED" and stored["agent_name"] == "helper"
    events = (await plane.http.get(f"/api/sessions/{context}/events", headers=ALICE)).json()
    assert events, "the runtime persisted the conversation through the control plane"
    usage = (await plane.http.get("/api/usage", params={"group_by": ["agent", "user"]})).json()
    [group] = usage["groups"]
    assert (group["agent_name"], group["user_id"], group["turns"]) == ("helper", "alice", 1)
    assert group["input_tokens"] > 0 and group["output_tokens"] > 0
    assert (await plane.http.get("/api/sessions", headers=BOB)).json() == []


async def test_another_users_context_and_task_are_refused(setup: tuple[Plane, str]) -> None:
    plane, _ = setup
    first = (await plane.http.post(PROXY, json=send_body("hi"), headers=ALICE)).json()
    context, task_id = first["result"]["task"]["contextId"], first["result"]["task"]["id"]
    await plane.settle()
    hijack = await plane.http.post(PROXY, json=send_body("mine?", context=context), headers=BOB)
    assert hijack.json()["error"]["code"] == -32001
    get = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": task_id}}
    assert (await plane.http.post(PROXY, json=get, headers=BOB)).json()["error"]["code"] == -32001
    mine = (await plane.http.post(PROXY, json=get, headers=ALICE)).json()
    assert mine["result"]["id"] == task_id
    # ListTasks is answered from the control plane's records, the caller's only.
    listing = {"jsonrpc": "2.0", "id": 2, "method": "ListTasks", "params": {}}
    assert (await plane.http.post(PROXY, json=listing, headers=BOB)).json()["result"]["tasks"] == []
    alices = (await plane.http.post(PROXY, json=listing, headers=ALICE)).json()["result"]["tasks"]
    assert [t["id"] for t in alices] == [task_id]
    again = await plane.http.post(PROXY, json=send_body("more", context=context), headers=ALICE)
    assert again.json()["result"]["task"]["contextId"] == context


async def test_stream_passes_through_as_it_is_produced(setup: tuple[Plane, str]) -> None:
    plane, _ = setup
    arrivals: list[float] = []
    states: list[str] = []
    start = time.monotonic()
    async with plane.http.stream(
        "POST", PROXY, json=send_body("slow please", stream=True), headers=ALICE
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        async for event in sse_events(response):
            arrivals.append(time.monotonic() - start)
            result = event["result"]
            status = (result.get("statusUpdate") or result.get("task") or {}).get("status")
            if status:
                states.append(status["state"])
    assert states[-1] == "TASK_STATE_COMPLETED"
    # The fake LLM streams its 8 words 0.15 s apart: a buffering proxy would deliver
    # everything at once at the end.
    assert len(arrivals) >= 4
    assert arrivals[-1] - arrivals[0] > 0.5, arrivals


async def test_cancel_through_the_proxy(setup: tuple[Plane, str]) -> None:
    plane, _ = setup
    task_id = None
    async with plane.http.stream(
        "POST", PROXY, json=send_body("take forever", stream=True), headers=ALICE
    ) as response:
        async for event in sse_events(response):
            result = event["result"]
            task_id = (result.get("task") or {}).get("id") or (
                result.get("statusUpdate") or {}
            ).get("taskId")
            if task_id:
                break
    assert task_id
    cancel = {"jsonrpc": "2.0", "id": 3, "method": "CancelTask", "params": {"id": task_id}}
    answer = (await plane.http.post(PROXY, json=cancel, headers=ALICE)).json()
    assert answer.get("result", {}).get("status", {}).get("state") == "TASK_STATE_CANCELED", answer


async def test_the_a2a_sdk_client_works_through_the_rewritten_card(
    setup: tuple[Plane, str],
) -> None:
    from a2a.client import ClientConfig, create_client
    from a2a.types import Message, Part, Role, SendMessageRequest

    plane, agent_url = setup
    card = (await plane.http.get(f"{PROXY}/.well-known/agent-card.json")).json()
    urls = [i["url"] for i in card["supportedInterfaces"]]
    assert urls and set(urls) == {f"{plane.url}{PROXY}", f"{plane.url}{PROXY}/v1"}
    assert agent_url.rstrip("/") not in str(card)
    async with httpx.AsyncClient(headers={"X-Bosun-User": "carol"}, timeout=30) as http:
        client = await create_client(
            f"{plane.url}{PROXY}", ClientConfig(httpx_client=http, streaming=True)
        )
        request = SendMessageRequest(
            message=Message(message_id="m1", role=Role.ROLE_USER, parts=[Part(text="hey")])
        )
        texts = [str(event) async for event in client.send_message(request)]
        await client.close()
    await plane.settle()
    assert any("Hello from the agent" in t for t in texts)
    assert (
        len((await plane.http.get("/api/sessions", headers={"X-Bosun-User": "carol"})).json()) == 1
    )


async def test_many_concurrent_streams(setup: tuple[Plane, str]) -> None:
    plane, _ = setup

    async def one(i: int) -> str:
        async with plane.http.stream(
            "POST", PROXY, json=send_body(f"slow {i}", stream=True), headers=ALICE
        ) as response:
            last = ""
            async for event in sse_events(response):
                status = (event["result"].get("statusUpdate") or {}).get("status")
                last = status["state"] if status else last
            return last

    assert await asyncio.gather(*(one(i) for i in range(20))) == ["TASK_STATE_COMPLETED"] * 20


async def test_a_bosun_agent_process_behind_the_proxy(sqlite_db: Database, tmp_path: Path) -> None:
    """The `bosun agent` command itself (a child process), streamed through the proxy."""
    with MockLLM(SCRIPT) as llm:
        async with control_plane(sqlite_db, tmp_path) as plane:
            write_agent_dir(tmp_path / "cfg", llm, "helper")
            port = free_port()
            env = {**os.environ, "BOSUN_URL": plane.url}
            bosun = str(Path(sys.executable).parent / "bosun")
            process = await asyncio.create_subprocess_exec(
                bosun, "agent", "--config", str(tmp_path / "cfg"), "--host", "127.0.0.1",
                "--port", str(port), env=env,
            )  # fmt: skip
            try:
                url = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient() as probe:
                    for _ in range(300):
                        with contextlib.suppress(httpx.HTTPError):
                            if (await probe.get(f"{url}/health")).status_code == 200:
                                break
                        await asyncio.sleep(0.1)
                await register(plane, "helper", url)
                states = []
                async with plane.http.stream(
                    "POST", PROXY, json=send_body("slow", stream=True), headers=ALICE
                ) as response:
                    async for event in sse_events(response):
                        status = (event["result"].get("statusUpdate") or {}).get("status")
                        states.append(status["state"] if status else "")
                assert states[-1] == "TASK_STATE_COMPLETED"
                await plane.settle()
                assert len((await plane.http.get("/api/sessions", headers=ALICE)).json()) == 1
            finally:
                process.terminate()
                await asyncio.wait_for(process.wait(), 20)
